// The leak radius's shared parts: shortlists, lookups over one `/api/radius` answer, one
// researcher's reach. Used by the Leak radius page (radius.js) and the profile.

import { api, qs } from './api.js';
import { h, mount, fmt, empty, errorBox } from './dom.js';

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
export function who(ix, id) {
  const p = ix.people.get(id);
  const cs = ix.cands.get(id) || [];
  return h('span', { class: 'who-r' },
    p ? h('a', { href: `#/r/${encodeURIComponent(p.key)}` }, p.name) : ix.nameOf(id),
    cs.map((c) => h('span', { class: 'muted small' }, ' · ', h('a', { href: `#/candidates/${c.id}` }, c.stage))));
}

export function strength(x) {
  return h('span', { class: 'muted small', title: 'tie strength: 1 − e^(−2w), w from joint papers, recency and team size' }, ` ${fmt.num(x.strength, 2)}`);
}

/** One researcher's reach: shortlist members within one and within two hops. */
function reachBlock(ix, r) {
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
