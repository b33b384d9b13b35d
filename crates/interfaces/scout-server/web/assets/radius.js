// The leak radius: who on the shortlist (pipeline candidates linked to researchers) is one
// co-author hop from whom (they wrote together) or two (they share a co-author) — the people
// likely to hear about an approach — and an approach order that keeps early approaches from
// reaching the rest. `#/radius` shows it for the whole shortlist; the profile page uses
// `reachBlock` for one researcher.

import { api, qs } from './api.js';
import { h, mount, fmt, field, empty, errorBox } from './dom.js';
import { go } from './app.js';

/** Shortlists a committee asks about, as `stages` values of `/api/radius`. */
export const SHORTLISTS = [
  ['', 'Everyone in an open stage (sourced to offer)'],
  ['shortlisted,finalist', 'Shortlisted and finalists'],
  ['finalist', 'Finalists'],
  ['contacted,responded,meeting,offer', 'In conversation (contacted to offer)'],
];

/** Lookup helpers over one `/api/radius` answer. */
export function index(answer) {
  const people = new Map(answer.people.map((p) => [p.id, p]));
  const cands = new Map(answer.targets.map((t) => [t.researcher_id, t.candidates]));
  const nameOf = (id) => people.get(id)?.name || `researcher #${id}`;
  return { people, cands, nameOf };
}

/** A shortlist member: the researcher, linked to their profile, and their candidate cards. */
function who(ix, id) {
  const p = ix.people.get(id);
  const cs = ix.cands.get(id) || [];
  return h('span', { class: 'who-r' },
    p ? h('a', { href: `#/r/${encodeURIComponent(p.key)}` }, p.name) : ix.nameOf(id),
    cs.map((c) => h('span', { class: 'muted small' }, ' · ', h('a', { href: `#/candidates/${c.id}` }, c.stage))));
}

function strength(x) {
  return h('span', { class: 'muted small', title: 'tie strength: 1 − e^(−2w), w from joint papers, recency and team size' }, ` ${fmt.num(x.strength, 2)}`);
}

/** One researcher's reach: shortlist members within one and within two hops. */
export function reachBlock(ix, r) {
  return h('div', { class: 'reach' },
    h('h3', {}, `Within one hop — co-authors (${r.within_one.length})`),
    r.within_one.length
      ? h('ul', { class: 'reach-list hop1' }, r.within_one.map((x) => h('li', { dataset: { researcher: String(x.researcher) } }, who(ix, x.researcher), strength(x))))
      : empty('Nobody on the shortlist has written with them.'),
    h('h3', {}, `Within two hops — a shared co-author (${r.within_two.length})`),
    r.within_two.length
      ? h('ul', { class: 'reach-list hop2' }, r.within_two.map((x) => h('li', { dataset: { researcher: String(x.researcher) } },
        who(ix, x.researcher), h('span', { class: 'muted' }, ' via '),
        x.via != null && ix.people.get(x.via) ? h('a', { href: `#/r/${encodeURIComponent(ix.people.get(x.via).key)}` }, ix.nameOf(x.via)) : ix.nameOf(x.via), strength(x))))
      : empty('Nobody else on the shortlist shares a co-author with them.'),
  );
}

export function summary(a) {
  const linked = a.targets.reduce((n, t) => n + t.candidates.length, 0);
  return `${linked} candidate${linked === 1 ? '' : 's'} linked to ${a.targets.length} researcher${a.targets.length === 1 ? '' : 's'}`
    + `${a.unlinked ? `; ${a.unlinked} not linked to a research profile` : ''}`
    + `${a.not_in_corpus.length ? `; ${a.not_in_corpus.length} linked to a profile this corpus does not hold` : ''}.`;
}

export async function render(main, _p, query, stale) {
  document.title = 'Leak radius · Scout';
  const stages = query.get('stages') || '';
  const a = await api.get(`/api/radius${qs({ stages })}`);
  if (stale()) return;
  const ix = index(a);
  const sel = h('select', { name: 'stages', onchange: () => go('/radius', { stages: sel.value }) },
    SHORTLISTS.map(([v, label]) => h('option', { value: v, selected: v === stages }, label)));
  const byTarget = new Map(a.radius.map((r) => [r.target, r]));
  const exposed = a.radius.filter((r) => r.within_one.length || r.within_two.length).length;
  mount(main,
    h('div', { class: 'page-head' },
      h('div', {},
        h('p', { class: 'crumbs' }, h('a', { href: '#/pipeline' }, '← Pipeline')),
        h('h1', {}, 'Leak radius and approach order'),
        h('p', { class: 'muted' }, 'Who on the shortlist would hear about an approach to whom, through co-authorship in the corpus.')),
      h('form', { class: 'inline', onsubmit: (ev) => ev.preventDefault() }, field('Shortlist', sel))),
    h('p', { class: 'summary-line' }, summary(a), a.targets.length ? ` ${exposed} of them have someone else on the shortlist within two hops.` : ''),
    !a.targets.length
      ? empty('No candidates in these stages are linked to researchers in the corpus. Add researchers from the List, or link a candidate to a profile on its page.')
      : [
        h('section', { class: 'card', 'aria-labelledby': 'h-order' },
          h('h2', { id: 'h-order' }, 'Approach order'),
          h('p', { class: 'muted small' }, `Direct co-authors (a tie of strength ${fmt.num(a.direct_tie_strength, 2)} or more) will talk at once, so they are approached together, in one wave. Each next wave is the group whose links to those still waiting are weakest.`),
          h('ol', { class: 'waves' }, a.approach.map((w) => h('li', { class: 'wave', dataset: { wave: String(w.number) } },
            h('div', { class: 'wave-head' }, h('strong', {}, `Wave ${w.number}: `), w.targets.map((t, i) => [i ? ', ' : '', who(ix, t)])),
            h('div', { class: 'muted small' }, w.reason, w.reaches.length ? ` — reaches ${w.reaches.map(ix.nameOf).join(', ')}` : ''))))),
        h('section', { class: 'card', 'aria-labelledby': 'h-each' },
          h('h2', { id: 'h-each' }, 'Per researcher'),
          h('div', { class: 'table-wrap' }, h('table', { class: 'compact radius-table' },
            h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Researcher'), h('th', { scope: 'col' }, 'One hop (co-authors)'), h('th', { scope: 'col' }, 'Two hops (shared co-author)'))),
            h('tbody', {}, a.targets.map((t) => {
              const r = byTarget.get(t.researcher_id) || { within_one: [], within_two: [] };
              return h('tr', { dataset: { researcher: String(t.researcher_id) } },
                h('td', {}, who(ix, t.researcher_id)),
                h('td', { class: 'hop1' }, r.within_one.length ? r.within_one.map((x, i) => [i ? ', ' : '', ix.nameOf(x.researcher), strength(x)]) : h('span', { class: 'muted' }, '–')),
                h('td', { class: 'hop2' }, r.within_two.length ? r.within_two.map((x, i) => [i ? ', ' : '', ix.nameOf(x.researcher), h('span', { class: 'muted small' }, ` via ${ix.nameOf(x.via)}`)]) : h('span', { class: 'muted' }, '–')));
            }))))),
      ],
    a.not_in_corpus.length ? h('section', { class: 'card' }, h('h2', {}, 'Linked to profiles this corpus does not hold'),
      h('ul', {}, a.not_in_corpus.map((u) => h('li', {}, h('a', { href: `#/candidates/${u.candidate_id}` }, u.name), h('span', { class: 'muted' }, ` · ${u.researcher_key}`))))) : null,
  );
}

/** The profile's leak-radius section: loads `/api/radius?focus=KEY` into `out`. */
export async function loadFocus(out, key, stages) {
  mount(out, h('p', { class: 'muted' }, 'Checking the shortlist…'));
  try {
    const a = await api.get(`/api/radius${qs({ stages, focus: key })}`);
    const ix = index(a);
    const f = a.focus;
    const others = a.targets.filter((t) => t.researcher_id !== f.researcher_id).length;
    mount(out,
      h('p', { class: 'muted small' }, f.in_pipeline ? 'In the pipeline. ' : 'Not in these stages of the pipeline; measured against it. ', `Shortlist: ${summary(a)}`),
      others ? reachBlock(ix, f.radius) : empty('Nobody else on this shortlist is linked to a researcher.'),
      h('p', { class: 'small' }, h('a', { href: `#/radius${stages ? `?stages=${encodeURIComponent(stages)}` : ''}` }, 'Approach order for the whole shortlist →')),
    );
    out.dataset.loaded = stages;
  } catch (e) {
    mount(out, errorBox(e));
  }
}
