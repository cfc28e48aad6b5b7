// HTTPS (admin only): the certificate pbxd serves (self-signed until one is uploaded),
// uploading a certificate and its key (checked by the PBX: the key must match, the dates
// must be valid; served from the next connection), and where HTTPS listens.
import { html, useState } from '../html.js';
import { api } from '../api.js';
import { Notice, Field, Input, Check, useLoad } from '../widgets.js';

async function text(fileInput) {
  const f = fileInput.files && fileInput.files[0];
  return f ? f.text() : '';
}

export function Https() {
  const tls = useLoad(() => api('GET', '/api/v1/tls'));
  const settings = useLoad(() => api('GET', '/api/v1/system-settings'));
  const [errors, setErrors] = useState({});
  const [error, setError] = useState(null);
  const [note, setNote] = useState(null);
  const [values, setValues] = useState(null);
  const v = values || (settings.data && {
    https_bind: settings.data.https_bind, http_redirect: settings.data.http_redirect,
  });
  const set = (k, val) => setValues({ ...v, [k]: val });
  const uploadCert = async (e) => {
    e.preventDefault();
    const form = e.currentTarget;
    const body = {
      certificate: await text(form.querySelector('#f-certificate')),
      private_key: await text(form.querySelector('#f-private_key')),
    };
    try {
      const info = await api('PUT', '/api/v1/tls/certificate', body);
      setErrors({}); setError(null);
      setNote(`Certificate for ${info.subject} installed; valid until ${info.not_after}.`);
      tls.reload();
    } catch (err) {
      const fe = err.fieldErrors ? err.fieldErrors() : {};
      setErrors(fe); setError(Object.keys(fe).length ? null : err); setNote(null);
    }
  };
  const saveListen = async (e) => {
    e.preventDefault();
    try {
      await api('PATCH', '/api/v1/system-settings', { https_bind: v.https_bind, http_redirect: !!v.http_redirect });
      setErrors({}); setError(null); setNote('Saved; HTTPS listens there from the next start of pbxd.');
    } catch (err) {
      const fe = err.fieldErrors ? err.fieldErrors() : {};
      setErrors(fe); setError(Object.keys(fe).length ? null : err); setNote(null);
    }
  };
  const c = tls.data && tls.data.certificate;
  return html`<section>
    <header class="page-head"><h1>HTTPS</h1></header>
    <${Notice} error=${tls.error || error} />
    ${note ? html`<p class="notice ok" role="status" id="tls-note">${note}</p>` : null}
    <div class="card" id="tls-info">
      <h2>Certificate ${tls.data ? (tls.data.https ? '(served now)' : '(HTTPS is off)') : ''}</h2>
      ${c ? html`<dl class="facts">
        <dt>Subject</dt><dd>${c.subject}</dd><dt>Issuer</dt><dd>${c.issuer}${c.self_signed ? ' (self-signed)' : ''}</dd>
        <dt>Names</dt><dd>${c.names.join(', ')}</dd>
        <dt>Valid</dt><dd>${c.not_before} – ${c.not_after}</dd>
        <dt>SHA-256</dt><dd class="mono">${c.sha256}</dd></dl>` : html`<p class="empty">No certificate yet.</p>`}
    </div>
    <form class="card form" id="tls-upload" onSubmit=${uploadCert} novalidate>
      <h2>Upload a certificate</h2>
      <div class="grid">
        <${Field} label="Certificate chain (.pem, .crt)" name="certificate" error=${errors.certificate}>
          <input type="file" id="f-certificate" accept=".pem,.crt,.cer" /><//>
        <${Field} label="Private key (.key, .pem)" name="private_key" error=${errors.private_key}>
          <input type="file" id="f-private_key" accept=".key,.pem" /><//>
      </div>
      <div class="actions"><button type="submit" class="primary">Replace certificate</button></div>
    </form>
    ${v ? html`<form class="card form" id="https-listen" onSubmit=${saveListen} novalidate>
      <h2>Listener</h2>
      <div class="grid">
        <${Field} label="HTTPS address (ADDR:PORT)" name="https_bind" error=${errors.https_bind}
            hint="e.g. 0.0.0.0:8443; empty = off unless pbxd is started with --https-bind">
          <${Input} name="https_bind" values=${v} set=${set} /><//>
        <${Field} label="Redirect HTTP to HTTPS" name="http_redirect">
          <${Check} name="http_redirect" values=${v} set=${set} /><//>
      </div>
      <div class="actions"><button type="submit">Save</button></div>
    </form>` : null}
  </section>`;
}
