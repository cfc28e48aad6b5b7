// Route tracer: what the routing would do with a call, step by step, without placing it
// (GET /api/v1/route-trace). Without a trunk, extension `from` dials `to`; with one, a call
// from `from` arrives on that trunk for DID `to`. `at` evaluates the time conditions then.
import { html, useState } from '../html.js';
import { api } from '../api.js';
import { useForm, useOptions } from '../forms.js';

/** datetime-local text → RFC 3339 (UTC); text that does not parse is passed on as is. */
function rfc3339(local) {
  const t = String(local || '').trim();
  if (!t) return null;
  const d = new Date(t);
  return Number.isNaN(d.getTime()) ? t : d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function Tracer() {
  const [result, setResult] = useState(null);
  const trunks = useOptions('/api/v1/trunks', (t) => [t.id, `inbound on ${t.id}`]);
  const f = useForm({ from: '', to: '', trunk: '', at: '' }, {
    save: async (v) => {
      const q = new URLSearchParams({ from: v.from.trim(), to: v.to.trim() });
      if (v.trunk) q.set('trunk', v.trunk);
      const at = rfc3339(v.at);
      if (at) q.set('at', at);
      setResult(null);
      setResult(await api('GET', `/api/v1/route-trace?${q}`));
    },
  });
  const { F, input, select, values } = f;
  const inbound = !!values.trunk;
  return html`<section>
    <header class="page-head"><h1>Route tracer</h1></header>
    <form class="card form" id="trace-form" onSubmit=${f.submit} novalidate>
      <div class="grid">
        ${F('Call', 'trunk', select('trunk', [['', 'outbound: an extension dials'], ...trunks]))}
        ${F(inbound ? 'Caller number' : 'From extension', 'from', input('from', 'text', { inputmode: 'tel' }))}
        ${F(inbound ? 'Dialled DID' : 'Dialled number', 'to', input('to', 'text', { inputmode: 'tel' }))}
        ${F('At', 'at', input('at', 'datetime-local'), { hint: 'Blank: now' })}
      </div>
      ${f.rest()}
      <div class="actions"><button type="submit" class="primary" disabled=${f.busy}>Trace</button></div>
    </form>
    ${result ? html`<div class="card" id="trace-result">
      <h2>Result</h2>
      <dl class="facts">
        <dt>Outcome</dt><dd id="trace-summary">${result.summary}</dd>
        <dt>Call type</dt><dd>${result.kind}</dd>
        <dt>Route</dt><dd>${result.route || '–'}</dd>
        <dt>Evaluated at</dt><dd>${result.query && result.query.at}</dd>
      </dl>
      <h2>Steps</h2>
      <ol id="trace-steps" class="steps-list">${(result.trace || []).map((s, i) => html`<li key=${i}>${s.text}</li>`)}</ol>
      <details><summary>Raw decision</summary><pre class="mono">${JSON.stringify(result, null, 2)}</pre></details>
    </div>` : null}
  </section>`;
}
