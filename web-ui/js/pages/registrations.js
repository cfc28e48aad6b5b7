// Registrations: every registered contact, live from the event stream, searchable, sortable.
import { html, useState } from '../html.js';
import { api } from '../api.js';
import { Notice, useLoad, useSorted, SortHeader, fmtTime } from '../widgets.js';

export function Registrations() {
  const regs = useLoad(() => api('GET', '/api/v1/registrations'), [],
    (ev) => ev.type.startsWith('registration.'));
  const [q, setQ] = useState('');
  const rows = (regs.data || []).filter((r) => !q
    || [r.extension, r.contact, r.source, r.user_agent].some((v) => String(v).toLowerCase().includes(q.toLowerCase())));
  const { sorted, sort, by } = useSorted(rows, 'extension');
  const H = (label, col) => html`<${SortHeader} label=${label} col=${col} sort=${sort} by=${by} />`;
  return html`<section>
    <header class="page-head"><h1>Registrations</h1>
      <input type="search" placeholder="Search" aria-label="Search registrations" value=${q}
        onInput=${(e) => setQ(e.currentTarget.value)} />
    </header>
    <${Notice} error=${regs.error} />
    <div class="card scroll"><table id="registrations">
      <thead><tr>${H('Extension', 'extension')}${H('Contact', 'contact')}${H('From', 'source')}
        ${H('Transport', 'transport')}${H('User agent', 'user_agent')}${H('Expires', 'expires_at')}</tr></thead>
      <tbody>${sorted.map((r) => html`<tr key=${r.contact + r.source}>
        <td>${r.extension}</td><td class="mono">${r.contact}</td><td class="mono">${r.source}</td>
        <td>${r.transport}</td><td>${r.user_agent}</td><td>${fmtTime(r.expires_at)}</td></tr>`)}
      </tbody>
    </table>
    ${regs.data && sorted.length === 0 ? html`<p class="empty">No phone is registered.</p>` : null}
    </div>
  </section>`;
}
