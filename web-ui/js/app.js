// Entry point: the login gate, the menu and the client-side router.
import { html, render, useState, useEffect, onRoute, Link } from './html.js';
import { currentSession, onSession, logout } from './api.js';
import { startEvents, stopEvents } from './events.js';
import { pages } from './pages/index.js';
import { Login } from './pages/login.js';

function pageFor(path) {
  const clean = path.replace(/\/+$/, '') || '/';
  return pages.find((p) => p.path === clean) || null;
}

function Shell({ session }) {
  const [path, setPath] = useState(location.pathname);
  const [menu, setMenu] = useState(false);
  useEffect(() => onRoute(() => { setPath(location.pathname); setMenu(false); }), []);
  useEffect(() => { startEvents(); return stopEvents; }, []);
  const page = pageFor(path);
  const visible = pages.filter((p) => !p.roles || p.roles.includes(session.role));
  useEffect(() => {
    document.title = `${page ? page.title : 'Not found'} · Rotary PBX`;
  }, [page]);
  const Page = page ? page.component : null;
  return html`<div class="shell">
    <header class="top">
      <span class="brand">Rotary</span>
      <button type="button" class="menu-toggle" aria-expanded=${menu} aria-controls="nav"
        onClick=${() => setMenu(!menu)}>Menu</button>
      <nav id="nav" class=${menu ? 'open' : ''} aria-label="Main">
        ${visible.map((p) => html`<${Link} key=${p.path} href=${p.path}
          aria-current=${page === p ? 'page' : undefined}>${p.title}<//>`)}
      </nav>
      <span class="who">${session.user} (${session.role})</span>
      <button type="button" class="logout" onClick=${logout}>Log out</button>
    </header>
    <main class="content">
      ${Page ? html`<${Page} key=${page.path} />`
        : html`<section><h1>Not found</h1><p>No page at ${path}. <${Link} href="/">Dashboard<//></p></section>`}
    </main>
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
