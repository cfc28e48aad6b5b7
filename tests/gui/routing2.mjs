// GUI test of the routing pages, part 2: outbound routes (with reordering), inbound and
// direct routes, the blacklist, routing options and the route tracer. Needs part 1's trunk
// `sipgw`, time condition `office` and IVR `0601`.
import {
  XSS, LONG, check, step, shot, apiCall, apiJson, nav, expectError, noInjection,
} from './lib.mjs';

export async function routingPart2(page, { problems, ext }) {
  step('outbound routes: invalid values, create, reorder');
  await nav(page, 'Outbound routes');
  await page.click('#outbound-new');
  await page.fill('#f-id', 'national');
  await page.fill('#f-dial_prefix', '9');
  await page.fill('#f-patterns_0__pattern', XSS);
  await expectError(page, '#outbound-form', 'patterns_0__pattern', /invalid dial pattern/, 'a pattern with markup');
  await page.fill('#f-patterns_0__pattern', '_0ZX.');
  await page.fill('#f-patterns_0__strip', '9');
  await expectError(page, '#outbound-form', 'trunks', /at least one trunk/, 'a route without trunks');
  check(/strips 9 digits/.test(await page.textContent('#outbound-form #err-patterns_0__strip')),
    'the strip count beyond the pattern is named in the same answer');
  await page.selectOption('#f-trunks-add', 'sipgw');
  await page.selectOption('#f-trunks-add', 'backup');
  await page.fill('#f-patterns_0__strip', '1');
  await page.fill('#f-patterns_0__prepend', '+49');
  await page.fill('#f-call_time_limit', '5');
  await expectError(page, '#outbound-form', 'call_time_limit', /between 60 and 86400/, 'a call time limit below range');
  await page.fill('#f-call_time_limit', '');
  await page.fill('#f-id', LONG);
  await expectError(page, '#outbound-form', 'id', /1 to 64/, 'an overlong route id');
  await page.fill('#f-id', 'national');
  await page.click('#outbound-form button[type=submit]');
  await page.waitForSelector('#outbound tr[data-key="national"]');
  const made = await apiCall(page, 'POST', '/api/v1/outbound-routes',
    { id: 'intl', dial_prefix: '9', patterns: [{ pattern: '_00X.', strip: 0 }], trunks: ['backup'] });
  check(made.status === 201, 'a second route is created through the API');
  await page.reload();
  await page.waitForSelector('#outbound tbody tr:nth-child(2)[data-key="intl"]');
  await page.click('#outbound tr[data-key="national"] button.down');
  await page.waitForSelector('#outbound tbody tr:first-child[data-key="intl"]');
  const order = (await apiJson(page, '/api/v1/outbound-routes')).map((r) => r.id);
  check(order.join() === 'intl,national', `the down button moved national below intl (${order})`);
  await page.click('#outbound tr[data-key="national"] button.up');
  await page.waitForSelector('#outbound tbody tr:first-child[data-key="national"]');
  check(true, 'the up button moved it back');
  await noInjection(page, problems, 'outbound route');
  await shot(page, '21-outbound-routes');

  step('inbound routes');
  await nav(page, 'Inbound routes');
  await page.click('#inbound-new');
  await page.fill('#f-name', '');
  await page.selectOption('#f-trunk', 'sipgw');
  await page.selectOption('#f-destination-target', ext);
  await page.fill('#f-did', XSS);
  await expectError(page, '#inbound-form', 'did', /invalid dial pattern/, 'a DID pattern with markup');
  await page.fill('#f-did', '4930999');
  await expectError(page, '#inbound-form', 'name', /1 to 64/, 'an empty route name');
  await page.fill('#f-name', 'sales-in');
  await page.selectOption('#f-destination', 'queue');
  await page.fill('#f-destination-target', '12');
  await expectError(page, '#inbound-form', 'destination', /queue range/, 'a queue outside its range');
  await page.selectOption('#f-destination', 'ivr');
  await page.selectOption('#f-destination-target', '0601');
  await page.click('#inbound-form button[type=submit]');
  await page.waitForSelector('#inbound tr[data-key="sales-in"]');
  const route = await apiJson(page, '/api/v1/inbound-routes/sales-in');
  check(route.trunk === 'sipgw' && route.destination.type === 'ivr' && route.destination.number === '0601',
    'the inbound route sends DID 4930999 on sipgw to the IVR');
  await page.fill('#inbound-search', 'sales');
  await page.waitForFunction(() => document.querySelectorAll('#inbound tbody tr').length === 1);
  await page.click('#inbound th button:text("Name")');
  check(await page.getAttribute('#inbound th:has(button:text("Name"))', 'aria-sort') === 'descending',
    'the name column sorts');
  await page.fill('#inbound-search', '');
  await shot(page, '22-inbound-routes');

  step('direct routes');
  await nav(page, 'Direct routes');
  await page.click('#direct-new');
  await page.fill('#f-name', 'boss');
  await page.selectOption('#f-by', 'caller');
  await page.fill('#f-pattern', '0301234567');
  await page.selectOption('#f-destination-target', ext);
  await page.click('#direct-form button[type=submit]');
  await page.waitForSelector('#direct tr[data-key="boss"]');
  await shot(page, '23-direct-routes');
  await page.click('#direct tr[data-key="boss"] button.delete');
  await page.click('#direct tr[data-key="boss"] button.confirm');
  await page.waitForSelector('#direct-note:has-text("deleted")');
  check(await page.$('#direct tr[data-key="boss"]') === null, 'a direct route is deleted after the confirm step');

  step('trunks: a trunk in use cannot be deleted');
  await nav(page, 'Trunks');
  await page.click('#trunks tr[data-key="sipgw"] button.delete');
  await page.click('#trunks tr[data-key="sipgw"] button.confirm');
  const refusal = await (await page.waitForSelector('.notice.error:has-text("in use")')).textContent();
  check(/409/.test(refusal) && await page.$('#trunks tr[data-key="sipgw"]') !== null,
    `deleting a trunk that routes use is refused and it stays ("${refusal.slice(0, 90)}…")`);

  step('blacklist');
  await nav(page, 'Blacklist');
  await page.click('#blacklist-new');
  await page.fill('#f-pattern', XSS);
  await expectError(page, '#blacklist-form', 'pattern', /invalid dial pattern/, 'a blacklist pattern with markup');
  await page.fill('#f-pattern', '');
  await expectError(page, '#blacklist-form', 'pattern', /invalid dial pattern|empty/, 'an empty blacklist pattern');
  await page.fill('#f-pattern', '_0900.');
  await page.selectOption('#f-direction', 'both');
  await page.fill('#f-note', XSS);
  await page.click('#blacklist-form button[type=submit]');
  await page.waitForSelector('#blacklist tr[data-key="_0900."]');
  check(await page.textContent('#blacklist tr[data-key="_0900."] td.name') === XSS, 'a note with markup renders as text');
  await noInjection(page, problems, 'blacklist');
  await shot(page, '27-blacklist');

  step('routing options');
  await nav(page, 'Routing options');
  await page.waitForSelector('#options-form');
  await page.fill('#f-emergency_numbers', `112, ${XSS}`);
  await expectError(page, '#options-form', 'emergency_numbers', /phone number|digit/, 'an emergency number with markup');
  await page.fill('#f-emergency_numbers', '112, 110');
  await page.click('#add-pin-set');
  await page.fill('#f-pin_sets_0__id', 'staff');
  await page.fill('#f-pin_sets_0__pins', '12');
  await page.click('#add-permission');
  await page.fill('#f-dial_permissions_0__id', 'national-only');
  await page.fill('#f-dial_permissions_0__outbound_routes', 'national');
  await page.fill('#f-dial_permissions_0__members', '999');
  await expectError(page, '#options-form', 'pin_sets_0__pins', /3 to 12 digits/, 'a PIN that is too short');
  check(/extension 999 does not exist/.test(await page.textContent('#options-form #err-dial_permissions_0__members')),
    'an unknown permission member is named in the same answer');
  await page.fill('#f-pin_sets_0__pins', '1234:Alice, 98765');
  await page.fill('#f-dial_permissions_0__members', ext);
  await page.check('#f-block_anonymous');
  await page.click('#options-form button[type=submit]');
  await page.waitForSelector('#options-note:has-text("in effect now")');
  const opts = await apiJson(page, '/api/v1/routing/options');
  check(opts.block_anonymous && opts.emergency_numbers.join() === '112,110' && opts.pin_sets[0].pins.length === 2
    && opts.dial_permissions[0].members.join() === ext && !opts.dial_permissions[0].internal.call_spy,
  'the options, emergency numbers, PIN set and dial permission were saved');
  await shot(page, '28-routing-options');

  step('route tracer');
  await nav(page, 'Route tracer');
  await page.fill('#f-from', ext);
  await page.fill('#f-to', XSS);
  await expectError(page, '#trace-form', 'to', /0-9|without spaces/, 'a dialled number with markup');
  await page.fill('#f-from', '');
  await page.fill('#f-to', '9030123456');
  await expectError(page, '#trace-form', 'from', /does not exist|required/, 'an empty caller');
  await page.fill('#f-from', ext);
  await page.click('#trace-form button[type=submit]');
  await page.waitForSelector('#trace-steps li');
  const summary = await page.textContent('#trace-summary');
  const steps = await page.$$eval('#trace-steps li', (l) => l.map((x) => x.textContent));
  check(/sipgw/.test(summary) && /\+4930123456/.test(summary), `the trace calls out via sipgw as +4930123456 ("${summary}")`);
  check(steps.some((s) => /national/.test(s)), `a step names the matching route (${steps.length} steps)`);
  await page.selectOption('#f-trunk', 'sipgw');
  await page.fill('#f-from', '0301112222');
  await page.fill('#f-to', '4930999');
  await page.click('#trace-form button[type=submit]');
  await page.waitForFunction(() => /0601|IVR/i.test(document.querySelector('#trace-summary')?.textContent ?? ''));
  check(true, 'an inbound trace on sipgw reaches the IVR');
  await noInjection(page, problems, 'route tracer');
  await shot(page, '29-route-tracer');
}
