// A configuration list as a page: search box, sortable columns, a create/edit form (the
// page's own component), delete with a confirm step and, for ordered lists, up/down
// buttons. Every change goes straight to the API, which applies it at once.
import { html, useState, useMemo } from './html.js';
import { api, currentSession } from './api.js';
import { Notice, useLoad, useSorted, SortHeader } from './widgets.js';

/**
 * Props:
 * - `id`: the table's element id; `what`: the singular noun ("trunk");
 * - `path`: the collection (`/api/v1/trunks`); `keyOf(item)`: its key;
 * - `columns`: `[{ label, col, value(item), render?(item), cls? }]`;
 * - `Form`: `({ item, items, onDone, onCancel })`, `item` null to create;
 * - `ordered`: show the position and up/down buttons (`POST {path}/{key}/move`);
 * - `transform(items)`: adjust items before display (live fields);
 * - `live(event)`: reload on matching events; `rowActions(item, reload)`: extra buttons;
 * - `children`: shown above the table.
 */
export function ListPage({
  id, title, what, path, keyOf, columns, Form, ordered = false, transform = null,
  live = null, rowActions = null, newLabel = null, children = null, initialSort = null,
}) {
  const res = useLoad(() => api('GET', path), [path], live);
  const admin = (currentSession() || {}).role === 'admin';
  const [q, setQ] = useState('');
  const [mode, setMode] = useState(null); // null | 'new' | item
  const [confirm, setConfirm] = useState(null);
  const [note, setNote] = useState(null);
  const [error, setError] = useState(null);
  const items = useMemo(() => (transform ? transform(res.data || []) : res.data || []),
    [res.data, transform]);
  const rows = useMemo(() => items.map((item, pos) => {
    const row = { item, key: keyOf(item), pos: pos + 1 };
    for (const c of columns) row[c.col] = c.value(item);
    return row;
  }).filter((r) => {
    if (!q) return true;
    const needle = q.toLowerCase();
    return columns.some((c) => String(r[c.col] ?? '').toLowerCase().includes(needle));
  }), [items, q]);
  const { sorted, sort, by } = useSorted(rows, initialSort || (ordered ? 'pos' : columns[0].col));
  const H = (label, col) => html`<${SortHeader} label=${label} col=${col} sort=${sort} by=${by} />`;

  const act = async (fn, done) => {
    try {
      await fn();
      setNote(done);
      setError(null);
    } catch (e) {
      setError(e);
      setNote(null);
    }
    res.reload();
  };
  const remove = (key) => {
    setConfirm(null);
    act(() => api('DELETE', `${path}/${encodeURIComponent(key)}`), `${cap(what)} ${key} deleted.`);
  };
  const move = (key, position) => act(
    () => api('POST', `${path}/${encodeURIComponent(key)}/move`, { position }),
    `${cap(what)} ${key} moved to place ${position + 1}.`,
  );
  const done = (saved, creating) => {
    setMode(null);
    setError(null);
    setNote(saved ? `${cap(what)} ${keyOf(saved)} ${creating ? 'created' : 'saved'}.` : null);
    res.reload();
  };
  const open = (m) => { setNote(null); setError(null); setMode(m); };

  return html`<section>
    <header class="page-head"><h1>${title}</h1>
      <input type="search" id=${`${id}-search`} placeholder="Search" aria-label=${`Search ${title}`}
        value=${q} onInput=${(e) => setQ(e.currentTarget.value)} />
      ${admin ? html`<button type="button" class="primary" id=${`${id}-new`}
        onClick=${() => open('new')}>${newLabel || `New ${what}`}</button>` : null}
    </header>
    <${Notice} error=${res.error || error} />
    ${note ? html`<p class="notice ok" role="status" id=${`${id}-note`}>${note}</p>` : null}
    ${mode === 'new' ? html`<${Form} key="new" item=${null} items=${items}
      onDone=${done} onCancel=${() => setMode(null)} />` : null}
    ${mode && typeof mode === 'object' ? html`<${Form} key=${keyOf(mode)} item=${mode} items=${items}
      onDone=${done} onCancel=${() => setMode(null)} />` : null}
    ${children}
    <div class="card scroll"><table id=${id}>
      <thead><tr>${ordered ? H('#', 'pos') : null}${columns.map((c) => H(c.label, c.col))}
        ${admin || rowActions ? html`<th>Actions</th>` : null}</tr></thead>
      <tbody>${sorted.map((r) => html`<tr key=${r.key} data-key=${r.key}>
        ${ordered ? html`<td class="pos">${r.pos}</td>` : null}
        ${columns.map((c) => html`<td class=${c.cls || c.col}>${c.render ? c.render(r.item) : r[c.col]}</td>`)}
        ${admin || rowActions ? html`<td class="row-actions">
          ${rowActions ? rowActions(r.item, res.reload) : null}
          ${admin && ordered ? html`
            <button type="button" class="up" aria-label=${`Move ${r.key} up`} disabled=${r.pos === 1}
              onClick=${() => move(r.key, r.pos - 2)}>↑</button>
            <button type="button" class="down" aria-label=${`Move ${r.key} down`}
              disabled=${r.pos === items.length} onClick=${() => move(r.key, r.pos)}>↓</button>` : null}
          ${admin ? html`<button type="button" class="edit" onClick=${() => open(r.item)}>Edit</button>` : null}
          ${!admin ? null : confirm === r.key
            ? html`<button type="button" class="danger confirm" onClick=${() => remove(r.key)}>Confirm delete</button>
                   <button type="button" onClick=${() => setConfirm(null)}>Keep</button>`
            : html`<button type="button" class="delete" onClick=${() => setConfirm(r.key)}>Delete</button>`}
        </td>` : null}
      </tr>`)}</tbody>
    </table>
    ${res.data ? html`<p class="count">${sorted.length} of ${items.length} ${plural(what, items.length)}</p>` : null}
    </div>
  </section>`;
}

const cap = (s) => s.charAt(0).toUpperCase() + s.slice(1);
const plural = (w, n) => (n === 1 ? w : w.endsWith('y') && !/[aeiou]y$/.test(w) ? `${w.slice(0, -1)}ies` : `${w}s`);

/** Save an entry: POST to create, PUT to replace; hands the stored entry to `onDone`. */
export async function saveEntry(path, item, keyOf, body, onDone) {
  const creating = !item;
  const saved = creating
    ? await api('POST', path, body)
    : await api('PUT', `${path}/${encodeURIComponent(keyOf(item))}`, body);
  onDone(saved, creating);
}
