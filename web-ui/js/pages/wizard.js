// The first-start setup wizard (admin, while the system setting `setup_done` is false):
// admin password, region and time zone, network, a range of extensions, a trunk and an
// inbound route, each through the ordinary API; Finish (or Skip) sets `setup_done`.
// Every step but the password may be skipped; API messages show next to their fields.
import { html, useState, useEffect } from '../html.js';
import { api } from '../api.js';
import { Notice, Field, Input } from '../widgets.js';

const STEPS = [
  ['password', 'Admin password'],
  ['region', 'Region and time zone'],
  ['network', 'Network'],
  ['extensions', 'Extensions'],
  ['trunk', 'Trunk'],
  ['inbound', 'Inbound route'],
  ['finish', 'Done'],
];

const ZONES = ['UTC', 'Europe/London', 'Europe/Berlin', 'Europe/Paris', 'Europe/Madrid',
  'Europe/Rome', 'America/New_York', 'America/Chicago', 'America/Denver', 'America/Los_Angeles',
  'America/Sao_Paulo', 'Asia/Shanghai', 'Asia/Tokyo', 'Asia/Kolkata', 'Asia/Singapore',
  'Australia/Sydney', 'Africa/Johannesburg'];

/** A random SIP secret the API accepts (letters and digits, not containing `number`). */
function secretFor(number) {
  const all = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  for (;;) {
    const s = Array.from(crypto.getRandomValues(new Uint8Array(14)), (b) => all[b % all.length]).join('');
    if (/[a-z]/.test(s) && /[A-Z]/.test(s) && /\d/.test(s) && !s.includes(number)) return s;
  }
}

/** Split a form's changes between the PBX settings (keys it has) and the system settings. */
async function saveSettings(fields, pbxSettings) {
  const pbx = {};
  const system = {};
  for (const [k, v] of Object.entries(fields)) {
    if (pbxSettings && k in pbxSettings) pbx[k] = v; else system[k] = v;
  }
  if (Object.keys(pbx).length) await api('PATCH', '/api/v1/settings', pbx);
  if (Object.keys(system).length) await api('PATCH', '/api/v1/system-settings', system);
}

export function Wizard({ onDone }) {
  const [step, setStep] = useState(0);
  const [values, setValues] = useState({
    current_password: '', new_password: '', region: '', time_zone: 'UTC', tone_zone: '',
    external_address: '', local_networks: '10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16',
    from: '', to: '', trunk_id: 'provider', host: '', username: '', password: '',
    route_name: 'main', route_trunk: '', did: '', destination: '',
  });
  const [errors, setErrors] = useState({});
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState([]);
  const [pbx, setPbx] = useState(null);
  const [trunks, setTrunks] = useState([]);
  const set = (k, v) => setValues((x) => ({ ...x, [k]: v }));
  const [name, title] = STEPS[step];

  useEffect(() => {
    api('GET', '/api/v1/settings').then(setPbx).catch(() => setPbx({}));
    api('GET', '/api/v1/system-settings').then((s) => setValues((x) => ({
      ...x, region: s.region, time_zone: s.time_zone, external_address: s.external_address,
      local_networks: s.local_networks.join(', '),
    }))).catch(() => {});
  }, []);
  useEffect(() => {
    if (name === 'inbound') api('GET', '/api/v1/trunks').then(setTrunks).catch(() => setTrunks([]));
  }, [name]);

  const next = (note) => {
    if (note) setDone((d) => [...d, note]);
    setErrors({}); setError(null); setStep((s) => s + 1);
  };
  const fail = (err, keys, rename = {}) => {
    const fe = err.fieldErrors ? err.fieldErrors() : {};
    const mapped = {};
    for (const [k, v] of Object.entries(fe)) mapped[rename[k] || k] = v;
    setErrors(mapped);
    setError(Object.keys(mapped).some((k) => keys.includes(k)) ? null : err);
  };

  const actions = {
    async password() {
      await api('POST', '/api/v1/me/password', {
        current_password: values.current_password, new_password: values.new_password,
      });
      return 'Admin password changed.';
    },
    async region() {
      const f = { region: values.region, time_zone: values.time_zone };
      if (pbx && 'tone_zone' in pbx && values.tone_zone) f.tone_zone = values.tone_zone;
      await saveSettings(f, pbx);
      return `Time zone ${values.time_zone}.`;
    },
    async network() {
      await saveSettings({
        external_address: values.external_address,
        local_networks: values.local_networks.split(/[\s,]+/).filter(Boolean),
      }, pbx);
      return values.external_address ? `External address ${values.external_address}.` : 'Network saved.';
    },
    async extensions() {
      const fe = {};
      if (!/^\d+$/.test(values.from)) fe.from = 'must be a number';
      if (!/^\d+$/.test(values.to)) fe.to = 'must be a number';
      else if (Number(values.to) < Number(values.from)) fe.to = 'must not be below the first number';
      else if (Number(values.to) - Number(values.from) >= 200) fe.to = 'at most 200 extensions here';
      if (Object.keys(fe).length) { const e = new Error('check the range'); e.fieldErrors = () => fe; throw e; }
      let made = 0;
      for (let n = Number(values.from); n <= Number(values.to); n += 1) {
        const number = String(n).padStart(values.from.length, '0');
        try {
          await api('POST', '/api/v1/extensions', { number, name: `Extension ${number}`, secret: secretFor(number) });
          made += 1;
        } catch (err) {
          if (err.status !== 409) {
            const e = new Error(`${number}: ${err.message}`);
            e.fieldErrors = () => ({ from: `${number}: ${err.message}` });
            throw e;
          }
        }
      }
      return `${made} extensions created (${values.from}–${values.to}); their SIP passwords are on the Extensions page (Bulk create shows how to export them).`;
    },
    async trunk() {
      await api('POST', '/api/v1/trunks', {
        id: values.trunk_id,
        mode: { kind: 'register', host: values.host, username: values.username, password: values.password },
      });
      return `Trunk ${values.trunk_id} added.`;
    },
    async inbound() {
      const body = { name: values.route_name, destination: { type: 'extension', number: values.destination } };
      if (values.route_trunk) body.trunk = values.route_trunk;
      if (values.did) body.did = values.did;
      await api('POST', '/api/v1/inbound-routes', body);
      return `Inbound route ${values.route_name} to ${values.destination}.`;
    },
  };
  const RENAME = {
    trunk: { id: 'trunk_id', 'mode.host': 'host', 'mode.username': 'username', 'mode.password': 'password',
      host: 'host', username: 'username', password: 'password', mode: 'host' },
    inbound: { name: 'route_name', trunk: 'route_trunk', 'destination.number': 'destination', destination: 'destination' },
  };

  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    try {
      next(await actions[name]());
    } catch (err) {
      fail(err, Object.keys(values), RENAME[name] || {});
    }
    setBusy(false);
  };
  const finish = async () => {
    setBusy(true);
    try {
      await api('PATCH', '/api/v1/system-settings', { setup_done: true });
      onDone();
    } catch (err) { setError(err); setBusy(false); }
  };

  const F = (label, key, control, hint) => html`<${Field} label=${label} name=${key}
    error=${errors[key]} hint=${hint}>${control}<//>`;
  const I = (key, type = 'text', extra = {}) => html`<${Input} name=${key} type=${type}
    values=${values} set=${set} ...${extra} />`;
  const body = {
    password: () => html`
      <p>Replace the start-up password of <b>admin</b> with your own.</p>
      ${F('Current password', 'current_password', I('current_password', 'password', { autocomplete: 'current-password' }))}
      ${F('New password', 'new_password', I('new_password', 'password', { autocomplete: 'new-password' }),
        'At least 10 characters, three of: lower, upper, digits, symbols')}`,
    region: () => html`
      ${F('Country (two letters)', 'region', I('region', 'text', { maxlength: 2 }), 'e.g. DE, US, GB')}
      ${F('Time zone', 'time_zone', html`<input id="f-time_zone" name="time_zone" list="zones"
          value=${values.time_zone} onInput=${(e) => set('time_zone', e.currentTarget.value)} />
        <datalist id="zones">${ZONES.map((z) => html`<option value=${z} />`)}</datalist>`,
        'Time conditions and call records use it')}
      ${pbx && 'tone_zone' in pbx ? F('Tone zone', 'tone_zone', I('tone_zone'), `now ${pbx.tone_zone}`) : null}`,
    network: () => html`
      ${F('External address', 'external_address', I('external_address'),
        'The public host name or IP phones outside reach the PBX at; empty if none')}
      ${F('Local networks', 'local_networks', I('local_networks'), 'CIDR list: addresses that need no NAT handling')}`,
    extensions: () => html`
      <p>Create a range of extensions with random SIP passwords.</p>
      ${F('First number', 'from', I('from', 'text', { inputmode: 'numeric' }))}
      ${F('Last number', 'to', I('to', 'text', { inputmode: 'numeric' }))}`,
    trunk: () => html`
      <p>A SIP trunk to your provider (register mode).</p>
      ${F('Trunk id', 'trunk_id', I('trunk_id'))}
      ${F('Provider host', 'host', I('host'), 'e.g. sip.provider.example')}
      ${F('User name', 'username', I('username'))}
      ${F('Password', 'password', I('password', 'password', { autocomplete: 'new-password' }))}`,
    inbound: () => html`
      <p>Where calls from outside go.</p>
      ${F('Route name', 'route_name', I('route_name'))}
      ${F('From trunk', 'route_trunk', html`<select id="f-route_trunk" name="route_trunk" value=${values.route_trunk}
          onChange=${(e) => set('route_trunk', e.currentTarget.value)}>
          <option value="">any trunk</option>
          ${trunks.map((t) => html`<option value=${t.id}>${t.id}</option>`)}</select>`)}
      ${F('Called number (DID pattern)', 'did', I('did'), 'empty = any; patterns like _4930123X.')}
      ${F('Ring extension', 'destination', I('destination', 'text', { inputmode: 'numeric' }))}`,
    finish: () => html`<p>All set. Everything above can be changed later from the menu.</p>`,
  }[name];

  return html`<main class="content wizard">
    <section class="card" id="wizard" data-step=${name}>
      <header class="page-head"><h1>Setup · ${title}</h1>
        <span class="hint">Step ${step + 1} of ${STEPS.length}</span>
        <button type="button" id="wizard-skip" disabled=${busy} onClick=${finish}>Skip setup</button>
      </header>
      <ol class="steps">${STEPS.map(([, t], i) => html`<li class=${i === step ? 'current' : i < step ? 'past' : ''}>${t}</li>`)}</ol>
      ${done.length ? html`<ul class="done" id="wizard-done">${done.map((d) => html`<li>${d}</li>`)}</ul>` : null}
      ${name === 'finish'
        ? html`${body()}<${Notice} error=${error} />
          <div class="actions"><button type="button" class="primary" id="wizard-finish" disabled=${busy}
            onClick=${finish}>Finish</button></div>`
        : html`<form class="form" id="wizard-form" onSubmit=${submit} novalidate>
          <div class="grid">${body()}</div>
          <${Notice} error=${error} />
          <div class="actions">
            <button type="submit" class="primary" id="wizard-next" disabled=${busy}>Save and continue</button>
            ${name !== 'password' ? html`<button type="button" id="wizard-skip-step" disabled=${busy}
              onClick=${() => next(null)}>Skip this step</button>` : null}
          </div></form>`}
    </section>
  </main>`;
}
