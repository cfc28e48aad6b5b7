// Inbound routes (calls from a trunk to a DID, optionally from certain callers, go to a
// destination; the most specific match wins) and direct routes (a DID or caller number
// straight to a destination, or a DID mapped onto an extension, ahead of inbound routes).
import { html } from '../html.js';
import { ListPage, saveEntry } from '../crud.js';
import {
  useForm, Actions, DestinationPicker, useTargets, useOptions, destBody, destText, num, opt, txt,
} from '../forms.js';

const IN = '/api/v1/inbound-routes';
const DIRECT = '/api/v1/direct-routes';
const keyOf = (r) => r.name;

function InboundForm({ item, onDone, onCancel }) {
  const f = useForm({
    name: item ? item.name : '', enabled: item ? item.enabled : true, trunk: item && item.trunk ? item.trunk : '',
    did: txt(item && item.did), caller: txt(item && item.caller),
    destination: item ? item.destination : { type: 'extension', number: '' },
  }, {
    listName: 'inbound_routes',
    save: (v) => {
      const body = { name: v.name.trim(), enabled: !!v.enabled, destination: destBody(v.destination) };
      if (v.trunk) body.trunk = v.trunk;
      if (opt(v.did) !== null) body.did = opt(v.did);
      if (opt(v.caller) !== null) body.caller = opt(v.caller);
      return saveEntry(IN, item, keyOf, body, onDone);
    },
  });
  const targets = useTargets();
  const trunks = useOptions('/api/v1/trunks', (t) => [t.id, t.id]);
  const { F, input, select, check, values } = f;
  return html`<form class="card form" id="inbound-form" onSubmit=${f.submit} novalidate>
    <h2>${item ? `Inbound route ${item.name}` : 'New inbound route'}</h2>
    <div class="grid">
      ${F('Name', 'name', input('name', 'text', { readonly: !!item, autocomplete: 'off' }))}
      ${F('From trunk', 'trunk', select('trunk', [['', 'any trunk'], ...trunks]))}
      ${F('DID pattern', 'did', input('did'), { hint: 'Blank: any DID; e.g. 4930123 or _4930123X.' })}
      ${F('Caller pattern', 'caller', input('caller'), { hint: 'Blank: any caller' })}
      ${F('Destination', 'destination', html`<${DestinationPicker} name="destination"
        value=${values.destination} targets=${targets} onChange=${(d) => f.set('destination', d)} />`,
        { prefix: true })}
      <div class="checks">${F('Enabled', 'enabled', check('enabled'))}</div>
    </div>
    ${f.rest()}
    <${Actions} busy=${f.busy} creating=${!item} onCancel=${onCancel} />
  </form>`;
}

export function Inbound() {
  const columns = [
    { label: 'Name', col: 'name', value: (r) => r.name },
    { label: 'Trunk', col: 'trunk', value: (r) => r.trunk || 'any' },
    { label: 'DID', col: 'did', cls: 'mono', value: (r) => r.did || 'any' },
    { label: 'Caller', col: 'caller', cls: 'mono', value: (r) => r.caller || 'any' },
    { label: 'Destination', col: 'destination', value: (r) => destText(r.destination) },
    { label: 'Enabled', col: 'enabled', value: (r) => (r.enabled ? 'yes' : 'no') },
  ];
  return html`<${ListPage} id="inbound" title="Inbound routes" what="inbound route" path=${IN}
    keyOf=${keyOf} columns=${columns} Form=${InboundForm} />`;
}

function DirectForm({ item, onDone, onCancel }) {
  const by = item ? Object.keys(item.by)[0] : 'did';
  const f = useForm({
    name: item ? item.name : '', enabled: item ? item.enabled : true,
    by, pattern: item ? item.by[by] : '',
    action: item && item.map_did ? 'map' : 'destination',
    destination: item && item.destination ? item.destination : { type: 'extension', number: '' },
    strip: txt(item && item.map_did ? item.map_did.strip : 0),
    prepend: item && item.map_did ? item.map_did.prepend : '',
  }, {
    listName: 'direct_routes',
    save: (v) => {
      const body = { name: v.name.trim(), enabled: !!v.enabled, by: { [v.by]: String(v.pattern).trim() } };
      if (v.action === 'map') body.map_did = { strip: num(v.strip) ?? 0, prepend: String(v.prepend).trim() };
      else body.destination = destBody(v.destination);
      return saveEntry(DIRECT, item, keyOf, body, onDone);
    },
  });
  const targets = useTargets();
  const { F, input, select, check, values } = f;
  return html`<form class="card form" id="direct-form" onSubmit=${f.submit} novalidate>
    <h2>${item ? `Direct route ${item.name}` : 'New direct route'}</h2>
    <div class="grid">
      ${F('Name', 'name', input('name', 'text', { readonly: !!item, autocomplete: 'off' }))}
      ${F('Match on', 'by', select('by', [['did', 'Dialled DID'], ['caller', 'Caller number']]))}
      ${F('Pattern', 'pattern', input('pattern'), { also: ['by', `by.${values.by}`], prefix: true })}
      ${F('Action', 'action', select('action', [['destination', 'Go to a destination'],
        ['map', 'Ring the extension the DID becomes']]))}
      ${values.action === 'map' ? F('Strip digits', 'strip', input('strip', 'number'), { also: ['map_did.strip', 'map_did'] }) : null}
      ${values.action === 'map' ? F('Prepend', 'prepend', input('prepend'), { also: ['map_did.prepend'] }) : null}
      ${values.action !== 'map' ? F('Destination', 'destination', html`<${DestinationPicker} name="destination"
        value=${values.destination} targets=${targets} onChange=${(d) => f.set('destination', d)} />`,
        { prefix: true }) : null}
      <div class="checks">${F('Enabled', 'enabled', check('enabled'))}</div>
    </div>
    ${f.rest()}
    <${Actions} busy=${f.busy} creating=${!item} onCancel=${onCancel} />
  </form>`;
}

export function Direct() {
  const columns = [
    { label: 'Name', col: 'name', value: (r) => r.name },
    { label: 'Match', col: 'by', cls: 'mono', value: (r) => Object.entries(r.by).map(([k, p]) => `${k} ${p}`).join('') },
    { label: 'Goes to', col: 'dest', value: (r) => (r.map_did
      ? `extension = DID −${r.map_did.strip}${r.map_did.prepend ? ` +${r.map_did.prepend}` : ''}`
      : destText(r.destination)) },
    { label: 'Enabled', col: 'enabled', value: (r) => (r.enabled ? 'yes' : 'no') },
  ];
  return html`<${ListPage} id="direct" title="Direct routes" what="direct route" path=${DIRECT}
    keyOf=${keyOf} columns=${columns} Form=${DirectForm} />`;
}
