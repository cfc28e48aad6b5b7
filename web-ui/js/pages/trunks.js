// SIP trunks: the list with each trunk's live state (registered, failed and why,
// unmonitored), kept current from `trunk.status` events without a reload, and the
// register / peer / account form. Passwords are write-only: blank keeps the stored one.
import { html, useState, useEffect, useCallback } from '../html.js';
import { onEvent } from '../events.js';
import { ListPage, saveEntry } from '../crud.js';
import { useForm, Actions, num, opt, words, txt } from '../forms.js';

const PATH = '/api/v1/trunks';
const keyOf = (t) => t.id;
const MODES = [['register', 'Register to a provider'], ['peer', 'Peer (IP authenticated)'],
  ['account', 'Account (remote PBX registers to us)']];

/** Form values from a trunk as served. */
function toForm(t) {
  const m = (t && t.mode) || { kind: 'register' };
  return {
    id: t ? t.id : '', enabled: t ? t.enabled : true, kind: m.kind,
    'mode.host': txt(m.host), 'mode.port': txt(m.port), 'mode.transport': m.transport || 'udp',
    'mode.username': txt(m.username), 'mode.auth_user': txt(m.auth_user), 'mode.password': '',
    'mode.from_user': txt(m.from_user), 'mode.from_domain': txt(m.from_domain),
    'mode.outbound_proxy': txt(m.outbound_proxy), 'mode.expiry': txt(m.expiry ?? 3600),
    'mode.retry_interval': txt(m.retry_interval ?? 60), 'mode.contact_user': txt(m.contact_user),
    'mode.max_retries': txt(m.max_retries), 'mode.permit': txt(m.permit),
    codecs: txt(t ? t.codecs : ['PCMU', 'PCMA']), dtmf_mode: t ? t.dtmf_mode : 'rfc4733',
    max_calls: txt(t && t.max_calls), outbound_cid: txt(t && t.outbound_cid),
    'outbound_cid_rewrite.strip': txt(t ? t.outbound_cid_rewrite.strip : 0),
    'outbound_cid_rewrite.prepend': txt(t ? t.outbound_cid_rewrite.prepend : ''),
    'inbound_cid_rewrite.strip': txt(t ? t.inbound_cid_rewrite.strip : 0),
    'inbound_cid_rewrite.prepend': txt(t ? t.inbound_cid_rewrite.prepend : ''),
    identity: t ? t.identity : 'none', diversion: t ? t.diversion : false,
  };
}

/** The API body from form values (the mode holds only its kind's fields). */
function toBody(v) {
  const g = (k) => v[`mode.${k}`];
  const mode = { kind: v.kind };
  const putOpt = (k) => { const x = opt(g(k)); if (x !== null) mode[k] = x; };
  const putNum = (k) => { const x = num(g(k)); if (x !== null) mode[k] = x; };
  if (v.kind === 'register' || v.kind === 'peer') {
    mode.host = String(g('host')).trim();
    putNum('port');
    mode.transport = g('transport');
    putOpt('from_user');
    putOpt('from_domain');
    putOpt('outbound_proxy');
  }
  if (v.kind === 'register') {
    mode.username = g('username');
    putOpt('auth_user');
    if (g('password') !== '') mode.password = g('password');
    putNum('expiry');
    putNum('retry_interval');
    putOpt('contact_user');
    putNum('max_retries');
  }
  if (v.kind === 'account') {
    mode.username = g('username');
    if (g('password') !== '') mode.password = g('password');
    mode.permit = words(g('permit'));
  }
  if (v.kind === 'peer') mode.permit = words(g('permit'));
  const body = {
    id: v.id.trim(), enabled: !!v.enabled, mode, codecs: words(v.codecs), dtmf_mode: v.dtmf_mode,
    identity: v.identity, diversion: !!v.diversion,
    outbound_cid_rewrite: { strip: num(v['outbound_cid_rewrite.strip']) ?? 0,
      prepend: String(v['outbound_cid_rewrite.prepend']).trim() },
    inbound_cid_rewrite: { strip: num(v['inbound_cid_rewrite.strip']) ?? 0,
      prepend: String(v['inbound_cid_rewrite.prepend']).trim() },
  };
  const max = num(v.max_calls);
  if (max !== null) body.max_calls = max;
  const cid = opt(v.outbound_cid);
  if (cid !== null) body.outbound_cid = cid;
  return body;
}

function TrunkForm({ item, onDone, onCancel }) {
  const f = useForm(toForm(item), {
    listName: 'trunks',
    save: (v) => saveEntry(PATH, item, keyOf, toBody(v), onDone),
  });
  const { F, input, select, check, values } = f;
  const kind = values.kind;
  const net = kind === 'register' || kind === 'peer';
  return html`<form class="card form" id="trunk-form" onSubmit=${f.submit} novalidate>
    <h2>${item ? `Trunk ${item.id}` : 'New trunk'}</h2>
    <div class="grid">
      ${F('Trunk id', 'id', input('id', 'text', { readonly: !!item, autocomplete: 'off' }),
        { hint: item ? 'Delete and create to rename' : 'Letters, digits, - _ .' })}
      ${F('Mode', 'kind', select('kind', MODES), { also: ['mode'] })}
      ${net ? F('Host', 'mode.host', input('mode.host')) : null}
      ${net ? F('Port', 'mode.port', input('mode.port', 'number'), { hint: 'Blank: 5060 (5061 TLS)' }) : null}
      ${net ? F('Transport', 'mode.transport', select('mode.transport', ['udp', 'tcp', 'tls'])) : null}
      ${kind !== 'peer' ? F('Username', 'mode.username', input('mode.username', 'text', { autocomplete: 'off' })) : null}
      ${kind !== 'peer' ? F('Password', 'mode.password', input('mode.password', 'password', { autocomplete: 'new-password' }),
        { hint: item ? 'Leave empty to keep' : '' }) : null}
      ${kind === 'register' ? F('Auth user', 'mode.auth_user', input('mode.auth_user'), { hint: 'Blank: the username' }) : null}
      ${kind === 'register' ? F('Registration expiry (s)', 'mode.expiry', input('mode.expiry', 'number')) : null}
      ${kind === 'register' ? F('Retry interval (s)', 'mode.retry_interval', input('mode.retry_interval', 'number')) : null}
      ${kind === 'register' ? F('Max retries', 'mode.max_retries', input('mode.max_retries', 'number'), { hint: 'Blank: for ever' }) : null}
      ${kind === 'register' ? F('Contact user', 'mode.contact_user', input('mode.contact_user')) : null}
      ${net ? F('From user', 'mode.from_user', input('mode.from_user')) : null}
      ${net ? F('From domain', 'mode.from_domain', input('mode.from_domain')) : null}
      ${net ? F('Outbound proxy', 'mode.outbound_proxy', input('mode.outbound_proxy'), { hint: 'host[:port]' }) : null}
      ${kind !== 'register' ? F('Permitted networks', 'mode.permit', input('mode.permit'), { prefix: true, hint: 'CIDR list' }) : null}
      ${F('Codecs', 'codecs', input('codecs'), { prefix: true, hint: 'e.g. PCMU, PCMA, G722, opus' })}
      ${F('DTMF mode', 'dtmf_mode', select('dtmf_mode', ['rfc4733', 'info', 'inband', 'auto']))}
      ${F('Simultaneous calls', 'max_calls', input('max_calls', 'number'), { hint: 'Blank: no limit' })}
      ${F('Outbound caller ID', 'outbound_cid', input('outbound_cid'))}
      ${F('Outbound CID: strip digits', 'outbound_cid_rewrite.strip', input('outbound_cid_rewrite.strip', 'number'))}
      ${F('Outbound CID: prepend', 'outbound_cid_rewrite.prepend', input('outbound_cid_rewrite.prepend'))}
      ${F('Inbound CID: strip digits', 'inbound_cid_rewrite.strip', input('inbound_cid_rewrite.strip', 'number'))}
      ${F('Inbound CID: prepend', 'inbound_cid_rewrite.prepend', input('inbound_cid_rewrite.prepend'))}
      ${F('Identity header', 'identity', select('identity', [['none', 'From only'], ['pai', 'P-Asserted-Identity'], ['rpid', 'Remote-Party-ID']]))}
      <div class="checks">
        ${F('Enabled', 'enabled', check('enabled'))}
        ${F('Send Diversion', 'diversion', check('diversion'))}
      </div>
    </div>
    ${f.rest()}
    <${Actions} busy=${f.busy} creating=${!item} onCancel=${onCancel} />
  </form>`;
}

/** The status badge: registered or reachable / failed or unreachable (reason) / probing /
 * unmonitored / … */
export function StatusBadge({ s }) {
  if (!s) return html`<span class="badge off">unknown</span>`;
  const good = ['registered', 'reachable'].includes(s.state);
  const broken = ['failed', 'unreachable'].includes(s.state);
  const cls = good ? 'ok' : broken ? 'bad' : 'off';
  const why = broken && s.reason
    ? ` (${s.reason}${s.last_code ? ` ${s.last_code}` : ''})` : '';
  return html`<span class=${`badge ${cls}`} title=${s.detail || ''}>${s.state}${why}</span>`;
}

export function Trunks() {
  // Latest trunk.status event per trunk, laid over the status the list was loaded with.
  const [live, setLive] = useState({});
  useEffect(() => onEvent((ev) => {
    if (ev.type === 'resync') { setLive({}); return; } // the list reloads with current states
    if (ev.type !== 'trunk.status' || !ev.trunk) return;
    setLive((m) => ({ ...m, [ev.trunk]: { state: ev.state, reason: ev.reason || null,
      last_code: ev.last_code ? Number(ev.last_code) : null, at: ev.seq } }));
  }), []);
  const transform = useCallback((items) => items.map((t) => ({
    ...t, status: live[t.id] ? { ...(t.status || {}), ...live[t.id] } : t.status,
  })), [live]);
  const columns = [
    { label: 'Id', col: 'id', value: (t) => t.id },
    { label: 'Mode', col: 'kind', value: (t) => t.mode.kind },
    { label: 'Host / user', col: 'host', cls: 'name',
      value: (t) => t.mode.host || t.mode.username || '' },
    { label: 'Status', col: 'state', value: (t) => (t.status ? t.status.state : ''),
      render: (t) => html`<${StatusBadge} s=${t.status} />` },
    { label: 'Enabled', col: 'enabled', value: (t) => (t.enabled ? 'yes' : 'no') },
    { label: 'Codecs', col: 'codecs', value: (t) => t.codecs.join(', ') },
  ];
  return html`<${ListPage} id="trunks" title="Trunks" what="trunk" path=${PATH} keyOf=${keyOf}
    columns=${columns} Form=${TrunkForm} transform=${transform}
    live=${() => false} />`;
}
