// "In pipeline · stage · owner" beside a researcher, wherever researchers are shown (the List,
// profiles, the co-author graph, organisations): one request for the whole pipeline's
// researcher index (GET /api/pipeline/researchers), shared by the page that asks for it.

import { api } from './api.js';
import { h } from './dom.js';

/** Researcher key → { candidate_id, stage, owner }; an empty map when the index cannot be read. */
export async function pipelineMarks() {
  try {
    const r = await api.get('/api/pipeline/researchers');
    return new Map(r.marks.map((m) => [m.researcher_key, m]));
  } catch {
    return new Map();
  }
}

/** The words of a mark: "In pipeline · stage · owner" (owner left out when nobody owns it). */
export function markText(m) {
  return ['In pipeline', m.stage, m.owner].filter(Boolean).join(' · ');
}

/** A link to the candidate, reading "In pipeline · stage · owner"; `short` keeps only the first words on narrow screens. */
export function markChip(m, short = false) {
  const rest = [m.stage, m.owner].filter(Boolean).map((x) => ` · ${x}`).join('');
  return h('a', { class: 'chip ok pipeline-mark', href: `#/candidates/${m.candidate_id}`, title: markText(m) },
    'In pipeline', short ? h('span', { class: 'wide' }, rest) : rest);
}
