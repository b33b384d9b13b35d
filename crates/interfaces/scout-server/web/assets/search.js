// Find by name from the top bar: researchers (typos, word order and a word still being typed
// allowed, each with what tells namesakes apart), the workspace's candidates, organisations.

import { api, qs } from './api.js';
import { h, mount, empty, errorBox } from './dom.js';

export async function render(main, _p, query, stale) {
  const q = (query.get('q') || '').trim();
  document.title = q ? `${q} · Find · Scout` : 'Find · Scout';
  const box = document.getElementById('find');
  if (box && box.value !== q) box.value = q;
  const out = h('div', { 'aria-live': 'polite' });
  mount(main, h('div', { class: 'page-head' }, h('h1', {}, q ? `Find “${q}”` : 'Find')), out);
  if (!q) {
    mount(out, empty('Type a name in the search box at the top (press /).'));
    return;
  }
  let r;
  try {
    r = await api.get(`/api/search${qs({ q, limit: 10 })}`);
  } catch (e) {
    if (!stale()) mount(out, errorBox(e));
    return;
  }
  if (stale()) return;
  mount(out,
    group('Researchers', 'researchers', r.researchers, researcherItem, 'No researcher has a name like this.'),
    group('Candidates', 'candidates', r.candidates, (c) => h('li', {},
      h('a', { href: `#/candidates/${c.id}` }, c.name),
      h('span', { class: 'muted' }, ` · ${c.stage}${c.source_org ? ` · ${c.source_org}` : ''}`)), 'No candidate has a name like this.'),
    group('Organisations', 'orgs', r.orgs, (o) => h('li', {},
      h('strong', {}, o.name),
      h('span', { class: 'muted' }, ` · ${o.org_type}${o.country ? ` · ${o.country}` : ''} · ${o.current_researchers} researchers now · `),
      h('a', { href: `#/flows?from=${encodeURIComponent(o.name)}` }, 'moves out'), ' · ',
      h('a', { href: `#/flows?to=${encodeURIComponent(o.name)}` }, 'moves in')), 'No organisation has a name like this.'),
  );
}

function group(title, cls, items, row, none) {
  return h('section', { class: `card find-results ${cls}`, 'aria-label': title },
    h('h2', {}, `${title} (${items.length})`),
    items.length ? h('ul', { class: 'results' }, items.map(row)) : h('p', { class: 'muted' }, none));
}

function researcherItem(x) {
  const years = x.first_year ? `, ${x.first_year}–${x.last_year}` : '';
  const top = x.top_paper;
  return h('li', {},
    h('a', { href: `#/r/${encodeURIComponent(x.key)}` }, x.name),
    h('span', { class: 'muted' }, ` · ${x.current_org || 'organisation unknown'} · ${x.n_works} papers${years}`),
    top ? h('div', { class: 'small muted' }, `Most cited: ${top.title}${top.venue ? ` (${top.venue}${top.year ? ` ${top.year}` : ''})` : ''}`) : null);
}
