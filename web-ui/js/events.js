// The PBX event stream (WebSocket /api/v1/events), shared by every page.
//
// Reconnects with backoff and resumes with ?since=<last seq>, so nothing is missed across a
// short outage; a `gap` message (events no longer kept) or any (re)connect tells listeners to
// resync, i.e. reload their data from the REST API. Messages at or below the last seen seq
// are dropped, so a replay never applies twice.
import { currentSession } from './api.js';

const listeners = new Set();
const stateListeners = new Set();
let socket = null;
let lastSeq = null;
let attempts = 0;
let timer = null;
let running = false;
let state = 'offline';

function setState(s) {
  state = s;
  stateListeners.forEach((fn) => fn(s));
}

function emit(msg) {
  listeners.forEach((fn) => {
    try { fn(msg); } catch (e) { console.error(e); }
  });
}

function connect() {
  const s = currentSession();
  if (!running || !s || !s.token) return;
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  let url = `${proto}//${location.host}/api/v1/events?token=${encodeURIComponent(s.token)}`;
  if (lastSeq !== null) url += `&since=${lastSeq}`;
  const ws = new WebSocket(url);
  socket = ws;
  ws.onopen = () => {
    attempts = 0;
    setState('live');
    emit({ type: 'resync', reason: 'connected' });
  };
  ws.onmessage = (m) => {
    let msg;
    try { msg = JSON.parse(m.data); } catch { return; }
    if (msg.type === 'gap') {
      lastSeq = Math.max(lastSeq ?? 0, Number(msg.to) || 0);
      emit({ type: 'resync', reason: 'gap' });
      return;
    }
    if (typeof msg.seq === 'number') {
      if (lastSeq !== null && msg.seq <= lastSeq) return;
      lastSeq = msg.seq;
    }
    emit(msg);
  };
  ws.onclose = () => {
    if (socket !== ws) return;
    socket = null;
    if (!running) return;
    setState('reconnecting');
    attempts += 1;
    const delay = Math.min(10000, 300 * 2 ** Math.min(attempts, 6));
    timer = setTimeout(connect, delay);
  };
}

/** Start streaming (after login). Idempotent. */
export function startEvents() {
  if (running) return;
  running = true;
  setState('connecting');
  connect();
}

/** Stop streaming (logout). */
export function stopEvents() {
  running = false;
  clearTimeout(timer);
  if (socket) {
    const ws = socket;
    socket = null;
    ws.close();
  }
  lastSeq = null;
  setState('offline');
}

/** Receive every event (and `{type:'resync'}` notices); returns the unsubscribe. */
export function onEvent(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** Follow the connection state: connecting, live, reconnecting, offline. */
export function onEventState(fn) {
  stateListeners.add(fn);
  fn(state);
  return () => stateListeners.delete(fn);
}

/** The last sequence number seen (for display and tests). */
export function lastEventSeq() {
  return lastSeq;
}
