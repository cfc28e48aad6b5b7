// Entry point: the login gate, the menu and the client-side router.
import { html, render, useState, useEffect, onRoute, Link, navigate } from './html.js';
import { api, currentSession, onSession, logout } from './api.js';
import { startEvents, stopEvents } from './events.js';
import { pages } from './pages/index.js';
import { Login } from './pages/login.js';
import { Wizard } from './pages/wizard.js';

function pageFor(path) {
  const clean = path.replace(/\/+$/, '') || '/';
  return pages.find((p) => p.path === clean) || null;
}

const allowed = (page, role) => !page.roles || page.roles.includes(role);

function Shell({ session }) {
  const [path, setPath] = useState(location.pathname);
  const [menu, setMenu] = useState(false);
  // Admins see the setup wizard until it is finished or skipped (system setting setup_done).
  const [setup, setSetup] = useState(session.role === 'admin' ? 'checking' : 'done');
  useEffect(() => onRoute(() => { setPath(location.pathname); setMenu(false); }), []);
  const live = pageFor('/') && allowed(pageFor('/'), session.role) && session.role !== 'billing';
  useEffect(() => { if (!live) return undefined; startEvents(); return stopEvents; }, [live]);
  useEffect(() => {
    if (session.role !== 'admin') return;
    api('GET', '/api/v1/system-settings')
      .then((s) => setSetup(s.setup_done ? 'done' : 'wizard'))
      .catch(() => setSetup('done'));
  }, []);
  const page = pageFor(path);
  const visible = pages.filter((p) => allowed(p, session.role));
  // A role without the dashboard (billing) starts at its first page.
  useEffect(() => {
    if (page && page.path === '/' && !allowed(page, session.role) && visible.length) {
      navigate(visible[0].path, { replace: true });
    }
  }, [page]);
  useEffect(() => {
    document.title = `${page ? page.title : 'Not found'} · Rotary PBX`;
  }, [page]);
  const Page = page ? page.component : null;
  if (setup === 'checking') return html`<p class="boot">Loading Rotary…</p>`;
  if (setup === 'wizard') {
    return html`<div class="shell"><header class="top"><span class="brand">Rotary</span>
      <span class="who">${session.user} (${session.role})</span>
      <button type="button" class="logout" onClick=${logout}>Log out</button></header>
      <${Wizard} onDone=${() => { setSetup('done'); navigate('/'); }} /></div>`;
  }
  // Menu sections in page order: pages without a group first, then one heading per group.
  const groups = [];
  for (const p of visible) {
    const g = p.group || '';
    let sec = groups.find((x) => x.name === g);
    if (!sec) { sec = { name: g, pages: [] }; groups.push(sec); }
    sec.pages.push(p);
  }
  return html`<div class="shell">
    <header class="top">
      <span class="brand">Rotary</span>
      <button type="button" class="menu-toggle" aria-expanded=${menu} aria-controls="nav"
        onClick=${() => setMenu(!menu)}>Menu</button>
      <span class="who">${session.user} (${session.role})</span>
      <button type="button" class="logout" onClick=${logout}>Log out</button>
    </header>
    <div class="frame">
    <nav id="nav" class=${menu ? 'open' : ''} aria-label="Main">
      ${groups.map((g) => html`<div class="nav-group" key=${g.name}>
        ${g.name ? html`<span class="nav-title">${g.name}</span>` : null}
        ${g.pages.map((p) => html`<${Link} key=${p.path} href=${p.path}
          aria-current=${page === p ? 'page' : undefined}>${p.title}<//>`)}
      </div>`)}
    </nav>
    <main class="content">
      ${Page && !allowed(page, session.role) ? html`<section><h1>${page.title}</h1>
          <p class="notice error" role="alert" id="page-denied">403 Forbidden: role ${session.role}
            may not open ${page.title}.</p></section>`
        : Page ? html`<${Page} key=${page.path} />`
        : html`<section><h1>Not found</h1><p>No page at ${path}. <${Link} href="/">Dashboard<//></p></section>`}
    </main>
    </div>
  </div>`;
}

function App() {
  const [session, setSession] = useState(currentSession());
  useEffect(() => onSession(setSession), []);
  return session && session.token && session.role ? html`<${Shell} session=${session} />` : html`<${Login} />`;
}

const root = document.getElementById('app');
root.textContent = ''; // drop the "Loading…" placeholder (render appends)
render(html`<${App} />`, root);
