// Prompts and music on hold (the audio library): list, upload (any WAV or MP3; the PBX
// converts it once) and delete. IVR menus pick their prompt from here; a music class plays
// its files in a loop and picks up changes on its next pass.
import { html, useState } from '../html.js';
import { api, upload, download, currentSession } from '../api.js';
import { Notice, Field, useLoad, useSorted, SortHeader } from '../widgets.js';
import { errorsOf } from '../forms.js';

const secs = (ms) => `${(ms / 1000).toFixed(1)} s`;
/** A file name without its extension, made into a valid sound name. */
const nameFrom = (file) => file.name.replace(/\.[^.]*$/, '').replace(/[^A-Za-z0-9_.-]/g, '_');

/** Name + file → PUT `target(name)`; the API's name message shows next to the name. */
function UploadForm({ id, target, onDone, withClass = false }) {
  const [name, setName] = useState('');
  const [cls, setCls] = useState('default');
  const [file, setFile] = useState(null);
  const [errors, setErrors] = useState({});
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e) => {
    e.preventDefault();
    const missing = {};
    if (!file) missing.file = 'choose a WAV or MP3 file';
    if (!name.trim()) missing.name = 'name is required';
    if (withClass && !cls.trim()) missing.class = 'class is required';
    if (Object.keys(missing).length) { setErrors(missing); return; }
    setBusy(true);
    try {
      const stored = await upload('PUT', target(name.trim(), cls.trim()), file, file.type || 'application/octet-stream');
      setErrors({});
      setError(null);
      onDone(`${stored.name} stored (${secs(stored.duration_ms)}${stored.truncated ? ', damaged file: partly kept' : ''}).`);
    } catch (err) {
      const fe = errorsOf(err);
      setErrors(fe);
      setError(Object.keys(fe).some((k) => ['name', 'class'].includes(k)) ? null : err);
    }
    setBusy(false);
  };
  return html`<form class="card form" id=${id} onSubmit=${submit} novalidate>
    <div class="grid">
      ${withClass ? html`<${Field} label="Music class" name="class" error=${errors.class}>
        <input id="f-class" value=${cls} onInput=${(e) => setCls(e.currentTarget.value)} /><//>` : null}
      <${Field} label="File (WAV or MP3)" name="file" error=${errors.file} id=${`${id}-file`}>
        <input id=${`${id}-file`} type="file" accept=".wav,.mp3,audio/wav,audio/mpeg"
          onChange=${(e) => { const f = e.currentTarget.files[0] || null; setFile(f); if (f && !name) setName(nameFrom(f)); }} /><//>
      <${Field} label="Name" name="name" error=${errors.name} id=${`${id}-name`}>
        <input id=${`${id}-name`} value=${name} onInput=${(e) => setName(e.currentTarget.value)} /><//>
    </div>
    <${Notice} error=${error} />
    <div class="actions"><button type="submit" class="primary" disabled=${busy}>Upload</button></div>
  </form>`;
}

export function Sounds() {
  const staff = ['admin', 'operator'].includes((currentSession() || {}).role);
  const prompts = useLoad(() => api('GET', '/api/v1/prompts'));
  const moh = useLoad(() => api('GET', '/api/v1/moh'));
  const [note, setNote] = useState(null);
  const [error, setError] = useState(null);
  const [confirm, setConfirm] = useState(null);
  const { sorted, sort, by } = useSorted(prompts.data || [], 'name');
  const H = (label, col) => html`<${SortHeader} label=${label} col=${col} sort=${sort} by=${by} />`;
  const act = async (fn, text) => {
    setConfirm(null);
    try { await fn(); setNote(text); setError(null); } catch (e) { setError(e); setNote(null); }
    prompts.reload();
    moh.reload();
  };
  const del = (key, label, fn) => (confirm === key
    ? html`<button type="button" class="danger" onClick=${() => act(fn, `${label} deleted.`)}>Confirm delete</button>
           <button type="button" onClick=${() => setConfirm(null)}>Keep</button>`
    : html`<button type="button" onClick=${() => setConfirm(key)}>Delete</button>`);
  const enc = encodeURIComponent;
  return html`<section>
    <header class="page-head"><h1>Prompts & music on hold</h1></header>
    <${Notice} error=${prompts.error || moh.error || error} />
    ${note ? html`<p class="notice ok" role="status" id="sounds-note">${note}</p>` : null}
    <h2>Prompts</h2>
    ${staff ? html`<${UploadForm} id="prompt-upload" target=${(n) => `/api/v1/prompts/${enc(n)}`}
      onDone=${(t) => { setNote(`Prompt ${t}`); prompts.reload(); }} />` : null}
    <div class="card scroll"><table id="prompts">
      <thead><tr>${H('Name', 'name')}${H('Length (ms)', 'duration_ms')}<th>Actions</th></tr></thead>
      <tbody>${sorted.map((p) => html`<tr key=${p.name} data-key=${p.name}>
        <td class="name">${p.name}</td><td>${secs(p.duration_ms)}</td>
        <td class="row-actions">
          <button type="button" onClick=${() => download(`/api/v1/prompts/${enc(p.name)}`, `${p.name}.wav`).catch(setError)}>Download</button>
          ${staff ? del(`p:${p.name}`, `Prompt ${p.name}`, () => api('DELETE', `/api/v1/prompts/${enc(p.name)}`)) : null}
        </td></tr>`)}</tbody>
    </table>
    ${prompts.data && !prompts.data.length ? html`<p class="empty">No prompts uploaded yet.</p>` : null}</div>
    <h2>Music on hold</h2>
    ${staff ? html`<${UploadForm} id="moh-upload" withClass=${true}
      target=${(n, c) => `/api/v1/moh/${enc(c)}/${enc(n)}`}
      onDone=${(t) => { setNote(`Music ${t}`); moh.reload(); }} />` : null}
    <div class="card scroll"><table id="moh">
      <thead><tr><th>Class</th><th>File</th><th>Length</th><th>Actions</th></tr></thead>
      <tbody>${(moh.data || []).flatMap((c) => (c.files.length ? c.files : [null]).map((fl) => html`
        <tr key=${`${c.class}/${fl ? fl.name : ''}`}><td>${c.class}</td><td class="name">${fl ? fl.name : '(empty)'}</td>
          <td>${fl ? secs(fl.duration_ms) : ''}</td>
          <td class="row-actions">${fl && staff ? del(`m:${c.class}/${fl.name}`, `Music ${c.class}/${fl.name}`,
            () => api('DELETE', `/api/v1/moh/${enc(c.class)}/${enc(fl.name)}`)) : null}</td></tr>`))}</tbody>
    </table></div>
  </section>`;
}
