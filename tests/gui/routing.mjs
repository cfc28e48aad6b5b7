// GUI test of the routing pages, part 1: trunks (live status from trunk.status events),
// prompts, time conditions (with the day/night override), IVR menus and departments.
// Each form is fed empty, out-of-range, overlong and script-injection values first and must
// show the API's message next to the field; then a valid entry is made.
import {
  XSS, LONG, check, step, shot, apiCall, apiJson, nav, expectError, noInjection, wav,
} from './lib.mjs';

/** Trunks, prompts, time conditions, IVRs, departments. `ext` and `ext2` exist. */
export async function routingPart1(page, { problems, registrarPort, ext, ext2 }) {
  step('trunks: invalid values, then a trunk that registers live');
  await nav(page, 'Trunks');
  await page.click('#trunks-new');
  await page.fill('#f-id', XSS);
  await page.fill('#f-mode_host', '127.0.0.1');
  await page.fill('#f-mode_port', String(registrarPort));
  await page.fill('#f-mode_username', '4930999');
  await page.fill('#f-mode_password', 'Trunk-pw-5678');
  await expectError(page, '#trunk-form', 'id', /invalid name/, 'trunk id with markup');
  await page.fill('#f-id', '');
  await expectError(page, '#trunk-form', 'id', /1 to 64/, 'empty trunk id');
  await page.fill('#f-id', LONG);
  await expectError(page, '#trunk-form', 'id', /1 to 64/, 'overlong trunk id');
  await page.fill('#f-id', 'sipgw');
  await page.fill('#f-mode_expiry', '10');
  await expectError(page, '#trunk-form', 'mode_expiry', /60/, 'registration expiry below range');
  await page.fill('#f-mode_expiry', '300');
  await page.fill('#f-max_calls', '-3');
  await expectError(page, '#trunk-form', 'max_calls', /invalid value|u32|negative/, 'negative call limit');
  await page.fill('#f-max_calls', '4');
  await noInjection(page, problems, 'trunk form');
  await page.evaluate(() => { window.rotaryNoReload = 'trunks'; });
  await page.click('#trunk-form button[type=submit]');
  await page.waitForSelector('#trunks tr[data-key="sipgw"]');
  check(true, 'the trunk is listed');
  await page.waitForSelector('#trunks tr[data-key="sipgw"] .badge.ok:text("registered")', { timeout: 20000 });
  check(await page.evaluate(() => window.rotaryNoReload) === 'trunks',
    'the status turned "registered" from the trunk.status event, without a reload');
  const peer = await apiCall(page, 'POST', '/api/v1/trunks',
    { id: 'backup', mode: { kind: 'peer', host: '192.0.2.7' } });
  check(peer.status === 201, `a peer trunk is created through the API (${peer.status})`);
  await page.reload();
  // 192.0.2.7 (TEST-NET) never answers the OPTIONS probe: probing until Timer F, then unreachable.
  await page.waitForSelector('#trunks tr[data-key="backup"] .badge:text-matches("probing|unreachable|unknown")');
  await page.click('#trunks tr[data-key="sipgw"] button.edit');
  check(await page.inputValue('#f-mode_password') === '', 'the trunk password is not shown when editing');
  await page.click('#trunk-form button:text("Cancel")');
  await shot(page, '20-trunks');

  step('prompts: upload a WAV');
  await nav(page, 'Prompts & music', 'Prompts & music on hold');
  await page.setInputFiles('#prompt-upload-file', { name: 'welcome.wav', mimeType: 'audio/wav', buffer: wav() });
  check(await page.inputValue('#prompt-upload-name') === 'welcome', 'the name comes from the file name');
  await page.fill('#prompt-upload-name', XSS);
  await expectError(page, '#prompt-upload', 'name', /1-100 characters/, 'prompt name with markup');
  await page.fill('#prompt-upload-name', 'welcome');
  await page.click('#prompt-upload button[type=submit]');
  await page.waitForSelector('#prompts tr[data-key="welcome"]');
  check(/Prompt welcome stored/.test(await page.textContent('#sounds-note')), 'the prompt upload is confirmed');
  await noInjection(page, problems, 'prompt upload');
  await shot(page, '30-prompts');

  step('time conditions: schedule, holidays, override');
  await nav(page, 'Time conditions');
  await page.click('#time-conditions-new');
  await page.fill('#f-id', 'office');
  await page.fill('#f-time_zone', 'Mars/Olympus');
  await page.selectOption('#f-matched', 'extension');
  await page.selectOption('#f-matched-target', ext);
  await expectError(page, '#tc-form', 'time_zone', /IANA/, 'unknown time zone');
  await page.fill('#f-time_zone', 'Europe/Berlin');
  await page.fill('#f-weekly_0__start', '25:00');
  await expectError(page, '#tc-form', 'weekly_0__start', /00:00 and 24:00/, 'opening time out of range');
  await page.fill('#f-weekly_0__start', '08:00');
  await page.click('#add-holiday');
  await page.fill('#f-holidays_0__name', XSS);
  await page.fill('#f-holidays_0__start', '2030-12-26');
  await page.fill('#f-holidays_0__end', '2030-12-24');
  await expectError(page, '#tc-form', 'holidays_0__end', /before the start/, 'holiday ending before it starts');
  await page.fill('#f-holidays_0__end', '2030-12-27');
  await page.fill('#f-id', XSS);
  await expectError(page, '#tc-form', 'id', /invalid name/, 'time condition id with markup');
  await page.fill('#f-id', 'office');
  await page.click('#tc-form button[type=submit]');
  await page.waitForSelector('#time-conditions tr[data-key="office"]');
  const tcRow = '#time-conditions tr[data-key="office"]';
  await page.click(`${tcRow} button.override.force_nomatch`);
  await page.waitForSelector(`${tcRow} .badge:text("forced night")`);
  let tc = await apiJson(page, '/api/v1/time-conditions/office');
  check(tc.mode === 'force_nomatch' && tc.holidays[0].name === XSS, 'the Night button forced the not-matched branch');
  await page.click(`${tcRow} button.override.none`);
  await page.waitForSelector(`${tcRow} .badge:text("schedule")`);
  tc = await apiJson(page, '/api/v1/time-conditions/office');
  check(tc.mode === 'none', 'the Schedule button returned to the schedule');
  await noInjection(page, problems, 'time condition');
  await shot(page, '24-time-conditions');

  step('IVR menus');
  await nav(page, 'IVR menus');
  await page.click('#ivrs-new');
  await page.fill('#f-number', '999');
  await page.fill('#f-name', XSS);
  await page.selectOption('#f-prompt', 'welcome');
  await page.selectOption('#f-keys_0-target', ext);
  await expectError(page, '#ivr-form', 'number', /IVR range/, 'IVR number outside its range');
  await page.fill('#f-number', '0601');
  await page.fill('#f-loops', '11');
  await expectError(page, '#ivr-form', 'loops', /1 and 10|between 1/, 'loop count out of range');
  await page.fill('#f-loops', '3');
  await page.fill('#f-response_timeout', '');
  await page.fill('#f-digit_timeout', '99999999999');
  await expectError(page, '#ivr-form', 'digit_timeout', /invalid value|expected u32/, 'a key timeout beyond any number');
  await page.fill('#f-digit_timeout', '4');
  await page.click('#add-key');
  await page.selectOption('#f-keys_1', 'time_condition');
  await page.click('#ivr-form button[type=submit]');
  await page.waitForSelector('#ivrs tr[data-key="0601"]');
  check(await page.textContent('#ivrs tr[data-key="0601"] td.name') === XSS, 'an IVR name with markup renders as text');
  const ivr = await apiJson(page, '/api/v1/ivrs/0601');
  check(ivr.prompt === 'welcome' && ivr.keys['1'].number === ext && ivr.keys['2'].id === 'office',
    'the IVR keys go to the extension and the time condition');
  await noInjection(page, problems, 'IVR');
  await shot(page, '25-ivrs');

  step('departments');
  await nav(page, 'Departments');
  await page.click('#departments-new');
  await page.fill('#f-number', '0401');
  await page.fill('#f-name', 'Sales');
  await page.selectOption('#f-strategy', 'linear');
  await expectError(page, '#department-form', 'members', /at least one/, 'a department without members');
  await page.selectOption('#f-members-add', ext);
  await page.selectOption('#f-members-add', ext2);
  await page.fill('#f-ring_time', '2');
  await expectError(page, '#department-form', 'ring_time', /5 and 600|between 5/, 'ring time below range');
  await page.fill('#f-ring_time', '15');
  await page.fill('#f-name', LONG + XSS);
  await page.click('#department-form button[type=submit]');
  await page.waitForSelector('#departments tr[data-key="0401"]');
  const dep = await apiJson(page, '/api/v1/departments/0401');
  check(dep.members.join() === `${ext},${ext2}` && dep.strategy === 'linear' && dep.ring_time === 15,
    'the department has both members, linear, 15 s');
  check((await page.textContent('#departments tr[data-key="0401"] td.name')) === LONG + XSS,
    'a long name with markup renders as text');
  await noInjection(page, problems, 'department');
  await shot(page, '26-departments');
}
