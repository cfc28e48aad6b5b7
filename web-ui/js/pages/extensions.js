// Extensions: searchable, sortable list; create/edit/delete with the API's validation
// messages shown next to each field; bulk creation of a number range with generated secrets;
// CSV export and all-or-nothing CSV import (the API names the line and field of a problem).
import { html, useState, useMemo } from '../html.js';
import { api, saveBlob, download, upload } from '../api.js';
import {
  Notice, Field, Input, Check, useLoad, useSorted, SortHeader,
} from '../widgets.js';

const DTMF = ['rfc4733', 'info', 'inband', 'auto'];
const NUMBERS = ['max_contacts', 'register_expiry', 'qualify_interval'];
const LISTS = ['codecs', 'permit'];
const FLAGS = ['voicemail', 'nat', 'remote', 'record_calls'];

/** Form values (strings/booleans) from an extension as the API returns it. */
function toForm(ext) {
  if (!ext) {
    return { number: '', name: '', secret: '', max_contacts: '', codecs: '', permit: '',
      dtmf_mode: '', register_expiry: '', qualify_interval: '',
      voicemail: true, nat: true, remote: false, record_calls: false };
  }
  const v = { ...ext, secret: '' };
  for (const k of LISTS) v[k] = (ext[k] || []).join(', ');
  for (const k of NUMBERS) v[k] = String(ext[k] ?? '');
  return v;
}

/**
 * The JSON body for the API. Blank optional fields are left out (server defaults / kept);
 * numbers that do not parse are sent as text so the API names the field.
 */
function toBody(v, creating, original) {
  const body = {};
  if (creating) body.number = v.number.trim();
  body.name = v.name;
  if (v.secret !== '') body.secret = v.secret;
  for (const k of NUMBERS) {
    const t = String(v[k]).trim();
    if (t === '') continue;
    body[k] = /^-?\d+$/.test(t) ? Number(t) : t;
  }
  for (const k of LISTS) {
    const t = String(v[k]).trim();
    if (t === '' && creating) continue;
    body[k] = t === '' ? [] : t.split(/[\s,]+/).filter(Boolean);
  }
  if (v.dtmf_mode) body.dtmf_mode = v.dtmf_mode;
  for (const k of FLAGS) body[k] = !!v[k];
  if (!creating && original) {
    // PATCH only what changed.
    const before = toBody(toForm(original), false, null);
    for (const k of Object.keys(body)) {
      if (k !== 'secret' && JSON.stringify(body[k]) === JSON.stringify(before[k])) delete body[k];
    }
  }
  return body;
}

function ExtensionForm({ ext, onDone, onCancel }) {
  const creating = !ext;
  const [values, setValues] = useState(() => toForm(ext));
  const [errors, setErrors] = useState({});
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const set = (k, val) => setValues((v) => ({ ...v, [k]: val }));
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    try {
      const body = toBody(values, creating, ext);
      const saved = creating
        ? await api('POST', '/api/v1/extensions', body)
        : await api('PATCH', `/api/v1/extensions/${encodeURIComponent(ext.number)}`, body);
      onDone(saved, creating);
    } catch (err) {
      const fe = err.fieldErrors ? err.fieldErrors() : {};
      setErrors(fe);
      const shown = Object.keys(fe).some((k) => k in values);
      setError(shown ? null : err);
      setBusy(false);
    }
  };
  const F = (label, name, control, hint) => html`<${Field} label=${label} name=${name}
    error=${errors[name]} hint=${hint}>${control}<//>`;
  const I = (name, type = 'text', extra = {}) => html`<${Input} name=${name} values=${values}
    set=${set} type=${type} ...${extra} />`;
  const C = (name) => html`<${Check} name=${name} values=${values} set=${set} />`;
  return html`<form class="card form" id="extension-form" onSubmit=${submit} novalidate>
    <h2>${creating ? 'New extension' : `Extension ${ext.number}`}</h2>
    <div class="grid">
      ${creating ? F('Number', 'number', I('number', 'text', { inputmode: 'numeric', autocomplete: 'off' })) : null}
      ${F('Name', 'name', I('name'))}
      ${F('SIP password', 'secret', I('secret', 'password', { autocomplete: 'new-password' }),
        creating ? 'At least 8 characters, letters and digits' : 'Leave empty to keep')}
      ${F('Simultaneous registrations', 'max_contacts', I('max_contacts', 'number'), creating ? 'Default 1' : '')}
      ${F('Codecs', 'codecs', I('codecs'), 'In order of preference, e.g. PCMU, PCMA, G722')}
      ${F('DTMF mode', 'dtmf_mode', html`<select id="f-dtmf_mode" name="dtmf_mode" value=${values.dtmf_mode}
          onChange=${(e) => set('dtmf_mode', e.currentTarget.value)}>
          ${creating ? html`<option value="">default</option>` : null}
          ${DTMF.map((d) => html`<option value=${d}>${d}</option>`)}</select>`)}
      ${F('Registration expiry (s)', 'register_expiry', I('register_expiry', 'number'))}
      ${F('Qualify interval (s)', 'qualify_interval', I('qualify_interval', 'number'))}
      ${F('Permitted networks', 'permit', I('permit'), 'CIDR list; default everywhere')}
      <div class="checks">
        ${F('Voicemail', 'voicemail', C('voicemail'))}
        ${F('NAT', 'nat', C('nat'))}
        ${F('Remote extension', 'remote', C('remote'))}
        ${F('Record calls', 'record_calls', C('record_calls'))}
      </div>
    </div>
    <${Notice} error=${error} />
    <div class="actions">
      <button type="submit" class="primary" disabled=${busy}>${creating ? 'Create' : 'Save'}</button>
      <button type="button" onClick=${onCancel}>Cancel</button>
    </div>
  </form>`;
}

/** A random SIP secret that satisfies the API's rules and does not contain `number`. */
function generateSecret(number) {
  const letters = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ';
  const all = `${letters}23456789`;
  for (;;) {
    const bytes = crypto.getRandomValues(new Uint8Array(14));
    const s = Array.from(bytes, (b) => all[b % all.length]).join('');
    if (/[a-z]/.test(s) && /[A-Z]/.test(s) && /\d/.test(s) && !s.includes(number)) return s;
  }
}

function BulkForm({ onDone, onCancel }) {
  const [values, setValues] = useState({ from: '', to: '', prefix: 'Extension ' });
  const [progress, setProgress] = useState(null);
  const [errors, setErrors] = useState({});
  const set = (k, val) => setValues((v) => ({ ...v, [k]: val }));
  const submit = async (e) => {
    e.preventDefault();
    const from = Number(values.from);
    const to = Number(values.to);
    const fe = {};
    if (!/^\d+$/.test(values.from)) fe.from = 'must be a number';
    if (!/^\d+$/.test(values.to)) fe.to = 'must be a number';
    else if (to < from) fe.to = 'must not be below the first number';
    else if (to - from >= 500) fe.to = 'at most 500 extensions at once';
    setErrors(fe);
    if (Object.keys(fe).length) return;
    const width = values.from.length;
    const created = [];
    const failed = [];
    for (let n = from; n <= to; n += 1) {
      const number = String(n).padStart(width, '0');
      const secret = generateSecret(number);
      setProgress({ done: n - from, total: to - from + 1, created, failed });
      try {
        await api('POST', '/api/v1/extensions', { number, name: `${values.prefix}${number}`.trim(), secret });
        created.push({ number, secret });
      } catch (err) {
        failed.push({ number, message: err.field ? `${err.field}: ${err.message}` : err.message });
      }
    }
    setProgress({ done: to - from + 1, total: to - from + 1, created, failed, finished: true });
    onDone();
  };
  const csv = () => {
    const lines = ['number,secret', ...progress.created.map((c) => `${c.number},${c.secret}`)];
    saveBlob(new Blob([`${lines.join('\n')}\n`], { type: 'text/csv' }), 'extensions.csv');
  };
  return html`<form class="card form" id="bulk-form" onSubmit=${submit} novalidate>
    <h2>Create a range of extensions</h2>
    <div class="grid">
      <${Field} label="First number" name="from" error=${errors.from}>
        <${Input} name="from" values=${values} set=${set} inputmode="numeric" /><//>
      <${Field} label="Last number" name="to" error=${errors.to}>
        <${Input} name="to" values=${values} set=${set} inputmode="numeric" /><//>
      <${Field} label="Name prefix" name="prefix">
        <${Input} name="prefix" values=${values} set=${set} /><//>
    </div>
    <p class="hint">Each extension gets a random SIP password; download them when done.</p>
    ${progress ? html`<p role="status" id="bulk-progress">
      ${progress.finished ? 'Done' : 'Working'}: ${progress.created.length} created,
      ${' '}${progress.failed.length} failed of ${progress.total}.</p>` : null}
    ${progress && progress.failed.length ? html`<ul class="errors">
      ${progress.failed.map((f) => html`<li key=${f.number}>${f.number}: ${f.message}</li>`)}</ul>` : null}
    <div class="actions">
      <button type="submit" class="primary" disabled=${progress && !progress.finished}>Create range</button>
      ${progress && progress.finished && progress.created.length
        ? html`<button type="button" onClick=${csv}>Download passwords (CSV)</button>` : null}
      <button type="button" onClick=${onCancel}>Close</button>
    </div>
  </form>`;
}

/** Why a CSV import was refused: the API's message, with the line and column it names. */
function ImportError({ err }) {
  const line = err.line || Number((/^line (\d+)/.exec(err.message) || [])[1]) || null;
  const where = [line ? `line ${line}` : '', err.field ? `column ${err.field}` : ''].filter(Boolean).join(', ');
  return html`<div class="notice error" role="alert" id="ext-import-error">
    Nothing was imported: ${err.message}
    ${where ? html`<p class="field-error" id="ext-import-where">At ${where}.</p>` : null}
  </div>`;
}

export function Extensions() {
  const exts = useLoad(() => api('GET', '/api/v1/extensions'));
  const regs = useLoad(() => api('GET', '/api/v1/registrations'), [],
    (ev) => ev.type.startsWith('registration.'));
  const [q, setQ] = useState('');
  const [mode, setMode] = useState(null); // null | 'new' | 'bulk' | extension object
  const [confirm, setConfirm] = useState(null);
  const [note, setNote] = useState(null);
  const [error, setError] = useState(null);
  const registered = useMemo(() => new Set((regs.data || []).map((r) => r.extension)), [regs.data]);
  const rows = useMemo(() => (exts.data || [])
    .map((e) => ({ ...e, state: registered.has(e.number) ? 'registered' : 'unregistered' }))
    .filter((e) => !q || e.number.includes(q) || e.name.toLowerCase().includes(q.toLowerCase())),
  [exts.data, registered, q]);
  const { sorted, sort, by } = useSorted(rows, 'number');
  const H = (label, col) => html`<${SortHeader} label=${label} col=${col} sort=${sort} by=${by} />`;

  const remove = async (number) => {
    setConfirm(null);
    try {
      await api('DELETE', `/api/v1/extensions/${encodeURIComponent(number)}`);
      setNote(`Extension ${number} deleted.`);
      setError(null);
      exts.reload();
    } catch (e) {
      setError(e);
    }
  };
  const [importErr, setImportErr] = useState(null);
  const exportCsv = () => download('/api/v1/extensions.csv', 'extensions.csv').catch(setError);
  const importCsv = async (e) => {
    const input = e.currentTarget;
    const file = input.files[0];
    if (!file) return;
    setNote(null);
    setImportErr(null);
    setError(null);
    try {
      const r = await upload('POST', '/api/v1/extensions.csv', file, 'text/csv');
      setNote(`Imported ${file.name}: ${r.created} created, ${r.updated} updated.`);
    } catch (err) {
      setImportErr(err);
    }
    input.value = ''; // the same file may be picked again after fixing it
    exts.reload();
  };
  const done = (saved, creating) => {
    setMode(null);
    setError(null);
    setNote(saved ? `Extension ${saved.number} ${creating ? 'created' : 'saved'}.` : null);
    exts.reload();
  };

  return html`<section>
    <header class="page-head"><h1>Extensions</h1>
      <input type="search" id="ext-search" placeholder="Search number or name"
        aria-label="Search extensions" value=${q} onInput=${(e) => setQ(e.currentTarget.value)} />
      <button type="button" class="primary" onClick=${() => { setNote(null); setMode('new'); }}>New extension</button>
      <button type="button" onClick=${() => { setNote(null); setMode('bulk'); }}>Bulk create</button>
      <button type="button" id="ext-export" onClick=${exportCsv}>Export CSV</button>
      <label class="button" for="ext-import">Import CSV</label>
      <input type="file" id="ext-import" class="visually-hidden" accept=".csv,text/csv" onChange=${importCsv} />
    </header>
    <${Notice} error=${exts.error || error} />
    ${importErr ? html`<${ImportError} err=${importErr} />` : null}
    ${note ? html`<p class="notice ok" role="status">${note}</p>` : null}
    ${mode === 'new' ? html`<${ExtensionForm} key="new" onDone=${done} onCancel=${() => setMode(null)} />` : null}
    ${mode === 'bulk' ? html`<${BulkForm} onDone=${() => exts.reload()} onCancel=${() => setMode(null)} />` : null}
    ${mode && typeof mode === 'object' ? html`<${ExtensionForm} key=${mode.number} ext=${mode}
      onDone=${done} onCancel=${() => setMode(null)} />` : null}
    <div class="card scroll"><table id="extensions">
      <thead><tr>${H('Number', 'number')}${H('Name', 'name')}${H('Registrations', 'max_contacts')}
        ${H('State', 'state')}<th>Actions</th></tr></thead>
      <tbody>${sorted.map((e) => html`<tr key=${e.number} data-ext=${e.number}>
        <td>${e.number}</td><td class="name">${e.name}</td><td>${e.max_contacts}</td>
        <td><span class=${`badge ${e.state === 'registered' ? 'ok' : 'off'}`}>${e.state}</span></td>
        <td class="row-actions">
          <button type="button" onClick=${() => { setNote(null); setMode(e); }}>Edit</button>
          ${confirm === e.number
            ? html`<button type="button" class="danger" onClick=${() => remove(e.number)}>Confirm delete</button>
                   <button type="button" onClick=${() => setConfirm(null)}>Keep</button>`
            : html`<button type="button" onClick=${() => setConfirm(e.number)}>Delete</button>`}
        </td></tr>`)}
      </tbody>
    </table>
    ${exts.data ? html`<p class="count">${sorted.length} of ${exts.data.length} extensions</p>` : null}
    </div>
  </section>`;
}
