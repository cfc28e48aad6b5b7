// The audit log (admin only): every change made through the API and every login, newest
// first, filtered by account, object kind, action and date, 50 rows a page.
import { html, useState } from '../html.js';
import { api } from '../api.js';
import { Notice, useLoad, fmtTime } from '../widgets.js';

const PAGE = 50;

function query(filter, extra) {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...filter, ...extra })) {
    if (v !== '' && v !== null && v !== undefined) p.set(k, String(v));
  }
  return `?${p.toString()}`;
}

/** The changed fields as short `key=value` text (values are already masked by the API). */
function fieldsText(fields) {
  if (!fields || typeof fields !== 'object') return '';
  return Object.entries(fields)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(', ');
}

export function Audit() {
  const empty = { actor: '', resource: '', action: '', from: '', to: '' };
  const [draft, setDraft] = useState(empty);
  const [filter, setFilter] = useState(empty);
  const [offset, setOffset] = useState(0);
  const page = useLoad(() => api('GET', `/api/v1/audit${query(filter, { limit: PAGE, offset })}`),
    [filter, offset], null, 5000);
  const set = (k) => (e) => setDraft((d) => ({ ...d, [k]: e.currentTarget.value }));
  const apply = (e) => { e.preventDefault(); setOffset(0); setFilter({ ...draft }); };
  const rows = page.data ? page.data.items : [];
  const total = page.data ? page.data.total : 0;
  return html`<section>
    <header class="page-head"><h1>Audit log</h1></header>
    <form class="card filters" id="audit-filters" onSubmit=${apply}>
      <label>Account <input name="actor" value=${draft.actor} onInput=${set('actor')} /></label>
      <label>Object <input name="resource" value=${draft.resource} onInput=${set('resource')}
        placeholder="extensions, trunks, …" /></label>
      <label>Action <input name="action" value=${draft.action} onInput=${set('action')}
        placeholder="create, update, login, …" /></label>
      <label>From <input name="from" type="date" value=${draft.from} onInput=${set('from')} /></label>
      <label>To <input name="to" type="date" value=${draft.to} onInput=${set('to')} /></label>
      <button type="submit" class="primary">Filter</button>
    </form>
    <${Notice} error=${page.error} />
    <div class="card scroll"><table id="audit">
      <thead><tr><th>When</th><th>Account</th><th>Role</th><th>From</th><th>Action</th>
        <th>Object</th><th>Id</th><th>Fields</th></tr></thead>
      <tbody>${rows.map((r) => html`<tr key=${r.id} data-id=${r.id}>
        <td>${fmtTime(r.at)}</td><td class="name">${r.actor}</td><td>${r.role}</td>
        <td>${r.address}</td><td>${r.action}</td><td>${r.resource}</td>
        <td class="name">${r.resource_id || ''}</td><td class="mono">${fieldsText(r.fields)}</td></tr>`)}
      </tbody>
    </table>
    ${page.data && rows.length === 0 ? html`<p class="empty">No entries match.</p>` : null}
    <div class="pager">
      <button type="button" disabled=${offset === 0} onClick=${() => setOffset(Math.max(0, offset - PAGE))}>Newer</button>
      <span id="audit-count">${rows.length ? `${offset + 1}–${offset + rows.length} of ${total}` : ''}</span>
      <button type="button" disabled=${offset + rows.length >= total} onClick=${() => setOffset(offset + PAGE)}>Older</button>
    </div></div>
  </section>`;
}
