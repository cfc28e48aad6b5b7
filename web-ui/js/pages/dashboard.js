// Dashboard: which extensions are registered, trunk states, active calls and system counters, updated live
// from the event stream (registration.* and call.* events trigger a reload of that part),
// and the host's CPU, memory and disk (GET /api/v1/system every 5 s).
import { html, useState, useEffect, useMemo } from '../html.js';
import { api, parseMetrics, currentSession } from '../api.js';
import { onEvent, onEventState, lastEventSeq } from '../events.js';
import { Notice, useLoad, fmtTime } from '../widgets.js';
import { CallsTable, duration } from './calls.js';
import { StatusBadge } from './trunks.js';

const isReg = (ev) => ev.type.startsWith('registration.');
const isCallOrReg = (ev) => ev.type.startsWith('call.') || isReg(ev);
const isTrunk = (ev) => ev.type === 'trunk.status';

/** Every trunk with its live state (reloaded on each `trunk.status` event). */
function TrunkStates() {
  const trunks = useLoad(() => api('GET', '/api/v1/trunks'), [], isTrunk, 60000);
  const list = trunks.data || [];
  return html`<h2>Trunks</h2>
    <${Notice} error=${trunks.error} />
    <div class="scroll"><table id="dash-trunks">
      <thead><tr><th>Trunk</th><th>Mode</th><th>State</th></tr></thead>
      <tbody>
        ${list.map((t) => html`<tr key=${t.id} data-key=${t.id}>
          <td>${t.id}</td><td>${t.mode.kind}</td><td><${StatusBadge} s=${t.status} /></td>
        </tr>`)}
      </tbody>
    </table></div>
    ${list.length === 0 && trunks.data ? html`<p class="empty">No trunks yet.</p>` : null}`;
}

async function loadSystem() {
  const [health, metricsText] = await Promise.all([
    fetch('/healthz', { cache: 'no-store', credentials: 'omit' })
      .then((r) => r.json()).catch(() => ({ status: 'unreachable' })),
    api('GET', '/metrics'),
  ]);
  return { health, m: parseMetrics(metricsText) };
}

const GIB = 1024 ** 3;
const size = (b) => (b >= GIB ? `${(b / GIB).toFixed(1)} GiB` : `${(b / 1024 ** 2).toFixed(0)} MiB`);
const pct = (used, total) => (total > 0 ? (100 * used) / total : 0);

/** One resource as a labelled bar. */
function Bar({ id, label, percent, text }) {
  const p = Math.max(0, Math.min(100, Number(percent) || 0));
  return html`<div class="bar" id=${id}>
    <span class="bar-label">${label}</span>
    <meter min="0" max="100" low="70" high="90" optimum="0" value=${p}>${p.toFixed(0)} %</meter>
    <span class="bar-value">${text}</span>
  </div>`;
}

/** CPU, memory and disk of the PBX host; hidden when the API has no /system. */
function Resources() {
  const sys = useLoad(() => api('GET', '/api/v1/system'), [], null, 5000);
  if (sys.error && (sys.error.status === 404 || sys.error.status === 403)) return null;
  const d = sys.data;
  if (!d) return html`<${Notice} error=${sys.error} />`;
  const mem = d.memory || {};
  const disk = d.disk || {};
  const memUsed = (mem.total_bytes || 0) - (mem.available_bytes || 0);
  const diskUsed = (disk.total_bytes || 0) - (disk.available_bytes || 0);
  return html`<div id="system-card">
    <${Notice} error=${sys.error} />
    <${Bar} id="bar-cpu" label="CPU" percent=${d.cpu_percent}
      text=${`${Number(d.cpu_percent).toFixed(1)} % · load ${(d.load_average || []).map((x) => Number(x).toFixed(2)).join(' ')}`} />
    <${Bar} id="bar-memory" label="Memory" percent=${pct(memUsed, mem.total_bytes)}
      text=${`${size(memUsed)} of ${size(mem.total_bytes || 0)} · PBX ${size(mem.process_rss_bytes || 0)}`} />
    <${Bar} id="bar-disk" label="Disk" percent=${pct(diskUsed, disk.total_bytes)}
      text=${`${size(diskUsed)} of ${size(disk.total_bytes || 0)} (${disk.path || ''})`} />
    <p class="hint" id="system-version">Rotary ${d.version} · up ${duration(d.uptime_seconds)}</p>
  </div>`;
}

export function Dashboard() {
  // No event announces extension changes yet: reload them on registrations, on every
  // resync and every 30 s.
  const exts = useLoad(() => api('GET', '/api/v1/extensions'), [], isReg, 30000);
  const regs = useLoad(() => api('GET', '/api/v1/registrations'), [], isReg);
  const sys = useLoad(loadSystem, [], isCallOrReg, 15000);
  const [conn, setConn] = useState('offline');
  const [feed, setFeed] = useState([]);
  useEffect(() => onEventState(setConn), []);
  useEffect(() => onEvent((ev) => {
    if (ev.type === 'resync') return;
    setFeed((f) => [ev, ...f].slice(0, 12));
  }), []);

  const registered = useMemo(() => {
    const s = new Set();
    for (const r of regs.data || []) s.add(r.extension);
    return s;
  }, [regs.data]);
  const list = exts.data || [];
  const up = list.filter((e) => registered.has(e.number));
  const down = list.filter((e) => !registered.has(e.number));
  const m = sys.data ? sys.data.m : {};
  const val = (k) => (k in m ? String(m[k]) : '–');

  return html`<section>
    <header class="page-head">
      <h1>Dashboard</h1>
      <span class=${`conn ${conn}`} id="event-state" title=${`last event seq ${lastEventSeq() ?? '–'}`}>
        ${conn === 'live' ? 'Live' : conn}
      </span>
    </header>
    <${Notice} error=${exts.error || regs.error || sys.error} />
    <div class="stats">
      <div class="stat"><span class="num" id="stat-registered">${up.length}</span><span>registered</span></div>
      <div class="stat"><span class="num" id="stat-unregistered">${down.length}</span><span>unregistered</span></div>
      <div class="stat"><span class="num" id="stat-calls">${val('rotary_calls_active')}</span><span>active calls</span></div>
      <div class="stat"><span class="num">${val('rotary_registrar_bindings')}</span><span>contacts</span></div>
      <div class="stat"><span class="num">${sys.data ? sys.data.health.status : '–'}</span><span>system</span></div>
    </div>
    <div class="columns">
      <div class="card">
        ${currentSession().role !== 'user' ? html`<h2>Calls in progress</h2><${CallsTable} compact=${true} />` : null}
        ${['admin', 'operator'].includes(currentSession().role) ? html`<${TrunkStates} />` : null}
        <h2>Extensions</h2>
        <div class="scroll"><table id="dash-extensions">
          <thead><tr><th>Number</th><th>Name</th><th>State</th></tr></thead>
          <tbody>
            ${[...up, ...down].map((e) => html`<tr key=${e.number} data-ext=${e.number}>
              <td>${e.number}</td><td>${e.name}</td>
              <td><span class=${`badge ${registered.has(e.number) ? 'ok' : 'off'}`}>
                ${registered.has(e.number) ? 'registered' : 'unregistered'}</span></td>
            </tr>`)}
          </tbody>
        </table></div>
        ${list.length === 0 && exts.data ? html`<p class="empty">No extensions yet.</p>` : null}
      </div>
      <div class="card">
        <h2>System</h2>
        ${currentSession().role !== 'user' ? html`<${Resources} />` : null}
        <dl class="kv">
          <dt>SIP requests</dt><dd>${val('rotary_sip_requests_total')}</dd>
          <dt>Registrations accepted</dt><dd>${val('rotary_registrations_total')}</dd>
          <dt>Call attempts</dt><dd>${val('rotary_call_attempts_total')}</dd>
          <dt>Auth failures (SIP)</dt><dd>${val('rotary_auth_failures_total')}</dd>
          <dt>Malformed SIP</dt><dd>${val('rotary_sip_malformed_total')}</dd>
          <dt>Config changes</dt><dd>${val('rotary_config_writes_total')}</dd>
        </dl>
        <h2>Recent events</h2>
        <ul class="feed" id="event-feed">
          ${feed.map((ev) => html`<li key=${ev.seq}>
            <time>${fmtTime(ev.time)}</time> <b>${ev.type}</b>
            ${' '}${Object.entries(ev).filter(([k]) => !['seq', 'time', 'type'].includes(k))
              .map(([k, v]) => `${k}=${v}`).join(' ')}
          </li>`)}
        </ul>
        ${feed.length === 0 ? html`<p class="empty">Waiting for events…</p>` : null}
      </div>
    </div>
  </section>`;
}
