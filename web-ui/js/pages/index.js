// The page registry: one line per page. `roles` limits who sees it in the menu (a user who
// opens the URL anyway gets the page's own refusal). Add a page: write pages/<name>.js,
// add it here, and list the file in crates/api/src/routes/ui.rs.
import { Dashboard } from './dashboard.js';
import { Extensions } from './extensions.js';
import { Registrations } from './registrations.js';
import { Settings } from './settings.js';
import { Cdr } from './cdr.js';

export const pages = [
  { path: '/', title: 'Dashboard', component: Dashboard },
  { path: '/extensions', title: 'Extensions', component: Extensions, roles: ['admin', 'operator'] },
  { path: '/registrations', title: 'Registrations', component: Registrations },
  { path: '/cdr', title: 'Call records', component: Cdr },
  { path: '/settings', title: 'Settings', component: Settings, roles: ['admin'] },
];
