// Analytics: the funnel (SVG), conversion by source organisation (spellings merged by the
// corpus's organisation normalisation, largest first, with a chart and the server's CSV), time
// in stage, outcomes, for a date range of entry; owners also see offer acceptance against value
// and counteroffers.

import { api, qs } from './api.js';
import { h, s, mount, fmt, empty, field } from './dom.js';
import { go } from './router.js';

export async function render(main, _p, query, stale) {
  document.title = 'Analytics · Scout';
  const from = query.get('from') || '';
  const to = query.get('to') || '';
  const { analytics: a } = await api.get(`/api/analytics${qs({ from, to })}`);
  if (stale()) return;
  const fromIn = h('input', { type: 'date', name: 'from', value: from });
  const toIn = h('input', { type: 'date', name: 'to', value: to });
  const range = h('form', { class: 'filter-row', onsubmit: (ev) => {
    ev.preventDefault();
    go('/analytics', { from: fromIn.value, to: toIn.value });
  } }, field('Entered from', fromIn), field('to', toIn), h('button', { type: 'submit' }, 'Apply'));
  mount(main,
    h('div', { class: 'page-head' }, h('h1', {}, 'Analytics'), h('p', { class: 'muted' }, h('span', { dataset: { metric: 'candidates' } }, String(a.candidates)), from || to ? ` candidates entered ${from ? `from ${from}` : ''}${to ? ` to ${to}` : ''}.` : ' candidates in the pipeline.')),
    h('section', { class: 'card' }, range),
    h('section', { class: 'card', 'aria-labelledby': 'h-funnel' }, h('h2', { id: 'h-funnel' }, 'Funnel'), a.candidates ? funnel(a.funnel) : empty('No candidates yet.')),
    h('div', { class: 'grid2' },
      h('section', { class: 'card', 'aria-labelledby': 'h-src' }, h('h2', { id: 'h-src' }, 'Conversion by source organisation'), sourceChart(a.by_source_org), groups(a.by_source_org, a.funnel), csvLink(a.by_source_org, from, to)),
      h('section', { class: 'card', 'aria-labelledby': 'h-time' }, h('h2', { id: 'h-time' }, 'Time in stage'), timeInStage(a.time_in_stage)),
    ),
    h('div', { class: 'grid2' },
      h('section', { class: 'card', 'aria-labelledby': 'h-own' }, h('h2', { id: 'h-own' }, 'By owner'), groups(a.by_owner, a.funnel)),
      h('section', { class: 'card', 'aria-labelledby': 'h-out' }, h('h2', { id: 'h-out' }, 'Outcomes'),
        h('dl', { class: 'kv' }, Object.entries(a.outcomes).flatMap(([k, v]) => [h('dt', {}, k), h('dd', { dataset: { metric: `outcome-${k}` } }, String(v))]))),
    ),
    a.offers ? h('section', { class: 'card', 'aria-labelledby': 'h-off' }, h('h2', { id: 'h-off' }, 'Offer acceptance'),
      h('div', { class: 'grid2' }, buckets('By offer value (per year)', a.offers.by_value), buckets('Against counteroffers', a.offers.by_counteroffer))) : null,
  );
}

function funnel(steps) {
  const max = Math.max(1, ...steps.map((x) => x.reached));
  const W = 720;
  const rh = 30;
  const left = 110;
  const H = steps.length * rh + 8;
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart funnel', role: 'img', 'aria-label': `Funnel: ${steps.map((x) => `${x.stage} ${x.reached}`).join(', ')}` });
  steps.forEach((x, i) => {
    const w = ((W - left - 150) * x.reached) / max;
    const y = i * rh + 4;
    svg.append(s('text', { x: left - 8, y: y + 18, 'text-anchor': 'end', class: 'lbl' }, x.stage));
    svg.append(s('rect', { x: left + (W - left - 150 - w) / 2, y, width: Math.max(w, 1), height: rh - 6, rx: 3, class: `bar s-${x.stage}` }, s('title', {}, `${x.stage}: reached ${x.reached}, now ${x.current}`)));
    svg.append(s('text', { x: W - 140, y: y + 18, class: 'lbl' }, `${x.reached}`, x.conversion_from_previous != null ? s('tspan', { class: 'muted' }, `  ${fmt.pct(x.conversion_from_previous)} of prev.`) : ''));
  });
  const table = h('table', { class: 'compact funnel-table' },
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Stage'), h('th', { scope: 'col', class: 'num' }, 'Reached'), h('th', { scope: 'col', class: 'num' }, 'Now'), h('th', { scope: 'col', class: 'num' }, 'From previous'))),
    h('tbody', {}, steps.map((x) => h('tr', {}, h('th', { scope: 'row' }, x.stage),
      h('td', { class: 'num', dataset: { metric: `reached-${x.stage}` } }, String(x.reached)),
      h('td', { class: 'num', dataset: { metric: `current-${x.stage}` } }, String(x.current)),
      h('td', { class: 'num' }, fmt.pct(x.conversion_from_previous))))));
  return h('div', {}, svg, h('details', {}, h('summary', {}, 'Funnel as a table'), table));
}

function groups(list, steps) {
  if (!list.length) return empty('No data.');
  const stages = steps.map((x) => x.stage).filter((st) => list.some((g) => (g.reached[st] || 0) > 0));
  return h('div', { class: 'table-wrap' }, h('table', { class: 'compact' },
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Group'), h('th', { scope: 'col', class: 'num' }, 'Candidates'), stages.map((st) => h('th', { scope: 'col', class: 'num' }, st)), h('th', { scope: 'col', class: 'num' }, 'Acceptance rate'))),
    h('tbody', {}, list.map((g) => h('tr', {}, h('th', { scope: 'row' }, g.group), h('td', { class: 'num', dataset: { metric: `group-${g.group}` } }, String(g.candidates)),
      stages.map((st) => h('td', { class: 'num' }, String(g.reached[st] || 0), h('span', { class: 'muted small' }, g.candidates ? ` ${fmt.pct((g.reached[st] || 0) / g.candidates)}` : ''))),
      h('td', { class: 'num' }, fmt.pct(g.acceptance_rate)))))));
}

function timeInStage(rows) {
  const max = Math.max(0.01, ...rows.map((r) => Math.max(r.mean_days || 0, r.open_mean_days || 0)));
  return h('div', { class: 'table-wrap' }, h('table', { class: 'compact' },
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Stage'), h('th', { scope: 'col' }, 'Mean days (done)'), h('th', { scope: 'col', class: 'num' }, 'Median'), h('th', { scope: 'col', class: 'num' }, 'Open now'))),
    h('tbody', {}, rows.map((r) => h('tr', {}, h('th', { scope: 'row' }, r.stage),
      h('td', {}, h('div', { class: 'score' }, h('span', { class: 'val' }, fmt.num(r.mean_days, 1)), h('div', { class: 'sbar' }, h('span', { class: 'seg p1', style: { width: `${((r.mean_days || 0) / max) * 100}%` } })))),
      h('td', { class: 'num' }, fmt.num(r.median_days, 1)),
      h('td', { class: 'num' }, `${r.open}${r.open_mean_days != null ? ` (${fmt.num(r.open_mean_days, 1)} d)` : ''}`))))));
}

function buckets(title, list) {
  return h('div', { class: 'table-wrap' }, h('h3', {}, title), list.length ? h('table', { class: 'compact' },
    h('thead', {}, h('tr', {}, ...['', 'Offers', 'Accepted', 'Declined', 'Rate'].map((x) => h('th', { scope: 'col' }, x)))),
    h('tbody', {}, list.map((b) => h('tr', {}, h('th', { scope: 'row' }, b.label), h('td', { class: 'num' }, String(b.offers)), h('td', { class: 'num' }, String(b.accepted)), h('td', { class: 'num' }, String(b.declined)), h('td', { class: 'num' }, fmt.pct(b.acceptance_rate)))))) : empty('No decided offers.'));
}

// The seeds' question at a glance: per source organisation (largest first), how many were
// approached, replied, met, offered and accepted.
const SOURCE_STEPS = [['contacted', 'approached'], ['responded', 'replied'], ['meeting', 'met'], ['offer', 'offered'], ['accepted', 'accepted']];

function sourceChart(list) {
  const top = list.slice(0, 8);
  if (!top.length) return null;
  const max = Math.max(1, ...top.map((g) => g.reached.contacted || 0));
  return h('div', { class: 'source-chart', role: 'img', 'aria-label': top.map((g) => `${g.group}: ${SOURCE_STEPS.map(([st, w]) => `${g.reached[st] || 0} ${w}`).join(', ')}`).join('; ') },
    top.map((g) => h('div', { class: 'source-row' },
      h('span', { class: 'source-name' }, g.group),
      h('span', { class: 'source-bars' }, SOURCE_STEPS.map(([st, w]) => h('span', { class: `seg s-${st}`, title: `${w}: ${g.reached[st] || 0}`, style: { width: `${((g.reached[st] || 0) / max) * 100}%` } }))),
      h('span', { class: 'muted small' }, SOURCE_STEPS.map(([st]) => g.reached[st] || 0).join(' → ')))),
    h('p', { class: 'muted small' }, 'approached → replied → met → offered → accepted'));
}

// The same table as CSV, written by the server's formula-safe CSV writer.
function csvLink(list, from, to) {
  if (!list.length) return null;
  return h('p', {}, h('a', { href: `/api/analytics/by-source.csv${qs({ from, to })}`, download: 'scout-funnel-by-source.csv', class: 'button small' }, 'Download CSV'));
}
