// Shared building blocks of the pages: notices, form fields with the API's inline messages,
// sortable tables and a data-loading hook.
import { html, useState, useEffect, useCallback, useMemo } from './html.js';
import { onEvent } from './events.js';

/** An error (ApiError or string) shown prominently; nothing when empty. */
export function Notice({ error, kind = 'error' }) {
  if (!error) return null;
  const text = typeof error === 'string' ? error
    : (error.status ? `${error.status} ${statusText(error.status)}: ${error.message}` : error.message);
  return html`<p class=${`notice ${kind}`} role=${kind === 'error' ? 'alert' : 'status'}>${text}</p>`;
}

function statusText(status) {
  return {
    400: 'Invalid', 401: 'Not logged in', 403: 'Forbidden', 404: 'Not found',
    409: 'Conflict', 429: 'Too many attempts', 500: 'Server error',
  }[status] || 'Error';
}

/** A labelled form control with the API's message for `name` below it. */
export function Field({ label, name, error, hint, children, wide, id = null }) {
  return html`<div class=${`field${error ? ' invalid' : ''}${wide ? ' wide' : ''}`}>
    <label for=${id || `f-${fid(name)}`}>${label}</label>
    ${children}
    ${hint && !error ? html`<small class="hint">${hint}</small>` : null}
    ${error ? html`<p class="field-error" id=${`err-${fid(name)}`} data-field=${name}>${error}</p>` : null}
  </div>`;
}

/**
 * The element-id form of a field name: API paths such as `patterns[0].strip` become
 * `patterns_0__strip`, so ids stay plain CSS selectors (`#f-patterns_0__strip`).
 */
export function fid(name) {
  return String(name).replace(/[^A-Za-z0-9_-]/g, '_');
}

/** Text/number input bound to `values[name]`. */
export function Input({ name, values, set, type = 'text', ...rest }) {
  const v = values[name];
  return html`<input id=${`f-${fid(name)}`} name=${name} type=${type}
    value=${v === undefined || v === null ? '' : v}
    onInput=${(e) => set(name, e.currentTarget.value)} ...${rest} />`;
}

/** Checkbox bound to `values[name]`. */
export function Check({ name, values, set }) {
  return html`<input id=${`f-${fid(name)}`} name=${name} type="checkbox" checked=${!!values[name]}
    onChange=${(e) => set(name, e.currentTarget.checked)} />`;
}

/** Rows sorted by a column the user picks; click again to reverse. */
export function useSorted(rows, initial) {
  const [sort, setSort] = useState({ key: initial, dir: 1 });
  const sorted = useMemo(() => {
    const out = [...(rows || [])];
    const k = sort.key;
    out.sort((a, b) => {
      const x = a[k]; const y = b[k];
      const nx = Number(x); const ny = Number(y);
      let c;
      if (x !== '' && y !== '' && Number.isFinite(nx) && Number.isFinite(ny)) c = nx - ny;
      else c = String(x ?? '').localeCompare(String(y ?? ''));
      return c * sort.dir;
    });
    return out;
  }, [rows, sort]);
  const by = (key) => setSort((s) => ({ key, dir: s.key === key ? -s.dir : 1 }));
  return { sorted, sort, by };
}

/** A column header that sorts its table. */
export function SortHeader({ label, col, sort, by }) {
  const active = sort.key === col;
  const aria = active ? (sort.dir > 0 ? 'ascending' : 'descending') : 'none';
  return html`<th aria-sort=${aria}>
    <button type="button" class="sort" onClick=${() => by(col)}>
      ${label}${active ? (sort.dir > 0 ? ' ▲' : ' ▼') : ''}
    </button>
  </th>`;
}

/**
 * Load data with `fn()` now, whenever `deps` change, and (when `live(event)` says so) on
 * matching PBX events and every event-stream resync; with `pollMs`, also that often (for
 * data no event announces). Returns { data, error, reload }.
 */
export function useLoad(fn, deps = [], live = null, pollMs = 0) {
  const [data, setData] = useState(null);
  const [error, setError] = useState(null);
  const reload = useCallback(async () => {
    try {
      setData(await fn());
      setError(null);
    } catch (e) {
      setError(e);
    }
  }, deps);
  useEffect(() => { reload(); }, [reload]);
  useEffect(() => {
    if (!live) return undefined;
    let pending = null;
    const off = onEvent((ev) => {
      if (ev.type !== 'resync' && !live(ev)) return;
      clearTimeout(pending);
      pending = setTimeout(reload, 100);
    });
    return () => { off(); clearTimeout(pending); };
  }, [reload]);
  useEffect(() => {
    if (!pollMs) return undefined;
    const t = setInterval(() => { if (!document.hidden) reload(); }, pollMs);
    return () => clearInterval(t);
  }, [reload]);
  return { data, error, reload };
}

/** RFC 3339 → local "YYYY-MM-DD HH:MM:SS" (the raw text when it does not parse). */
export function fmtTime(t) {
  if (!t) return '';
  const d = new Date(t);
  if (Number.isNaN(d.getTime())) return String(t);
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} `
    + `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}
