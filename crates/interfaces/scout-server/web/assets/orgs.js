// Organisations ranked by talent on a topic, and flows of researchers between labs (a
// two-column flow diagram from the flow matrix, plus the moves with their evidence).

import { api, qs } from './api.js';
import { h, s, mount, fmt, field, empty, errorBox } from './dom.js';
import { go } from './router.js';
import { pipelineMarks, markChip } from './marks.js';

export async function renderOrgs(main, _p, query, stale) {
  const topic = query.get('topic') || '';
  const type = query.get('org_type') || '';
  const maxSize = query.get('max_size') || '';
  const minPeople = query.get('min_people') || '';
  document.title = 'Organisations · Scout';
  const topicIn = h('input', { type: 'search', name: 'topic', value: topic, required: true, placeholder: 'topic' });
  const typeIn = h('select', { name: 'org_type' }, ['', 'company', 'education', 'facility', 'government', 'nonprofit', 'healthcare', 'other'].map((o) => h('option', { value: o, selected: o === type }, o || 'any')));
  const sizeIn = h('input', { type: 'number', name: 'max_size', value: maxSize, min: 1, step: 1, placeholder: 'any' });
  const peopleIn = h('input', { type: 'number', name: 'min_people', value: minPeople, min: 1, step: 1, placeholder: '1' });
  const out = h('section', { 'aria-live': 'polite' });
  mount(main, h('div', { class: 'page-head' }, h('h1', {}, 'Organisations')),
    h('form', { class: 'search', role: 'search', onsubmit: (ev) => { ev.preventDefault(); go('/orgs', { topic: topicIn.value.trim(), org_type: typeIn.value, max_size: sizeIn.value, min_people: peopleIn.value }); } },
      h('div', { class: 'search-main' }, field('Topic', topicIn), field('Type', typeIn), h('button', { type: 'submit', class: 'primary' }, 'Rank')),
      h('div', { class: 'filter-row' },
        field('Size at most', sizeIn, 'researchers in the organisation (small labs and startups)'),
        field('People on the topic, at least', peopleIn))),
    out);
  if (!topic) {
    mount(out, empty('Organisations ranked by the summed List scores of their current researchers on a topic.'));
    return;
  }
  let r;
  let marks;
  try {
    [r, marks] = await Promise.all([api.get(`/api/orgs${qs({ topic, org_type: type, max_size: maxSize, min_people: minPeople })}`), pipelineMarks()]);
  } catch (e) {
    mount(out, errorBox(e));
    return;
  }
  if (stale()) return;
  if (!r.orgs.length) {
    mount(out, empty('No organisation has researchers on this topic.'));
    return;
  }
  const max = Math.max(...r.orgs.map((o) => o.talent));
  mount(out, h('div', { class: 'table-wrap' }, h('table', { class: 'list orgs' },
    h('thead', {}, h('tr', {}, ...['#', 'Organisation', 'Type', 'Talent', 'People', 'Density', 'Size trend', 'Joined / left', 'Top people'].map((c, i) => h('th', { scope: 'col', class: [0, 4, 5].includes(i) ? 'num' : [2, 6, 7, 8].includes(i) ? 'hide-s' : '' }, c)))),
    h('tbody', {}, r.orgs.map((o) => h('tr', { class: 'row' },
      h('td', { class: 'num' }, String(o.rank)),
      h('td', {}, h('strong', {}, o.name), o.country ? h('span', { class: 'muted' }, ` · ${o.country}`) : null),
      h('td', { class: 'hide-s' }, o.org_type),
      h('td', { class: 'scorecol' }, h('div', { class: 'score' }, h('span', { class: 'val' }, o.talent.toFixed(2)), h('div', { class: 'sbar', role: 'img', 'aria-label': `talent ${o.talent.toFixed(2)}` }, h('span', { class: 'seg p0', style: { width: `${(o.talent / max) * 100}%` } })))),
      h('td', { class: 'num' }, String(o.people)),
      h('td', { class: 'num', title: `raw ${o.density.toFixed(3)}; ranked by the lower estimate (shrunk towards the mean, minus one standard error)` }, o.density_lower.toFixed(3)),
      h('td', { class: 'hide-s', title: (o.size_trend || []).map((y) => `${y.year}: ${y.researchers}`).join(', ') }, (o.size_trend || []).map((y) => String(y.researchers)).join(' → ') || '–'),
      h('td', { class: 'hide-s' }, movesCell(o)),
      h('td', { class: 'hide-s' }, o.top_people.slice(0, 3).flatMap((p, i) => [i ? ', ' : '', h('a', { href: `#/r/${p.researcher_id}?topic=${encodeURIComponent(topic)}` }, p.name), h('span', { class: 'muted' }, ` #${p.rank}`), marks.has(p.key) ? [' ', markChip(marks.get(p.key), true)] : null])),
    ))))));
}

/** Joined and left in the recent window, with names on hover. */
function movesCell(o) {
  const names = (ms, dir) => ms.map((m) => `${m.name} ${dir} ${m.other} (${m.year})`).join('\n');
  return h('span', { title: `${names(o.joined || [], 'from')}\n${names(o.left || [], 'to')}`.trim() }, `+${(o.joined || []).length} / −${(o.left || []).length}`);
}

export async function renderFlows(main, _p, query, stale) {
  const since = query.get('since') || '';
  const from = query.get('from') || '';
  const to = query.get('to') || '';
  document.title = 'Flows · Scout';
  const sinceIn = h('input', { type: 'number', name: 'since', value: since, min: 1950, max: 2100, placeholder: 'any year' });
  const fromIn = h('input', { type: 'search', name: 'from', value: from, placeholder: 'any organisation' });
  const toIn = h('input', { type: 'search', name: 'to', value: to, placeholder: 'any organisation' });
  const out = h('section', { 'aria-live': 'polite' });
  mount(main, h('div', { class: 'page-head' }, h('h1', {}, 'Flows between labs')),
    h('form', { class: 'search', onsubmit: (ev) => { ev.preventDefault(); go('/flows', { since: sinceIn.value, from: fromIn.value.trim(), to: toIn.value.trim() }); } },
      h('div', { class: 'search-main' }, field('Moves since', sinceIn), field('From', fromIn), field('To', toIn), h('button', { type: 'submit', class: 'primary' }, 'Show'))),
    out);
  // With a from/to filter the page shows those moves only, not the whole matrix.
  const filtered = Boolean(from || to);
  let r;
  try {
    r = await api.get(`/api/flows${qs({ since, from, to, limit: 100, matrix: filtered ? 0 : 10 })}`);
  } catch (e) {
    if (!stale()) mount(out, errorBox(e));
    return;
  }
  if (stale()) return;
  mount(out,
    filtered ? null : r.matrix && r.matrix.orgs.length ? h('div', { class: 'card' }, h('h2', {}, 'Who moves where'), h('p', { class: 'muted' }, 'Left: where researchers left; right: where they went. Band width is the number of moves.'), flowDiagram(r.matrix)) : empty('No moves recorded.'),
    h('section', { class: 'card' }, h('h2', {}, `Moves (${r.moves.length})`), h('div', { class: 'table-wrap' }, h('table', { class: 'compact' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col', class: 'num' }, 'Year'), h('th', { scope: 'col' }, 'Researcher'), h('th', { scope: 'col' }, 'From'), h('th', { scope: 'col' }, 'To'), h('th', { scope: 'col', class: 'hide-s' }, 'Evidence'))),
      h('tbody', {}, r.moves.map((m) => h('tr', {},
        h('td', { class: 'num' }, String(m.year)),
        h('td', {}, h('a', { href: `#/r/${m.researcher_id}` }, m.researcher)),
        h('td', {}, m.from), h('td', {}, m.to),
        h('td', { class: 'hide-s muted' }, `last at old: ${m.last_at_from.title} (${m.last_at_from.year}); first at new: ${m.first_at_to.title} (${m.first_at_to.year})`),
      )))))),
  );
}

function flowDiagram(m) {
  const n = m.orgs.length;
  const out = m.counts.map((row) => row.reduce((a, b) => a + b, 0));
  const inn = m.orgs.map((_, j) => m.counts.reduce((a, row) => a + row[j], 0));
  const total = out.reduce((a, b) => a + b, 0) || 1;
  const W = 760;
  const gap = 6;
  const H = Math.max(260, n * 34);
  const usable = H - gap * (n - 1) - 20;
  const scale = usable / total;
  const xl = 200;
  const xr = W - 200;
  const lefts = [];
  const rights = [];
  let yl = 10;
  let yr = 10;
  for (let i = 0; i < n; i++) {
    lefts.push(yl);
    rights.push(yr);
    yl += out[i] * scale + gap;
    yr += inn[i] * scale + gap;
  }
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart flows', role: 'img', 'aria-label': 'Flow diagram of moves between the organisations with most moves' });
  const lo = [...lefts];
  const ro = [...rights];
  const bands = s('g', { class: 'bands' });
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const c = m.counts[i][j];
      if (!c) continue;
      const w = c * scale;
      const y0 = lo[i] + w / 2;
      const y1 = ro[j] + w / 2;
      lo[i] += w;
      ro[j] += w;
      const mid = (xl + xr) / 2;
      bands.append(s('path', { d: `M${xl + 8},${y0} C${mid},${y0} ${mid},${y1} ${xr - 8},${y1}`, class: `band c${i % 8}`, 'stroke-width': Math.max(1, w) }, s('title', {}, `${m.orgs[i]} → ${m.orgs[j]}: ${c}`)));
    }
  }
  svg.append(bands);
  for (let i = 0; i < n; i++) {
    const short = m.orgs[i].length > 26 ? `${m.orgs[i].slice(0, 25)}…` : m.orgs[i];
    svg.append(s('rect', { x: xl, y: lefts[i], width: 8, height: Math.max(1, out[i] * scale), class: `node c${i % 8}` }));
    svg.append(s('text', { x: xl - 6, y: lefts[i] + (out[i] * scale) / 2 + 4, 'text-anchor': 'end', class: 'lbl' }, `${short} ${out[i]}`));
    svg.append(s('rect', { x: xr - 8, y: rights[i], width: 8, height: Math.max(1, inn[i] * scale), class: `node c${i % 8}` }));
    svg.append(s('text', { x: xr + 6, y: rights[i] + (inn[i] * scale) / 2 + 4, class: 'lbl' }, `${inn[i]} ${short}`));
  }
  const table = h('table', {}, h('caption', {}, 'Moves from row to column'),
    h('tr', {}, h('th', {}, 'from \\ to'), m.orgs.map((o) => h('th', { scope: 'col' }, o))),
    m.counts.map((row, i) => h('tr', {}, h('th', { scope: 'row' }, m.orgs[i]), row.map((c) => h('td', {}, fmt.int(c))))));
  // The matrix as a table for screen readers (a wrapper hides it: tables ignore small widths).
  return h('div', { class: 'flow-wrap' }, svg, h('div', { class: 'sr' }, table));
}
