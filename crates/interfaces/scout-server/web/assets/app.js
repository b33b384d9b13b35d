// The shell: sign-in, the navigation bar (with the Alerts link and its unread badge) and the
// route table; it renders the page of the URL hash on every `hashchange` (router.js moves
// between routes, pages import it).

import { api, session, isOwner, isPrefetched, listPath } from './api.js';
import { h, mount, field, errorBox } from './dom.js';
import { location, go } from './router.js';

const main = document.getElementById('main');

const ROUTES = [
  { re: /^\/list$/, load: () => import('./list.js'), nav: 'list' },
  { re: /^\/r\/(.+)\/graph$/, load: () => import('./graph.js'), nav: 'list' },
  { re: /^\/r\/(.+)$/, load: () => import('./profile.js'), nav: 'list' },
  { re: /^\/orgs$/, load: () => import('./orgs.js'), nav: 'orgs', fn: 'renderOrgs' },
  { re: /^\/flows$/, load: () => import('./orgs.js'), nav: 'flows', fn: 'renderFlows' },
  { re: /^\/pipeline$/, load: () => import('./pipeline.js'), nav: 'pipeline' },
  { re: /^\/candidates\/(\d+)$/, load: () => import('./candidate.js'), nav: 'pipeline' },
  { re: /^\/analytics$/, load: () => import('./analytics.js'), nav: 'analytics' },
  { re: /^\/arena$/, load: () => import('./arena.js'), nav: 'arena', fn: 'renderSessions' },
  { re: /^\/arena\/(\d+)$/, load: () => import('./arena.js'), nav: 'arena', fn: 'renderSession' },
  { re: /^\/arena\/(\d+)\/vote$/, load: () => import('./arena.js'), nav: 'arena', fn: 'renderVote' },
  { re: /^\/radius$/, load: () => import('./radius.js'), nav: 'pipeline' },
  { re: /^\/search$/, load: () => import('./search.js'), nav: '' },
  { re: /^\/data$/, load: () => import('./jobs.js'), nav: 'data' },
  { re: /^\/alerts$/, load: () => import('./alerts.js'), nav: 'alerts' },
  { re: /^\/users$/, load: () => import('./admin.js'), nav: 'users', fn: 'renderUsers', owner: true },
  { re: /^\/audit$/, load: () => import('./admin.js'), nav: 'audit', fn: 'renderAudit', owner: true },
];

const NAV = [
  ['list', 'The List', '#/list'],
  ['orgs', 'Organisations', '#/orgs'],
  ['flows', 'Flows', '#/flows'],
  ['pipeline', 'Pipeline', '#/pipeline'],
  ['analytics', 'Analytics', '#/analytics'],
  ['arena', 'Arena', '#/arena'],
  ['data', 'Data', '#/data'],
  ['users', 'Users', '#/users', true],
  ['audit', 'Audit', '#/audit', true],
];

function renderNav(active) {
  const nav = document.getElementById('nav');
  mount(
    nav,
    NAV.filter(([, , , owner]) => !owner || isOwner()).map(([key, label, href]) =>
      h('a', { href, class: key === active ? 'active' : '', 'aria-current': key === active ? 'page' : false }, label),
    ),
  );
  const who = document.getElementById('who');
  alertsLink.classList.toggle('active', active === 'alerts');
  if (active === 'alerts') alertsLink.setAttribute('aria-current', 'page');
  else alertsLink.removeAttribute('aria-current');
  mount(
    who,
    alertsLink,
    h('span', { class: 'user' }, session.user.name),
    h('span', { class: `role role-${session.user.role}` }, session.user.role),
    h('button', { class: 'ghost', type: 'button', onclick: signOut }, 'Sign out'),
  );
  document.getElementById('find-form').hidden = false;
  document.getElementById('top').hidden = false;
  refreshAlerts();
}

// The top bar's Alerts link: the member's unread alerts from the move radar (GET
// /api/alerts/unread), asked on every navigation, every minute while the tab is shown and
// whenever a page says alerts changed (`scout:alerts-changed`); no badge at zero.
const ALERTS_POLL_MS = 60000;
const alertsBadge = h('span', { class: 'badge', 'aria-hidden': 'true', hidden: true });
const alertsLink = h('a', { href: '#/alerts', class: 'alerts-link', 'aria-label': 'Alerts' }, 'Alerts', alertsBadge);
let alertsAsked = 0;

function showUnread(n) {
  alertsBadge.textContent = n > 99 ? '99+' : String(n);
  alertsBadge.hidden = n === 0;
  alertsLink.dataset.unread = String(n);
  alertsLink.setAttribute('aria-label', n ? `Alerts: ${n} unread alert${n === 1 ? '' : 's'}` : 'Alerts: none unread');
  alertsLink.removeAttribute('title');
}

async function refreshAlerts() {
  if (!session.user) return;
  const my = ++alertsAsked;
  try {
    const r = await api.get('/api/alerts/unread');
    if (my === alertsAsked) showUnread(r.unread);
  } catch (e) {
    if (my !== alertsAsked) return;
    // Told on the link itself: the count is unknown, not zero.
    alertsBadge.hidden = false;
    alertsBadge.textContent = '?';
    alertsLink.title = `The unread count could not be read: ${e.message}`;
    alertsLink.setAttribute('aria-label', `Alerts: unread count unknown (${e.message})`);
  }
}

window.addEventListener('scout:alerts-changed', refreshAlerts);
setInterval(() => {
  if (document.visibilityState === 'visible' && !document.getElementById('top').hidden) refreshAlerts();
}, ALERTS_POLL_MS);

// The top bar's search: any page, "/" focuses it; the results page is #/search?q=….
document.getElementById('find-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const q = document.getElementById('find').value.trim();
  if (q) go('/search', { q });
});

async function signOut() {
  await api.logout().catch(() => {});
  showSignIn();
}

function showSignIn(message) {
  document.getElementById('top').hidden = true;
  document.title = 'Sign in · Scout';
  const name = h('input', { name: 'name', autocomplete: 'username', required: true });
  const password = h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const status = h('div', { class: 'form-status', role: 'alert', 'aria-live': 'assertive' }, message || '');
  const form = h(
    'form',
    {
      class: 'signin card',
      'aria-labelledby': 'signin-title',
      onsubmit: async (ev) => {
        ev.preventDefault();
        status.textContent = '';
        try {
          await api.login(name.value, password.value);
          route();
        } catch (e) {
          status.textContent = e.message;
          password.select();
        }
      },
    },
    h('h1', { id: 'signin-title' }, 'Scout'),
    h('p', { class: 'muted' }, 'Sign in to the recruiting workspace.'),
    field('Name', name),
    field('Password', password),
    status,
    h('button', { type: 'submit', class: 'primary' }, 'Sign in'),
  );
  mount(main, h('div', { class: 'signin-wrap' }, form));
  name.focus();
}

let routing = 0;
async function route() {
  const my = ++routing;
  const { path, query } = location();
  // A List whose query is already on its way draws its rows without waiting for /api/me:
  // its answer proves the session, and nothing on the rows depends on the role until the
  // pipeline is known (list.js asks for the user again then). Every other page waits.
  const early = !session.user && path === '/list' && isPrefetched(listPath(query));
  if (!session.user && !early) {
    try {
      await api.whoami();
    } catch {
      showSignIn();
      return;
    }
  }
  if (early) {
    // The bar is in the page from the start (index.html); its links come with the user.
    api.whoami().then(
      () => {
        if (my === routing) renderNav('list');
      },
      (e) => {
        if (e.status === 401 || my === routing) showSignIn(e.status === 401 ? undefined : e.message);
      },
    );
  }
  const r = ROUTES.find((x) => x.re.test(path));
  if (!r || (r.owner && !isOwner())) {
    renderNav('');
    mount(main, h('h1', {}, 'Not found'), h('p', { class: 'muted' }, r ? 'This page is for owners.' : 'No such page.'));
    return;
  }
  if (session.user) renderNav(r.nav);
  const params = path.match(r.re).slice(1).map(decodeURIComponent);
  try {
    const mod = await r.load();
    if (my !== routing) return;
    await mod[r.fn || 'render'](main, params, query, () => my !== routing);
  } catch (e) {
    if (my !== routing) return;
    if (e.status === 401) {
      showSignIn('Your session ended; sign in again.');
      return;
    }
    mount(main, errorBox(e));
  }
  if (document.activeElement === document.body) main.focus({ preventScroll: true });
}

window.addEventListener('hashchange', route);
// The skip link focuses the content without touching the hash (which holds the route).
document.querySelector('a.skip').addEventListener('click', (ev) => {
  ev.preventDefault();
  main.focus();
});
window.addEventListener('scout:signed-out', () => showSignIn('Your session ended; sign in again.'));

// Keyboard: "/" focuses the top bar's search, g-then-key jumps between pages (i: the alerts inbox).
let lastG = 0;
document.addEventListener('keydown', (ev) => {
  const t = ev.target;
  if (t instanceof HTMLInputElement || t instanceof HTMLTextAreaElement || t instanceof HTMLSelectElement || ev.metaKey || ev.ctrlKey || ev.altKey) return;
  if (ev.key === '/') {
    const box = document.getElementById('find');
    if (box && !document.getElementById('top').hidden && !document.getElementById('find-form').hidden) {
      ev.preventDefault();
      box.focus();
      box.select();
    }
  } else if (ev.key === 'g') {
    lastG = Date.now();
  } else if (Date.now() - lastG < 800) {
    const dest = { l: '/list', o: '/orgs', f: '/flows', p: '/pipeline', a: '/analytics', d: '/data', i: '/alerts' }[ev.key];
    if (dest) go(dest);
  }
});

// api.js has asked for a linked List already.
route();
