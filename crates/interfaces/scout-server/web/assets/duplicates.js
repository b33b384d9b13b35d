// Duplicate candidate records on the pipeline page: records that are one person (the corpus
// links them to one researcher) or likely so (one e-mail address, compatible names), each group
// with the record a merge would keep. Owners merge; the merged record becomes a tombstone whose
// tags, history, notes, messages, meetings, offers and scorecards move to the kept one.

import { api, isOwner } from './api.js';
import { h, toast } from './dom.js';

const REASONS = {
  same_researcher: 'One researcher in the corpus',
  same_email: 'Same e-mail address',
  compatible_name: 'Compatible names (check before merging: namesakes exist)',
};

/** The duplicates section, or null when there are none. `reload` redraws the page after a merge. */
export async function duplicatesSection(reload) {
  let groups;
  try {
    groups = (await api.get('/api/candidates/duplicates')).groups;
  } catch {
    return null;
  }
  if (!groups.length) return null;
  const owner = isOwner();
  return h('section', { class: 'card duplicates', 'aria-labelledby': 'h-duplicates' },
    h('h2', { id: 'h-duplicates' }, `Possible duplicates (${groups.length})`),
    h('p', { class: 'muted small' }, owner
      ? 'One person, one candidate. Merging keeps one record and moves everything of the other into it.'
      : 'One person, one candidate. An owner can merge these records.'),
    groups.map((g) => group(g, owner, reload)));
}

function group(g, owner, reload) {
  const keep = g.records.find((r) => r.id === g.suggested_keep) || g.records[0];
  return h('div', { class: 'dup-group', dataset: { reason: g.reason } },
    h('h3', {}, REASONS[g.reason] || g.reason),
    h('ul', {}, g.records.map((r) => h('li', {},
      h('a', { href: `#/candidates/${r.id}` }, `#${r.id} ${r.name}`),
      h('span', { class: 'muted small' }, ` · ${r.stage}${r.owner ? ` · ${r.owner}` : ''}${r.tags.length ? ` · ${r.tags.join(', ')}` : ''}`),
      r.id === keep.id ? h('span', { class: 'chip ok' }, 'keep') : null,
      owner && r.id !== keep.id ? mergeControl(keep, r, reload) : null))));
}

/** "Merge into #N", then an in-page confirmation saying what moves (no browser dialog). */
function mergeControl(keep, from, reload) {
  const slot = h('span', { class: 'merge-slot' });
  const ask = h('button', { type: 'button', class: 'small', onclick: () => {
    const confirmBtn = h('button', { type: 'button', class: 'small danger', onclick: () => merge(keep, from, confirmBtn, reload) }, 'Confirm merge');
    slot.replaceChildren(
      h('span', { class: 'small', role: 'status' }, `Merge #${from.id} (${from.stage}) into #${keep.id} (${keep.stage})? Its tags, history, notes, messages, meetings, offers and scorecards move; #${from.id} stays only as a pointer. `),
      confirmBtn,
      h('button', { type: 'button', class: 'small', onclick: () => slot.replaceChildren(ask) }, 'Cancel'));
    confirmBtn.focus();
  } }, `Merge into #${keep.id}`);
  slot.append(ask);
  return slot;
}

async function merge(keep, from, button, reload) {
  button.disabled = true;
  try {
    const r = await api.post(`/api/candidates/${keep.id}/merge`, { from: from.id });
    const moved = [['notes', r.notes], ['messages', r.messages], ['offers', r.offers], ['scorecards', r.scorecards]].filter(([, n]) => n).map(([w, n]) => `${n} ${w}`);
    toast(`#${from.id} merged into #${keep.id}${moved.length ? ` (${moved.join(', ')} moved)` : ''}.${r.scorecards_left ? ` ${r.scorecards_left} scorecard(s) stayed on #${from.id}: the same member scored both at one stage.` : ''}`);
    reload();
  } catch (e) {
    button.disabled = false;
    toast(e.message, 'error');
  }
}
