// The REST client: bearer-token session (sessionStorage, so a reload keeps you logged in
// but closing the tab does not), JSON errors as ApiError with the API's `field`/`issues`,
// and authenticated downloads (CSV) through a Blob.

const KEY = 'rotary.session';
const sessionListeners = new Set();

/** The logged-in session: { token, user, role, denied } or null. */
export function currentSession() {
  try {
    return JSON.parse(sessionStorage.getItem(KEY) || 'null');
  } catch {
    return null;
  }
}

function setSession(s) {
  if (s) sessionStorage.setItem(KEY, JSON.stringify(s));
  else sessionStorage.removeItem(KEY);
  sessionListeners.forEach((fn) => fn(s));
}

/** Be told when the session starts or ends; returns the unsubscribe. */
export function onSession(fn) {
  sessionListeners.add(fn);
  return () => sessionListeners.delete(fn);
}

/** A failed API call: HTTP status, the API's message, and the field it blames. */
export class ApiError extends Error {
  constructor(status, body) {
    const msg = body && typeof body === 'object' && body.error ? body.error
      : (typeof body === 'string' && body.trim() ? body.trim() : `HTTP ${status}`);
    super(msg);
    this.status = status;
    this.field = body && body.field ? body.field : null;
    this.issues = body && Array.isArray(body.issues) ? body.issues : [];
    this.line = body && Number.isInteger(body.line) ? body.line : null; // CSV imports
  }

  /** `{field: message}` for every field the API named (all issues, else `field`). */
  fieldErrors() {
    const out = {};
    for (const i of this.issues) if (i.field && !(i.field in out)) out[i.field] = i.message;
    if (this.field && !(this.field in out)) out[this.field] = this.message;
    return out;
  }
}

/** Call the API. Resolves to the parsed JSON (null for 204); rejects with ApiError. */
export async function api(method, path, body) {
  const s = currentSession();
  const headers = { Accept: 'application/json' };
  if (s && s.token) headers.Authorization = `Bearer ${s.token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res;
  try {
    // credentials: 'omit' keeps browsers from popping up a Basic-auth dialog on a 401.
    res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'omit',
      cache: 'no-store',
    });
  } catch (e) {
    throw new ApiError(0, { error: `cannot reach the PBX (${e.message})` });
  }
  if (res.status === 401 && s && s.token && path !== '/api/v1/login') {
    setSession(null); // token expired or pbxd restarted: back to the login page
  }
  if (res.status === 204) return null;
  const text = await res.text();
  let data = text;
  if ((res.headers.get('content-type') || '').includes('json')) {
    try { data = JSON.parse(text); } catch { /* keep the text */ }
  }
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

/** Fetch an authenticated file and hand it to the browser as a download. */
export async function download(path, filename) {
  const s = currentSession();
  const res = await fetch(path, {
    headers: s && s.token ? { Authorization: `Bearer ${s.token}` } : {},
    credentials: 'omit',
    cache: 'no-store',
  });
  if (!res.ok) {
    let body = null;
    try { body = await res.json(); } catch { /* not JSON */ }
    throw new ApiError(res.status, body);
  }
  saveBlob(await res.blob(), filename);
}

/** Offer a Blob as a file download. */
export function saveBlob(blob, filename) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

/** Send a file (or Blob) as the raw request body; resolves to the parsed JSON answer. */
export async function upload(method, path, file, contentType) {
  const s = currentSession();
  const headers = { Accept: 'application/json', 'Content-Type': contentType };
  if (s && s.token) headers.Authorization = `Bearer ${s.token}`;
  let res;
  try {
    res = await fetch(path, { method, headers, body: file, credentials: 'omit', cache: 'no-store' });
  } catch (e) {
    throw new ApiError(0, { error: `cannot reach the PBX (${e.message})` });
  }
  const text = await res.text();
  let data = text;
  try { data = JSON.parse(text); } catch { /* keep the text */ }
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

/** Log in; on success the session (with the role from GET /api/v1/me) is stored. */
export async function login(username, password) {
  const { token } = await api('POST', '/api/v1/login', { username, password });
  sessionStorage.setItem(KEY, JSON.stringify({ token, user: username, role: null }));
  let me;
  try {
    me = await api('GET', '/api/v1/me');
  } catch (e) {
    sessionStorage.removeItem(KEY);
    throw e;
  }
  const denied = me.role === 'admin' ? null : `403: role ${me.role} may not change settings; only admin may`;
  setSession({ token, user: me.username, role: me.role, extension: me.extension || null, denied });
}

/** Log out (the token is forgotten by the server too). */
export async function logout() {
  try { await api('POST', '/api/v1/logout'); } catch { /* gone anyway */ }
  setSession(null);
}

/** Parse Prometheus text into { name: summed value } (labels summed up). */
export function parseMetrics(text) {
  const out = {};
  for (const line of String(text).split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const v = Number(m[3]);
    if (Number.isFinite(v)) out[m[1]] = (out[m[1]] || 0) + v;
  }
  return out;
}
