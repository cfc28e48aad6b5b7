// Shared helpers of the GUI test modules: checks, screenshots, API calls from the page,
// form-error expectations, a tiny SIP registrar for trunks and a WAV file for uploads.
import { createSocket } from 'node:dgram';
import { join } from 'node:path';

/** The script-injection probe every form is fed. */
export const XSS = '<img src=x onerror=alert(1)>';
/** A value longer than any name the API accepts (64). */
export const LONG = 'n'.repeat(80);

const started = Date.now();

export function check(cond, what) {
  if (!cond) throw new Error(what);
  console.log(`ok  ${what}`);
}

export const step = (name) => console.log(`--  ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);

export const elapsed = () => ((Date.now() - started) / 1000).toFixed(1);

let shotDir = null;
/** Where `shot` writes. */
export function setShotDir(dir) { shotDir = dir; }

export async function shot(page, name) {
  await page.screenshot({ path: join(shotDir, `${name}.png`), fullPage: true });
}

/** Call the API from the page with its session token; `raw` sends a string body as is. */
export async function apiCall(page, method, path, body, raw = null) {
  return page.evaluate(async ([m, p, b, r]) => {
    const t = JSON.parse(sessionStorage.getItem('rotary.session')).token;
    const headers = { Authorization: `Bearer ${t}` };
    if (r) headers['Content-Type'] = r.type;
    else if (b !== null) headers['Content-Type'] = 'application/json';
    const res = await fetch(p, { method: m, headers, body: r ? r.body : b === null ? undefined : JSON.stringify(b) });
    return { status: res.status, body: await res.text() };
  }, [method, path, body === undefined ? null : body, raw]);
}

/** GET as JSON (throws on a non-2xx answer). */
export async function apiJson(page, path) {
  const r = await apiCall(page, 'GET', path);
  if (r.status >= 300) throw new Error(`GET ${path}: ${r.status} ${r.body}`);
  return JSON.parse(r.body);
}

/** Open a page from the menu and wait for its heading. */
export async function nav(page, title, heading = title) {
  await page.click(`nav >> text="${title}"`);
  await page.waitForSelector(`h1:text-is("${heading}")`);
}

/**
 * Submit `form` and wait until the message under field `id` (the input's id without `f-`)
 * matches `re`; checks it sits in the field's own box (or table row).
 */
export async function expectError(page, form, id, re, what) {
  await page.click(`${form} button[type=submit]`);
  const sel = `${form} #err-${id}`;
  try {
    await page.waitForFunction(([s, src]) => {
      const el = document.querySelector(s);
      return el && new RegExp(src).test(el.textContent);
    }, [sel, re.source]);
  } catch (e) {
    const shown = await page.$$eval(`${form} .field-error, ${form} .errors li, ${form} .notice`,
      (l) => l.map((x) => `${x.id || x.className}: ${x.textContent.trim()}`)).catch(() => []);
    throw new Error(`${what}: no message matching ${re} under #err-${id}; shown: ${shown.join(' | ') || 'nothing'}`);
  }
  const text = await page.textContent(sel);
  const near = await page.$eval(sel, (el) => {
    const box = el.closest('.field, td');
    return !!box && !!box.querySelector('input, select, .picker');
  });
  check(near, `${what}: "${text.trim()}" next to its field`);
}

/** Nothing script-like ran or was injected: no <img> in the page body, no dialog seen. */
export async function noInjection(page, problems, what) {
  const imgs = await page.$$eval('main img', (l) => l.length);
  check(imgs === 0 && !problems.some((p) => /dialog/.test(p)), `${what}: markup stayed text`);
}

/**
 * A minimal SIP registrar on 127.0.0.1 for trunk tests: answers every REGISTER 200 OK
 * (echoing the Contact with an expiry) and anything else 200 as well. Returns { port, close, seen }.
 */
export async function fakeRegistrar() {
  const sock = createSocket('udp4');
  const seen = [];
  sock.on('message', (buf, rinfo) => {
    const text = buf.toString('utf8');
    const [head] = text.split('\r\n\r\n');
    const lines = head.split('\r\n');
    const method = lines[0].split(' ')[0];
    if (method.startsWith('SIP/')) return; // a response: nothing to do
    seen.push(method);
    const pick = (name) => lines.filter((l) => new RegExp(`^(${name}):`, 'i').test(l));
    const to = pick('To|t')[0] || '';
    const out = ['SIP/2.0 200 OK', ...pick('Via|v'), pick('From|f')[0] || '',
      /;tag=/.test(to) ? to : `${to};tag=gui${Date.now() % 100000}`, ...pick('Call-ID|i'), ...pick('CSeq')];
    if (method === 'REGISTER') {
      const contact = (pick('Contact|m')[0] || '').replace(/^[^:]*:\s*/, '');
      if (contact) out.push(`Contact: ${contact.replace(/;expires=\d+/, '')};expires=300`);
      out.push('Expires: 300');
    }
    out.push('Content-Length: 0', '', '');
    sock.send(Buffer.from(out.join('\r\n')), rinfo.port, rinfo.address);
  });
  await new Promise((resolve) => sock.bind(0, '127.0.0.1', resolve));
  return { port: sock.address().port, seen, close: () => sock.close() };
}

/** A short 8 kHz mono 16-bit PCM WAV (a quiet tone). */
export function wav(ms = 400) {
  const rate = 8000;
  const n = Math.floor((rate * ms) / 1000);
  const buf = Buffer.alloc(44 + n * 2);
  buf.write('RIFF', 0); buf.writeUInt32LE(36 + n * 2, 4); buf.write('WAVE', 8);
  buf.write('fmt ', 12); buf.writeUInt32LE(16, 16); buf.writeUInt16LE(1, 20); buf.writeUInt16LE(1, 22);
  buf.writeUInt32LE(rate, 24); buf.writeUInt32LE(rate * 2, 28); buf.writeUInt16LE(2, 32); buf.writeUInt16LE(16, 34);
  buf.write('data', 36); buf.writeUInt32LE(n * 2, 40);
  for (let i = 0; i < n; i += 1) buf.writeInt16LE(Math.round(3000 * Math.sin((2 * Math.PI * 440 * i) / rate)), 44 + i * 2);
  return buf;
}
