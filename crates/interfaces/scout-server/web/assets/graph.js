// A researcher's co-author neighbourhood as an SVG graph: the researcher in the middle,
// co-authors on a ring (stronger ties closer), edges among them; every node is a link.

import { api, qs } from './api.js';
import { h, s, mount, empty } from './dom.js';
import { pipelineMarks, markChip, markText } from './marks.js';

export async function render(main, [key], query, stale) {
  const limit = query.get('limit') || '25';
  const [g, marks] = await Promise.all([api.get(`/api/researchers/${encodeURIComponent(key)}/neighbourhood${qs({ limit })}`), pipelineMarks()]);
  if (stale()) return;
  const center = g.nodes.find((n) => n.hop === 0);
  document.title = `${center.name} · graph · Scout`;
  mount(main,
    h('div', { class: 'page-head' },
      h('div', {}, h('p', { class: 'crumbs' }, h('a', { href: `#/r/${encodeURIComponent(center.key)}` }, `← ${center.name}`)), h('h1', {}, `Co-authors of ${center.name}`),
        h('p', { class: 'muted' }, `${g.nodes.length - 1} strongest of ${g.coauthors_total} co-authors; line width is tie strength (joint papers, recency, team size).`))),
    g.nodes.length > 1 ? h('div', { class: 'card graph-card' }, draw(g, center, marks)) : empty('No co-authors in the corpus.'),
    h('section', { class: 'card' }, h('h2', {}, 'Ties'), h('div', { class: 'table-wrap' }, tieTable(g, center, marks))),
  );
}

function draw(g, center, marks) {
  const W = 900;
  const H = 540;
  const cx = W / 2;
  const cy = H / 2;
  const others = g.nodes.filter((n) => n.hop === 1);
  const strength = new Map();
  for (const e of g.edges) {
    if (e.source === center.id) strength.set(e.target, e.strength);
    if (e.target === center.id) strength.set(e.source, e.strength);
  }
  const pos = new Map([[center.id, [cx, cy]]]);
  const angle = new Map();
  others.forEach((n, i) => {
    const a = (i / others.length) * Math.PI * 2 - Math.PI / 2;
    const st = strength.get(n.id) ?? 0;
    const rad = 175 + (1 - st) * 60;
    angle.set(n.id, a);
    pos.set(n.id, [cx + Math.cos(a) * rad * 1.3, cy + Math.sin(a) * rad]);
  });
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'graph', role: 'group', 'aria-label': `Co-author graph of ${center.name}` });
  const edges = s('g', { class: 'edges', 'aria-hidden': 'true' });
  for (const e of g.edges) {
    const [x1, y1] = pos.get(e.source) || [];
    const [x2, y2] = pos.get(e.target) || [];
    if (x1 === undefined || x2 === undefined) continue;
    const direct = e.source === center.id || e.target === center.id;
    edges.append(s('line', { x1, y1, x2, y2, class: direct ? 'edge direct' : 'edge', 'stroke-width': 0.6 + e.strength * 4 }, s('title', {}, `${e.papers} joint papers, last ${e.last_year}`)));
  }
  svg.append(edges);
  for (const n of g.nodes) {
    const [x, y] = pos.get(n.id);
    const r = n.hop === 0 ? 14 : 5 + Math.min(9, Math.sqrt(n.n_works));
    const label = n.name.length > 22 ? `${n.name.slice(0, 21)}…` : n.name;
    const mark = marks.get(n.key);
    const a = s('a', { href: n.hop === 0 ? `#/r/${encodeURIComponent(n.key)}` : `#/r/${encodeURIComponent(n.key)}/graph`, class: `node hop${n.hop}${mark ? ' marked' : ''}`, 'aria-label': `${n.name}${n.current_org ? `, ${n.current_org}` : ''}, ${n.n_works} papers${mark ? `, ${markText(mark)}` : ''}` },
      s('circle', { cx: x, cy: y, r }),
      label_(n, x, y, r, angle.get(n.id), label),
      s('title', {}, `${n.name} — ${n.current_org || 'unknown'} (${n.n_works} papers)${mark ? ` · ${markText(mark)}` : ''}`));
    svg.append(a);
  }
  return svg;
}

/** A node's label: below the centre, outside the ring for co-authors. */
function label_(n, x, y, r, a, text) {
  if (a === undefined) return s('text', { x, y: y + r + 14, 'text-anchor': 'middle', class: 'center-label' }, text);
  const c = Math.cos(a);
  const anchor = c > 0.25 ? 'start' : c < -0.25 ? 'end' : 'middle';
  const dx = Math.cos(a) * (r + 5);
  const dy = Math.sin(a) * (r + 5) + (anchor === 'middle' ? (Math.sin(a) > 0 ? 10 : -2) : 4);
  return s('text', { x: x + dx, y: y + dy, 'text-anchor': anchor }, text);
}

function tieTable(g, center, marks) {
  const byId = new Map(g.nodes.map((n) => [n.id, n]));
  const direct = g.edges.filter((e) => e.source === center.id || e.target === center.id).sort((a, b) => b.strength - a.strength);
  return h('table', { class: 'compact' },
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Co-author'), h('th', { scope: 'col' }, 'Organisation'), h('th', { scope: 'col', class: 'num' }, 'Joint papers'), h('th', { scope: 'col', class: 'num' }, 'Last'), h('th', { scope: 'col', class: 'num' }, 'Strength'))),
    h('tbody', {}, direct.map((e) => {
      const n = byId.get(e.source === center.id ? e.target : e.source);
      return h('tr', {}, h('td', {}, h('a', { href: `#/r/${encodeURIComponent(n.key)}` }, n.name), marks.has(n.key) ? [' ', markChip(marks.get(n.key), true)] : null), h('td', {}, n.current_org || '–'), h('td', { class: 'num' }, String(e.papers)), h('td', { class: 'num' }, String(e.last_year)), h('td', { class: 'num' }, e.strength.toFixed(2)));
    })));
}
