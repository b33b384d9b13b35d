// A researcher's profile: papers by year (SVG), affiliations timeline (SVG), co-authors,
// the score explanation for a topic, warm paths from our organisation, and the leak radius
// (who on the shortlist is one or two co-author hops away); a watch toggle (watch.js) for
// the move radar's alerts.

import { api, qs, canWrite, isOwner, dupWarning } from './api.js';
import { pipelineMarks, markChip } from './marks.js';
import { watches } from './watch.js';
import { h, s, mount, fmt, field, empty, errorBox, toast } from './dom.js';
import { explain } from './explain.js';
import { go } from './router.js';
import { SHORTLISTS, loadFocus } from './reach.js';

export async function render(main, [key], query, stale) {
  const topic = query.get('topic') || '';
  // The role decides the employer form; on a fresh load the shell may still be asking.
  const [data] = await Promise.all([api.get(`/api/researchers/${encodeURIComponent(key)}${qs({ topic })}`), api.whoami().catch(() => null)]);
  if (stale()) return;
  const p = data.profile;
  const r = p.researcher;
  document.title = `${r.name} · Scout`;
  const ids = [['OpenReview', r.openreview_id], ['ORCID', r.orcid], ['OpenAlex', r.openalex_id], ['DBLP', r.dblp_id]].filter(([, v]) => v);
  // Filled once the pipeline is known: the candidate's stage, or an add button (never both).
  const pipelineSlot = h('span', { class: 'pipeline-slot' });
  const topicIn = h('input', { type: 'search', name: 'topic', value: topic, placeholder: 'topic for the score' });
  const watching = watches();
  mount(main,
    h('div', { class: 'page-head profile-head' },
      h('div', {},
        h('p', { class: 'crumbs' }, h('a', { href: topic ? `#/list?topic=${encodeURIComponent(topic)}` : '#/list' }, '← The List')),
        h('h1', {}, r.name),
        h('p', { class: 'muted' }, r.current_org ? `${r.current_org}${r.current_org_stale && r.current_org_year ? ` (last evidence ${r.current_org_year})` : ''}` : 'Affiliation unknown', r.current_country ? ` · ${r.current_country}` : '',
          r.current_org_confidence != null ? ` · confidence ${r.current_org_confidence.toFixed(2)}` : ''),
        r.current_org_evidence ? h('p', { class: 'muted small', id: 'org-evidence' }, r.current_org_set_by ? `Set by ${r.current_org_set_by}, ${fmt.date(r.current_org_set_at)} (wins over the papers' evidence)` : `Evidence: ${r.current_org_evidence}`) : null,
        isOwner() ? employerForm(r, () => go(`/r/${encodeURIComponent(r.key)}`, { topic })) : null,
        h('p', { class: 'muted small' }, r.trained_at ? `Trained at ${r.trained_at} — ${r.trained_evidence || 'inferred'}` : 'Trained at: unknown (no early papers at a university as a student-style author)'),
        h('p', { class: 'ids muted' }, h('code', {}, r.key), ...ids.map(([k, v]) => h('span', {}, ` · ${k} ${v}`))),
      ),
      h('div', { class: 'head-actions' }, watching.button(r), h('a', { class: 'button', href: `#/r/${encodeURIComponent(r.key)}/graph` }, 'Co-author graph'), pipelineSlot),
    ),
    watching.status,
    h('div', { class: 'stats' },
      stat('Papers', fmt.int(r.n_works)), stat('Citations', fmt.int(r.citations)), stat('First paper', r.first_year ?? '–'), stat('Career stage', p.stage ? (r.stage_at_least && p.stage !== 'senior' ? `at least ${p.stage}` : p.stage) : '–'), stat('Co-authors', fmt.int(data.coauthor_degree)),
    ),
    h('div', { class: 'grid2' },
      h('section', { class: 'card', 'aria-labelledby': 'pby' }, h('h2', { id: 'pby' }, 'Papers by year'), yearChart(p.papers_by_year)),
      h('section', { class: 'card', 'aria-labelledby': 'aff' }, h('h2', { id: 'aff' }, 'Affiliations over time'), timeline(p.affiliations)),
    ),
    h('section', { class: 'card', 'aria-labelledby': 'why' },
      h('h2', { id: 'why' }, 'Score explanation'),
      h('form', { class: 'inline', onsubmit: (ev) => { ev.preventDefault(); go(`/r/${encodeURIComponent(r.key)}`, { topic: topicIn.value.trim() }); } }, field('Topic', topicIn), h('button', { type: 'submit' }, 'Explain')),
      !topic ? empty('Give a topic to see how this researcher scores on it.') : data.topic_breakdown ? h('div', {}, h('p', {}, `Rank ${data.topic_breakdown.rank} for “${topic}”.`), explain(data.topic_breakdown)) : empty(`No papers matching “${topic}”.`),
    ),
    h('div', { class: 'grid2' },
      h('section', { class: 'card', 'aria-labelledby': 'co' }, h('h2', { id: 'co' }, 'Top co-authors'), coauthors(p.coauthors)),
      h('section', { class: 'card', 'aria-labelledby': 'warm' }, h('h2', { id: 'warm' }, 'Warm paths'), warmPaths(r)),
    ),
    h('section', { class: 'card', 'aria-labelledby': 'leak' }, h('h2', { id: 'leak' }, 'Leak radius'), leakRadius(r)),
    h('section', { class: 'card', 'aria-labelledby': 'pp' }, h('h2', { id: 'pp' }, `Papers (${p.papers.length})`), papers(p.papers)),
    data.other_matches.length ? h('section', { class: 'card' }, h('h2', {}, 'Others with this name'), h('ul', {}, data.other_matches.map((m) => h('li', {}, h('a', { href: `#/r/${encodeURIComponent(m.key)}` }, m.name), h('span', { class: 'muted' }, ` · ${m.n_works} papers · ${m.current_org || '–'}`))))) : null,
  );
  const marks = await pipelineMarks();
  if (stale()) return;
  const mark = marks.get(r.key);
  if (mark) {
    mount(pipelineSlot, markChip(mark));
  } else if (canWrite()) {
    const addBtn = h('button', { type: 'button', class: 'primary', onclick: () => addToPipeline(r, topic, addBtn) }, 'Add to pipeline');
    mount(pipelineSlot, addBtn);
  }
}

async function addToPipeline(r, topic, btn) {
  btn.disabled = true;
  try {
    const c = await api.post('/api/candidates', { name: r.name, researcher_key: r.key, source_org: r.current_org || undefined, tags: topic ? [topic.slice(0, 40)] : [] });
    toast(`${r.name} added to the pipeline.${dupWarning(c)}`);
    go(`/candidates/${c.candidate.id}`);
  } catch (e) {
    btn.disabled = false;
    toast(e.message, 'error');
  }
}

function stat(label, value) {
  return h('div', { class: 'stat' }, h('div', { class: 'sv' }, String(value)), h('div', { class: 'sl muted' }, label));
}

/** Bars per year, built with DOM APIs. */
export function yearChart(byYear) {
  if (!byYear.length) return empty('No dated papers.');
  const first = byYear[0][0];
  const last = byYear[byYear.length - 1][0];
  const years = last - first + 1;
  const counts = new Map(byYear);
  const max = Math.max(...byYear.map(([, n]) => n));
  const W = 560;
  const H = 160;
  const pad = 22;
  const bw = (W - pad * 2) / years;
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img', 'aria-label': `Papers per year from ${first} to ${last}; most in one year: ${max}` });
  for (let i = 0; i < years; i++) {
    const y = first + i;
    const n = counts.get(y) || 0;
    const bh = max ? ((H - pad * 2) * n) / max : 0;
    const x = pad + i * bw;
    svg.append(s('rect', { x: x + 1, y: H - pad - bh, width: Math.max(1, bw - 2), height: bh, class: 'bar' }, s('title', {}, `${y}: ${n}`)));
    if (n && bw > 14) svg.append(s('text', { x: x + bw / 2, y: H - pad - bh - 4, class: 'lbl', 'text-anchor': 'middle' }, String(n)));
    if (i === 0 || i === years - 1 || (years > 8 ? y % 5 === 0 : true)) svg.append(s('text', { x: x + bw / 2, y: H - 6, class: 'axis', 'text-anchor': 'middle' }, String(y)));
  }
  svg.append(s('line', { x1: pad, x2: W - pad, y1: H - pad, y2: H - pad, class: 'axisline' }));
  return svg;
}

/** Affiliation periods as bars on a year axis. */
function timeline(affs) {
  if (!affs.length) return empty('No affiliations recorded.');
  const rows = affs.slice(0, 10);
  const first = Math.min(...rows.map((a) => a.first_year));
  const last = Math.max(...rows.map((a) => a.last_year));
  const span = Math.max(1, last - first + 1);
  const W = 560;
  const left = 190;
  const rh = 22;
  const H = rows.length * rh + 24;
  const x = (y) => left + ((y - first) / span) * (W - left - 10);
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart timeline', role: 'img', 'aria-label': 'Affiliations over time' });
  rows.forEach((a, i) => {
    const y = i * rh + 4;
    const name = a.org.length > 30 ? `${a.org.slice(0, 29)}…` : a.org;
    svg.append(s('text', { x: left - 8, y: y + 14, class: 'lbl', 'text-anchor': 'end' }, name, s('title', {}, a.org)));
    svg.append(s('rect', { x: x(a.first_year), y: y + 3, width: Math.max(6, x(a.last_year + 1) - x(a.first_year)), height: rh - 8, rx: 3, class: 'span' }, s('title', {}, `${a.org}: ${a.first_year}–${a.last_year}, ${a.papers} papers`)));
  });
  for (const yr of [first, last]) svg.append(s('text', { x: yr === first ? x(first) : x(last + 1), y: H - 4, class: 'axis', 'text-anchor': yr === first ? 'start' : 'end' }, String(yr)));
  const list = h('ul', { class: 'sr' }, rows.map((a) => h('li', {}, `${a.org}: ${a.first_year} to ${a.last_year}, ${a.papers} papers`)));
  return h('div', {}, svg, list);
}

function coauthors(list) {
  if (!list.length) return empty('No co-authors.');
  return h('table', { class: 'compact' },
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Co-author'), h('th', { scope: 'col', class: 'num' }, 'Joint'), h('th', { scope: 'col', class: 'num' }, 'Last'))),
    h('tbody', {}, list.map((c) => h('tr', {}, h('td', {}, h('a', { href: `#/r/${c.researcher_id}` }, c.name)), h('td', { class: 'num' }, String(c.joint_papers)), h('td', { class: 'num' }, String(c.last_year ?? '–'))))));
}

function warmPaths(r) {
  const orgIn = h('input', { name: 'from_org', value: localStorage.getItem('scout.from_org') || '', placeholder: 'our organisation, e.g. Google DeepMind', required: true });
  const out = h('div', { 'aria-live': 'polite' }, empty('Chains of co-authorship from people at our organisation.'));
  const run = async () => {
    const org = orgIn.value.trim();
    if (!org) return;
    localStorage.setItem('scout.from_org', org);
    mount(out, h('p', { class: 'muted' }, 'Searching…'));
    try {
      const a = await api.get(`/api/paths${qs({ to: r.key, from_org: org })}`);
      if (!a.chains.length) {
        mount(out, empty(a.our_people ? `No chain within 3 hops from ${a.our_people} people at ${org}.` : `Nobody at “${org}” in the corpus.`));
        return;
      }
      mount(out, h('ol', { class: 'chains' }, a.chains.map((c) => h('li', {},
        h('div', { class: 'chain' }, [c.hops[0].from_name, ...c.hops.map((x) => x.to_name)].flatMap((n, i) => (i ? [h('span', { class: 'arrow', 'aria-hidden': 'true' }, ' → '), h('span', { class: 'sr' }, ' then '), n] : [n]))),
        h('div', { class: 'muted' }, `warmth ${c.warmth.toFixed(3)}`),
        h('ul', { class: 'hops' }, c.hops.map((x) => h('li', {}, `${x.from_name} — ${x.to_name}: ${x.tie.papers} joint paper(s), last ${x.tie.last_year}`, x.papers[0] ? h('div', { class: 'muted' }, x.papers[0].title) : null))),
      ))));
    } catch (e) {
      mount(out, errorBox(e));
    }
  };
  const form = h('form', { class: 'inline', onsubmit: (ev) => { ev.preventDefault(); run(); } }, field('From organisation', orgIn), h('button', { type: 'submit' }, 'Find paths'));
  if (orgIn.value) queueMicrotask(run);
  return h('div', {}, form, out);
}

/** Who on the shortlist would hear about an approach to this researcher. */
function leakRadius(r) {
  const saved = localStorage.getItem('scout.shortlist') || '';
  const sel = h('select', { name: 'shortlist' }, SHORTLISTS.map(([v, label]) => h('option', { value: v, selected: v === saved }, label)));
  const out = h('div', { 'aria-live': 'polite' });
  sel.addEventListener('change', () => {
    localStorage.setItem('scout.shortlist', sel.value);
    loadFocus(out, r.key, sel.value);
  });
  queueMicrotask(() => loadFocus(out, r.key, sel.value));
  return h('div', {},
    h('p', { class: 'muted small' }, 'Pipeline candidates linked to researchers who wrote with this researcher (one hop) or share a co-author (two hops): the people likely to hear about an approach.'),
    h('form', { class: 'inline', onsubmit: (ev) => ev.preventDefault() }, field('Shortlist', sel)),
    out);
}

function papers(list) {
  if (!list.length) return empty('No papers.');
  return h('ul', { class: 'paperlist' }, list.slice(0, 50).map((p) => h('li', {},
    h('span', { class: 'yr' }, String(p.year ?? '––––')),
    h('span', { class: 'pt' }, p.title),
    h('span', { class: 'muted' }, ` ${(p.venue || '').toUpperCase()} · author ${p.position + 1}/${p.n_authors}${p.citations != null ? ` · ${p.citations} cit.` : ''}${p.not_accepted ? ' · not accepted: not counted in scores' : ''}`),
  )));
}

// Owners set a researcher's current employer when they know better than the papers (a move
// not yet in print); it wins over the inference in the List, profiles and exports, audited.
function employerForm(r, reload) {
  const org = h('input', { name: 'employer', value: r.current_org_set_by ? r.current_org : '', placeholder: r.current_org || 'organisation' });
  const status = h('span', { class: 'muted small', role: 'status' });
  const save = async (ev) => {
    ev.preventDefault();
    try {
      if (org.value.trim()) await api.put(`/api/researchers/${encodeURIComponent(r.key)}/employer`, { organisation: org.value.trim() });
      else await api.del(`/api/researchers/${encodeURIComponent(r.key)}/employer`);
      toast(org.value.trim() ? `Current employer set to ${org.value.trim()}` : 'Set employer cleared', 'ok');
      reload();
    } catch (e) {
      status.textContent = e.message;
    }
  };
  return h('form', { class: 'inline employer-form', onsubmit: save },
    field('Set current employer', org),
    h('button', { type: 'submit' }, r.current_org_set_by ? 'Change' : 'Set'),
    r.current_org_set_by ? h('button', { type: 'button', class: 'secondary', onclick: (ev) => { org.value = ''; save(ev); } }, 'Clear') : null,
    status);
}
