// Outbound routes (dial rules), tried in list order: the list keeps that order, with up and
// down buttons (POST …/{id}/move); the form edits the dial prefix, the patterns with their
// strip/prepend, the trunks in failover order, PIN set, time limit, caller ID and time rule.
import { html } from '../html.js';
import { ListPage, saveEntry } from '../crud.js';
import { useForm, Actions, OrderedPicker, useOptions, errLine, num, txt } from '../forms.js';

const PATH = '/api/v1/outbound-routes';
const keyOf = (r) => r.id;
const CID = [['cid1', 'Outbound CID1 of the extension'], ['cid2', 'Outbound CID2 of the extension'],
  ['extension', 'The extension number'], ['fixed', 'A fixed number']];

function toForm(r) {
  const cid = r ? r.caller_id : 'cid1';
  return {
    id: r ? r.id : '', enabled: r ? r.enabled : true, dial_prefix: r ? r.dial_prefix : '',
    patterns: r ? r.patterns.map((p) => ({ pattern: p.pattern, strip: txt(p.strip), prepend: p.prepend || '' }))
      : [{ pattern: '', strip: '0', prepend: '' }],
    trunks: r ? [...r.trunks] : [], strategy: r ? r.strategy : 'linear',
    pin_set: r && r.pin_set ? r.pin_set : '', call_time_limit: txt(r && r.call_time_limit),
    cid: typeof cid === 'object' && cid ? 'fixed' : cid, cid_fixed: cid && cid.fixed ? cid.fixed : '',
    time_condition: r && r.time_condition ? r.time_condition : '',
  };
}

function toBody(v) {
  const body = {
    id: v.id.trim(), enabled: !!v.enabled, dial_prefix: String(v.dial_prefix).trim(),
    patterns: v.patterns.map((p) => ({ pattern: String(p.pattern).trim(), strip: num(p.strip) ?? 0,
      prepend: String(p.prepend).trim() })),
    trunks: v.trunks, strategy: v.strategy,
    caller_id: v.cid === 'fixed' ? { fixed: String(v.cid_fixed).trim() } : v.cid,
  };
  if (v.pin_set) body.pin_set = v.pin_set;
  if (v.time_condition) body.time_condition = v.time_condition;
  const limit = num(v.call_time_limit);
  if (limit !== null) body.call_time_limit = limit;
  return body;
}

function RouteForm({ item, onDone, onCancel }) {
  const f = useForm(toForm(item), {
    listName: 'outbound_routes',
    save: (v) => saveEntry(PATH, item, keyOf, toBody(v), onDone),
  });
  const trunks = useOptions('/api/v1/trunks', (t) => [t.id, t.id]);
  const pins = useOptions('/api/v1/routing/options', (p) => [p.id, p.id], (o) => o.pin_sets);
  const tcs = useOptions('/api/v1/time-conditions', (t) => [t.id, t.id]);
  const { F, input, select, check, values, rowInput, rowErr } = f;
  return html`<form class="card form" id="outbound-form" onSubmit=${f.submit} novalidate>
    <h2>${item ? `Outbound route ${item.id}` : 'New outbound route'}</h2>
    <div class="grid">
      ${F('Route id', 'id', input('id', 'text', { readonly: !!item, autocomplete: 'off' }))}
      ${F('Dial prefix', 'dial_prefix', input('dial_prefix'), { hint: 'Digits dialled before the number, e.g. 9' })}
      ${F('Trunk strategy', 'strategy', select('strategy', [['linear', 'Linear (failover)'], ['linear_cycle', 'Round robin']]))}
      ${F('Trunks, in order', 'trunks', html`<${OrderedPicker} name="trunks" value=${values.trunks}
        options=${trunks} label="trunk" onChange=${(x) => f.set('trunks', x)} />`, { prefix: true })}
      ${F('PIN set', 'pin_set', select('pin_set', [['', 'none'], ...pins]))}
      ${F('Call time limit (s)', 'call_time_limit', input('call_time_limit', 'number'), { hint: 'Blank: no limit; 60–86400' })}
      ${F('Caller ID', 'cid', select('cid', CID), { also: ['caller_id'] })}
      ${values.cid === 'fixed' ? F('Fixed caller ID', 'cid_fixed', input('cid_fixed'), { also: ['caller_id.fixed'], prefix: true }) : null}
      ${F('Only while time condition matches', 'time_condition', select('time_condition', [['', 'always'], ...tcs]))}
      <div class="checks">${F('Enabled', 'enabled', check('enabled'))}</div>
      <div class="field wide rows">
        <span class="label">Patterns</span>
        <table class="rows" id="patterns">
          <thead><tr><th>Pattern</th><th>Strip digits</th><th>Prepend</th><th></th></tr></thead>
          <tbody>${values.patterns.map((p, i) => html`<tr key=${i}>
            <td>${rowInput('patterns', i, 'pattern', 'text', { label: `Pattern ${i + 1}` })}${rowErr('patterns', i, 'pattern')}</td>
            <td>${rowInput('patterns', i, 'strip', 'number', { label: `Strip ${i + 1}` })}${rowErr('patterns', i, 'strip')}</td>
            <td>${rowInput('patterns', i, 'prepend', 'text', { label: `Prepend ${i + 1}` })}${rowErr('patterns', i, 'prepend')}</td>
            <td><button type="button" class="mini" aria-label=${`Remove pattern ${i + 1}`}
              onClick=${() => f.delRow('patterns', i)}>✕</button></td></tr>`)}
          </tbody>
        </table>
        ${errLine('patterns', f.err('patterns'))}
        <button type="button" id="add-pattern" onClick=${() => f.addRow('patterns', { pattern: '', strip: '0', prepend: '' })}>
          Add pattern</button>
        <small class="hint">Asterisk syntax: _ starts a pattern; X any digit, Z 1-9, N 2-9, [1-5] a set, . one or more.</small>
      </div>
    </div>
    ${f.rest()}
    <${Actions} busy=${f.busy} creating=${!item} onCancel=${onCancel} />
  </form>`;
}

export function Outbound() {
  const columns = [
    { label: 'Id', col: 'id', value: (r) => r.id },
    { label: 'Prefix', col: 'dial_prefix', value: (r) => r.dial_prefix },
    { label: 'Patterns', col: 'patterns', cls: 'mono',
      value: (r) => r.patterns.map((p) => p.pattern + (p.strip ? ` strip ${p.strip}` : '')
        + (p.prepend ? ` prepend ${p.prepend}` : '')).join('; ') },
    { label: 'Trunks', col: 'trunks', value: (r) => r.trunks.join(' → ') },
    { label: 'PIN set', col: 'pin_set', value: (r) => r.pin_set || '' },
    { label: 'Enabled', col: 'enabled', value: (r) => (r.enabled ? 'yes' : 'no') },
  ];
  return html`<${ListPage} id="outbound" title="Outbound routes" what="outbound route" path=${PATH}
    keyOf=${keyOf} columns=${columns} Form=${RouteForm} ordered=${true} />`;
}
