// GUI test of the dashboard's system card and call list, the extensions CSV export/import
// and the configuration export/import. Each part first asks the API whether its endpoint
// exists (they arrived after the first GUI pages) and says SKIP when it does not.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { check, step, shot, apiCall, apiJson, nav } from './lib.mjs';

async function has(page, path) {
  const r = await apiCall(page, 'GET', path);
  if (r.status >= 400) console.log(`SKIP ${path} answers ${r.status}: not served by this pbxd yet`);
  return r.status < 400;
}

/** Click `button` and save the download it starts; returns the file's text. */
async function downloadText(page, button, path) {
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click(button)]);
  await dl.saveAs(path);
  return readFileSync(path, 'utf8');
}

/** A call between two SIPp phones (played by the Rust side): live in the list, hung up in the GUI. */
async function liveCall(page, nextLine) {
  for (const n of ['211', '212']) {
    const r = await apiCall(page, 'POST', '/api/v1/extensions',
      { number: n, name: `Phone ${n}`, secret: 'Call-test-Pass5', qualify_interval: 0 });
    check(r.status === 201, `extension ${n} for the call test (${r.status})`);
  }
  await page.evaluate(() => { window.rotaryNoReload = 'calls'; });
  console.log('CALL 211 Call-test-Pass5 212 Call-test-Pass5');
  check(await nextLine(30000) === 'CALLING', 'the SIPp phones are calling');
  const row = '#calls tbody tr[data-callee="212"]';
  await page.waitForSelector(`${row} .badge:text("answered")`, { timeout: 20000 });
  const d0 = await page.textContent(`${row} td.duration`);
  await page.waitForFunction(([r, d]) => (document.querySelector(`${r} td.duration`)?.textContent ?? d) !== d, [row, d0]);
  check(true, `the answered call shows up live with its duration ticking (${d0} → …)`);
  await nav(page, 'Active calls');
  await page.waitForSelector(`${row} .badge:text("answered")`);
  await shot(page, '31-calls');
  await page.click(`${row} button.hangup`);
  await page.click(`${row} button:text("Confirm hang-up")`);
  await page.waitForSelector('#calls-none', { timeout: 15000 });
  check(await page.evaluate(() => window.rotaryNoReload) === 'calls', 'the hung-up call left the list without a reload');
  const done = await nextLine(40000);
  check(done === 'CALLDONE 0 0', `both phones saw the BYE (${done})`);
}

export async function extras(page, { profile, ext, nextLine }) {
  step('dashboard: system resources, trunk states and calls');
  await nav(page, 'Dashboard');
  await page.waitForSelector('#dash-trunks tr[data-key="sipgw"] .badge.ok:text("registered")', { timeout: 20000 });
  check(true, 'the dashboard shows the registered trunk');
  if (await has(page, '/api/v1/system')) {
    await page.waitForSelector('#system-card #bar-cpu meter');
    const mem = await page.textContent('#bar-memory .bar-value');
    check(/\d/.test(mem) && /of/.test(mem), `the system card shows memory numbers ("${mem}")`);
    check(/Rotary \S+ · up/.test(await page.textContent('#system-version')), 'version and uptime are shown');
  }
  if (await has(page, '/api/v1/calls')) {
    await page.waitForSelector('#calls');
    check(await page.$('#calls-unavailable') === null, 'the dashboard lists active calls');
    const gone = await apiCall(page, 'DELETE', '/api/v1/calls/no-such-call');
    check(gone.status === 404, `hanging up an unknown call is a 404 (${gone.status})`);
    // Two SIPp phones (played by the Rust side) in a call that only the GUI ends.
    if (nextLine) await liveCall(page, nextLine);
  }

  step('extensions: CSV export and import');
  if (await has(page, '/api/v1/extensions.csv')) {
    await nav(page, 'Extensions');
    const csvPath = join(profile, 'extensions.csv');
    const csv = await downloadText(page, '#ext-export', csvPath);
    check(csv.startsWith('number,name,max_contacts,voicemail,dtmf_mode,codecs,nat,permit'), 'the CSV export has the documented header');
    check(csv.includes(`\n${ext},`), `the export lists ${ext}`);
    const lines = csv.trim().split('\n');
    const header = lines[0];
    const row = lines.find((l) => l.startsWith('300,'));
    const renamed = row.replace(/^300,[^,]*,/, '300,Renamed by CSV,');
    writeFileSync(csvPath, `${header}\n${renamed}\n`);
    await page.setInputFiles('#ext-import', csvPath);
    await page.waitForSelector('.notice.ok:has-text("1 updated")');
    await page.waitForFunction(() => document.querySelector('#extensions tr[data-ext="300"] td.name')?.textContent === 'Renamed by CSV');
    check(true, 'the re-imported CSV renamed 300');
    const bad = join(profile, 'bad.csv');
    writeFileSync(bad, `${header},secret\n${renamed},x\n`);
    await page.setInputFiles('#ext-import', bad);
    const err = await (await page.waitForSelector('#ext-import-error')).textContent();
    check(/line 2|Line 2/.test(err) && /secret/.test(err), `a bad CSV names its line and column ("${err.trim()}")`);
    check((await apiJson(page, '/api/v1/extensions/300')).name === 'Renamed by CSV', 'nothing of the bad CSV was imported');
  }

  step('settings: configuration export and import');
  if (await has(page, '/api/v1/config')) {
    await nav(page, 'Settings');
    const cfgPath = join(profile, 'config.json');
    const doc = JSON.parse(await downloadText(page, '#config-export', cfgPath));
    check(doc.format === 'rotary-config' && doc.version === 1 && Array.isArray(doc.extensions),
      `the export is a rotary-config document (${doc.extensions.length} extensions)`);
    check(!JSON.stringify(doc).includes('Trunk-pw-5678'), 'the export holds no trunk password');
    await page.setInputFiles('#config-import', cfgPath);
    await page.waitForSelector('#config-note:has-text("imported")');
    check(true, 'the exported configuration imports again');
    const broken = join(profile, 'broken.json');
    writeFileSync(broken, JSON.stringify({ ...doc, settings: { ...doc.settings, global_ring_time: -5 } }));
    await page.setInputFiles('#config-import', broken);
    const msg = await (await page.waitForSelector('#config-error')).textContent();
    check(/global_ring_time/.test(msg), `a bad import names the field ("${msg.trim()}")`);
  }
}
