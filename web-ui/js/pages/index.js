// The page registry: one line per page. `roles` limits who sees it in the menu (a user who
// opens the URL anyway gets the page's own refusal). Add a page: write pages/<name>.js,
// add it here, and list the file in crates/api/src/routes/ui.rs.
import { Dashboard } from './dashboard.js';
import { Extensions } from './extensions.js';
import { Registrations } from './registrations.js';
import { Settings } from './settings.js';
import { Cdr } from './cdr.js';
import { Accounts } from './accounts.js';
import { Audit } from './audit.js';
import { Backups } from './backups.js';
import { Https } from './https.js';
import { Me } from './me.js';

const PBX = ['admin', 'operator', 'user'];

export const pages = [
  { path: '/', title: 'Dashboard', component: Dashboard, roles: PBX },
  { path: '/extensions', title: 'Extensions', component: Extensions, roles: ['admin', 'operator'] },
  { path: '/registrations', title: 'Registrations', component: Registrations, roles: PBX },
  { path: '/cdr', title: 'Call records', component: Cdr },
  { path: '/settings', title: 'Settings', component: Settings, roles: ['admin'] },
  { path: '/accounts', title: 'Accounts', component: Accounts, roles: ['admin'] },
  { path: '/audit', title: 'Audit log', component: Audit, roles: ['admin'] },
  { path: '/backups', title: 'Backups', component: Backups, roles: ['admin', 'operator'] },
  { path: '/https', title: 'HTTPS', component: Https, roles: ['admin'] },
  { path: '/me', title: 'My account', component: Me },
];
