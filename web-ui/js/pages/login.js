// Login page: user name and password → bearer token; the API's refusal is shown as is.
import { html, useState } from '../html.js';
import { login } from '../api.js';
import { Notice } from '../widgets.js';

export function Login() {
  const [user, setUser] = useState('admin');
  const [password, setPassword] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await login(user, password);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  return html`<main class="login">
    <form class="card" onSubmit=${submit} aria-label="Log in">
      <h1>Rotary PBX</h1>
      <label for="login-user">User name</label>
      <input id="login-user" name="username" autocomplete="username" value=${user}
        onInput=${(e) => setUser(e.currentTarget.value)} required />
      <label for="login-password">Password</label>
      <input id="login-password" name="password" type="password" autocomplete="current-password"
        value=${password} onInput=${(e) => setPassword(e.currentTarget.value)} required />
      <${Notice} error=${error} />
      <button type="submit" class="primary" disabled=${busy}>${busy ? 'Logging in…' : 'Log in'}</button>
    </form>
  </main>`;
}
