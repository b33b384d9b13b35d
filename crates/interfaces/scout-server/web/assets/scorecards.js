// Structured interviews on the candidate page: per stage, the member's own scorecard form
// (each attribute rated 1–4, notes), and — only once their own is submitted — the others'
// scorecards with the averages per attribute. Before that the section shows just how many
// members have submitted, so nobody anchors on another's ratings.

import { api } from './api.js';
import { h, fmt, field, empty, toast } from './dom.js';

const LABELS = { 1: '1 poor', 2: '2 mixed', 3: '3 good', 4: '4 excellent' };

/** The scorecards section: `data` is GET /api/candidates/{id}/scorecards. */
export function scorecardsSection(base, data, write, reload) {
  const stages = data.scorecards.filter((s) => s.attributes.length || s.submitted);
  return h('section', { class: 'card', 'aria-labelledby': 'h-scorecards', id: 'scorecards' },
    h('h2', { id: 'h-scorecards' }, 'Scorecards'),
    stages.length ? stages.map((s) => stageBlock(base, s, write, reload)) : empty('No stage has a scorecard template (owners set them on the Users page).'),
  );
}

function stageBlock(base, s, write, reload) {
  return h('div', { class: 'scorecard-stage', dataset: { stage: s.stage } },
    h('h3', {}, `${fmt.stage(s.stage)} · ${s.submitted} submitted`),
    s.mine ? card(s.mine, 'Yours') : (write && s.attributes.length ? form(base, s, reload) : null),
    s.hidden ? h('p', { class: 'muted scorecards-hidden' }, `${s.submitted} scorecard${s.submitted === 1 ? '' : 's'} by others, hidden until you submit yours.`) : null,
    s.averages.length ? averages(s.averages) : null,
    s.others.map((c) => card(c, c.author)),
  );
}

function averages(rows) {
  return h('table', { class: 'compact scorecard-averages' },
    h('caption', {}, 'Averages'),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Attribute'), h('th', { scope: 'col' }, 'Mean (1–4)'), h('th', { scope: 'col' }, 'Ratings'))),
    h('tbody', {}, rows.map((a) => h('tr', {}, h('td', {}, a.attribute), h('td', {}, fmt.num(a.mean, 1)), h('td', {}, String(a.ratings))))));
}

function card(c, who) {
  return h('div', { class: 'scorecard', dataset: { author: c.author } },
    h('div', { class: 'muted small' }, `${who} · ${fmt.date(c.submitted_at)}`),
    h('ul', { class: 'ratings' }, Object.entries(c.ratings).map(([k, v]) => h('li', {}, `${k}: ${LABELS[v] || v}`))),
    c.notes ? h('div', { class: 'note-body' }, c.notes) : null,
  );
}

function form(base, s, reload) {
  const groups = s.attributes.map((a, i) => h('fieldset', { class: 'rating' },
    h('legend', {}, a),
    [1, 2, 3, 4].map((v) => h('label', { class: 'inline' },
      h('input', { type: 'radio', name: `r${i}`, value: String(v), required: true, dataset: { attribute: a } }), ` ${LABELS[v]}`))));
  const notes = h('textarea', { name: 'notes', rows: 2 });
  const status = h('div', { class: 'form-status', role: 'alert' });
  const el = h('form', { class: 'stack scorecard-form', onsubmit: async (ev) => {
    ev.preventDefault();
    status.textContent = '';
    const ratings = {};
    for (const input of el.querySelectorAll('input[type=radio]:checked')) ratings[input.dataset.attribute] = Number(input.value);
    try {
      await api.post(`${base}/scorecards`, { stage: s.stage, ratings, notes: notes.value || null });
      toast('Scorecard submitted.');
      reload();
    } catch (e) {
      status.textContent = e.message;
    }
  } }, groups, field('Notes', notes), h('button', { type: 'submit' }, 'Submit scorecard'), status);
  return el;
}
