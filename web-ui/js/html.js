// The toolkit in one place: Preact + hooks with htm tagged templates (no build step), and
// a tiny History-API router. Text interpolated into templates is always escaped by Preact;
// the GUI never sets innerHTML.
import { h, render } from '../vendor/preact.mjs';
import htm from '../vendor/htm.mjs';

export { render };
export {
  useState, useEffect, useRef, useMemo, useCallback, useReducer,
} from '../vendor/hooks.mjs';

/** `html\`<p>${text}</p>\`` builds Preact elements. */
export const html = htm.bind(h);

const routeListeners = new Set();

/** Go to a client route (pushState) and re-render whoever listens. */
export function navigate(path, { replace = false } = {}) {
  if (path === location.pathname + location.search) return;
  if (replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  routeListeners.forEach((fn) => fn());
}

/** Subscribe to route changes (pushState and back/forward); returns the unsubscribe. */
export function onRoute(fn) {
  routeListeners.add(fn);
  window.addEventListener('popstate', fn);
  return () => {
    routeListeners.delete(fn);
    window.removeEventListener('popstate', fn);
  };
}

/** An in-app link: a real <a href> (middle-click works) that navigates without a reload. */
export function Link({ href, children, ...rest }) {
  const click = (e) => {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(href);
  };
  return html`<a href=${href} onClick=${click} ...${rest}>${children}</a>`;
}
