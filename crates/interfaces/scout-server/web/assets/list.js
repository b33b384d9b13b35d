// The List: topic search with filters, sortable rows, score bars split by paper and factor,
// add-to-pipeline per row or for a selection (with tags; an outcome per researcher), a watch
// toggle per row (watch.js), and saved searches (views.js).

import { api, canWrite, listPath, isPrefetched, dupWarning } from './api.js';
import { pipelineMarks, markChip } from './marks.js';
import { watches } from './watch.js';
import { h, mount, fmt, field, stackedBar, empty, errorBox, toast } from './dom.js';
import { go } from './router.js';
import { explain } from './explain.js';
import { savedViews, outcomes } from './views.js';

const ORG_TYPES = ['', 'company', 'education', 'facility', 'government', 'nonprofit', 'healthcare', 'other'];
const STAGES = ['', 'early', 'mid', 'senior'];

/** Relevance-weighted mean of a factor over the papers shown. */
function meanFactor(row, key) {
  const ps = row.top_papers;
  const w = ps.reduce((a, p) => a + p.relevance, 0);
  return w > 0 ? ps.reduce((a, p) => a + p.relevance * p[key], 0) / w : null;
}

const SORTS = {
  rank: { label: 'Rank', get: (r) => r.rank, dir: 1 },
  name: { label: 'Researcher', get: (r) => r.researcher.name.toLowerCase(), dir: 1 },
  score: { label: 'Score', get: (r) => r.score, dir: -1 },
  papers: { label: 'Papers', get: (r) => r.papers, dir: -1 },
  impact: { label: 'Impact', get: (r) => meanFactor(r, 'impact') ?? 0, dir: -1 },
  role: { label: 'Role', get: (r) => meanFactor(r, 'role') ?? 0, dir: -1 },
  recency: { label: 'Recency', get: (r) => meanFactor(r, 'recency') ?? 0, dir: -1 },
};

function select(name, options, value) {
  return h('select', { name }, options.map((o) => h('option', { value: o, selected: o === (value || '') }, o || 'any')));
}

/** The row's stage: the committee's override, else the corpus's ("≥ mid": at least mid, when censored). */
function stageText(row) {
  const r = row.researcher;
  if (!row.stage) return '–';
  if (r.career_stage && row.stage !== r.career_stage) return `${row.stage} (committee)`;
  // "≥ mid" (no break inside): the corpus's coverage cuts the first year off; the cell's title says so.
  return r.stage_at_least && row.stage !== 'senior' ? `≥\u00a0${row.stage}` : row.stage;
}

/** Where a role description waits for its List: this tab's session storage (it may be
 * confidential, and a URL would carry it into history and logs), under a hash of its text. */
const ROLE_KEY = 'scout.role.';

/** A short stable id of a text (FNV-1a, 32 bits, hex). */
function textId(text) {
  let x = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) x = Math.imul(x ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return x.toString(16).padStart(8, '0');
}

function roleText(id) {
  try {
    return id ? sessionStorage.getItem(ROLE_KEY + id) : null;
  } catch {
    return null;
  }
}

/** The `POST /api/list` body of a role search: the text and the filters that are set. */
function roleBody(text, f) {
  const body = { topic: text, limit: Number(f.limit) || 50 };
  for (const k of ['org', 'org_type', 'country', 'stage', 'trained_at', 'worked_at']) if (f[k]) body[k] = f[k];
  if (f.since) body.since = Number(f.since);
  if (f.include_rejected) body.include_rejected = true;
  return body;
}

/** The longest role description the server ranks for (`MAX_LIST_TEXT_CHARS`). */
const MAX_ROLE_CHARS = 20000;

export async function render(main, _params, query, stale) {
  const roleId = query.get('role') || '';
  const role = roleText(roleId);
  const topic = roleId ? '' : query.get('topic') || '';
  const f = {
    topic,
    role,
    org: query.get('org') || '',
    org_type: query.get('org_type') || '',
    country: query.get('country') || '',
    stage: query.get('stage') || '',
    trained_at: query.get('trained_at') || '',
    worked_at: query.get('worked_at') || '',
    since: query.get('since') || '',
    include_rejected: query.get('include_rejected') === 'true',
    limit: query.get('limit') || '50',
  };
  document.title = topic ? `${topic} · The List · Scout` : roleId ? 'Role · The List · Scout' : 'The List · Scout';
  const topicIn = h('input', { type: 'search', name: 'topic', value: f.topic, placeholder: 'e.g. reinforcement learning for reasoning', required: true, 'aria-describedby': 'topic-hint' });
  const orgIn = h('input', { name: 'org', value: f.org, placeholder: 'any' });
  const countryIn = h('input', { name: 'country', value: f.country, placeholder: 'US', size: 4 });
  const typeIn = select('org_type', ORG_TYPES, f.org_type);
  const stageIn = select('stage', STAGES, f.stage);
  const trainedIn = h('input', { name: 'trained_at', value: f.trained_at, placeholder: 'MIT, CMU, Berkeley', title: 'Inferred from early papers as a student-style author at a university' });
  const workedIn = h('input', { name: 'worked_at', value: f.worked_at, placeholder: 'OpenAI, DeepMind', title: 'Any organisation in the researcher’s timeline' });
  const sinceIn = h('input', { name: 'since', type: 'number', value: f.since, min: 1950, max: 2100, placeholder: 'year' });
  const rejectedIn = h('input', { name: 'include_rejected', type: 'checkbox', checked: f.include_rejected, title: 'Rejected and withdrawn submissions count × 0.25 when included' });
  const filters = () => ({ org: orgIn.value.trim(), org_type: typeIn.value, country: countryIn.value.trim(), stage: stageIn.value, trained_at: trainedIn.value.trim(), worked_at: workedIn.value.trim(), since: sinceIn.value, include_rejected: rejectedIn.checked ? 'true' : '' });
  const roleIn = h('textarea', { name: 'role', rows: 6, maxlength: MAX_ROLE_CHARS, placeholder: 'Paste the role: what the team works on, the problems, the methods. Researchers are ranked by how well their papers match the whole text.' });
  roleIn.value = role || '';
  const roleForm = h(
    'form',
    {
      class: 'role-search',
      onsubmit: (ev) => {
        ev.preventDefault();
        const text = roleIn.value.trim();
        if (!text) {
          roleIn.focus();
          return;
        }
        const id = textId(text);
        try {
          sessionStorage.setItem(ROLE_KEY + id, text);
        } catch {
          toast('This browser keeps no session storage: the role cannot be searched.', 'error');
          return;
        }
        go('/list', { role: id, ...filters() });
      },
    },
    h('details', { class: 'role-box', open: roleId ? true : false },
      h('summary', {}, 'Describe the role instead'),
      field('Role description', roleIn, 'Kept in this browser tab only; sent in the body of the request, never in a link.'),
      h('button', { type: 'submit', class: 'primary' }, 'Rank for this role')),
  );
  const form = h(
    'form',
    {
      class: 'search',
      role: 'search',
      onsubmit: (ev) => {
        ev.preventDefault();
        go('/list', { topic: topicIn.value.trim(), ...filters() });
      },
    },
    h('div', { class: 'search-main' }, field('Topic', topicIn), h('button', { type: 'submit', class: 'primary' }, 'Search')),
    h('small', { id: 'topic-hint', class: 'muted' }, 'Press / to focus. Researchers ranked by relevance × impact × role × recency of their papers.'),
    h('details', { class: 'filters', open: f.org || f.org_type || f.country || f.stage || f.trained_at || f.worked_at || f.since || f.include_rejected ? true : false },
      h('summary', {}, 'Filters'),
      h('div', { class: 'filter-row' }, field('Organisation', orgIn), field('Org type', typeIn), field('Country', countryIn), field('Career stage', stageIn), field('Trained at (inferred)', trainedIn), field('Worked at', workedIn), field('Papers since', sinceIn), field('Count rejected submissions', rejectedIn)),
    ),
  );
  // Saved searches: the search shown (its text and filters), opened as a search again.
  const views = savedViews({
    kind: 'list',
    title: 'Saved searches',
    current: () => (topic || role ? { list: { topic: role ? '' : topic, role: role || '', org: f.org, org_type: f.org_type, country: f.country, stage: f.stage, trained_at: f.trained_at, worked_at: f.worked_at, since: f.since ? Number(f.since) : null, include_rejected: f.include_rejected } } : null),
    open: (view) => openSearch(view.list),
  });
  const path = roleId ? `role:${roleId}:${listPath(query)}` : listPath(query);
  let list = null;
  let pending = null;
  if (role) {
    pending = api.post('/api/list', roleBody(role, f));
    pending.catch(() => {});
  } else if (topic) {
    // On a List link api.js has asked already: when the answer is quick, the page appears
    // in one piece (form and rows in one frame) instead of the form first and the rows a
    // frame later; a slow answer shows the form first.
    const early = isPrefetched(path);
    pending = api.get(path);
    pending.catch(() => {});
    if (early) {
      list = await Promise.race([pending, new Promise((resolve) => setTimeout(() => resolve(null), EARLY_WAIT_MS))]).catch(() => null);
      if (stale()) return;
    }
  }
  // data-query names the search shown, so a test can tell this page's results from the last.
  const results = h('section', { class: 'results', 'aria-live': 'polite', 'aria-busy': pending ? 'true' : 'false', dataset: { query: path } });
  mount(main, h('div', { class: 'page-head' }, h('h1', {}, 'The List'), h('div', { class: 'head-actions' }, views)), form, roleForm, results);
  if (roleId && !role) {
    mount(results, empty('This link’s role description stays in the browser tab that wrote it: paste the role again above.'));
    roleIn.focus();
    return;
  }
  if (!pending) {
    mount(results, empty('Search a topic to rank researchers.'));
    topicIn.focus();
    return;
  }
  if (!list) {
    try {
      list = await pending;
    } catch (e) {
      if (!stale()) mount(results, errorBox(e));
      results.setAttribute('aria-busy', 'false');
      return;
    }
    if (stale()) return;
  }
  const inPipeline = new Map();
  // More rows: the same search with a larger limit (the server answers up to MAX_ROWS).
  const limit = Number(f.limit) || 50;
  const more = list.rows.length >= limit && limit < MAX_ROWS
    ? () => go('/list', { ...(roleId ? { role: roleId } : { topic }), ...filters(), limit: Math.min(MAX_ROWS, limit + 50) })
    : null;
  const actions = renderResults(results, list, inPipeline, f, more);
  // The rows do not wait for the pipeline (asked only now, so it does not compete with the
  // List for the server): add buttons appear once it is known who is a candidate already.
  // The member's watches likewise: the toggles come with the rows, enabled once they are read.
  const pipeline = pipelineMarks();
  actions.watch(watches());
  await actions.complete;
  if (stale()) return;
  results.setAttribute('aria-busy', 'false');
  performance.mark('scout:list-rendered');
  // Add buttons need the role as well as the pipeline.
  const [known] = await Promise.all([pipeline, api.whoami().catch(() => null)]);
  if (stale()) return;
  for (const [k, v] of known) inPipeline.set(k, v);
  inPipeline.known = true;
  actions.refresh();
}

/** Opens a saved search: a described role goes through this tab's session storage, as typed. */
function openSearch(v) {
  const filters = { org: v.org, org_type: v.org_type, country: v.country, stage: v.stage, trained_at: v.trained_at, worked_at: v.worked_at, since: v.since ?? '', include_rejected: v.include_rejected ? 'true' : '' };
  if (v.role) {
    const id = textId(v.role);
    try {
      sessionStorage.setItem(ROLE_KEY + id, v.role);
    } catch {
      toast('This browser keeps no session storage: the role cannot be searched.', 'error');
      return;
    }
    go('/list', { role: id, ...filters });
  } else {
    go('/list', { topic: v.topic, ...filters });
  }
}

/** Rows drawn before the first paint; the rest follow in the next task. A viewport shows ~15. */
const FIRST_ROWS = 20;
/** How long a List link waits for its answer before showing the form alone. */
const EARLY_WAIT_MS = 300;

/** Runs `fn` when the main thread is idle (within a second at most). */
function whenIdle(fn) {
  if ('requestIdleCallback' in window) window.requestIdleCallback(fn, { timeout: 1000 });
  else setTimeout(fn, 50);
}

/** The most rows the List API returns (`MAX_LIMIT` in corpus_api.rs). */
const MAX_ROWS = 500;

function renderResults(results, list, inPipeline, f, more) {
  let sort = 'rank';
  let dir = 1;
  const maxScore = Math.max(...list.rows.map((r) => r.score), 1e-9);
  const summary = h('p', { class: 'muted summary' },
    `${list.rows.length} researchers from ${fmt.int(list.matching_papers)} matching papers (${fmt.int(list.candidates)} considered) · as of ${list.as_of_year} · ${fmt.num(list.milliseconds, 1)} ms`,
    list.field ? h('span', { class: 'field-venues' }, ` · a field: every paper of ${list.field.venues.join(', ')} counts`) : null);
  const legend = h('div', { class: 'legend', 'aria-hidden': 'true' },
    h('span', { class: 'seg p0' }), 'top paper', h('span', { class: 'seg p1' }), '2nd', h('span', { class: 'seg p2' }), '3rd', h('span', { class: 'seg rest' }), 'other papers');
  const tbody = h('tbody');
  const head = h('tr');
  const cols = [['rank', 'num'], ['name', ''], [null, 'hide-s', 'Affiliation'], [null, 'hide-s', 'Stage'], ['score', 'scorecol'], ['papers', 'num'], ['impact', 'num hide-s'], ['role', 'num hide-s'], ['recency', 'num hide-s'], [null, '', null]];
  for (const [key, cls, label] of cols) {
    if (!key) {
      head.append(h('th', { scope: 'col', class: cls }, label || h('span', { class: 'sr' }, 'Actions')));
      continue;
    }
    const btn = h('button', { type: 'button', class: 'sort', dataset: { sort: key } }, SORTS[key].label);
    head.append(h('th', { scope: 'col', class: cls, 'aria-sort': key === sort ? (dir > 0 ? 'ascending' : 'descending') : 'none' }, btn));
    btn.addEventListener('click', () => {
      if (sort === key) dir = -dir;
      else {
        sort = key;
        dir = SORTS[key].dir;
      }
      for (const th of head.children) th.setAttribute('aria-sort', 'none');
      btn.parentElement.setAttribute('aria-sort', dir > 0 ? 'ascending' : 'descending');
      draw();
    });
  }
  const table = h('table', { class: 'list ranked', 'aria-label': f.role ? 'The List for the role described' : `The List for ${list.topic}` }, h('thead', {}, head), tbody);
  // Action cells by researcher key, refilled when the pipeline is known.
  const cells = new Map();
  const pick = selection(list, inPipeline, f, cells);
  // Watch toggles: one slot per row, filled when the member's watches are asked for.
  const watching = { tracker: null, slots: new Map() };
  let finished;
  const complete = new Promise((resolve) => {
    finished = resolve;
  });
  const make = (r) => {
    const [tr, detail, act, slot] = rowEls(r, maxScore, inPipeline, f, pick);
    cells.set(r.researcher.key, [act, r]);
    watching.slots.set(r.researcher.key, [slot, r]);
    if (watching.tracker) mount(slot, watching.tracker.button(r.researcher, true));
    return [tr, detail];
  };
  let drawn = 0;
  function draw() {
    const my = ++drawn;
    const rows = [...list.rows].sort((a, b) => {
      const x = SORTS[sort].get(a);
      const y = SORTS[sort].get(b);
      return (x < y ? -1 : x > y ? 1 : 0) * dir || a.rank - b.rank;
    });
    if (my > 1 || rows.length <= FIRST_ROWS) {
      tbody.replaceChildren(...rows.flatMap(make));
      finished();
      return;
    }
    // The first draw paints the rows a screen holds; the rest (below the fold) are added
    // when the browser is idle after that, so they do not hold up the first paint.
    tbody.replaceChildren(...rows.slice(0, FIRST_ROWS).flatMap(make));
    performance.mark('scout:list-first-rows');
    whenIdle(() => {
      if (my === drawn) tbody.append(...rows.slice(FIRST_ROWS).flatMap(make));
      finished();
    });
  }
  draw();
  const moreButton = more ? h('button', { type: 'button', class: 'more', onclick: more }, `Show ${Math.min(50, MAX_ROWS - list.rows.length)} more`) : null;
  const watchStatus = h('div');
  mount(results, h('div', { class: 'results-head' }, summary, legend), watchStatus, list.rows.length ? [pick.bar, h('div', { class: 'table-wrap' }, table)] : empty('No researcher matches these filters.'), moreButton);
  return {
    /** Resolves when every row is in the table. */
    complete,
    refresh() {
      for (const [act, r] of cells.values()) fillAction(act, r.researcher, inPipeline, f);
      pick.enable();
    },
    /** Watch toggles on every row drawn and every row drawn later, from `tracker` (watch.js). */
    watch(tracker) {
      watching.tracker = tracker;
      mount(watchStatus, tracker.status);
      for (const [slot, r] of watching.slots.values()) mount(slot, tracker.button(r.researcher, true));
    },
  };
}

/** The row's action: a link when the researcher is a candidate, else an add button. */
function fillAction(td, r, inPipeline, f) {
  const existing = inPipeline.get(r.key);
  if (existing) {
    mount(td, markChip(existing, true));
    return;
  }
  if (!canWrite()) {
    td.replaceChildren();
    return;
  }
  const action = h('button', { type: 'button', class: 'small add', title: `Add ${r.name} to the pipeline`, disabled: !inPipeline.known, 'aria-busy': inPipeline.known ? false : 'true' },
    h('span', { 'aria-hidden': 'true' }, '+'), h('span', { class: 'wide' }, ' Pipeline'), h('span', { class: 'sr' }, ` — add ${r.name}`));
  action.addEventListener('click', async () => {
    action.disabled = true;
    try {
      const c = await api.post('/api/candidates', { name: r.name, researcher_key: r.key, source_org: r.current_org || undefined, tags: [f.role ? 'role search' : f.topic.slice(0, 40)] });
      const mark = { candidate_id: c.candidate.id, stage: c.candidate.stage, owner: null };
      inPipeline.set(r.key, mark);
      mount(td, markChip(mark, true));
      toast(`${r.name} added to the pipeline (sourced).${dupWarning(c)}`);
    } catch (e) {
      action.disabled = false;
      toast(e.message, 'error');
    }
  });
  mount(td, action);
}

function rowEls(row, maxScore, inPipeline, f, pick) {
  const r = row.researcher;
  const shown = row.top_papers.slice(0, 3);
  const parts = shown.map((p, i) => ({ value: p.contribution, label: p.title, cls: `p${i}` }));
  const rest = row.score - shown.reduce((a, p) => a + p.contribution, 0);
  if (rest > 1e-9) parts.push({ value: rest, label: `${row.papers - shown.length} other papers`, cls: 'rest' });
  // A role's text does not go into a link: its profile opens without the topic breakdown
  // (the row's own breakdown shows the papers behind the score).
  const profileHref = f.role ? `#/r/${encodeURIComponent(r.key)}` : `#/r/${encodeURIComponent(r.key)}?topic=${encodeURIComponent(f.topic)}`;
  const detailId = `d-${r.id}`;
  const toggle = h('button', { type: 'button', class: 'icon expand', 'aria-expanded': 'false', 'aria-controls': detailId, title: 'Why this score' }, h('span', { class: 'sr' }, `Why ${r.name} scores ${row.score.toFixed(2)}`), '▸');
  // The breakdown is built on first opening: most rows are never opened, and 50 of them
  // would cost the first render more than the rows themselves.
  const detailCell = h('td', { colspan: 10 });
  const detail = h('tr', { id: detailId, class: 'detail', hidden: true }, detailCell);
  toggle.addEventListener('click', () => {
    const open = detail.hidden;
    if (open && !detailCell.firstChild) detailCell.append(explain(row));
    detail.hidden = !open;
    toggle.setAttribute('aria-expanded', String(open));
    toggle.lastChild.textContent = open ? '▾' : '▸';
  });
  // The cell holds the watch toggle and the pipeline action (a mark or an add button).
  const slot = h('span', { class: 'watch-slot' });
  const act = h('span', { class: 'pipeline-act' });
  fillAction(act, r, inPipeline, f);
  const imp = meanFactor(row, 'impact');
  const rol = meanFactor(row, 'role');
  const rec = meanFactor(row, 'recency');
  const tr = h('tr', { class: 'row', dataset: { key: r.key } },
    h('td', { class: 'num rank' }, pick.box(r), String(row.rank)),
    // elementtiming: the browser records when the first row's name is painted (Element Timing).
    h('td', { class: 'who' }, h('a', { href: profileHref, class: 'name', elementtiming: row.rank === 1 ? 'list-first-row' : false }, r.name), h('div', { class: 'muted sub', title: shown[0] ? shown[0].title : '' }, shown[0] ? shown[0].title : ''),
      h('div', { class: 'muted org-s' }, r.current_org || '–')),
    h('td', { class: 'org hide-s', title: r.current_org_evidence ? `${r.current_org || ''}: ${r.current_org_evidence}${r.current_org_confidence != null ? ` (confidence ${r.current_org_confidence.toFixed(2)})` : ''}` : (r.current_org || '') }, r.current_org || '–', r.current_org_stale && r.current_org_year ? h('span', { class: 'muted stale' }, ` · last evidence ${r.current_org_year}`) : null, r.current_country ? h('span', { class: 'muted' }, ` · ${r.current_country}`) : null),
    h('td', { class: 'hide-s stage', title: `${r.stage_at_least && row.stage !== 'senior' ? `at least ${row.stage}: ` : ''}${r.stage_basis || ''}` }, stageText(row)),
    h('td', { class: 'scorecol' }, h('div', { class: 'score' }, h('span', { class: 'val' }, row.score.toFixed(2)), stackedBar(parts, maxScore, `score ${row.score.toFixed(2)}: ${parts.map((p) => p.value.toFixed(2)).join(' + ')}`)), toggle),
    h('td', { class: 'num' }, String(row.papers)),
    h('td', { class: 'num hide-s' }, fmt.num(imp)),
    h('td', { class: 'num hide-s' }, fmt.num(rol)),
    h('td', { class: 'num hide-s' }, fmt.num(rec)),
    h('td', { class: 'act' }, slot, act),
  );
  return [tr, detail, act, slot];
}

/**
 * Selecting rows and adding them to the pipeline at once (recruiters and owners): a checkbox in
 * each row's rank cell, "select all shown", and an action bar with the tags every new candidate
 * gets. The server adds each researcher in its own transaction and says, per researcher, whether
 * it was added or is already a candidate (one person, one candidate); the bar lists that.
 */
function selection(list, inPipeline, f, cells) {
  const picked = new Map();
  const boxes = new Map();
  const count = h('span', { class: 'bulk-count', 'aria-live': 'polite' }, '0 selected');
  const all = h('input', { type: 'checkbox', class: 'pick-all' });
  const tagsIn = h('input', { name: 'bulk-tags', value: f.role ? 'role search' : f.topic.slice(0, 40), placeholder: 'tag, another' });
  const add = h('button', { type: 'button', class: 'primary', disabled: true }, 'Add to pipeline');
  const clear = h('button', { type: 'button', disabled: true }, 'Clear');
  const report = h('div', { class: 'bulk-report' });
  const bar = h('div', { class: 'bulk', hidden: true },
    h('div', { class: 'bulk-bar', role: 'region', 'aria-label': 'Selected researchers' },
      h('label', { class: 'pick-all-label' }, all, ' Select all shown'), count,
      field('Tags for new candidates', tagsIn), add, clear),
    report);
  const changed = () => {
    const n = picked.size;
    count.textContent = `${n} selected`;
    add.textContent = n ? `Add ${n} to pipeline` : 'Add to pipeline';
    add.disabled = clear.disabled = n === 0;
    all.checked = n > 0 && n === list.rows.length;
    all.indeterminate = n > 0 && n < list.rows.length;
  };
  const set = (r, on) => {
    if (on) picked.set(r.key, r);
    else picked.delete(r.key);
    const b = boxes.get(r.key);
    if (b) b.checked = on;
  };
  all.addEventListener('change', () => {
    for (const row of list.rows) set(row.researcher, all.checked);
    changed();
  });
  clear.addEventListener('click', () => {
    for (const r of [...picked.values()]) set(r, false);
    changed();
  });
  add.addEventListener('click', async () => {
    const chosen = [...picked.values()];
    const tags = tagsIn.value.split(',').map((t) => t.trim()).filter(Boolean);
    add.disabled = true;
    try {
      const r = await api.post('/api/candidates/bulk-add', { researchers: chosen.map((x) => ({ key: x.key, name: x.name, source_org: x.current_org || undefined })), tags });
      const names = new Map(chosen.map((x) => [x.key, x.name]));
      for (const o of r.results) {
        if (o.candidate_id) inPipeline.set(o.key, { candidate_id: o.candidate_id, stage: o.stage, owner: null });
        if (o.status !== 'refused') set({ key: o.key }, false);
        const cell = cells.get(o.key);
        if (cell) fillAction(cell[0], cell[1].researcher, inPipeline, f);
      }
      mount(report, outcomes(r.results.map((o) => ({
        label: names.get(o.key) || o.key,
        ok: o.status === 'added',
        unchanged: o.status === 'held',
        text: o.status === 'added' ? `added as candidate #${o.candidate_id} (sourced)` : o.status === 'held' ? `already a candidate: #${o.candidate_id} (${o.stage}), not added again` : `not added: ${o.message}`,
      })), `${r.added} added, ${r.held} already in the pipeline${r.refused ? `, ${r.refused} refused` : ''}.`));
      toast(`${r.added} added to the pipeline.`);
    } catch (e) {
      mount(report, h('p', { class: 'error', role: 'alert' }, `Nothing added: ${e.message}`));
    }
    changed();
  });
  return {
    bar,
    /** The row's checkbox (hidden until the user is known to write). */
    box(r) {
      const b = h('input', { type: 'checkbox', class: 'pick', 'aria-label': `Select ${r.name}`, checked: picked.has(r.key), hidden: bar.hidden });
      b.addEventListener('change', () => {
        set(r, b.checked);
        changed();
      });
      boxes.set(r.key, b);
      return b;
    },
    /** Shows the selection to recruiters and owners, once the user is known. */
    enable() {
      if (!canWrite()) return;
      bar.hidden = false;
      for (const b of boxes.values()) b.hidden = false;
    },
  };
}
