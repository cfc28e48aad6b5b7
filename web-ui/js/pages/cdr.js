// Call records: filter by number, outcome and date; paged 50 at a time; CSV export of the
// same filter (downloaded with the session token).
import { html, useState } from '../html.js';
import { api, download } from '../api.js';
import { Notice, useLoad, fmtTime } from '../widgets.js';

const PAGE = 50;
const DISPOSITIONS = ['ANSWERED', 'NO_ANSWER', 'BUSY', 'FAILED', 'CONGESTION'];

function query(filter, extra) {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...filter, ...extra })) {
    if (v !== '' && v !== null && v !== undefined) p.set(k, String(v));
  }
  const s = p.toString();
  return s ? `?${s}` : '';
}

export function Cdr() {
  const [draft, setDraft] = useState({ number: '', disposition: '', from: '', to: '' });
  const [filter, setFilter] = useState(draft);
  const [offset, setOffset] = useState(0);
  const [error, setError] = useState(null);
  const rows = useLoad(() => api('GET', `/api/v1/cdr${query(filter, { limit: PAGE, offset })}`),
    [filter, offset], (ev) => ev.type === 'call.hangup');
  const set = (k) => (e) => setDraft((d) => ({ ...d, [k]: e.currentTarget.value }));
  const apply = (e) => { e.preventDefault(); setOffset(0); setFilter({ ...draft }); };
  const exportCsv = async () => {
    try {
      await download(`/api/v1/cdr.csv${query(filter, {})}`, 'calls.csv');
      setError(null);
    } catch (err) { setError(err); }
  };
  const list = rows.data || [];
  return html`<section>
    <header class="page-head"><h1>Call records</h1>
      <button type="button" id="cdr-export" onClick=${exportCsv}>Export CSV</button>
    </header>
    <form class="card filters" onSubmit=${apply}>
      <label>Number <input name="number" value=${draft.number} onInput=${set('number')} /></label>
      <label>Outcome <select name="disposition" value=${draft.disposition} onChange=${set('disposition')}>
        <option value="">any</option>
        ${DISPOSITIONS.map((d) => html`<option value=${d}>${d.replace('_', ' ')}</option>`)}</select></label>
      <label>From <input name="from" type="date" value=${draft.from} onInput=${set('from')} /></label>
      <label>To <input name="to" type="date" value=${draft.to} onInput=${set('to')} /></label>
      <button type="submit" class="primary">Filter</button>
    </form>
    <${Notice} error=${rows.error || error} />
    <div class="card scroll"><table id="cdr">
      <thead><tr><th>Start</th><th>Caller</th><th>Callee</th><th>Outcome</th>
        <th>Duration</th><th>Billed</th><th>Trunk</th></tr></thead>
      <tbody>${list.map((c) => html`<tr key=${c.id ?? c.call_id}>
        <td>${fmtTime(c.start)}</td><td>${c.caller}</td><td>${c.callee}</td>
        <td title=${c.cause || ''}>${c.disposition}</td><td>${c.duration}s</td><td>${c.billsec}s</td>
        <td>${c.trunk || ''}</td></tr>`)}</tbody>
    </table>
    ${rows.data && list.length === 0 ? html`<p class="empty">No calls match.</p>` : null}
    <div class="pager">
      <button type="button" disabled=${offset === 0} onClick=${() => setOffset(Math.max(0, offset - PAGE))}>Newer</button>
      <span>${list.length ? `${offset + 1}–${offset + list.length}` : ''}</span>
      <button type="button" disabled=${list.length < PAGE} onClick=${() => setOffset(offset + PAGE)}>Older</button>
    </div></div>
  </section>`;
}
