// The candidate page's edit and personal-data sections. Recruiters and owners change the
// fields the API allows (name, email, research-profile key, source organisation, career-stage
// override, owner) and
// the tags. Owners alone get the personal-data section (JSON export and erasure on request);
// for other roles it is never built, so it is not in the page at all. Erasure asks for a
// confirmation that says what will be removed and what stays, then shows the server's report
// and the audit entry that records it.

import { api, session, isOwner } from './api.js';
import { h, mount, fmt, field, toast, errorBox } from './dom.js';

/** The edit form and tags (for recruiters and owners). */
export function editSection(c, base, reload) {
  const name = h('input', { name: 'name', value: c.name, required: true, maxlength: 200, autocomplete: 'off' });
  const email = h('input', { name: 'email', type: 'email', value: c.email || '', maxlength: 320, autocomplete: 'off' });
  const key = h('input', { name: 'researcher_key', value: c.researcher_key || '', maxlength: 300, placeholder: 'openreview:~Name1, orcid:…', autocomplete: 'off' });
  const org = h('input', { name: 'source_org', value: c.source_org || '', maxlength: 300, autocomplete: 'off' });
  const stage = h('select', { name: 'career_stage' },
    h('option', { value: '', selected: !c.career_stage }, 'From the corpus (years since first paper)'),
    ...['early', 'mid', 'senior'].map((s) => h('option', { value: s, selected: c.career_stage === s }, s)));
  const owner = h('select', { name: 'owner_id' }, ownerOptions(c.owner_id, null));
  // Owners pick from every user (the list is theirs to read); the choice stays put meanwhile.
  if (isOwner()) api.get('/api/users').then((r) => owner.replaceChildren(...ownerOptions(c.owner_id, r.users))).catch(() => {});
  const status = h('div', { class: 'form-status', role: 'alert' });
  const form = h('form', { class: 'stack edit', 'aria-labelledby': 'h-edit', onsubmit: async (ev) => {
    ev.preventDefault();
    status.textContent = '';
    // Only the fields that changed; an empty text field clears it, owner 0 clears the owner.
    const patch = {};
    const text = (input, was) => { const v = input.value.trim(); if (v !== (was || '')) patch[input.name] = v; };
    text(name, c.name);
    text(email, c.email);
    text(key, c.researcher_key);
    text(org, c.source_org);
    if (stage.value !== (c.career_stage || '')) patch.career_stage = stage.value;
    if (Number(owner.value) !== (c.owner_id || 0)) patch.owner_id = Number(owner.value);
    if (!Object.keys(patch).length) { status.textContent = 'Nothing changed.'; return; }
    const btn = form.querySelector('button[type=submit]');
    btn.disabled = true;
    try {
      await api.patch(base, patch);
      toast(`Saved: ${Object.keys(patch).join(', ').replace(/_/g, ' ')}.`);
      reload();
    } catch (e) {
      status.textContent = e.message;
      btn.disabled = false;
    }
  } },
    h('div', { class: 'filter-row' }, field('Name', name), field('Email', email)),
    h('div', { class: 'filter-row' }, field('Research profile key', key, 'Links the candidate to a corpus researcher; empty unlinks.'), field('Source organisation', org), field('Career stage', stage, 'The committee’s view, shown on this page and in exports; the List’s career-stage filter uses it for this candidate.'), field('Owner', owner)),
    status,
    h('button', { type: 'submit' }, 'Save changes'));
  // Folded by default (notes and stage are what the page is mostly for); open after a save.
  const open = localStorage.getItem('scout.edit-open') === String(c.id);
  const box = h('details', { class: 'edit-box', open, ontoggle: () => { if (box.open) localStorage.setItem('scout.edit-open', String(c.id)); else localStorage.removeItem('scout.edit-open'); } },
    h('summary', { id: 'h-edit' }, 'Edit details, owner and tags'),
    form,
    h('h3', {}, 'Tags'),
    tagEditor(c, base, reload));
  return h('section', { class: 'card edit-card', 'aria-labelledby': 'h-edit' }, box);
}

function ownerOptions(current, users) {
  const opts = [h('option', { value: '0', selected: !current }, 'No owner')];
  if (users) {
    for (const u of users.filter((x) => !x.disabled || x.id === current)) opts.push(h('option', { value: String(u.id), selected: u.id === current }, `${u.name} (${u.role})`));
  } else {
    // Recruiters cannot list users: they can take the candidate, clear the owner, or keep it.
    opts.push(h('option', { value: String(session.user.id), selected: current === session.user.id }, `Me (${session.user.name})`));
    if (current && current !== session.user.id) opts.push(h('option', { value: String(current), selected: true }, `user #${current} (unchanged)`));
  }
  return opts;
}

function tagEditor(c, base, reload) {
  const input = h('input', { name: 'tag', maxlength: 64, placeholder: 'e.g. rl, systems', autocomplete: 'off' });
  const status = h('div', { class: 'form-status', role: 'alert' });
  const run = async (fn) => {
    status.textContent = '';
    try {
      await fn();
      reload();
    } catch (e) {
      status.textContent = e.message;
    }
  };
  return h('div', {},
    c.tags.length
      ? h('ul', { class: 'tag-edit' }, c.tags.map((t) => h('li', {}, h('span', { class: 'tag' }, t),
        h('button', { type: 'button', class: 'icon', 'aria-label': `Remove tag ${t}`, onclick: () => run(() => api.del(`${base}/tags/${encodeURIComponent(t)}`)) }, '×'))))
      : h('p', { class: 'muted small' }, 'No tags.'),
    h('form', { class: 'inline', onsubmit: (ev) => { ev.preventDefault(); const t = input.value.trim(); if (t) run(() => api.post(`${base}/tags`, { tag: t })); } },
      field('Add a tag', input), h('button', { type: 'submit' }, 'Add tag')),
    status);
}

/**
 * Owners only: export everything held about the person, and erase on request. `held` counts
 * what the page loaded ({notes, messages, meetings, offers, counteroffers}); `main` is replaced
 * by the erasure report.
 */
export function personalData(c, held, base, main) {
  if (!isOwner()) return null;
  const panel = h('div', { class: 'erase-panel', hidden: true });
  const start = h('button', { type: 'button', class: 'danger', 'aria-expanded': 'false', 'aria-controls': 'erase-confirm', onclick: () => {
    panel.hidden = false;
    start.setAttribute('aria-expanded', 'true');
    mount(panel, confirmErase(c, held, base, main, () => { panel.hidden = true; start.setAttribute('aria-expanded', 'false'); start.focus(); }));
    panel.querySelector('input').focus();
  } }, 'Erase on request…');
  panel.id = 'erase-confirm';
  return h('section', { class: 'card personal', 'aria-labelledby': 'h-personal' },
    h('h2', { id: 'h-personal' }, 'Personal data', h('span', { class: 'muted small' }, ' — owners only')),
    h('p', { class: 'muted small' }, 'Everything held about this person, for a subject-access request; or erasure when they ask for it.'),
    h('div', { class: 'filter-row' },
      h('a', { class: 'button', href: `${base}/export`, download: `candidate-${c.id}.json` }, 'Export JSON'),
      start),
    panel);
}

function plural(n, one, many = `${one}s`) {
  return `${n} ${n === 1 ? one : many}`;
}

function confirmErase(c, held, base, main, cancel) {
  const typed = h('input', { name: 'confirm_name', autocomplete: 'off', 'aria-describedby': 'erase-what' });
  const status = h('div', { class: 'form-status', role: 'alert' });
  const eraseBtn = h('button', { type: 'submit', class: 'danger solid', disabled: true }, 'Erase permanently');
  typed.addEventListener('input', () => { eraseBtn.disabled = typed.value.trim() !== c.name.trim(); });
  const form = h('form', { class: 'stack', role: 'group', 'aria-labelledby': 'h-erase', onsubmit: async (ev) => {
    ev.preventDefault();
    if (eraseBtn.disabled) return;
    eraseBtn.disabled = true;
    status.textContent = '';
    try {
      const r = await api.post(`${base}/erase`, {});
      await showErased(main, r.erased);
    } catch (e) {
      status.textContent = e.message;
      eraseBtn.disabled = false;
    }
  } },
    h('h3', { id: 'h-erase' }, `Erase ${c.name}?`),
    h('div', { id: 'erase-what' },
      h('p', {}, 'This cannot be undone. It removes:'),
      h('ul', { class: 'erase-list' },
        h('li', { dataset: { erase: 'notes' } }, plural(held.notes, 'note')),
        h('li', { dataset: { erase: 'messages' } }, `${plural(held.messages, 'message')} (with replies)`),
        h('li', { dataset: { erase: 'meetings' } }, plural(held.meetings, 'meeting')),
        h('li', { dataset: { erase: 'tags' } }, plural(c.tags.length, 'tag')),
        h('li', {}, `the name (replaced by “[erased #${c.id}]”), the email${c.email ? ` (${c.email})` : ''}, the research-profile link${c.career_stage ? ' and the career-stage override' : ''}`),
        h('li', {}, 'the reasons written on stage moves, and the notes on offers and counteroffers')),
      h('p', {}, 'It keeps, without the person’s identity: the stage history (who moved the card, when), '
        + `${plural(held.offers, 'offer revision')} and ${plural(held.counteroffers, 'counteroffer')} as figures, and the source organisation — for anonymous analytics — `
        + 'and the audit log, which records the erasure.')),
    field(`Type the name “${c.name}” to confirm`, typed),
    status,
    h('div', { class: 'filter-row' }, eraseBtn, h('button', { type: 'button', onclick: cancel }, 'Cancel')));
  return form;
}

/** After erasure: the server's report and the audit entry that records it. */
async function showErased(main, report) {
  const entry = h('div', { 'aria-live': 'polite' }, h('p', { class: 'muted' }, 'Looking up the audit entry…'));
  mount(main,
    h('div', { class: 'page-head' }, h('div', {},
      h('p', { class: 'crumbs' }, h('a', { href: '#/pipeline' }, '← Pipeline')),
      h('h1', { tabindex: -1, id: 'erased-title' }, `Candidate #${report.candidate_id} erased`))),
    h('section', { class: 'card erased', 'aria-labelledby': 'h-removed' },
      h('h2', { id: 'h-removed' }, 'Removed'),
      h('dl', { class: 'kv' },
        h('dt', {}, 'Notes'), h('dd', { dataset: { removed: 'notes' } }, String(report.notes_removed)),
        h('dt', {}, 'Messages'), h('dd', { dataset: { removed: 'messages' } }, String(report.messages_removed)),
        h('dt', {}, 'Meetings'), h('dd', { dataset: { removed: 'meetings' } }, String(report.meetings_removed)),
        h('dt', {}, 'Tags'), h('dd', { dataset: { removed: 'tags' } }, String(report.tags_removed)),
        h('dt', {}, 'Identity'), h('dd', {}, `name (now “[erased #${report.candidate_id}]”), email and research-profile link`))),
    h('section', { class: 'card', 'aria-labelledby': 'h-entry' }, h('h2', { id: 'h-entry' }, 'Audit entry'), entry),
  );
  main.querySelector('#erased-title').focus();
  try {
    const { verify } = await api.get('/api/audit/verify');
    const after = Math.max(0, verify.entries - 50);
    const { entries } = await api.get(`/api/audit?after=${after}&limit=50`);
    const e = entries.filter((x) => x.action === 'candidate.erase' && x.candidate_id === report.candidate_id).at(-1);
    if (!e) {
      mount(entry, h('p', {}, 'The erasure is in the audit log; ', h('a', { href: '#/audit' }, 'open the audit log'), '.'));
      return;
    }
    mount(entry,
      h('table', { class: 'compact audit erase-entry' },
        h('thead', {}, h('tr', {}, ...['#', 'When', 'Who', 'Action', 'Detail'].map((x) => h('th', { scope: 'col' }, x)))),
        h('tbody', {}, h('tr', { dataset: { seq: String(e.seq) } }, h('td', { class: 'num' }, String(e.seq)), h('td', {}, fmt.date(e.at)), h('td', {}, e.actor), h('td', {}, e.action), h('td', { class: 'muted small detail' }, e.detail)))),
      h('p', { class: 'small' }, verify.ok ? 'Hash chain verified. ' : '', h('a', { href: `#/audit?after=${e.seq - 1}` }, 'See it in the audit log →')));
  } catch (err) {
    mount(entry, errorBox(err));
  }
}
