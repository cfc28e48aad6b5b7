// Active calls: every call in progress with its duration ticking, kept current from the
// `call.*` events, and a Hang-up button (with confirm). Shown on the dashboard and as a page.
import { html, useState, useEffect } from '../html.js';
import { api, currentSession } from '../api.js';
import { Notice, useLoad, useSorted, SortHeader, fmtTime } from '../widgets.js';

/** Seconds → "m:ss" or "h:mm:ss". */
export function duration(s) {
  const t = Math.max(0, Math.floor(s));
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const ss = String(t % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** A clock that ticks every second (for durations). */
function useNow() {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);
  return now;
}

const isCall = (ev) => ev.type.startsWith('call.');

/** The calls table; `compact` leaves out the start time (dashboard). */
export function CallsTable({ compact = false, onCount = null }) {
  const calls = useLoad(() => api('GET', '/api/v1/calls'), [], isCall, 15000);
  const now = useNow();
  const [confirm, setConfirm] = useState(null);
  const [error, setError] = useState(null);
  const role = (currentSession() || {}).role;
  const may = role === 'admin' || role === 'operator';
  const rows = (calls.data || []).map((c) => {
    const since = Date.parse(c.answered_at || c.started_at);
    return { ...c, secs: Number.isNaN(since) ? 0 : (now - since) / 1000 };
  });
  const { sorted, sort, by } = useSorted(rows, 'started_at');
  useEffect(() => { if (onCount && calls.data) onCount(calls.data.length); }, [calls.data]);
  const H = (label, col) => html`<${SortHeader} label=${label} col=${col} sort=${sort} by=${by} />`;
  const hangup = async (id) => {
    setConfirm(null);
    try {
      await api('DELETE', `/api/v1/calls/${encodeURIComponent(id)}`);
      setError(null);
    } catch (e) {
      if (e.status !== 404) setError(e); // already gone is what we wanted
    }
    calls.reload();
  };
  if (calls.error && calls.error.status === 404) {
    return html`<p class="empty" id="calls-unavailable">This PBX does not list active calls.</p>`;
  }
  return html`<div>
    <${Notice} error=${calls.error || error} />
    <div class="scroll"><table id="calls">
      <thead><tr>${H('Caller', 'caller')}${H('Callee', 'callee')}${H('State', 'state')}${H('Type', 'call_type')}
        ${compact ? null : H('Trunk', 'trunk')}${compact ? null : H('Started', 'started_at')}${H('Duration', 'secs')}
        ${may ? html`<th></th>` : null}</tr></thead>
      <tbody>${sorted.map((c) => html`<tr key=${c.id} data-call=${c.id} data-callee=${c.callee}>
        <td>${c.caller}</td><td>${c.callee}</td>
        <td><span class=${`badge ${c.state === 'answered' ? 'ok' : c.state === 'held' ? 'warn' : 'off'}`}>${c.state}</span></td>
        <td>${c.call_type}</td>
        ${compact ? null : html`<td>${c.trunk || ''}</td>`}
        ${compact ? null : html`<td>${fmtTime(c.started_at)}</td>`}
        <td class="duration">${duration(c.secs)}</td>
        ${may ? html`<td class="row-actions">${confirm === c.id
          ? html`<button type="button" class="danger" onClick=${() => hangup(c.id)}>Confirm hang-up</button>
                 <button type="button" onClick=${() => setConfirm(null)}>Keep</button>`
          : html`<button type="button" class="hangup" onClick=${() => setConfirm(c.id)}>Hang up</button>`}</td>` : null}
      </tr>`)}</tbody>
    </table></div>
    ${calls.data && !calls.data.length ? html`<p class="empty" id="calls-none">No calls in progress.</p>` : null}
  </div>`;
}

export function Calls() {
  return html`<section>
    <header class="page-head"><h1>Active calls</h1></header>
    <div class="card"><${CallsTable} /></div>
  </section>`;
}
