// Global settings: every field the API returns, edited in place. Saving sends only what
// changed; the PBX uses it at once (there is no "apply" step). Only admins may change
// settings; anyone else sees the API's refusal instead of the form. The whole configuration
// (settings, extensions, routing; no secrets) can be exported as JSON and imported again
// (PUT /api/v1/config replaces everything in one transaction or names the bad field).
import { html, useState, useEffect } from '../html.js';
import { api, currentSession, download, upload } from '../api.js';
import { Notice, Field } from '../widgets.js';

/** Human labels for known settings; unknown ones show their API name. */
const LABELS = {
  realm: 'SIP realm',
  default_expiry: 'Default registration expiry (s)',
  min_expires: 'Minimum registration expiry (s)',
  max_expires: 'Maximum registration expiry (s)',
  qualify_interval: 'Qualify interval (s)',
  qualify_timeout: 'Qualify timeout (s)',
  global_ring_time: 'Ring time (s)',
  call_waiting: 'Call waiting',
  recording_stereo: 'Record calls in stereo',
  max_concurrent_calls: 'Maximum concurrent calls',
  rtp_timeout: 'RTP timeout (s)',
  digest_algorithms: 'Digest algorithms',
  user_extension_range: 'User extension range',
  conference_range: 'Conference range',
  queue_range: 'Queue range',
  department_range: 'Department range',
  paging_range: 'Paging range',
  ivr_range: 'IVR range',
  disa_range: 'DISA range',
  tone_zone: 'Tone zone (region)',
};

/** Form text for a setting value. */
const show = (v) => (Array.isArray(v) ? v.join(', ') : (v === null || v === undefined ? '' : v));

/** Whether a setting is edited as one input (nested objects are shown read-only). */
const editable = (v) => v === null || Array.isArray(v) || typeof v !== 'object';

/** The API value for form text, typed like the current value. */
function parse(text, current) {
  if (typeof current === 'boolean') return !!text;
  if (typeof current === 'number') {
    const t = String(text).trim();
    return /^-?\d+$/.test(t) ? Number(t) : t; // let the API name a bad number
  }
  if (Array.isArray(current)) return String(text).split(/[\s,]+/).filter(Boolean);
  if (current === null && text === '') return null;
  return text;
}

export function Settings() {
  const session = currentSession();
  const [saved, setSaved] = useState(null);
  const [values, setValues] = useState(null);
  const [errors, setErrors] = useState({});
  const [error, setError] = useState(null);
  const [note, setNote] = useState(null);
  const [busy, setBusy] = useState(false);
  const admin = session && session.role === 'admin';

  const [gen, setGen] = useState(0);
  const [cfgNote, setCfgNote] = useState(null);
  const [cfgErr, setCfgErr] = useState(null);
  useEffect(() => {
    if (!admin) return;
    api('GET', '/api/v1/settings').then((s) => { setSaved(s); setValues(s); })
      .catch(setError);
  }, [admin, gen]);
  const exportConfig = () => {
    setCfgErr(null);
    const day = new Date().toISOString().slice(0, 10);
    download('/api/v1/config', `rotary-config-${day}.json`)
      .then(() => setCfgNote('Configuration exported (without passwords).')).catch(setCfgErr);
  };
  const importConfig = async (e) => {
    const input = e.currentTarget;
    const file = input.files[0];
    if (!file) return;
    setCfgNote(null);
    setCfgErr(null);
    try {
      await upload('PUT', '/api/v1/config', file, 'application/json');
      setCfgNote(`Configuration imported from ${file.name}; in effect now.`);
      setErrors({});
      setGen((g) => g + 1);
    } catch (err) {
      setCfgErr(err);
    }
    input.value = '';
  };

  if (!admin) {
    return html`<section><header class="page-head"><h1>Settings</h1></header>
      <p class="notice error" role="alert" id="settings-denied">
        Only an administrator may change the settings.
        ${session && session.denied ? ` The PBX answered ${session.denied}` : ''}
      </p></section>`;
  }

  const set = (k, v) => setValues((x) => ({ ...x, [k]: v }));
  const submit = async (e) => {
    e.preventDefault();
    const body = {};
    for (const k of Object.keys(saved)) {
      if (!editable(saved[k])) continue;
      const v = parse(show(values[k]), saved[k]);
      if (JSON.stringify(v) !== JSON.stringify(saved[k])) body[k] = v;
    }
    if (Object.keys(body).length === 0) { setNote('Nothing changed.'); return; }
    setBusy(true);
    try {
      const now = await api('PATCH', '/api/v1/settings', body);
      setSaved(now);
      setValues(now);
      setErrors({});
      setError(null);
      setNote(`Saved ${Object.keys(body).join(', ')}; in effect now.`);
    } catch (err) {
      const fe = err.fieldErrors ? err.fieldErrors() : {};
      setErrors(fe);
      setError(Object.keys(fe).some((k) => k in saved) ? null : err);
      setNote(null);
    }
    setBusy(false);
  };

  return html`<section>
    <header class="page-head"><h1>Settings</h1>
      <button type="button" id="config-export" onClick=${exportConfig}>Export configuration</button>
      <label class="button" for="config-import">Import configuration</label>
      <input type="file" id="config-import" class="visually-hidden" accept=".json,application/json"
        onChange=${importConfig} />
    </header>
    ${cfgNote ? html`<p class="notice ok" role="status" id="config-note">${cfgNote}</p>` : null}
    ${cfgErr ? html`<p class="notice error" role="alert" id="config-error">
      Nothing was imported: ${cfgErr.message}
      ${cfgErr.field && !cfgErr.message.includes(cfgErr.field) ? ` (field ${cfgErr.field})` : ''}</p>` : null}
    <${Notice} error=${error} />
    ${note ? html`<p class="notice ok" role="status" id="settings-note">${note}</p>` : null}
    ${values ? html`<form class="card form" id="settings-form" onSubmit=${submit} novalidate>
      <div class="grid">
        ${Object.keys(saved).map((k) => html`<${Field} key=${k} label=${LABELS[k] || k} name=${k} error=${errors[k]}>
          ${!editable(saved[k]) ? html`<code class="readonly">${JSON.stringify(saved[k])}</code>`
            : typeof saved[k] === 'boolean'
            ? html`<input id=${`f-${k}`} name=${k} type="checkbox" checked=${!!values[k]}
                onChange=${(e) => set(k, e.currentTarget.checked)} />`
            : html`<input id=${`f-${k}`} name=${k} type=${typeof saved[k] === 'number' ? 'number' : 'text'}
                value=${show(values[k])} onInput=${(e) => set(k, e.currentTarget.value)} />`}
        <//>`)}
      </div>
      <div class="actions"><button type="submit" class="primary" disabled=${busy}>Save</button></div>
    </form>` : null}
  </section>`;
}
