// The board's filters and its selection, a section of the board page (pipeline.js).
// Filters live in the link (`#/pipeline?q=&tag=&owner=&stages=&ids=`), so a saved view is a
// link's worth of filters (and a pinned selection of candidate ids). The selection bar moves,
// tags or assigns the selected cards in one request; the server applies the action to each
// candidate in its own transaction and answers an outcome per candidate, listed here.

import { api, isOwner, STAGES } from './api.js';
import { h, mount, field, toast } from './dom.js';
import { go } from './router.js';
import { outcomes } from './views.js';

const list = (v) => (v ? v.split(',').map((x) => x.trim()).filter(Boolean) : []);

/** The board's filters from the link: what to keep, which columns, the saved-view spec, the form. */
export function boardFilters(query, candidates, me) {
  const spec = {
    text: query.get('q') || '',
    tag: query.get('tag') || '',
    owner_id: Number(query.get('owner')) || null,
    stages: list(query.get('stages')).filter((s) => STAGES.includes(s)),
    candidate_ids: list(query.get('ids')).map(Number).filter(Number.isInteger),
  };
  const text = spec.text.toLowerCase();
  const pinned = new Set(spec.candidate_ids);
  const keep = (c) => (!text || c.name.toLowerCase().includes(text) || (c.source_org || '').toLowerCase().includes(text))
    && (!spec.tag || c.tags.includes(spec.tag))
    && (!spec.owner_id || c.owner_id === spec.owner_id)
    && (!pinned.size || pinned.has(c.id));
  const column = (st) => !spec.stages.length || spec.stages.includes(st);
  const toQuery = (s) => ({ q: s.text, tag: s.tag, owner: s.owner_id || '', stages: (s.stages || []).join(','), ids: (s.candidate_ids || []).join(',') });

  const textIn = h('input', { type: 'search', name: 'q', value: spec.text, placeholder: 'name or organisation' });
  const tags = [...new Set(candidates.flatMap((c) => c.tags))].sort();
  const tagIn = h('select', { name: 'tag' }, h('option', { value: '' }, 'any'), tags.map((t) => h('option', { value: t, selected: t === spec.tag }, t)));
  const ownerIn = h('select', { name: 'owner' }, h('option', { value: '' }, 'anyone'), h('option', { value: String(me.id), selected: spec.owner_id === me.id }, 'me'),
    spec.owner_id && spec.owner_id !== me.id ? h('option', { value: String(spec.owner_id), selected: true }, `user #${spec.owner_id}`) : null);
  const apply = (extra = {}) => go('/pipeline', { ...toQuery(spec), q: textIn.value.trim(), tag: tagIn.value, owner: ownerIn.value, ...extra });
  const chips = [];
  if (pinned.size) chips.push(h('span', { class: 'chip pinned' }, `Pinned selection: ${pinned.size} candidates `, h('button', { type: 'button', class: 'link', onclick: () => apply({ ids: '' }) }, 'show all')));
  if (spec.stages.length) chips.push(h('span', { class: 'chip' }, `Stages: ${spec.stages.join(', ')} `, h('button', { type: 'button', class: 'link', onclick: () => apply({ stages: '' }) }, 'all stages')));
  const form = h('form', { class: 'board-filters', role: 'search', 'aria-label': 'Filter the board', onsubmit: (ev) => { ev.preventDefault(); apply(); } },
    field('Find', textIn), field('Tag', tagIn), field('Owner', ownerIn), h('button', { type: 'submit' }, 'Filter'), chips);
  tagIn.addEventListener('change', () => apply());
  ownerIn.addEventListener('change', () => apply());
  return { keep, column, spec, query: toQuery, form };
}

/**
 * The selection and its action bar. shown: the candidates on the board; after(changed): redraws
 * with the changed candidates; refused(id, message): marks a card that was not changed.
 */
export function bulkBar({ shown, me, alert, after, refused }) {
  const picked = new Set();
  const boxes = new Map();
  const count = h('span', { class: 'bulk-count', 'aria-live': 'polite' }, '0 selected');
  const all = h('input', { type: 'checkbox', class: 'pick-all' });
  const stageIn = h('select', { name: 'bulk-stage' }, STAGES.map((st) => h('option', { value: st }, st)));
  const tagIn = h('input', { name: 'bulk-tag', placeholder: 'tag', maxlength: 64 });
  const ownerIn = h('select', { name: 'bulk-owner' }, h('option', { value: String(me.id) }, `me (${me.name})`), h('option', { value: '0' }, 'no owner'));
  if (isOwner()) {
    api.get('/api/users').then((r) => {
      for (const u of r.users.filter((x) => !x.disabled && x.id !== me.id)) ownerIn.append(h('option', { value: String(u.id) }, `${u.name} (${u.role})`));
    }).catch(() => {});
  }
  const buttons = [];
  const button = (label, action) => {
    const b = h('button', { type: 'button', disabled: true, onclick: () => run(action(), label) }, label);
    buttons.push(b);
    return b;
  };
  const report = h('div', { class: 'bulk-report' });
  const bar = h('div', { class: 'bulk' },
    h('div', { class: 'bulk-bar', role: 'region', 'aria-label': 'Selected candidates' },
      h('label', { class: 'pick-all-label' }, all, ' Select all shown'), count,
      h('span', { class: 'bulk-group' }, field('Move to', stageIn), button('Move', () => ({ move: { to: stageIn.value } }))),
      h('span', { class: 'bulk-group' }, field('Tag', tagIn), button('Add tag', () => ({ add_tag: { tag: tagIn.value } })), button('Remove tag', () => ({ remove_tag: { tag: tagIn.value } }))),
      h('span', { class: 'bulk-group' }, field('Owner', ownerIn), button('Assign', () => ({ assign: { owner_id: Number(ownerIn.value) || null } }))),
      button('Clear selection', () => null)),
    report);

  const changed = () => {
    const n = picked.size;
    count.textContent = `${n} selected`;
    for (const b of buttons) b.disabled = n === 0;
    all.checked = n > 0 && n === shown.length;
    all.indeterminate = n > 0 && n < shown.length;
  };
  const set = (id, on) => {
    if (on) picked.add(id);
    else picked.delete(id);
    const b = boxes.get(id);
    if (b) b.checked = on;
  };
  all.addEventListener('change', () => {
    for (const c of shown) set(c.id, all.checked);
    changed();
  });

  async function run(action, label) {
    if (!action) {
      for (const id of [...picked]) set(id, false);
      changed();
      return;
    }
    if (('add_tag' in action || 'remove_tag' in action) && !tagIn.value.trim()) {
      tagIn.focus();
      toast('Type the tag first.', 'error');
      return;
    }
    const ids = shown.filter((c) => picked.has(c.id)).map((c) => c.id);
    alert.textContent = '';
    alert.classList.remove('show');
    let r;
    try {
      r = await api.post('/api/candidates/bulk', { ids, action });
    } catch (e) {
      mount(report, h('p', { class: 'error', role: 'alert' }, `${label}: nothing changed: ${e.message}`));
      return;
    }
    const byId = new Map(shown.map((c) => [c.id, c]));
    const moved = [];
    for (const o of r.results) {
      const c = byId.get(o.id);
      if (c && o.candidate) {
        Object.assign(c, o.candidate);
        moved.push(c);
      }
    }
    after(moved);
    for (const o of r.results) if (o.status === 'refused') refused(o.id, `${label}: not changed: ${o.message}`);
    mount(report, outcomes(r.results.map((o) => ({
      label: byId.get(o.id)?.name || `#${o.id}`,
      ok: o.status === 'done',
      unchanged: o.status === 'unchanged',
      text: o.status === 'done' ? describe(action, o.candidate) : o.status === 'unchanged' ? `unchanged (${o.message})` : `not changed: ${o.message}`,
    })), `${label}: ${r.done} done, ${r.unchanged} unchanged, ${r.refused} refused.`));
    if (r.refused) {
      alert.textContent = `${r.refused} of ${ids.length} selected candidates were not changed (reasons below and on the cards).`;
      alert.classList.add('show');
    }
    toast(`${label}: ${r.done} of ${ids.length} done.`);
  }

  return {
    bar,
    /** A card's checkbox. */
    box(c) {
      const b = h('input', { type: 'checkbox', class: 'pick', 'aria-label': `Select ${c.name}`, checked: picked.has(c.id) });
      b.addEventListener('change', () => {
        set(c.id, b.checked);
        changed();
      });
      boxes.set(c.id, b);
      return b;
    },
    /** Space on a focused card. */
    toggle(c) {
      set(c.id, !picked.has(c.id));
      changed();
    },
    /** The selected candidates' ids, in board order. */
    selected: () => shown.filter((c) => picked.has(c.id)).map((c) => c.id),
  };
}

/** What a done action did to a candidate, in words. */
function describe(action, c) {
  if (action.move) return `now ${c.stage}`;
  if (action.add_tag) return `tagged ${action.add_tag.tag.trim().toLowerCase()}`;
  if (action.remove_tag) return `tag ${action.remove_tag.tag.trim().toLowerCase()} removed`;
  return c.owner_id ? `owner set (user #${c.owner_id})` : 'owner cleared';
}
