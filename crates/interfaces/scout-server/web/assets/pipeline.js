// The pipeline board: one column per stage. Cards move by drag and drop, by the arrow keys
// (← →) on a focused card, or with the card's stage menu. The server's transition table
// decides: a refused move stays put and shows the server's message on the card and above the board.
// Filters (text, tag, owner, a pinned selection) live in the link and in saved views (views.js);
// cards can be selected (checkbox, or Space on a focused card) and moved, tagged or assigned
// together, with an outcome per candidate (board-bulk.js).

import { api, canWrite, STAGES } from './api.js';
import { h, mount, empty, toast } from './dom.js';
import { duplicatesSection } from './duplicates.js';
import { go } from './router.js';
import { savedViews } from './views.js';
import { boardFilters, bulkBar } from './board-bulk.js';

function days(iso) {
  const ms = Date.now() - new Date(iso).getTime();
  const d = Math.floor(ms / 86400000);
  return d <= 0 ? 'today' : `${d} d`;
}

export async function render(main, _p, query, stale) {
  document.title = 'Pipeline · Scout';
  const [r, me] = await Promise.all([api.get('/api/candidates?limit=1000'), api.whoami()]);
  if (stale()) return;
  const filter = boardFilters(query, r.candidates, me);
  const alert = h('div', { class: 'board-alert', role: 'alert', 'aria-live': 'assertive' });
  const board = h('div', { class: 'board', role: 'list', 'aria-label': 'Pipeline stages' });
  const byStage = new Map(STAGES.map((st) => [st, []]));
  const shown = r.candidates.filter(filter.keep);
  for (const c of shown) byStage.get(c.stage)?.push(c);
  const write = canWrite();
  const columns = new Map();
  const dupSlot = h('div', { class: 'dup-slot' });
  const bulk = write ? bulkBar({ shown, me, alert, after: (changed) => {
    for (const c of changed) {
      for (const [st, items] of byStage) byStage.set(st, items.filter((x) => x.id !== c.id));
      byStage.get(c.stage).push(c);
    }
    for (const st of STAGES) if (columns.has(st)) redraw(st);
  }, refused: (id, message) => {
    const el = board.querySelector(`.bcard[data-id="${id}"]`);
    if (el) note(el, message);
  } }) : null;

  /** The reason a card was not changed, shown on the card. */
  function note(el, text) {
    let why = el.querySelector('.move-error');
    if (!why) {
      why = h('p', { class: 'move-error small' });
      el.append(why);
    }
    why.textContent = text;
  }

  async function move(c, to, cardEl) {
    if (to === c.stage) return;
    alert.textContent = '';
    try {
      const res = await api.post(`/api/candidates/${c.id}/stage`, { to });
      const from = c.stage;
      Object.assign(c, res.candidate);
      byStage.set(from, byStage.get(from).filter((x) => x.id !== c.id));
      byStage.get(c.stage).push(c);
      redraw(from);
      redraw(c.stage);
      const el = columns.get(c.stage)?.list.querySelector(`[data-id="${c.id}"]`);
      if (el) el.focus();
      toast(`${c.name}: ${from} → ${c.stage}`);
    } catch (e) {
      alert.textContent = `${c.name} was not moved: ${e.message}`;
      alert.classList.add('show');
      // The card stays in its stage, its menu back on that stage, the reason beside it.
      const el = cardEl || columns.get(c.stage).list.querySelector(`[data-id="${c.id}"]`);
      if (el) {
        const sel = el.querySelector('select.move');
        if (sel) sel.value = c.stage;
        note(el, `Not moved to ${to}: ${e.message}`);
        el.focus();
      }
    }
  }

  function card(c) {
    const sel = write
      ? h('select', { class: 'move', 'aria-label': `Move ${c.name} to stage`, onchange: (ev) => move(c, ev.target.value, el) }, STAGES.map((st) => h('option', { value: st, selected: st === c.stage }, st)))
      : null;
    const el = h('article', {
      class: 'bcard', tabindex: 0, role: 'listitem', draggable: write ? 'true' : 'false',
      dataset: { id: String(c.id) },
      'aria-label': `${c.name}, ${c.stage}${write ? '. Left and right arrow keys move it between stages; Space selects it; Enter opens it' : ''}`,
      ondragstart: (ev) => { ev.dataTransfer.setData('text/plain', String(c.id)); ev.dataTransfer.effectAllowed = 'move'; el.classList.add('dragging'); },
      ondragend: () => el.classList.remove('dragging'),
      onkeydown: (ev) => {
        if (ev.target !== el) return;
        if (ev.key === 'Enter') window.location.hash = `#/candidates/${c.id}`;
        if (!write) return;
        if (ev.key === ' ') { ev.preventDefault(); bulk.toggle(c); }
        const i = STAGES.indexOf(c.stage);
        if (ev.key === 'ArrowRight' && i < STAGES.length - 1) { ev.preventDefault(); move(c, STAGES[i + 1], el); }
        if (ev.key === 'ArrowLeft' && i > 0) { ev.preventDefault(); move(c, STAGES[i - 1], el); }
      },
    },
    h('div', { class: 'chead' }, bulk ? bulk.box(c) : null, h('a', { href: `#/candidates/${c.id}`, class: 'cname', tabindex: -1 }, c.name)),
    h('div', { class: 'muted small' }, c.source_org || '—'),
    h('div', { class: 'cmeta' }, c.tags.slice(0, 3).map((t) => h('span', { class: 'tag' }, t)), h('span', { class: 'muted small age', title: 'time in stage' }, days(c.stage_entered_at))),
    sel);
    return el;
  }

  function redraw(stage) {
    const col = columns.get(stage);
    if (!col) return; // a column the filters hide
    const items = byStage.get(stage);
    col.count.textContent = String(items.length);
    col.list.replaceChildren(...items.map(card));
  }

  for (const st of STAGES.filter(filter.column)) {
    const count = h('span', { class: 'count' }, '0');
    const list = h('div', { class: 'col-list' });
    const col = h('section', {
      class: `col ${['accepted', 'declined', 'withdrawn'].includes(st) ? 'outcome' : ''}`, role: 'listitem', 'aria-label': st, dataset: { stage: st },
      ondragover: (ev) => { if (write) { ev.preventDefault(); col.classList.add('over'); } },
      ondragleave: () => col.classList.remove('over'),
      ondrop: (ev) => {
        ev.preventDefault();
        col.classList.remove('over');
        const id = Number(ev.dataTransfer.getData('text/plain'));
        const c = shown.find((x) => x.id === id);
        if (c) move(c, st, null);
      },
    }, h('h2', {}, st, count), list);
    columns.set(st, { col, list, count });
    board.append(col);
    redraw(st);
  }
  // Saved board views: the filters shown, and (when ticked) the selected cards pinned.
  const pinIn = h('input', { name: 'view-pin', type: 'checkbox' });
  const views = savedViews({
    kind: 'board',
    title: 'Saved views',
    current: () => ({ board: { ...filter.spec, candidate_ids: pinIn.checked && bulk ? bulk.selected() : filter.spec.candidate_ids } }),
    open: (view) => go('/pipeline', filter.query(view.board)),
    extra: write ? h('label', { class: 'pin-label' }, pinIn, ' Pin the selected cards') : null,
  });
  const counted = shown.length === r.candidates.length ? `${r.candidates.length} candidates` : `${shown.length} of ${r.candidates.length} candidates shown`;
  mount(main,
    h('div', { class: 'page-head' }, h('div', {}, h('h1', {}, 'Pipeline'), h('p', { class: 'muted' }, `${counted}. ${write ? 'Drag cards, or focus one and use ← →; Space selects.' : 'Read-only (viewer).'}`)),
      h('div', { class: 'head-actions' }, views, h('a', { class: 'button', href: '#/radius' }, 'Leak radius and approach order'))),
    filter.form,
    bulk ? bulk.bar : null,
    alert,
    dupSlot,
    r.candidates.length ? (shown.length ? board : empty('No candidate matches these filters.')) : empty('No candidates yet — add researchers from the List.'),
  );
  // Duplicate records (recruiters and owners): drawn when known, above the board.
  duplicatesSection(() => render(main, _p, query, stale)).then((sec) => {
    if (sec && !stale()) dupSlot.replaceChildren(sec);
  });
}
