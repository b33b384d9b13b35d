// Why a researcher scores what they score on a topic: the per-paper factors behind a List
// row, shown on the List and on a profile.

import { h } from './dom.js';

/** Per-paper factor bars: contribution = relevance × impact × role × recency. */
export function explain(row) {
  const factor = (name, v, max) => h('div', { class: 'factor' }, h('span', { class: 'fname' }, name), h('span', { class: 'fbar' }, h('span', { class: `fill f-${name}`, style: { width: `${Math.min(100, (v / max) * 100)}%` } })), h('span', { class: 'fval' }, v.toFixed(2)));
  return h('div', { class: 'explain' },
    h('p', { class: 'muted' }, `Score ${row.score.toFixed(3)} = sum over ${row.papers} papers of relevance × impact × role × recency. Top papers:`),
    h('ol', { class: 'papers' }, row.top_papers.map((p) => h('li', {},
      h('div', { class: 'ptitle' }, h('strong', {}, p.contribution.toFixed(3)), ' ', p.title, h('span', { class: 'muted' }, ` — ${(p.venue || '–').toUpperCase()} ${p.year ?? ''} · author ${p.position}/${p.n_authors}${p.citations != null ? ` · ${p.citations} cit.${p.citation_window_days ? ` within ${p.citation_window_days} days` : ''} (${p.citation_source || 'unknown source'})` : ''}${p.impact_estimated ? ` · no count; impact estimated${p.relative_impact != null ? ` ${p.relative_impact.toFixed(2)}× typical` : ''} from ${p.impact_basis || 'the corpus'}` : ''}`)),
      h('div', { class: 'factors' }, factor('relevance', p.relevance, 1), factor('impact', p.impact, 3), factor('role', p.role, 1), factor('recency', p.recency, 1)),
    ))),
  );
}
