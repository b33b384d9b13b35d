// The inbox of the move radar (`#/alerts`): the events Scout recorded for the researchers the
// member watches after each data refresh — a new paper, a likely move or a new affiliation
// (with the evidence, its confidence and how it reads: a move, a double affiliation or a
// visit), a first paper with someone at a rival organisation — newest first, with filters
// (unread, kind, one researcher, since a date), "Mark read", "Mark all read" and older pages;
// beside them the member's watches with their unread counts and an unwatch button. The top
// bar's unread badge (the shell) is told of every change by a `scout:alerts-changed` event.

import { api, qs } from './api.js';
import { h, mount, fmt, field, empty } from './dom.js';
import { go } from './router.js';

/** Alerts per page; "Older" asks for the next ones by `before` (the last id shown). */
const PAGE = 50;

const KINDS = {
  paper: 'New paper',
  move: 'Likely move',
  affiliation: 'New affiliation',
  rival_coauthor: 'Rival co-author',
};

/** The filter control that changed last: it has the focus again once the page is redrawn. */
let refocus = '';

const changed = () => window.dispatchEvent(new CustomEvent('scout:alerts-changed'));

const profile = (key) => `#/r/${encodeURIComponent(key)}`;

export async function render(main, _params, query, stale) {
  document.title = 'Alerts · Scout';
  const f = {
    unread: query.get('unread') === 'true',
    kind: KINDS[query.get('kind')] ? query.get('kind') : '',
    researcher: query.get('researcher') || '',
    since: /^\d{4}-\d{2}-\d{2}$/.test(query.get('since') || '') ? query.get('since') : '',
    before: /^\d+$/.test(query.get('before') || '') ? query.get('before') : '',
  };
  const [page, watched] = await Promise.all([
    api.get(`/api/alerts${qs({ unread: f.unread ? 'true' : '', kind: f.kind, since: f.since, before: f.before, researcher: f.researcher, limit: PAGE })}`),
    api.get('/api/watches'),
  ]);
  if (stale()) return;
  const watches = watched.watches;
  const watching = watchingSection(watches);
  const state = { unread: page.unread };
  const unreadLine = h('p', { class: 'muted', role: 'status', id: 'alerts-unread' });
  const allRead = h('button', { type: 'button', class: 'primary' }, 'Mark all read');
  const headStatus = h('div', { class: 'form-status', role: 'alert' });
  const showUnread = () => {
    unreadLine.textContent = state.unread ? `${fmt.int(state.unread)} unread` : 'Everything read';
    allRead.disabled = !state.unread;
  };
  showUnread();
  allRead.addEventListener('click', async () => {
    allRead.disabled = true;
    headStatus.textContent = '';
    try {
      await api.post('/api/alerts/read', { all: true });
      changed();
      go('/alerts', query2(f));
    } catch (e) {
      headStatus.textContent = `Nothing marked read: ${e.message}`;
      showUnread();
    }
  });

  const shown = page.alerts;
  const items = h('ol', { class: 'alerts', 'aria-labelledby': 'alerts-title' });
  const markOne = async (a, li, btn) => {
    btn.disabled = true;
    const status = li.querySelector('.form-status');
    status.textContent = '';
    try {
      await api.post('/api/alerts/read', { ids: [a.id] });
      a.read = true;
      li.dataset.read = 'true';
      li.classList.remove('unread');
      state.unread = Math.max(0, state.unread - 1);
      showUnread();
      watching.read(a.researcher_key);
      changed();
      // Focus moves on to the next alert still unread, else stays on this one.
      const next = [...items.querySelectorAll('li.unread button.mark-read')][0];
      btn.replaceWith(h('span', { class: 'muted small' }, 'Read'));
      (next || li).focus();
    } catch (e) {
      status.textContent = `Not marked read: ${e.message}`;
      btn.disabled = false;
    }
  };
  for (const a of shown) items.append(alertItem(a, markOne));

  const filtered = f.unread || f.kind || f.researcher || f.since;
  let body;
  if (shown.length) {
    body = items;
  } else if (!watches.length && !filtered && !f.before) {
    body = empty('You watch nobody yet. Watch researchers from the List or a profile; alerts appear after the next data refresh.');
  } else if (filtered) {
    body = h('div', {}, empty('No alerts match these filters.'), h('p', {}, h('a', { href: '#/alerts' }, 'Show every alert')));
  } else {
    body = empty(f.before ? 'No older alerts.' : 'No alerts yet. They appear after the next data refresh (an ingest on the Data page) when a watched researcher has a new paper, a new affiliation or a first paper with someone at a rival organisation.');
  }
  const older = page.alerts.length >= PAGE ? h('a', { class: 'button', href: `#/alerts${qs(query2({ ...f, before: page.alerts.at(-1).id }))}` }, 'Older') : null;
  const newest = f.before ? h('a', { class: 'button', href: `#/alerts${qs(query2({ ...f, before: '' }))}` }, 'Newest') : null;

  mount(main,
    h('div', { class: 'page-head' },
      h('div', {}, h('h1', { id: 'alerts-title' }, 'Alerts'), unreadLine),
      h('div', { class: 'head-actions' }, allRead)),
    headStatus,
    h('div', { class: 'inbox' },
      h('section', { class: 'inbox-alerts', 'aria-label': 'Alerts about watched researchers' },
        filters(f, watches, page.alerts),
        body,
        older || newest ? h('nav', { class: 'pager', 'aria-label': 'Alert pages' }, newest, older) : null),
      watching.el),
  );
  if (refocus) {
    const el = main.querySelector(`form.alert-filters [name="${refocus}"]`);
    refocus = '';
    if (el) el.focus();
  }
}

/** The route's query of a filter state (empty values left out by `go` and `qs`). */
function query2(f) {
  return { unread: f.unread ? 'true' : '', kind: f.kind, researcher: f.researcher, since: f.since, before: f.before };
}

function filters(f, watches, alerts) {
  const unread = h('input', { type: 'checkbox', name: 'unread', checked: f.unread });
  const kind = h('select', { name: 'kind' }, h('option', { value: '' }, 'any'), Object.entries(KINDS).map(([k, label]) => h('option', { value: k, selected: k === f.kind }, label)));
  // Watched researchers, and the one asked for when it is no longer watched.
  const people = new Map(watches.map((w) => [w.researcher_key, w.researcher]));
  if (f.researcher && !people.has(f.researcher)) people.set(f.researcher, (alerts.find((a) => a.researcher_key === f.researcher) || {}).researcher || f.researcher);
  const who = h('select', { name: 'researcher' }, h('option', { value: '' }, 'anyone watched'), [...people].map(([k, name]) => h('option', { value: k, selected: k === f.researcher }, name)));
  const since = h('input', { type: 'date', name: 'since', value: f.since });
  const apply = (ev) => {
    ev.preventDefault();
    // A date is applied with "Show" (its change events come while it is typed).
    if (ev.type === 'change' && ev.target.type === 'date') return;
    refocus = ev.type === 'change' ? ev.target.name : '';
    go('/alerts', query2({ unread: unread.checked, kind: kind.value, researcher: who.value, since: since.value, before: '' }));
  };
  return h('form', { class: 'inline alert-filters', 'aria-label': 'Filter alerts', onsubmit: apply, onchange: apply },
    h('label', { class: 'check' }, unread, ' Unread only'),
    field('Kind', kind), field('Researcher', who), field('Since', since),
    h('button', { type: 'submit' }, 'Show'));
}

function alertItem(a, markOne) {
  const label = KINDS[a.kind] || a.kind;
  const li = h('li', { class: `alert-item kind-${a.kind}${a.read ? '' : ' unread'}`, tabindex: '-1', dataset: { id: String(a.id), kind: a.kind, read: String(a.read) } });
  const btn = a.read ? h('span', { class: 'muted small' }, 'Read') : h('button', { type: 'button', class: 'small mark-read' }, 'Mark read', h('span', { class: 'sr' }, `: ${label}, ${a.researcher}`));
  if (!a.read) btn.addEventListener('click', () => markOne(a, li, btn));
  const meta = [a.year ? String(a.year) : null, a.confidence !== null && a.confidence !== undefined ? `confidence ${Number(a.confidence).toFixed(2)}` : null, fmt.date(a.created_at)].filter(Boolean);
  return mount(li,
    h('div', { class: 'alert-head' },
      h('span', { class: `chip kind kind-${a.kind}` }, label),
      a.withdrawn_at ? h('span', { class: 'chip withdrawn', title: `Withdrawn ${fmt.date(a.withdrawn_at)}: later papers no longer show this move` }, 'Withdrawn') : null,
      h('a', { href: profile(a.researcher_key), class: 'alert-who' }, a.researcher),
      h('span', { class: 'muted small' }, meta.join(' · ')),
      a.read ? null : h('span', { class: 'sr' }, ' (unread)'),
      h('span', { class: 'alert-act' }, btn)),
    h('p', { class: 'alert-summary' }, a.summary),
    evidence(a.evidence || {}),
    h('div', { class: 'form-status', role: 'alert' }));
}

function evidence(e) {
  const rows = [];
  if (e.from || e.to) rows.push(['Change', h('span', {}, e.from || 'no organisation on record', h('span', { 'aria-hidden': 'true' }, ' → '), h('span', { class: 'sr' }, ' to '), e.to || '–')]);
  if (e.organisation) rows.push(['Organisation', e.organisation]);
  if (e.coauthor) rows.push(['Co-author', e.coauthor_key ? h('a', { href: profile(e.coauthor_key) }, e.coauthor) : e.coauthor]);
  // The radar's reading in words: a move, a double affiliation, a visit, a joint paper's year.
  if (e.reading) rows.push(['Reading', e.reading]);
  const papers = e.papers || [];
  if (papers.length) {
    rows.push([papers.length === 1 ? 'Paper' : `Papers (${papers.length})`, h('ul', { class: 'alert-papers' }, papers.map((p) => h('li', {},
      // A paper opens as the List for its title, as the Data page shows new papers.
      h('a', { href: `#/list?topic=${encodeURIComponent(p.title)}`, class: 'alert-paper' }, p.title),
      h('span', { class: 'muted' }, ` · ${[p.venue ? String(p.venue).toUpperCase() : null, p.year].filter(Boolean).join(' ')}`))))]);
  }
  if (!rows.length) return null;
  return h('dl', { class: 'evidence' }, rows.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

/** The member's watches: name, unread alerts (a link to them), since when, unwatch. */
function watchingSection(watches) {
  const counts = new Map();
  const status = h('div', { class: 'form-status', role: 'alert' });
  const count = h('span', {}, String(watches.length));
  const list = h('ul', { class: 'watching' });
  const none = () => empty('You watch nobody yet. Watch researchers from the List or a profile; alerts appear after the next data refresh.');
  const unreadText = (w) => (w.unread ? h('a', { href: `#/alerts${qs({ unread: 'true', researcher: w.researcher_key })}`, class: 'unread-count' }, `${fmt.int(w.unread)} unread`) : h('span', { class: 'unread-count' }, 'no unread'));
  for (const w of watches) {
    const unread = h('span', {}, unreadText(w));
    counts.set(w.researcher_key, [w, unread]);
    const unwatch = h('button', { type: 'button', class: 'small' }, 'Unwatch', h('span', { class: 'sr' }, ` ${w.researcher}`));
    const li = h('li', { dataset: { key: w.researcher_key } },
      h('div', {},
        h('a', { href: profile(w.researcher_key) }, w.researcher),
        w.candidate_id !== null && w.candidate_id !== undefined ? h('a', { class: 'chip ok', href: `#/candidates/${w.candidate_id}`, title: `Candidate #${w.candidate_id}` }, 'candidate') : null),
      h('div', { class: 'muted small' },
        unread,
        ` · since ${fmt.date(w.created_at).slice(0, 10)}`),
      unwatch);
    unwatch.addEventListener('click', async () => {
      unwatch.disabled = true;
      status.textContent = '';
      try {
        await api.del(`/api/watches/${encodeURIComponent(w.researcher_key)}`);
        const next = li.nextElementSibling || li.previousElementSibling;
        li.remove();
        count.textContent = String(list.children.length);
        if (!list.children.length) list.replaceWith(none());
        (next ? next.querySelector('button') : section).focus();
        changed();
      } catch (e) {
        status.textContent = `Still watching ${w.researcher}: ${e.message}`;
        unwatch.disabled = false;
      }
    });
    list.append(li);
  }
  const section = h('section', { class: 'card watching-card', 'aria-labelledby': 'watching-title', tabindex: '-1' },
    h('h2', { id: 'watching-title' }, 'Watching (', count, ')'),
    status,
    watches.length ? list : none());
  return {
    el: section,
    /** One alert about `key` was marked read: its unread count drops. */
    read(key) {
      const got = counts.get(key);
      if (!got) return;
      got[0].unread = Math.max(0, got[0].unread - 1);
      mount(got[1], unreadText(got[0]));
    },
  };
}
