// End-to-end test of the admin GUI in headless system Chromium (playwright-core).
//
//   node tests/gui/run.mjs <base-url> <admin-password> <screenshot-dir>
//
// Started by tests/tests/gui.rs against a fresh pbxd (release, or ROTARY_PBXD). The pages of
// issue 7 are driven by routing.mjs, routing2.mjs and extras.mjs (helpers in lib.mjs); for
// the live call they print `CALL <from> <secret> <to> <secret>` and wait for `CALLING` and
// `CALLDONE <caller exit> <callee exit>` on stdin. When the GUI shows the new
// extension as unregistered on the dashboard it prints `REGISTER <number> <secret>`; the Rust
// side registers that extension with SIPp and answers `REGISTERED <sipp exit code>` on stdin,
// while this script waits for the dashboard to turn "registered" without a reload.
// Exits 0 when every check passed; prints `FAIL: …` and exits 1 otherwise.
import { chromium } from 'playwright-core';
import { mkdtempSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { XSS, check, step, shot, apiCall, elapsed, setShotDir, fakeRegistrar } from './lib.mjs';
import { routingPart1 } from './routing.mjs';
import { routingPart2 } from './routing2.mjs';
import { extras } from './extras.mjs';

const [base, password, shots] = process.argv.slice(2);
if (!base || !password || !shots) {
  console.error('usage: node run.mjs <base-url> <admin-password> <screenshot-dir>');
  process.exit(2);
}
mkdirSync(shots, { recursive: true });
setShotDir(shots);

const NEW_ADMIN_PW = 'Wizard-Boss-42';
const EXT = '201';
const SECRET = 'Gui-test-Pass7';
const stdinLines = createInterface({ input: process.stdin });
const pendingLines = [];
const lineWaiters = [];
stdinLines.on('line', (l) => {
  const w = lineWaiters.shift();
  if (w) w(l); else pendingLines.push(l);
});
const nextLine = (ms) => new Promise((resolve, reject) => {
  if (pendingLines.length) { resolve(pendingLines.shift()); return; }
  const t = setTimeout(() => reject(new Error('no answer on stdin')), ms);
  lineWaiters.push((l) => { clearTimeout(t); resolve(l); });
});

const profile = mkdtempSync(join(tmpdir(), 'rotary-gui-chromium-'));
// A persistent context is how Playwright passes a fresh --user-data-dir to Chromium.
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
  ],
  viewport: { width: 1280, height: 800 },
  acceptDownloads: true,
  timeout: 30000,
});
context.setDefaultTimeout(10000);

const problems = [];
function watch(page, label) {
  page.on('pageerror', (e) => problems.push(`${label}: page error: ${e.message}`));
  page.on('dialog', (d) => { problems.push(`${label}: unexpected dialog "${d.message()}"`); d.dismiss(); });
  page.on('console', (m) => {
    const t = m.text();
    if (/Content Security Policy|Refused to|SyntaxError|TypeError|ReferenceError/.test(t)) {
      problems.push(`${label}: console: ${t}`);
    }
  });
}

async function login(page, pw, user = 'admin') {
  await page.fill('#login-user', user);
  await page.fill('#login-password', pw);
  await page.click('form[aria-label="Log in"] button[type=submit]');
}

const nav = (page, title) => page.click(`nav >> text="${title}"`);

let failed = false;
rmSync(shots, { recursive: true, force: true });
mkdirSync(shots, { recursive: true });
try {
  // The event WebSocket passes through here, so the test can drop it and hold off
  // reconnects (a network outage) and see which `since` the GUI resumes from.
  const wsUrls = [];
  const wsLive = new Set();
  let wsBlocked = false;
  await context.routeWebSocket(/\/api\/v1\/events/, (ws) => {
    wsUrls.push(ws.url());
    if (wsBlocked) { ws.close({ code: 1011, reason: 'test outage' }); return; }
    ws.connectToServer();
    wsLive.add(ws);
  });
  const page = await context.newPage();
  watch(page, 'admin');

  step('login');
  const resp = await page.goto(base);
  const csp = resp.headers()['content-security-policy'] || '';
  check(csp.includes("script-src 'self'") && !csp.includes('unsafe'), 'GUI is served with a strict CSP');
  await page.waitForSelector('#login-password');
  await shot(page, '01-login');
  await login(page, 'wrong-password-1');
  const err = await page.waitForSelector('.login .notice.error');
  check(/invalid user name or password/.test(await err.textContent()), 'a wrong password shows the API error');
  await shot(page, '02-login-error');
  await login(page, password);

  step('setup wizard');
  await page.waitForSelector('#wizard[data-step="password"]');
  check(true, 'the first admin login opens the setup wizard');
  await shot(page, '00-wizard-password');
  await page.fill('#f-current_password', password);
  await page.fill('#f-new_password', 'weakpassword');
  await page.click('#wizard-next');
  const pwErr = await page.waitForSelector('#err-new_password');
  check(/too weak/.test(await pwErr.textContent()), 'a weak new password shows the API message next to it');
  await page.fill('#f-new_password', NEW_ADMIN_PW);
  await page.click('#wizard-next');
  await page.waitForSelector('#wizard[data-step="region"]');
  await page.fill('#f-region', 'DE');
  await page.fill('#f-time_zone', 'Mars/Olympus');
  await page.click('#wizard-next');
  const tzErr = await page.waitForSelector('#err-time_zone');
  check(/IANA/.test(await tzErr.textContent()), 'an unknown time zone is refused by name');
  await page.fill('#f-time_zone', 'Europe/Berlin');
  await page.click('#wizard-next');
  await page.waitForSelector('#wizard[data-step="network"]');
  await page.fill('#f-external_address', 'pbx.example.com');
  await shot(page, '00-wizard-network');
  await page.click('#wizard-next');
  await page.waitForSelector('#wizard[data-step="extensions"]');
  await page.fill('#f-from', '400');
  await page.fill('#f-to', '402');
  await page.click('#wizard-next');
  await page.waitForSelector('#wizard[data-step="trunk"]');
  await page.fill('#f-trunk_id', 'provider');
  await page.fill('#f-host', 'sip.example.com');
  await page.fill('#f-username', '4930123');
  await page.fill('#f-password', 'Trunk-pw-1234');
  await page.click('#wizard-next');
  await page.waitForSelector('#wizard[data-step="inbound"]');
  await page.waitForSelector('#f-route_trunk option:text-is("provider")', { state: 'attached' });
  await page.selectOption('#f-route_trunk', 'provider');
  await page.fill('#f-did', '_4930123X.');
  await page.fill('#f-destination', '400');
  await page.click('#wizard-next');
  await page.waitForSelector('#wizard[data-step="finish"]');
  check((await page.textContent('#wizard-done')).includes('3 extensions created'), 'the wizard created 400-402');
  await shot(page, '00-wizard-done');
  await page.click('#wizard-finish');
  await page.waitForSelector('h1:text("Dashboard")');
  check(true, 'finishing the wizard opens the dashboard');
  const sys = JSON.parse((await apiCall(page, 'GET', '/api/v1/system-settings')).body);
  check(sys.setup_done === true && sys.time_zone === 'Europe/Berlin' && sys.external_address === 'pbx.example.com',
    'the wizard stored setup_done, the time zone and the network');
  const routes = JSON.parse((await apiCall(page, 'GET', '/api/v1/inbound-routes')).body);
  check(routes.length === 1 && routes[0].trunk === 'provider' && routes[0].destination.number === '400',
    'the wizard made the trunk and the inbound route');
  await page.waitForSelector('#event-state.live');
  check(true, 'the event stream is live');

  step('extensions: create with a bad value, then fix it');
  await nav(page, 'Extensions');
  await page.waitForSelector('h1:text("Extensions")');
  await page.click('button:text("New extension")');
  await page.fill('#f-number', EXT);
  await page.fill('#f-name', XSS);
  await page.fill('#f-secret', SECRET);
  await page.fill('#f-max_contacts', '9');
  await page.click('#extension-form button[type=submit]');
  const fieldErr = await page.waitForSelector('#err-max_contacts');
  const msg = await fieldErr.textContent();
  check(/between 1 and 5/.test(msg), `max_contacts 9 shows the API message next to the field ("${msg}")`);
  check(await page.$eval('#err-max_contacts', (e) => e.closest('.field').querySelector('#f-max_contacts') !== null),
    'the message sits with its field');
  await shot(page, '03-extension-invalid');
  await page.fill('#f-max_contacts', '2');
  await page.click('#extension-form button[type=submit]');
  const row = await page.waitForSelector(`#extensions tr[data-ext="${EXT}"]`);
  check(true, 'the new extension appears in the list');
  const nameText = await row.$eval('td.name', (td) => td.textContent);
  check(nameText === XSS, 'a script-injection name renders as text');
  check(await page.$$eval('#extensions img', (l) => l.length) === 0, 'no element was injected');

  step('extensions: bulk range, search and sort');
  await page.click('button:text("Bulk create")');
  await page.fill('#f-from', '300');
  await page.fill('#f-to', '304');
  await page.click('#bulk-form button[type=submit]');
  await page.waitForSelector('#bulk-progress:text("Done: 5 created")');
  await page.waitForSelector('#extensions tr[data-ext="304"]');
  check(true, 'bulk creation made 300-304');
  await page.fill('#ext-search', '30');
  await page.waitForFunction(() => document.querySelectorAll('#extensions tbody tr').length === 5);
  check(true, 'search narrows the list');
  await page.fill('#ext-search', '');
  await page.click('#extensions th button:text("Number")');
  await page.waitForFunction(() => document.querySelector('#extensions tbody tr')?.dataset.ext === '402');
  check(true, 'clicking a column header sorts');
  await shot(page, '04-extensions');

  step('edit: an injection string in the name via PATCH');
  await page.click(`#extensions tr[data-ext="300"] button:text("Edit")`);
  await page.fill('#f-name', `"><script>alert(2)</script>`);
  await page.click('#extension-form button[type=submit]');
  await page.waitForFunction(() => document.querySelector('#extensions tr[data-ext="300"] td.name')
    ?.textContent === '"><script>alert(2)</script>');
  check(true, 'an edited name with markup renders as text');

  step('dashboard: live registration');
  await nav(page, 'Dashboard');
  await page.waitForSelector(`#dash-extensions tr[data-ext="${EXT}"] .badge.off`);
  await page.waitForSelector('#event-state.live');
  await page.evaluate(() => { window.rotaryNoReload = 42; });
  console.log(`REGISTER ${EXT} ${SECRET}`);
  const answer = await nextLine(40000);
  check(answer === 'REGISTERED 0', `SIPp registered ${EXT} (${answer})`);
  await page.waitForSelector(`#dash-extensions tr[data-ext="${EXT}"] .badge.ok:text("registered")`);
  check(await page.evaluate(() => window.rotaryNoReload) === 42, 'the dashboard turned "registered" live, without a reload');
  check(await page.textContent('#stat-registered') === '1', 'the registered counter shows 1');
  await page.waitForSelector('#event-feed li:has-text("registration.")');
  await shot(page, '05-dashboard');

  step('dashboard: event stream outage, reconnect and resync');
  const token = await page.evaluate(() => JSON.parse(sessionStorage.getItem('rotary.session')).token);
  const made = await page.evaluate(async (t) => (await fetch('/api/v1/extensions', {
    method: 'POST',
    headers: { Authorization: `Bearer ${t}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ number: '202', name: 'Second', secret: 'Gui-test-Pass8' }),
  })).status, token);
  check(made === 201, 'extension 202 created through the API');
  wsBlocked = true;
  const wsBefore = wsUrls.length;
  for (const ws of wsLive) ws.close({ code: 1011, reason: 'test outage' });
  wsLive.clear();
  await page.waitForSelector('#event-state.reconnecting');
  console.log('REGISTER 202 Gui-test-Pass8');
  const answer2 = await nextLine(40000);
  check(answer2 === 'REGISTERED 0', `SIPp registered 202 during the outage (${answer2})`);
  wsBlocked = false;
  await page.waitForSelector('#event-state.live', { timeout: 15000 });
  await page.waitForSelector('#dash-extensions tr[data-ext="202"] .badge.ok');
  const resumed = wsUrls.slice(wsBefore);
  check(resumed.length > 0 && resumed.every((u) => /[?&]since=\d+/.test(u)),
    `reconnects resume with ?since=<seq> (${resumed.length} attempts)`);
  check(await page.evaluate(() => window.rotaryNoReload) === 42, 'reconnect and resync needed no reload');

  step('registrations');
  await nav(page, 'Registrations');
  await page.waitForSelector(`#registrations td:text-is("${EXT}")`);
  check(true, 'the registration is listed');
  await shot(page, '06-registrations');

  step('settings');
  await nav(page, 'Settings');
  await page.waitForSelector('#settings-form');
  const before = Number(await page.inputValue('#f-global_ring_time'));
  await page.fill('#f-global_ring_time', '-5');
  await page.click('#settings-form button[type=submit]');
  const sErr = await page.waitForSelector('#err-global_ring_time');
  check(/whole number/.test(await sErr.textContent()), 'a bad setting shows the API message next to it');
  const wanted = String(before + 7);
  await page.fill('#f-global_ring_time', wanted);
  await page.click('#settings-form button[type=submit]');
  await page.waitForSelector('#settings-note:has-text("in effect now")');
  await page.reload();
  await page.waitForSelector('#settings-form');
  check(await page.inputValue('#f-global_ring_time') === wanted, 'the changed setting is still there after a reload');
  await shot(page, '07-settings');

  step('call records');
  await nav(page, 'Call records');
  await page.waitForSelector('#cdr');
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.click('#cdr-export'),
  ]);
  const csvPath = join(profile, 'calls.csv');
  await download.saveAs(csvPath);
  check(readFileSync(csvPath, 'utf8').startsWith('start,answer,end,caller,callee'), 'CSV export downloads');
  await page.fill('input[name=number]', '201');
  await page.click('.filters button[type=submit]');
  await page.waitForSelector('#cdr');
  await shot(page, '08-cdr');

  step('accounts: create billing and operator users in the GUI');
  await page.setViewportSize({ width: 1280, height: 800 });
  await nav(page, 'Accounts');
  await page.waitForSelector('#accounts tr[data-account="admin"]');
  await page.click('button:text("New account")');
  await page.fill('#f-username', 'billy');
  await page.selectOption('#f-role', 'billing');
  await page.fill('#f-password', 'short');
  await page.click('#account-form button[type=submit]');
  check(/too weak/.test(await (await page.waitForSelector('#err-password')).textContent()),
    'a weak account password shows its message');
  await page.fill('#f-password', 'Billing-Pass-42');
  await page.click('#account-form button[type=submit]');
  await page.waitForSelector('#accounts tr[data-account="billy"]');
  const made2 = await apiCall(page, 'POST', '/api/v1/accounts',
    { username: 'opera', role: 'operator', password: 'Shift-Lead-42' });
  check(made2.status === 201, 'an operator account is created');
  await page.reload();
  await page.waitForSelector('#accounts tr[data-account="opera"]');
  await shot(page, '12-accounts');

  step('audit log');
  await nav(page, 'Audit log');
  await page.waitForSelector(`#audit td:text-is("${EXT}")`);
  const auditRow = await page.$eval(`#audit tr:has(td:text-is("${EXT}"))`, (tr) => tr.textContent);
  check(/admin/.test(auditRow) && /create/.test(auditRow) && /extensions/.test(auditRow) && /secret=\*\*\*/.test(auditRow),
    `the audit page lists the extension change by admin with its secret masked ("${auditRow.slice(0, 120)}")`);
  check((await page.textContent('#audit')).includes('billy'), 'the audit page lists the new account');
  check(!(await page.textContent('#audit')).includes('Billing-Pass-42'), 'no password in the audit page');
  await shot(page, '13-audit');

  // The pages of issue 7 (routing, prompts, calls, system, CSV and configuration files).
  const registrar = await fakeRegistrar();
  try {
    await routingPart1(page, { problems, registrarPort: registrar.port, ext: EXT, ext2: '202' });
    await routingPart2(page, { problems, ext: EXT });
    await extras(page, { profile, ext: EXT, nextLine });
  } finally {
    registrar.close();
  }

  step('backups');
  await nav(page, 'Backups');
  await page.waitForSelector('#backup-create');
  await page.click('#backup-create');
  await page.waitForSelector('#backup-note:has-text("written")', { timeout: 30000 });
  const bname = (await page.textContent('#backup-note')).match(/rotary-backup-\S+\.tar\.gz/)[0];
  const [bdl] = await Promise.all([
    page.waitForEvent('download'),
    page.click(`#backups tr[data-backup="${bname}"] button.download`),
  ]);
  const bpath = join(profile, 'backup.tar.gz');
  await bdl.saveAs(bpath);
  const bbytes = readFileSync(bpath);
  check(bbytes.length > 100 && bbytes[0] === 0x1f && bbytes[1] === 0x8b, `the backup download button saves the archive (${bbytes.length} bytes)`);
  await shot(page, '14-backups');

  step('https');
  await nav(page, 'HTTPS');
  await page.waitForSelector('#tls-info dd');
  check(/self-signed/.test(await page.textContent('#tls-info')), 'the generated self-signed certificate is shown');
  await shot(page, '15-https');

  step('my account');
  await nav(page, 'My account');
  await page.waitForSelector('#password-form');
  await shot(page, '16-my-account');

  step('phone width');
  await page.setViewportSize({ width: 390, height: 844 });
  await page.click('.menu-toggle');
  await page.click('nav >> text="Dashboard"');
  await page.waitForSelector(`#dash-extensions tr[data-ext="${EXT}"]`);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(overflow <= 1, `the dashboard fits a phone screen (overflow ${overflow}px)`);
  await shot(page, '09-dashboard-phone');
  await page.click('.menu-toggle');
  await page.click('nav >> text="Extensions"');
  await page.waitForSelector('#extensions');
  await shot(page, '10-extensions-phone');
  await page.close();

  step('a billing user cannot open settings');
  // A new tab has its own sessionStorage, so it starts logged out.
  const p2 = await context.newPage();
  watch(p2, 'billing');
  await p2.goto(`${base}/settings`);
  await login(p2, 'Billing-Pass-42', 'billy');
  await p2.waitForSelector('#page-denied');
  check(await p2.$('nav >> text="Settings"') === null, 'no Settings entry in the menu');
  check(await p2.$('nav >> text="Call records"') !== null, 'billing sees Call records');
  check(/403.*billing/.test(await p2.textContent('#page-denied')), 'opening /settings anyway is refused');
  const direct = await apiCall(p2, 'GET', '/api/v1/settings');
  check(direct.status === 403, `the API refuses billing the settings too (${direct.status})`);
  await shot(p2, '11-settings-denied');
  await p2.click('nav >> text="Call records"');
  await p2.waitForSelector('#cdr');
  await p2.close();

  step('an operator may not change settings or open accounts');
  const p3 = await context.newPage();
  watch(p3, 'operator');
  await p3.goto(`${base}/accounts`);
  await login(p3, 'Shift-Lead-42', 'opera');
  await p3.waitForSelector('#page-denied');
  check(await p3.$('nav >> text="Accounts"') === null && await p3.$('nav >> text="Backups"') !== null,
    'the operator menu has Backups but no Accounts');
  const opPatch = await apiCall(p3, 'PATCH', '/api/v1/settings', { global_ring_time: 33 });
  check(opPatch.status === 403, 'an operator cannot change settings through the API');
  await p3.click('nav >> text="Trunks"');
  await p3.waitForSelector('#trunks tr[data-key="sipgw"]');
  check(await p3.$('#trunks-new') === null && await p3.$('#trunks button.edit') === null,
    'an operator sees the trunks but no New, Edit or Delete');
  await p3.click('nav >> text="Time conditions"');
  await p3.waitForSelector('#time-conditions tr[data-key="office"]');
  check(await p3.$('#time-conditions button.override') === null, 'nor the day/night override');
  const opTrunk = await apiCall(p3, 'DELETE', '/api/v1/trunks/backup');
  check(opTrunk.status === 403, `the API refuses an operator deleting a trunk (${opTrunk.status})`);
  await p3.close();

  check(problems.length === 0, `no page errors, dialogs or CSP violations${problems.length ? `: ${problems.join('; ')}` : ''}`);
} catch (e) {
  failed = true;
  console.log(`FAIL: ${e.message}`);
  for (const p of context.pages()) {
    await p.screenshot({ path: join(shots, `zz-failure-${context.pages().indexOf(p)}.png`), fullPage: true })
      .catch(() => {});
  }
  for (const p of problems) console.log(`     ${p}`);
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
  stdinLines.close();
}
console.log(`${failed ? 'FAILED' : 'PASSED'} in ${elapsed()} s; screenshots in ${shots}`);
process.exit(failed ? 1 : 0);
