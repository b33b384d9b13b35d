// The leak radius: who on the shortlist (pipeline candidates linked to researchers) is one
// co-author hop from whom (they wrote together) or two (they share a co-author) — the people
// likely to hear about an approach — and an approach order that keeps early approaches from
// reaching the rest. `#/radius` shows it for the whole shortlist; the profile page uses
// `loadFocus` of reach.js for one researcher.

import { api, qs } from './api.js';
import { h, mount, fmt, field, empty } from './dom.js';
import { go } from './router.js';
import { SHORTLISTS, index, summary, who, strength } from './reach.js';

export async function render(main, _p, query, stale) {
  document.title = 'Leak radius · Scout';
  const stages = query.get('stages') || '';
  const tag = query.get('tag') || '';
  const a = await api.get(`/api/radius${qs({ stages, tag })}`);
  if (stale()) return;
  const ix = index(a);
  const sel = h('select', { name: 'stages', onchange: () => go('/radius', { stages: sel.value, tag: tagIn.value.trim() }) },
    SHORTLISTS.map(([v, label]) => h('option', { value: v, selected: v === stages }, label)));
  const tagIn = h('input', { type: 'search', name: 'tag', value: tag, placeholder: 'any tag' });
  const byTarget = new Map(a.radius.map((r) => [r.target, r]));
  const exposed = a.radius.filter((r) => r.within_one.length || r.within_two.length).length;
  mount(main,
    h('div', { class: 'page-head' },
      h('div', {},
        h('p', { class: 'crumbs' }, h('a', { href: '#/pipeline' }, '← Pipeline')),
        h('h1', {}, 'Leak radius and approach order'),
        h('p', { class: 'muted' }, 'Who on the shortlist would hear about an approach to whom, through co-authorship in the corpus.')),
      h('form', { class: 'inline', onsubmit: (ev) => { ev.preventDefault(); go('/radius', { stages: sel.value, tag: tagIn.value.trim() }); } }, field('Shortlist', sel), field('Tag', tagIn), h('button', { type: 'submit' }, 'Show'))),
    h('p', { class: 'summary-line' }, summary(a), a.targets.length ? ` ${exposed} of them have someone else on the shortlist within two hops.` : ''),
    !a.targets.length
      ? empty(tag ? `No candidates tagged “${tag}” in these stages are linked to researchers in the corpus.` : 'No candidates in these stages are linked to researchers in the corpus. Add researchers from the List, or link a candidate to a profile on its page.')
      : [
        h('section', { class: 'card', 'aria-labelledby': 'h-order' },
          h('h2', { id: 'h-order' }, 'Approach order'),
          h('p', { class: 'muted small' }, `${a.contacted.length ? 'It starts from the candidates already contacted (wave 1), then those tied to them, before they hear of it second-hand. ' : ''}Direct co-authors (a tie of strength ${fmt.num(a.direct_tie_strength, 2)} or more) will talk at once, so they are approached together, in one wave. Each next wave is the group whose links to those still waiting are weakest.`),
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
