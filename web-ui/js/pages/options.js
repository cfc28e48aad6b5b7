// Routing options (GET/PATCH /api/v1/routing/options): anonymous-call blocking, emergency
// numbers and their trunks, the "office closed" switch, PIN sets for dial rules, dial
// permissions, caller-ID mappings and per-extension whitelists. Saving sends only the parts
// that changed.
import { html, useState, useEffect } from '../html.js';
import { api, currentSession } from '../api.js';
import { Notice } from '../widgets.js';
import {
  useForm, DestinationPicker, OrderedPicker, useTargets, useOptions, destBody, errLine, words, opt, txt,
} from '../forms.js';

const PATH = '/api/v1/routing/options';
/** Internal features a dial permission allows, with their labels. */
const INTERNAL = [['extension', 'extensions'], ['department', 'departments'], ['ivr', 'IVRs'],
  ['call_queue', 'queues'], ['conference', 'conferences'], ['paging', 'paging'],
  ['call_parking', 'parking'], ['call_pickup', 'pickup'], ['feature_codes', 'feature codes'],
  ['disa', 'DISA'], ['seize_co_line', 'CO line'], ['call_spy', 'call spy']];
const ALL_BUT_SPY = Object.fromEntries(INTERNAL.map(([k]) => [k, k !== 'call_spy']));

function toForm(o) {
  return {
    block_anonymous: o.block_anonymous, emergency_numbers: txt(o.emergency_numbers),
    emergency_trunks: [...o.emergency_trunks], closed: o.office_closed.active,
    closed_dest: o.office_closed.destination,
    pin_sets: o.pin_sets.map((s) => ({ id: s.id, pins: s.pins.map((p) => (p.label ? `${p.code}:${p.label}` : p.code)).join(', ') })),
    caller_id_mappings: o.caller_id_mappings.map((m) => ({ extensions: m.extensions, cid1: txt(m.cid1), cid2: txt(m.cid2) })),
    dial_permissions: o.dial_permissions.map((d) => ({ id: d.id, outbound_routes: txt(d.outbound_routes),
      members: txt(d.members), internal: { ...d.internal } })),
    default_dial_permission: o.default_dial_permission || '',
    whitelists: o.whitelists.map((w) => ({ id: w.id, direction: w.direction, patterns: txt(w.patterns), extensions: txt(w.extensions) })),
  };
}

/** Every section as the API takes it. */
function build(v) {
  return {
    block_anonymous: !!v.block_anonymous,
    emergency_numbers: words(v.emergency_numbers),
    emergency_trunks: v.emergency_trunks,
    office_closed: { active: !!v.closed, destination: destBody(v.closed_dest) },
    pin_sets: v.pin_sets.map((s) => ({
      id: s.id.trim(),
      pins: String(s.pins).split(',').map((p) => p.trim()).filter(Boolean).map((p) => {
        const at = p.indexOf(':');
        return at < 0 ? { code: p } : { code: p.slice(0, at).trim(), label: p.slice(at + 1).trim() };
      }),
    })),
    caller_id_mappings: v.caller_id_mappings.map((m) => {
      const out = { extensions: m.extensions.trim() };
      if (opt(m.cid1) !== null) out.cid1 = opt(m.cid1);
      if (opt(m.cid2) !== null) out.cid2 = opt(m.cid2);
      return out;
    }),
    whitelists: v.whitelists.map((w) => ({ id: w.id.trim(), direction: w.direction,
      patterns: words(w.patterns), extensions: words(w.extensions) })),
    dial_permissions: v.dial_permissions.map((d) => ({ id: d.id.trim(), outbound_routes: words(d.outbound_routes),
      members: words(d.members), internal: d.internal })),
    default_dial_permission: v.default_dial_permission || null,
  };
}

/** The PATCH body: the sections that differ from what the API served. */
function toBody(v, served) {
  const body = build(v);
  const before = build(toForm(served));
  for (const k of Object.keys(body)) {
    if (JSON.stringify(body[k]) === JSON.stringify(before[k])) delete body[k];
  }
  return body;
}

function OptionsForm({ served, onSaved, setNote }) {
  const admin = (currentSession() || {}).role === 'admin';
  const f = useForm(toForm(served), {
    save: async (v) => {
      const body = toBody(v, served);
      if (!Object.keys(body).length) { setNote('Nothing changed.'); return; }
      const now = await api('PATCH', PATH, body);
      onSaved(now, `Saved ${Object.keys(body).join(', ')}; in effect now.`);
    },
  });
  const targets = useTargets();
  const trunks = useOptions('/api/v1/trunks', (t) => [t.id, t.id]);
  const { F, input, check, values, rowInput, rowErr, setRow } = f;
  const del = (list, i) => html`<button type="button" class="mini" aria-label=${`Remove ${list} ${i + 1}`}
    onClick=${() => f.delRow(list, i)}>✕</button>`;
  return html`<form class="card form" id="options-form" onSubmit=${f.submit} novalidate>
    <h2>Calls in and emergency calls</h2>
    <div class="grid">
      ${F('Emergency numbers', 'emergency_numbers', input('emergency_numbers'), { prefix: true,
        hint: 'Always allowed out, whatever permissions and lists say' })}
      ${F('Emergency trunks', 'emergency_trunks', html`<${OrderedPicker} name="emergency_trunks"
        value=${values.emergency_trunks} options=${trunks} label="trunk"
        onChange=${(x) => f.set('emergency_trunks', x)} />`, { prefix: true, hint: 'For emergency numbers no dial rule matches' })}
      ${F('While the office is closed, calls go to', 'closed_dest', html`<${DestinationPicker} name="closed_dest"
        value=${values.closed_dest} targets=${targets} onChange=${(d) => f.set('closed_dest', d)} />`,
        { also: ['office_closed.destination', 'office_closed'], prefix: true })}
      <div class="checks">
        ${F('Block anonymous calls', 'block_anonymous', check('block_anonymous'))}
        ${F('Office closed now', 'closed', check('closed'), { also: ['office_closed.active'] })}
      </div>
      <div class="field wide rows"><span class="label">PIN sets</span>
        <table class="rows" id="pin-sets"><thead><tr><th>Id</th><th>PINs (code:label, …)</th><th></th></tr></thead>
          <tbody>${values.pin_sets.map((s, i) => html`<tr key=${i}>
            <td>${rowInput('pin_sets', i, 'id', 'text', { label: `PIN set ${i + 1}` })}${rowErr('pin_sets', i, 'id')}</td>
            <td>${rowInput('pin_sets', i, 'pins', 'text', { label: `PINs ${i + 1}` })}${rowErr('pin_sets', i, 'pins')}
              ${errLine(`pin_sets[${i}]`, f.err(`pin_sets[${i}]`, true))}</td>
            <td>${del('pin_sets', i)}</td></tr>`)}</tbody></table>
        ${errLine('pin_sets', f.err('pin_sets', true))}
        <button type="button" id="add-pin-set" onClick=${() => f.addRow('pin_sets', { id: '', pins: '' })}>Add PIN set</button>
      </div>
      <div class="field wide rows"><span class="label">Dial permissions</span>
        <table class="rows" id="dial-permissions"><thead><tr><th>Id</th><th>Outbound routes</th><th>Members</th>
          <th>Internal features</th><th></th></tr></thead>
          <tbody>${values.dial_permissions.map((d, i) => html`<tr key=${i}>
            <td>${rowInput('dial_permissions', i, 'id', 'text', { label: `Permission ${i + 1}` })}${rowErr('dial_permissions', i, 'id')}</td>
            <td>${rowInput('dial_permissions', i, 'outbound_routes', 'text', { label: `Routes ${i + 1}` })}${rowErr('dial_permissions', i, 'outbound_routes')}</td>
            <td>${rowInput('dial_permissions', i, 'members', 'text', { label: `Members ${i + 1}` })}${rowErr('dial_permissions', i, 'members')}</td>
            <td><details><summary>${INTERNAL.filter(([k]) => d.internal[k]).length} of ${INTERNAL.length}</summary>
              <span class="days">${INTERNAL.map(([k, label]) => html`<label key=${k}><input type="checkbox"
                checked=${!!d.internal[k]} onChange=${(e) => setRow('dial_permissions', i, 'internal',
                  { ...d.internal, [k]: e.currentTarget.checked })} />${label}</label>`)}</span></details>
              ${errLine(`dial_permissions[${i}]`, f.err(`dial_permissions[${i}]`, true))}</td>
            <td>${del('dial_permissions', i)}</td></tr>`)}</tbody></table>
        ${errLine('dial_permissions', f.err('dial_permissions', true))}
        <button type="button" id="add-permission" onClick=${() => f.addRow('dial_permissions',
          { id: '', outbound_routes: '', members: '', internal: { ...ALL_BUT_SPY } })}>Add dial permission</button>
        <small class="hint">Routes and members: comma-separated ids and extension numbers.</small>
      </div>
      ${F('Permission of unlisted extensions', 'default_dial_permission', f.select('default_dial_permission',
        [['', 'everything but call spy'], ...values.dial_permissions.filter((d) => d.id.trim()).map((d) => d.id.trim())]))}
      <div class="field wide rows"><span class="label">Caller-ID mappings</span>
        <table class="rows" id="cid-mappings"><thead><tr><th>Extensions</th><th>CID1</th><th>CID2</th><th></th></tr></thead>
          <tbody>${values.caller_id_mappings.map((m, i) => html`<tr key=${i}>
            <td>${rowInput('caller_id_mappings', i, 'extensions', 'text', { label: `Extensions ${i + 1}` })}${rowErr('caller_id_mappings', i, 'extensions')}</td>
            <td>${rowInput('caller_id_mappings', i, 'cid1', 'text', { label: `CID1 ${i + 1}` })}${rowErr('caller_id_mappings', i, 'cid1')}</td>
            <td>${rowInput('caller_id_mappings', i, 'cid2', 'text', { label: `CID2 ${i + 1}` })}${rowErr('caller_id_mappings', i, 'cid2')}</td>
            <td>${del('caller_id_mappings', i)}</td></tr>`)}</tbody></table>
        ${errLine('caller_id_mappings', f.err('caller_id_mappings', true))}
        <button type="button" onClick=${() => f.addRow('caller_id_mappings', { extensions: '', cid1: '', cid2: '' })}>Add mapping</button>
      </div>
      <div class="field wide rows"><span class="label">Whitelists</span>
        <table class="rows" id="whitelists"><thead><tr><th>Id</th><th>Governs</th><th>Allowed numbers</th><th>Extensions</th><th></th></tr></thead>
          <tbody>${values.whitelists.map((w, i) => html`<tr key=${i}>
            <td>${rowInput('whitelists', i, 'id', 'text', { label: `Whitelist ${i + 1}` })}${rowErr('whitelists', i, 'id')}</td>
            <td><select aria-label=${`Governs ${i + 1}`} value=${w.direction}
              onChange=${(e) => setRow('whitelists', i, 'direction', e.currentTarget.value)}>
              <option value="inbound">calls to them</option><option value="outbound">calls from them</option></select></td>
            <td>${rowInput('whitelists', i, 'patterns', 'text', { label: `Allowed ${i + 1}` })}${rowErr('whitelists', i, 'patterns')}</td>
            <td>${rowInput('whitelists', i, 'extensions', 'text', { label: `Extensions ${i + 1}` })}${rowErr('whitelists', i, 'extensions')}</td>
            <td>${del('whitelists', i)}</td></tr>`)}</tbody></table>
        ${errLine('whitelists', f.err('whitelists', true))}
        <button type="button" id="add-whitelist" onClick=${() => f.addRow('whitelists', { id: '', direction: 'inbound', patterns: '', extensions: '' })}>
          Add whitelist</button>
      </div>
    </div>
    ${f.rest()}
    ${admin ? html`<div class="actions"><button type="submit" class="primary" disabled=${f.busy}>Save</button></div>` : null}
  </form>`;
}

export function RoutingOptions() {
  const [served, setServed] = useState(null);
  const [error, setError] = useState(null);
  const [gen, setGen] = useState(0);
  const [note, setNote] = useState(null);
  useEffect(() => { api('GET', PATH).then(setServed).catch(setError); }, []);
  return html`<section>
    <header class="page-head"><h1>Routing options</h1></header>
    <${Notice} error=${error} />
    ${note ? html`<p class="notice ok" role="status" id="options-note">${note}</p>` : null}
    ${served ? html`<${OptionsForm} key=${gen} served=${served} setNote=${setNote}
      onSaved=${(now, text) => { setServed(now); setGen(gen + 1); setNote(text); }} />` : null}
  </section>`;
}
