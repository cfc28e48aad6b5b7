// Login accounts (admin only): who may log in with which role. Passwords are write-only;
// the API's strength rules come back as messages next to the password field.
import { html, useState } from '../html.js';
import { api } from '../api.js';
import { Notice, Field, Input, useLoad, useSorted, SortHeader } from '../widgets.js';

const ROLES = [
  ['admin', 'Administrator: everything'],
  ['operator', 'Operator: day-to-day, no accounts or restore'],
  ['billing', 'Billing: call records and recordings only'],
  ['user', 'Extension user: own extension portal'],
];

function AccountForm({ account, onDone, onCancel }) {
  const creating = !account;
  const [values, setValues] = useState(() => ({
    username: account ? account.username : '',
    role: account ? account.role : 'operator',
    extension: account && account.extension ? account.extension : '',
    password: '',
  }));
  const [errors, setErrors] = useState({});
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const set = (k, v) => setValues((x) => ({ ...x, [k]: v }));
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    const body = {};
    if (creating && values.username.trim()) body.username = values.username.trim();
    if (creating || values.role !== account.role) body.role = values.role;
    if (values.role === 'user' && values.extension.trim()) body.extension = values.extension.trim();
    if (values.password) body.password = values.password;
    try {
      const saved = creating
        ? await api('POST', '/api/v1/accounts', body)
        : await api('PATCH', `/api/v1/accounts/${encodeURIComponent(account.username)}`, body);
      onDone(saved, creating);
    } catch (err) {
      const fe = err.fieldErrors ? err.fieldErrors() : {};
      setErrors(fe);
      setError(Object.keys(fe).some((k) => k in values) ? null : err);
      setBusy(false);
    }
  };
  return html`<form class="card form" id="account-form" onSubmit=${submit} novalidate>
    <h2>${creating ? 'New account' : `Account ${account.username}`}</h2>
    <div class="grid">
      ${creating ? html`<${Field} label="User name" name="username" error=${errors.username}
          hint="For an extension user, leave empty to use the extension number">
        <${Input} name="username" values=${values} set=${set} autocomplete="off" /><//>` : null}
      <${Field} label="Role" name="role" error=${errors.role}>
        <select id="f-role" name="role" value=${values.role} onChange=${(e) => set('role', e.currentTarget.value)}>
          ${ROLES.map(([r, label]) => html`<option value=${r}>${label}</option>`)}
        </select><//>
      ${values.role === 'user' ? html`<${Field} label="Extension" name="extension" error=${errors.extension}>
        <${Input} name="extension" values=${values} set=${set} inputmode="numeric" /><//>` : null}
      <${Field} label=${creating ? 'Password' : 'New password'} name="password" error=${errors.password}
          hint=${creating ? 'At least 10 characters, three of: lower, upper, digits, symbols' : 'Leave empty to keep'}>
        <${Input} name="password" type="password" values=${values} set=${set} autocomplete="new-password" /><//>
    </div>
    <${Notice} error=${error} />
    <div class="actions">
      <button type="submit" class="primary" disabled=${busy}>${creating ? 'Create' : 'Save'}</button>
      <button type="button" onClick=${onCancel}>Cancel</button>
    </div>
  </form>`;
}

export function Accounts() {
  const list = useLoad(() => api('GET', '/api/v1/accounts'));
  const [mode, setMode] = useState(null);
  const [confirm, setConfirm] = useState(null);
  const [note, setNote] = useState(null);
  const [error, setError] = useState(null);
  const { sorted, sort, by } = useSorted(list.data || [], 'username');
  const H = (label, col) => html`<${SortHeader} label=${label} col=${col} sort=${sort} by=${by} />`;
  const done = (saved, creating) => {
    setMode(null);
    setNote(`Account ${saved.username} ${creating ? 'created' : 'saved'}.`);
    list.reload();
  };
  const remove = async (name) => {
    setConfirm(null);
    try {
      await api('DELETE', `/api/v1/accounts/${encodeURIComponent(name)}`);
      setNote(`Account ${name} deleted.`);
      setError(null);
      list.reload();
    } catch (e) { setError(e); }
  };
  return html`<section>
    <header class="page-head"><h1>Accounts</h1>
      <button type="button" class="primary" onClick=${() => { setNote(null); setMode('new'); }}>New account</button>
    </header>
    <${Notice} error=${list.error || error} />
    ${note ? html`<p class="notice ok" role="status" id="accounts-note">${note}</p>` : null}
    ${mode === 'new' ? html`<${AccountForm} key="new" onDone=${done} onCancel=${() => setMode(null)} />` : null}
    ${mode && typeof mode === 'object' ? html`<${AccountForm} key=${mode.username} account=${mode}
      onDone=${done} onCancel=${() => setMode(null)} />` : null}
    <div class="card scroll"><table id="accounts">
      <thead><tr>${H('User name', 'username')}${H('Role', 'role')}${H('Extension', 'extension')}<th>Actions</th></tr></thead>
      <tbody>${sorted.map((a) => html`<tr key=${a.username} data-account=${a.username}>
        <td class="name">${a.username}</td><td>${a.role}</td><td>${a.extension || ''}</td>
        <td class="row-actions">
          <button type="button" onClick=${() => { setNote(null); setMode(a); }}>Edit</button>
          ${a.username === 'admin' ? null : confirm === a.username
            ? html`<button type="button" class="danger" onClick=${() => remove(a.username)}>Confirm delete</button>
                   <button type="button" onClick=${() => setConfirm(null)}>Keep</button>`
            : html`<button type="button" onClick=${() => setConfirm(a.username)}>Delete</button>`}
        </td></tr>`)}</tbody>
    </table></div>
  </section>`;
}
