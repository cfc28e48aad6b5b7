// Form machinery shared by the configuration pages: form state with row lists, the API's
// field errors put next to the inputs that caused them, input helpers and the destination
// picker. Routing errors name paths inside the routing document (`outbound_routes[2]
// .patterns[0].strip`); `errorsOf` drops the `<list>[i].` prefix so they match the form's own
// field names (`patterns[0].strip`), which are also the names the API uses for parse errors.
import { html, useState, useEffect } from './html.js';
import { api } from './api.js';
import { Field, Notice, fid } from './widgets.js';

/** Form text → API number; blank → null; text that is no integer is sent as is (the API names it). */
export function num(text) {
  const t = String(text ?? '').trim();
  if (t === '') return null;
  return /^-?\d+$/.test(t) ? Number(t) : t;
}

/** Form text → string or null when blank. */
export function opt(text) {
  const t = String(text ?? '').trim();
  return t === '' ? null : t;
}

/** "a, b c" → ['a', 'b', 'c']. */
export function words(text) {
  return String(text ?? '').split(/[\s,;]+/).filter(Boolean);
}

/** API value → form text (null/undefined → ''). */
export const txt = (v) => (v === null || v === undefined ? '' : Array.isArray(v) ? v.join(', ') : String(v));

/** `{field: message}` of an ApiError, without the routing list prefix (`_` = no field). */
export function errorsOf(err, listName) {
  const out = {};
  const fe = err && err.fieldErrors ? err.fieldErrors() : {};
  const strip = listName ? new RegExp(`^${listName}\\[\\d+\\]\\.?`) : null;
  for (const [k, m] of Object.entries(fe)) {
    const key = (strip ? k.replace(strip, '') : k) || '_';
    out[key] = out[key] ? `${out[key]}; ${m}` : m;
  }
  return out;
}

/**
 * Form state and submission. `save(values)` does the API call and may throw an ApiError;
 * its field messages land next to the fields (`err(name)` claims them while rendering), and
 * whatever no field claimed is listed by `rest()` at the end of the form.
 */
export function useForm(init, { listName = null, save }) {
  const [values, setValues] = useState(init);
  const [errors, setErrors] = useState({});
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  /** Set field `k` to `v`, or to `v(current)` when `v` is a function. */
  const set = (k, v) => setValues((x) => ({ ...x, [k]: typeof v === 'function' ? v(x[k]) : v }));
  const setRow = (list, i, k, v) => setValues((x) => ({
    ...x, [list]: x[list].map((r, j) => (j === i ? { ...r, [k]: v } : r)),
  }));
  const addRow = (list, row) => setValues((x) => ({ ...x, [list]: [...x[list], row] }));
  const delRow = (list, i) => setValues((x) => ({ ...x, [list]: x[list].filter((_, j) => j !== i) }));
  const submit = async (e) => {
    if (e) e.preventDefault();
    setBusy(true);
    setErrors({}); // old messages go at once; the answer brings the current ones
    setError(null);
    try {
      await save(values);
      setErrors({});
      setError(null);
    } catch (err) {
      const fe = errorsOf(err, listName);
      setErrors(fe);
      setError(Object.keys(fe).length ? null : err);
    }
    setBusy(false);
  };

  const claimed = new Set();
  /** The messages for `name` (and, with `prefix`, for paths below it) not yet shown. */
  const err = (name, prefix = false) => {
    const names = Array.isArray(name) ? name : [name];
    const msgs = [];
    for (const [k, m] of Object.entries(errors)) {
      if (claimed.has(k)) continue;
      const hit = names.some((n) => k === n
        || (prefix && (k.startsWith(`${n}.`) || k.startsWith(`${n}[`))));
      if (hit) { claimed.add(k); msgs.push(m); }
    }
    return msgs.length ? msgs.join('; ') : undefined;
  };
  /** Messages no field claimed, and a failure without a field; put last in the form. */
  const rest = () => {
    const left = Object.entries(errors).filter(([k]) => !claimed.has(k));
    return html`<${Notice} error=${error} />
      ${left.length ? html`<ul class="errors" id="form-errors">${left.map(([k, m]) => html`
        <li key=${k}>${k === '_' ? m : `${k}: ${m}`}</li>`)}</ul>` : null}`;
  };

  const input = (name, type = 'text', extra = {}) => html`<input id=${`f-${fid(name)}`} name=${name}
    type=${type} value=${txt(values[name])} onInput=${(e) => set(name, e.currentTarget.value)} ...${extra} />`;
  const check = (name) => html`<input id=${`f-${fid(name)}`} name=${name} type="checkbox"
    checked=${!!values[name]} onChange=${(e) => set(name, e.currentTarget.checked)} />`;
  const select = (name, options) => html`<select id=${`f-${fid(name)}`} name=${name}
    value=${txt(values[name])} onChange=${(e) => set(name, e.currentTarget.value)}>
    ${options.map((o) => (Array.isArray(o)
      ? html`<option value=${o[0]}>${o[1]}</option>` : html`<option value=${o}>${o}</option>`))}</select>`;
  /** A labelled field with its messages; `prefix` also claims paths below `name`. */
  const F = (label, name, control, { hint, prefix = false, also = [], wide = false } = {}) => html`
    <${Field} label=${label} name=${name} error=${err([name, ...also], prefix)} hint=${hint}
      wide=${wide}>${control}<//>`;
  /** An input of row `i` of list `list`, named like the API path `list[i].key`. */
  const rowInput = (list, i, key, type = 'text', extra = {}) => html`<input
    id=${`f-${fid(`${list}[${i}].${key}`)}`} name=${`${list}[${i}].${key}`} type=${type}
    aria-label=${extra.label || key}
    value=${txt(values[list][i][key])} onInput=${(e) => setRow(list, i, key, e.currentTarget.value)} />`;
  /** The message of a row cell, shown under it. */
  const rowErr = (list, i, key) => {
    const m = err(`${list}[${i}].${key}`, true);
    return m ? html`<p class="field-error" id=${`err-${fid(`${list}[${i}].${key}`)}`}>${m}</p>` : null;
  };
  return {
    values, set, setValues, setRow, addRow, delRow, errors, err, rest, submit, busy,
    input, check, select, F, rowInput, rowErr,
  };
}

/** Buttons at the end of a form. */
export function Actions({ busy, creating, onCancel }) {
  return html`<div class="actions">
    <button type="submit" class="primary" disabled=${busy}>${creating ? 'Create' : 'Save'}</button>
    <button type="button" onClick=${onCancel}>Cancel</button>
  </div>`;
}

/** Destination types and the field holding their target. */
export const DEST_TYPES = [
  ['extension', 'Extension', 'number'],
  ['department', 'Department', 'number'],
  ['ivr', 'IVR', 'number'],
  ['time_condition', 'Time condition', 'id'],
  ['voicemail', 'Voicemail', 'extension'],
  ['queue', 'Queue', 'number'],
  ['conference', 'Conference', 'number'],
  ['return_to_ivr', 'Return to IVR', null],
  ['hangup', 'Hang up', null],
];

/** A destination as one line, e.g. "extension 101". */
export function destText(d) {
  if (!d) return '';
  const t = DEST_TYPES.find((x) => x[0] === d.type);
  if (!t) return String(d.type);
  return t[2] ? `${t[1].toLowerCase()} ${d[t[2]] ?? ''}` : t[1].toLowerCase();
}

/** What destinations can point at: extensions, departments, IVRs, time conditions. */
export function useTargets() {
  const [targets, setTargets] = useState({});
  useEffect(() => {
    const get = (p) => api('GET', p).catch(() => []);
    Promise.all([get('/api/v1/extensions'), get('/api/v1/departments'), get('/api/v1/ivrs'),
      get('/api/v1/time-conditions')]).then(([ext, dep, ivr, tc]) => {
      const ex = ext.map((e) => [e.number, `${e.number} ${e.name || ''}`.trim()]);
      setTargets({
        extension: ex,
        voicemail: ex,
        department: dep.map((d) => [d.number, `${d.number} ${d.name || ''}`.trim()]),
        ivr: ivr.map((i) => [i.number, `${i.number} ${i.name || ''}`.trim()]),
        time_condition: tc.map((t) => [t.id, t.id]),
      });
    });
  }, []);
  return targets;
}

/** A destination picker: type, then the target from the existing resources (or typed). */
export function DestinationPicker({ name, value, onChange, targets, inIvr = false }) {
  const d = value || { type: 'hangup' };
  const t = DEST_TYPES.find((x) => x[0] === d.type) || DEST_TYPES[DEST_TYPES.length - 1];
  const key = t[2];
  const choices = (targets && targets[d.type]) || null;
  const setType = (type) => {
    const nt = DEST_TYPES.find((x) => x[0] === type);
    const next = { type };
    if (nt && nt[2]) {
      const list = (targets && targets[type]) || [];
      next[nt[2]] = list.length ? list[0][0] : '';
    }
    onChange(next);
  };
  const id = fid(name);
  return html`<div class="dest">
    <select id=${`f-${id}`} name=${`${name}.type`} aria-label="Destination type" value=${d.type}
      onChange=${(e) => setType(e.currentTarget.value)}>
      ${DEST_TYPES.filter((x) => inIvr || x[0] !== 'return_to_ivr')
        .map((x) => html`<option value=${x[0]}>${x[1]}</option>`)}
    </select>
    ${key && choices ? html`<select id=${`f-${id}-target`} name=${`${name}.${key}`}
        aria-label="Destination target" value=${d[key] ?? ''}
        onChange=${(e) => onChange({ ...d, [key]: e.currentTarget.value })}>
        ${choices.some((c) => c[0] === d[key]) ? null : html`<option value=${d[key] ?? ''}>${d[key] || '(choose)'}</option>`}
        ${choices.map((c) => html`<option value=${c[0]}>${c[1]}</option>`)}</select>`
      : key ? html`<input id=${`f-${id}-target`} name=${`${name}.${key}`} aria-label="Destination target"
        value=${d[key] ?? ''} inputmode="numeric"
        onInput=${(e) => onChange({ ...d, [key]: e.currentTarget.value })} />` : null}
  </div>`;
}

/** The API destination from the picker's value (only the type's own target field). */
export function destBody(d) {
  const v = d || { type: 'hangup' };
  const t = DEST_TYPES.find((x) => x[0] === v.type);
  if (!t || !t[2]) return { type: v.type };
  return { type: v.type, [t[2]]: String(v[t[2]] ?? '').trim() };
}

/**
 * An ordered choice of several items (trunks of a route, members of a department): the
 * chosen ones in order with up and remove buttons, and a select to add another. `onChange`
 * receives an updater function of the current list (`useForm`'s `set` takes one).
 */
export function OrderedPicker({ name, value, options, onChange, label = 'item' }) {
  const chosen = value || [];
  const left = (options || []).filter((o) => !chosen.includes(o[0]));
  const labelOf = (v) => ((options || []).find((o) => o[0] === v) || [v, v])[1];
  // Changes are updaters of the current list, so quick successive picks all count.
  const add = (v) => onChange((cur) => ((cur || []).includes(v) ? cur : [...(cur || []), v]));
  const remove = (v) => onChange((cur) => (cur || []).filter((x) => x !== v));
  const up = (v) => onChange((cur) => {
    const l = [...(cur || [])];
    const i = l.indexOf(v);
    if (i > 0) [l[i - 1], l[i]] = [l[i], l[i - 1]];
    return l;
  });
  const id = fid(name);
  return html`<div class="picker" id=${`f-${id}`}>
    <ol class="chosen">${chosen.map((v, i) => html`<li key=${v} data-value=${v}>
      <span>${labelOf(v)}</span>
      <button type="button" class="mini" aria-label=${`Move ${v} up`} disabled=${i === 0}
        onClick=${() => up(v)}>↑</button>
      <button type="button" class="mini" aria-label=${`Remove ${v}`}
        onClick=${() => remove(v)}>✕</button></li>`)}
    </ol>
    <select id=${`f-${id}-add`} aria-label=${`Add ${label}`} value=""
      onChange=${(e) => { const v = e.currentTarget.value; if (v) add(v); e.currentTarget.value = ''; }}>
      <option value="">${`Add ${label}…`}</option>
      ${left.map((o) => html`<option value=${o[0]}>${o[1]}</option>`)}
    </select>
  </div>`;
}

/** Options `[value, label]` loaded once from `path`: `pick(answer)` is the list, `item(x)` one option. */
export function useOptions(path, item, pick = (x) => x) {
  const [opts, setOpts] = useState([]);
  useEffect(() => {
    api('GET', path).then((a) => setOpts((pick(a) || []).map(item))).catch(() => setOpts([]));
  }, [path]);
  return opts;
}

/** A field message on its own line (for row tables), or nothing. */
export function errLine(name, message) {
  return message ? html`<p class="field-error" id=${`err-${fid(name)}`}>${message}</p>` : null;
}
