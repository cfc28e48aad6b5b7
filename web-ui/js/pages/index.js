// The page registry: one line per page, in menu order. `roles` limits who sees it in the
// menu (a user who opens the URL anyway gets the page's own refusal); `group` puts it under
// a heading of the menu. Add a page: write pages/<name>.js, add it here, and list the file
// in crates/api/src/routes/ui.rs.
import { Dashboard } from './dashboard.js';
import { Calls } from './calls.js';
import { Extensions } from './extensions.js';
import { Registrations } from './registrations.js';
import { Trunks } from './trunks.js';
import { Outbound } from './outbound.js';
import { Inbound, Direct } from './inbound.js';
import { TimeConditions } from './timeconditions.js';
import { Ivrs } from './ivrs.js';
import { Departments } from './departments.js';
import { Blacklist } from './blacklist.js';
import { RoutingOptions } from './options.js';
import { Tracer } from './tracer.js';
import { Sounds } from './sounds.js';
import { Settings } from './settings.js';
import { Cdr } from './cdr.js';
import { Accounts } from './accounts.js';
import { Audit } from './audit.js';
import { Backups } from './backups.js';
import { Https } from './https.js';
import { Me } from './me.js';

const PBX = ['admin', 'operator', 'user'];
const STAFF = ['admin', 'operator'];
const R = 'Routing';
const S = 'System';

export const pages = [
  { path: '/', title: 'Dashboard', component: Dashboard, roles: PBX },
  { path: '/calls', title: 'Active calls', component: Calls, roles: STAFF },
  { path: '/extensions', title: 'Extensions', component: Extensions, roles: STAFF },
  { path: '/registrations', title: 'Registrations', component: Registrations, roles: PBX },
  { path: '/cdr', title: 'Call records', component: Cdr },
  { path: '/trunks', title: 'Trunks', component: Trunks, roles: STAFF, group: R },
  { path: '/outbound-routes', title: 'Outbound routes', component: Outbound, roles: STAFF, group: R },
  { path: '/inbound-routes', title: 'Inbound routes', component: Inbound, roles: STAFF, group: R },
  { path: '/direct-routes', title: 'Direct routes', component: Direct, roles: STAFF, group: R },
  { path: '/time-conditions', title: 'Time conditions', component: TimeConditions, roles: STAFF, group: R },
  { path: '/ivrs', title: 'IVR menus', component: Ivrs, roles: STAFF, group: R },
  { path: '/departments', title: 'Departments', component: Departments, roles: STAFF, group: R },
  { path: '/blacklist', title: 'Blacklist', component: Blacklist, roles: STAFF, group: R },
  { path: '/routing-options', title: 'Routing options', component: RoutingOptions, roles: STAFF, group: R },
  { path: '/route-tracer', title: 'Route tracer', component: Tracer, roles: STAFF, group: R },
  { path: '/prompts', title: 'Prompts & music', component: Sounds, roles: STAFF, group: R },
  { path: '/settings', title: 'Settings', component: Settings, roles: ['admin'], group: S },
  { path: '/accounts', title: 'Accounts', component: Accounts, roles: ['admin'], group: S },
  { path: '/audit', title: 'Audit log', component: Audit, roles: ['admin'], group: S },
  { path: '/backups', title: 'Backups', component: Backups, roles: STAFF, group: S },
  { path: '/https', title: 'HTTPS', component: Https, roles: ['admin'], group: S },
  { path: '/me', title: 'My account', component: Me, group: S },
];
