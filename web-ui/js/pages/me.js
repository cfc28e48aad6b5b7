// My account: change your own password; an extension user also manages their portal
// features here (voicemail PIN, call forward, do not disturb, follow-me).
import { html, useState } from '../html.js';
import { api, currentSession } from '../api.js';
import { Notice, Field, Input, Check, useLoad } from '../widgets.js';

function errorsOf(err, setErrors, setError, keys) {
  const fe = err.fieldErrors ? err.fieldErrors() : {};
  setErrors(fe);
  setError(Object.keys(fe).some((k) => keys.includes(k.split(/[.[]/)[0])) ? null : err);
}

function PasswordForm() {
  const [values, setValues] = useState({ current_password: '', new_password: '' });
  const [errors, setErrors] = useState({});
  const [error, setError] = useState(null);
  const [note, setNote] = useState(null);
  const set = (k, v) => setValues((x) => ({ ...x, [k]: v }));
  const submit = async (e) => {
    e.preventDefault();
    try {
      await api('POST', '/api/v1/me/password', values);
      setValues({ current_password: '', new_password: '' });
      setErrors({}); setError(null); setNote('Password changed.');
    } catch (err) { errorsOf(err, setErrors, setError, Object.keys(values)); setNote(null); }
  };
  return html`<form class="card form" id="password-form" onSubmit=${submit} novalidate>
    <h2>Password</h2>
    <div class="grid">
      <${Field} label="Current password" name="current_password" error=${errors.current_password}>
        <${Input} name="current_password" type="password" values=${values} set=${set} autocomplete="current-password" /><//>
      <${Field} label="New password" name="new_password" error=${errors.new_password}
          hint="At least 10 characters, three of: lower, upper, digits, symbols">
        <${Input} name="new_password" type="password" values=${values} set=${set} autocomplete="new-password" /><//>
    </div>
    <${Notice} error=${error} />
    ${note ? html`<p class="notice ok" role="status" id="password-note">${note}</p>` : null}
    <div class="actions"><button type="submit" class="primary">Change password</button></div>
  </form>`;
}

function FeaturesForm({ features, onSaved }) {
  const [values, setValues] = useState(() => ({
    voicemail_pin: '',
    always: features.call_forward.always || '',
    busy: features.call_forward.busy || '',
    no_answer: features.call_forward.no_answer || '',
    dnd: features.dnd,
    follow_me: features.follow_me.map((s) => `${s.number}:${s.ring_time}`).join(', '),
  }));
  const [errors, setErrors] = useState({});
  const [error, setError] = useState(null);
  const [note, setNote] = useState(null);
  const set = (k, v) => setValues((x) => ({ ...x, [k]: v }));
  const submit = async (e) => {
    e.preventDefault();
    const orNull = (t) => (t.trim() ? t.trim() : null);
    const body = {
      call_forward: { always: orNull(values.always), busy: orNull(values.busy), no_answer: orNull(values.no_answer) },
      dnd: !!values.dnd,
      follow_me: values.follow_me.split(/[\s,]+/).filter(Boolean).map((s) => {
        const [number, secs] = s.split(':');
        return { number, ring_time: /^\d+$/.test(secs || '') ? Number(secs) : 20 };
      }),
    };
    if (values.voicemail_pin !== '') body.voicemail_pin = values.voicemail_pin;
    try {
      const me = await api('PUT', '/api/v1/me', body);
      setErrors({}); setError(null); setNote('Saved.'); set('voicemail_pin', '');
      onSaved(me);
    } catch (err) {
      const fe = err.fieldErrors ? err.fieldErrors() : {};
      const mapped = {};
      for (const [k, v] of Object.entries(fe)) mapped[k.replace('call_forward.', '').replace(/\[\d+\].*$/, '')] = v;
      setErrors(mapped); setError(Object.keys(mapped).length ? null : err); setNote(null);
    }
  };
  const F = (label, name, control, hint) => html`<${Field} label=${label} name=${name} error=${errors[name]} hint=${hint}>${control}<//>`;
  const I = (name, type = 'text') => html`<${Input} name=${name} type=${type} values=${values} set=${set} />`;
  return html`<form class="card form" id="features-form" onSubmit=${submit} novalidate>
    <h2>My phone</h2>
    <div class="grid">
      ${F('Voicemail PIN', 'voicemail_pin', I('voicemail_pin', 'password'),
        features.voicemail_pin_set ? 'A PIN is set; leave empty to keep it' : '4 to 10 digits')}
      ${F('Forward all calls to', 'always', I('always'))}
      ${F('Forward when busy to', 'busy', I('busy'))}
      ${F('Forward when not answered to', 'no_answer', I('no_answer'))}
      ${F('Follow-me numbers', 'follow_me', I('follow_me'), 'number:seconds, e.g. 0171234567:20, 102:15')}
      <div class="checks">${F('Do not disturb', 'dnd', html`<${Check} name="dnd" values=${values} set=${set} />`)}</div>
    </div>
    <${Notice} error=${error} />
    ${note ? html`<p class="notice ok" role="status" id="features-note">${note}</p>` : null}
    <div class="actions"><button type="submit" class="primary">Save</button></div>
  </form>`;
}

export function Me() {
  const session = currentSession();
  const me = useLoad(() => api('GET', '/api/v1/me'));
  const [, setTick] = useState(0);
  return html`<section>
    <header class="page-head"><h1>My account</h1>
      <span class="who-detail">${session.user} · ${session.role}${session.extension ? ` · extension ${session.extension}` : ''}</span>
    </header>
    <${Notice} error=${me.error} />
    ${me.data && me.data.features ? html`<${FeaturesForm} features=${me.data.features}
      onSaved=${() => setTick((t) => t + 1)} />` : null}
    <${PasswordForm} />
  </section>`;
}
