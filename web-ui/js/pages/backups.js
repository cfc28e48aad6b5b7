// Backups: make one now (progress shown while the job runs), download, delete and restore
// stored ones, upload an archive to restore, and the automatic schedule. Restoring and
// deleting are for administrators; the PBX checks an archive completely before it replaces
// anything, and a restored configuration is in force at once (no restart).
import { html, useState } from '../html.js';
import { api, download, upload, currentSession } from '../api.js';
import { Notice, Field, Input, Check, useLoad } from '../widgets.js';

function size(n) {
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(1)} MiB`;
  return `${(n / 1024).toFixed(1)} KiB`;
}

function what(inc) {
  if (!inc) return '';
  return Object.entries(inc).filter(([, v]) => v).map(([k]) => k).join(', ');
}

function Schedule() {
  const settings = useLoad(() => api('GET', '/api/v1/system-settings'));
  const [values, setValues] = useState(null);
  const [errors, setErrors] = useState({});
  const [note, setNote] = useState(null);
  const [error, setError] = useState(null);
  const v = values || (settings.data && {
    auto_backup_hours: String(settings.data.auto_backup_hours),
    auto_backup_keep: String(settings.data.auto_backup_keep),
    auto_backup_recordings: settings.data.auto_backup_recordings,
    auto_backup_cdr: settings.data.auto_backup_cdr,
  });
  if (!v) return html`<${Notice} error=${settings.error} />`;
  const set = (k, val) => setValues({ ...v, [k]: val });
  const num = (t) => (/^\d+$/.test(String(t).trim()) ? Number(t) : t);
  const save = async (e) => {
    e.preventDefault();
    try {
      await api('PATCH', '/api/v1/system-settings', {
        auto_backup_hours: num(v.auto_backup_hours), auto_backup_keep: num(v.auto_backup_keep),
        auto_backup_recordings: !!v.auto_backup_recordings, auto_backup_cdr: !!v.auto_backup_cdr,
      });
      setErrors({}); setError(null); setNote('Schedule saved.');
    } catch (err) {
      const fe = err.fieldErrors ? err.fieldErrors() : {};
      setErrors(fe); setError(Object.keys(fe).length ? null : err); setNote(null);
    }
  };
  return html`<form class="card form" id="schedule-form" onSubmit=${save} novalidate>
    <h2>Automatic backups</h2>
    <div class="grid">
      <${Field} label="Every (hours, 0 = off)" name="auto_backup_hours" error=${errors.auto_backup_hours}>
        <${Input} name="auto_backup_hours" type="number" values=${v} set=${set} /><//>
      <${Field} label="Keep this many" name="auto_backup_keep" error=${errors.auto_backup_keep}>
        <${Input} name="auto_backup_keep" type="number" values=${v} set=${set} /><//>
      <div class="checks">
        <${Field} label="Include recordings" name="auto_backup_recordings">
          <${Check} name="auto_backup_recordings" values=${v} set=${set} /><//>
        <${Field} label="Include call records" name="auto_backup_cdr">
          <${Check} name="auto_backup_cdr" values=${v} set=${set} /><//>
      </div>
    </div>
    <${Notice} error=${error} />
    ${note ? html`<p class="notice ok" role="status">${note}</p>` : null}
    <div class="actions"><button type="submit">Save schedule</button></div>
  </form>`;
}

export function Backups() {
  const session = currentSession();
  const admin = session && session.role === 'admin';
  const list = useLoad(() => api('GET', '/api/v1/backups'));
  const [opts, setOpts] = useState({ recordings: false, cdr: true });
  const [job, setJob] = useState(null);
  const [file, setFile] = useState(null);
  const [confirm, setConfirm] = useState(null);
  const [note, setNote] = useState(null);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);

  const create = async () => {
    setError(null); setNote(null);
    try {
      const started = await api('POST', '/api/v1/backups', opts);
      let j = started.job;
      setJob(j);
      while (j.state === 'running') {
        await new Promise((r) => setTimeout(r, 300));
        j = await api('GET', started.href);
        setJob(j);
      }
      if (j.state === 'failed') setError(`Backup failed: ${j.error}`);
      else setNote(`Backup ${j.backup.name} written.`);
      list.reload();
    } catch (e) { setError(e); }
  };
  const restore = async (name) => {
    setConfirm(null); setBusy(true); setError(null); setNote(null);
    try {
      const r = name
        ? await api('POST', `/api/v1/backups/${encodeURIComponent(name)}/restore`)
        : await upload('POST', '/api/v1/backups/restore', file, 'application/gzip');
      setNote(`Restored the backup of ${r.created_at} (schema ${r.schema_version_found}`
        + `${r.schema_version_found !== r.schema_version ? ` migrated to ${r.schema_version}` : ''}); `
        + `it is in force now.`);
      list.reload();
    } catch (e) { setError(e); }
    setBusy(false);
  };
  const remove = async (name) => {
    setConfirm(null);
    try {
      await api('DELETE', `/api/v1/backups/${encodeURIComponent(name)}`);
      setNote(`Backup ${name} deleted.`);
      list.reload();
    } catch (e) { setError(e); }
  };
  const get = async (name) => {
    try { await download(`/api/v1/backups/${encodeURIComponent(name)}`, name); } catch (e) { setError(e); }
  };

  return html`<section>
    <header class="page-head"><h1>Backups</h1>
      <label><input type="checkbox" id="opt-cdr" checked=${opts.cdr}
        onChange=${(e) => setOpts({ ...opts, cdr: e.currentTarget.checked })} /> call records</label>
      <label><input type="checkbox" id="opt-recordings" checked=${opts.recordings}
        onChange=${(e) => setOpts({ ...opts, recordings: e.currentTarget.checked })} /> recordings</label>
      <button type="button" class="primary" id="backup-create"
        disabled=${job && job.state === 'running'} onClick=${create}>Back up now</button>
    </header>
    ${job && job.state === 'running' ? html`<p class="notice ok" role="status" id="backup-progress">
      Backing up: ${job.files_done} files, ${size(job.bytes_done)}…</p>` : null}
    <${Notice} error=${list.error || error} />
    ${note ? html`<p class="notice ok" role="status" id="backup-note">${note}</p>` : null}
    <div class="card scroll"><table id="backups">
      <thead><tr><th>Backup</th><th>Made</th><th>Size</th><th>Contents</th><th>Schema</th><th>Actions</th></tr></thead>
      <tbody>${(list.data || []).map((b) => html`<tr key=${b.name} data-backup=${b.name}>
        <td class="name">${b.name}${b.automatic ? html` <span class="badge off">auto</span>` : null}</td>
        <td>${b.created_at}</td><td>${size(b.size)}</td><td>${what(b.includes)}</td>
        <td>${b.schema_version || ''}</td>
        <td class="row-actions">
          <button type="button" class="download" onClick=${() => get(b.name)}>Download</button>
          ${admin ? (confirm && confirm.name === b.name
            ? html`<button type="button" class="danger" disabled=${busy}
                  onClick=${() => (confirm.op === 'restore' ? restore(b.name) : remove(b.name))}>
                  Confirm ${confirm.op}</button>
                <button type="button" onClick=${() => setConfirm(null)}>Cancel</button>`
            : html`<button type="button" onClick=${() => setConfirm({ name: b.name, op: 'restore' })}>Restore</button>
                <button type="button" onClick=${() => setConfirm({ name: b.name, op: 'delete' })}>Delete</button>`) : null}
        </td></tr>`)}</tbody>
    </table>
    ${list.data && list.data.length === 0 ? html`<p class="empty">No backups yet.</p>` : null}
    </div>
    ${admin ? html`<div class="card form" id="upload-form">
      <h2>Restore from a file</h2>
      <p class="hint">The archive is checked completely (checksums, database) before anything is
        replaced; a damaged or foreign file changes nothing.</p>
      <input type="file" id="backup-file" accept=".gz,.tar.gz,application/gzip"
        onChange=${(e) => setFile(e.currentTarget.files[0] || null)} />
      <div class="actions">
        ${confirm && confirm.op === 'upload'
          ? html`<button type="button" class="danger" id="backup-upload-confirm" disabled=${busy}
              onClick=${() => restore(null)}>Replace the configuration</button>
              <button type="button" onClick=${() => setConfirm(null)}>Cancel</button>`
          : html`<button type="button" id="backup-upload" disabled=${!file || busy}
              onClick=${() => setConfirm({ op: 'upload' })}>Upload and restore</button>`}
      </div></div>
      <${Schedule} />` : null}
  </section>`;
}
