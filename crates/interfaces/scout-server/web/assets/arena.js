// The committee arena: sessions over finalists, blind ballots one pair at a time, and the
// Bradley–Terry leaderboard of a recorded fit (ratings on the Elo scale with 95% intervals).
//
// Roles follow the API: everyone signed in sees sessions and recorded fits; recruiters and
// owners vote and run fits; only owners create sessions, lift blinding, close voting and
// withdraw finalists. Blindness in the page: the voting view shows the two sides of the
// ballot (aliases only; names, organisations and tags only when the server sends them, i.e. to
// owners or when blinding is off) and the member's own vote count — never ratings, fits or anyone else's
// votes. The session page keeps results folded away while the member still has ballots.
// Each side carries a packet from the server (side by side, also at 390 px): named — top
// papers with the List's factors for the session's topic, stages, scorecard averages, notes —
// or blind — career stage, impact band, the factor summary by venue tier, scorecard averages.

import { api, session, isOwner, canWrite, STAGES } from './api.js';
import { h, s, mount, fmt, field, empty, errorBox, toast } from './dom.js';
import { go } from './router.js';

const pairs = (n) => (n * (n - 1)) / 2;

function statusChips(sess) {
  return [
    h('span', { class: `chip ${sess.blind ? 'blind' : ''}` }, sess.blind ? 'Blind' : 'Names visible'),
    h('span', { class: `chip ${sess.closed ? '' : 'ok'}` }, sess.closed ? 'Closed' : 'Open'),
  ];
}

/** Votes the member can still cast: the cap, and at most one per pair of active finalists. */
function votesLeft(sess) {
  const active = sess.items.filter((i) => !i.withdrawn).length;
  return Math.max(0, Math.min(sess.member_cap, pairs(active)) - sess.your_votes);
}

function itemLabel(it) {
  return it.name ? `${it.alias} — ${it.name}` : it.alias;
}

// ---------------------------------------------------------------------------------------
// #/arena — sessions, and (owners) a new session from pipeline candidates

export async function renderSessions(main, _p, _q, stale) {
  document.title = 'Arena · Scout';
  const [{ sessions }, cands] = await Promise.all([
    api.get('/api/arena/sessions'),
    isOwner() ? api.get('/api/candidates?limit=1000') : Promise.resolve(null),
  ]);
  if (stale()) return;
  const write = canWrite();
  mount(main,
    h('div', { class: 'page-head' },
      h('div', {}, h('h1', {}, 'Committee arena'),
        h('p', { class: 'muted' }, 'Members judge finalists two at a time, blind; a Bradley–Terry fit turns the votes into ratings with 95% intervals.'))),
    h('section', { class: 'card', 'aria-labelledby': 'h-sessions' },
      h('h2', { id: 'h-sessions' }, 'Sessions'),
      sessions.length ? h('div', { class: 'table-wrap' }, h('table', { class: 'compact sessions' },
        h('thead', {}, h('tr', {}, ...['Session', 'Status', 'Finalists', 'Your votes', ''].map((x, i) => h('th', { scope: 'col', class: i === 2 ? 'num hide-s' : i === 3 ? 'num' : '' }, x)))),
        h('tbody', {}, sessions.map((x) => h('tr', { dataset: { session: String(x.id) } },
          h('td', {}, h('a', { href: `#/arena/${x.id}` }, x.title)),
          h('td', {}, statusChips(x)),
          h('td', { class: 'num hide-s' }, String(x.items.length)),
          h('td', { class: 'num' }, `${x.your_votes} / ${x.member_cap}`),
          h('td', { class: 'act' }, write && !x.closed && votesLeft(x) > 0 ? h('a', { class: 'button primary', href: `#/arena/${x.id}/vote` }, 'Vote', h('span', { class: 'sr' }, ` in ${x.title}`)) : null)))))) : empty(isOwner() ? 'No sessions yet — create one from finalists below.' : 'No sessions yet. An owner creates them from the finalists.'),
    ),
    cands ? createForm(cands.candidates) : null,
  );
}

function createForm(candidates) {
  const title = h('input', { name: 'title', required: true, maxlength: 200, placeholder: 'e.g. Reasoning finalists, spring round' });
  const stageSel = h('select', { name: 'from_stage' }, h('option', { value: '' }, 'all stages'), STAGES.map((st) => h('option', { value: st, selected: st === 'finalist' }, st)));
  const blind = h('input', { type: 'radio', name: 'packets', value: 'blind', checked: true });
  const named = h('input', { type: 'radio', name: 'packets', value: 'named' });
  const topic = h('textarea', { name: 'topic', rows: 2, maxlength: 20000, placeholder: 'e.g. reinforcement learning from human feedback' });
  const cap = h('input', { name: 'member_cap', type: 'number', min: 1, max: 10000, value: 100, required: true });
  const minVotes = h('input', { name: 'min_votes', type: 'number', min: 0, max: 10000, value: 5, required: true });
  // Nothing is picked until the owner says so: a session is built from a stage, a tag or a
  // name search ("Pick all shown"), then adjusted box by box.
  const picked = new Set();
  const tags = [...new Set(candidates.flatMap((c) => c.tags || []))].sort();
  const tagSel = h('select', { name: 'from_tag' }, h('option', { value: '' }, 'any tag'), tags.map((t) => h('option', { value: t }, t)));
  const search = h('input', { name: 'search', type: 'search', placeholder: 'name or organisation' });
  const count = h('span', { class: 'muted', 'aria-live': 'polite' });
  const listBox = h('fieldset', { class: 'pick' }, h('legend', {}, 'Finalists'));
  const status = h('div', { class: 'form-status', role: 'alert' });
  const shownNow = () => {
    const q = search.value.trim().toLowerCase();
    return candidates.filter((c) => (!stageSel.value || c.stage === stageSel.value)
      && (!tagSel.value || (c.tags || []).includes(tagSel.value))
      && (!q || c.name.toLowerCase().includes(q) || (c.source_org || '').toLowerCase().includes(q)));
  };
  const pickAll = h('button', { type: 'button', class: 'small', onclick: () => { for (const c of shownNow()) picked.add(c.id); drawList(); } }, 'Pick all shown');
  const clear = h('button', { type: 'button', class: 'small', onclick: () => { picked.clear(); drawList(); } }, 'Clear');

  function drawList() {
    const shown = shownNow();
    listBox.replaceChildren(h('legend', {}, 'Finalists'));
    if (!shown.length) listBox.append(empty('No candidates match.'));
    for (const c of shown) {
      const box = h('input', { type: 'checkbox', name: 'candidate', value: String(c.id), checked: picked.has(c.id), onchange: (ev) => { if (ev.target.checked) picked.add(c.id); else picked.delete(c.id); drawCount(); } });
      listBox.append(h('label', { class: 'pick-row' }, box, h('span', {}, h('span', { class: 'pick-name' }, c.name), h('span', { class: 'muted small' }, ` ${c.stage}${c.source_org ? ` · ${c.source_org}` : ''}${(c.tags || []).length ? ` · ${c.tags.join(', ')}` : ''}`))));
    }
    pickAll.textContent = `Pick all shown (${shown.length})`;
    drawCount();
  }
  function drawCount() {
    count.textContent = `${picked.size} picked${picked.size >= 2 ? ` · ${pairs(picked.size)} pairs` : ' (at least two)'}`;
  }
  stageSel.addEventListener('change', drawList);
  tagSel.addEventListener('change', drawList);
  search.addEventListener('input', drawList);
  drawList();

  const form = h('form', { class: 'stack', 'aria-labelledby': 'h-new', onsubmit: async (ev) => {
    ev.preventDefault();
    status.textContent = '';
    if (picked.size < 2) { status.textContent = 'Pick at least two finalists.'; return; }
    const btn = form.querySelector('button[type=submit]');
    btn.disabled = true;
    try {
      const r = await api.post('/api/arena/sessions', { title: title.value.trim(), candidate_ids: [...picked], topic: topic.value.trim() || undefined, blind: blind.checked, member_cap: Number(cap.value), min_votes: Number(minVotes.value) });
      toast(`Session “${r.session.title}” created.`);
      go(`/arena/${r.session.id}`);
    } catch (e) {
      status.textContent = e.message;
      btn.disabled = false;
    }
  } },
    field('Title', title),
    h('div', { class: 'filter-row' }, field('Votes per member (cap)', cap), field('Provisional under (votes)', minVotes)),
    field('Topic (the List text the finalists came from)', topic, 'Ballot packets explain each finalist’s papers for it; without one they show the strongest papers by impact.'),
    h('fieldset', { class: 'packets-choice' }, h('legend', {}, 'Ballot packets'),
      h('label', { class: 'check' }, blind, ' Blind: members see aliases (“Finalist C”) and only what cannot identify a finalist — career stage, impact band, papers by venue tier, scorecard averages'),
      h('label', { class: 'check' }, named, ' Named: members see names, top papers with the List’s explanation, stages, scorecard averages and notes')),
    h('div', { class: 'filter-row' }, field('Show candidates in', stageSel), field('With tag', tagSel), field('Search', search), pickAll, clear),
    listBox, count, status,
    h('button', { type: 'submit', class: 'primary' }, 'Create session'));
  return h('section', { class: 'card', 'aria-labelledby': 'h-new' }, h('h2', { id: 'h-new' }, 'New session', h('span', { class: 'muted small' }, ' — owners')), form);
}

// ---------------------------------------------------------------------------------------
// #/arena/ID — the session: finalists, results (recorded fits), owner controls

export async function renderSession(main, [id], query, stale) {
  const base = `/api/arena/sessions/${id}`;
  const [{ session: sess }, { fits }, users] = await Promise.all([
    api.get(base),
    api.get(`${base}/fits`),
    isOwner() ? api.get('/api/users').then((r) => r.users).catch(() => []) : Promise.resolve([]),
  ]);
  if (stale()) return;
  document.title = `${sess.title} · Arena · Scout`;
  const reload = () => renderSession(main, [id], query, stale);
  const left = votesLeft(sess);
  const canVote = canWrite() && !sess.closed && left > 0;
  const results = h('div', { class: 'results-body', tabindex: -1 });
  const wantFit = query.get('fit');
  const fitId = wantFit ? Number(wantFit) : fits[0]?.id;

  const showResults = () => drawResults(results, sess, fits, fitId, users, (newId) => go(`/arena/${id}`, { fit: newId, show: 1 }));
  // While this member still has ballots, results stay folded so they cannot sway the votes.
  const fold = canVote && query.get('show') !== '1';

  mount(main,
    h('div', { class: 'page-head' },
      h('div', {},
        h('p', { class: 'crumbs' }, h('a', { href: '#/arena' }, '← Arena')),
        h('h1', {}, sess.title),
        sess.topic ? h('p', { class: 'session-topic' }, h('span', { class: 'muted' }, 'Topic: '), sess.topic) : null,
        h('p', { class: 'muted' }, statusChips(sess), ` ${sess.items.length} finalists · ${sess.total_votes} votes in all · cap ${sess.member_cap} per member · provisional under ${sess.min_votes} votes`)),
      h('div', { class: 'head-actions' },
        canVote ? h('a', { class: 'button primary', href: `#/arena/${id}/vote` }, `Vote (${left} left)`) : null),
    ),
    canWrite() ? h('p', { class: 'your-votes' }, `You have cast ${sess.your_votes} of ${sess.member_cap} votes${sess.closed ? '; voting is closed.' : left ? `; ${left} left.` : '; you have judged every pair you can.'}`) : null,
    h('section', { class: 'card', 'aria-labelledby': 'h-results' },
      h('h2', { id: 'h-results' }, 'Leaderboard'),
      fold
        ? h('div', { class: 'folded' },
          h('p', {}, 'Results are hidden while you still have ballots, so that they do not sway your votes.'),
          h('button', { type: 'button', onclick: (ev) => { ev.target.closest('.folded').replaceWith(results); results.focus(); showResults(); } }, 'Show results anyway'))
        : results,
    ),
    h('section', { class: 'card', 'aria-labelledby': 'h-finalists' },
      h('h2', { id: 'h-finalists' }, 'Finalists'),
      h('ul', { class: 'finalists' }, sess.items.map((it) => h('li', {},
        h('strong', {}, it.alias),
        it.name ? h('span', {}, ` — ${it.name}`, it.source_org ? h('span', { class: 'muted' }, ` · ${it.source_org}`) : null) : null,
        it.withdrawn ? h('span', { class: 'chip warn' }, 'withdrawn') : null))),
      sess.blind && isOwner() ? h('p', { class: 'muted small' }, 'You see names because you are an owner; members see aliases only.') : null,
    ),
    isOwner() ? ownerControls(sess, base, reload) : null,
  );
  if (!fold) showResults();
}

async function drawResults(box, sess, fits, fitId, users, onFit) {
  const parts = [];
  if (canWrite()) {
    const ci = h('select', { name: 'ci', 'aria-label': 'Interval method' }, h('option', { value: 'bootstrap' }, '95% bootstrap (1,000 rounds)'), h('option', { value: 'sandwich' }, '95% sandwich (robust)'));
    const status = h('span', { class: 'form-status', role: 'alert' });
    const btn = h('button', { type: 'button', class: 'primary', onclick: async () => {
      btn.disabled = true;
      status.textContent = '';
      try {
        const r = await api.post(`/api/arena/sessions/${sess.id}/fit`, { ci: ci.value, rounds: 1000 });
        toast(`Fit #${r.fit.id} recorded.`);
        onFit(r.fit.id);
      } catch (e) {
        status.textContent = e.message;
        btn.disabled = false;
      }
    } }, 'Fit now');
    parts.push(h('div', { class: 'inline fit-bar' }, ci, btn, status));
  }
  if (!fits.length) {
    parts.push(empty(canWrite() ? 'No fit yet: “Fit now” computes one from the votes so far and records it.' : 'No fit recorded yet.'));
    mount(box, parts);
    return;
  }
  const pick = h('select', { name: 'fit', 'aria-label': 'Recorded fit', onchange: (ev) => go(`/arena/${sess.id}`, { fit: ev.target.value, show: 1 }) },
    fits.map((f) => h('option', { value: String(f.id), selected: f.id === fitId }, `Fit #${f.id} · ${f.total_votes} votes · ${f.interval_method || 'no intervals'} · ${f.fitted_by}, ${fmt.date(f.fitted_at)}`)));
  parts.push(field('Recorded fit', pick));
  const board = h('div', { 'aria-live': 'polite' }, h('p', { class: 'muted' }, 'Loading…'));
  parts.push(board);
  mount(box, parts);
  try {
    const { fit } = await api.get(`/api/arena/fits/${fitId}`);
    mount(board, leaderboard(fit, sess, users));
  } catch (e) {
    mount(board, errorBox(e));
  }
}

function leaderboard(fit, sess, users) {
  const r = fit.result;
  const rows = r.rows;
  const finite = (x) => typeof x === 'number' && Number.isFinite(x);
  const lo = Math.min(...rows.map((x) => (finite(x.lower) ? x.lower : x.rating)));
  const hi = Math.max(...rows.map((x) => (finite(x.upper) ? x.upper : x.rating)));
  const pad = Math.max(10, (hi - lo) * 0.05);
  const scale = { min: Math.floor((lo - pad) / 10) * 10, max: Math.ceil((hi + pad) / 10) * 10 };
  const userName = (vid) => {
    if (vid === session.user.id) return 'you';
    const u = users.find((x) => x.id === vid);
    return u ? u.name : `member #${vid}`;
  };
  const verifyOut = h('span', { class: 'muted small', role: 'status' });
  const verifyBtn = h('button', { type: 'button', class: 'small', onclick: async () => {
    verifyBtn.disabled = true;
    verifyOut.textContent = 'Recomputing from the recorded snapshot…';
    try {
      const v = await api.get(`/api/arena/fits/${fit.id}?verify=true`);
      verifyOut.textContent = v.fit.reproduced ? `Reproduced: recomputing from snapshot ${fit.snapshot_hash.slice(0, 12)}… gives the same result.` : 'NOT reproduced: the recomputed result differs from the recorded one.';
      verifyOut.className = v.fit.reproduced ? 'ok small' : 'error small';
    } catch (e) {
      verifyOut.textContent = e.message;
    }
    verifyBtn.disabled = false;
  } }, 'Check reproducibility');

  return h('div', { class: 'board-result', dataset: { fit: String(fit.id) } },
    h('p', { class: 'muted small' }, `${r.total_votes} votes · ratings on the Elo scale (mean 1000, 400/ln 10 per logit) · ${r.interval_method ? `95% ${r.interval_method} intervals` : 'no intervals'} · rank from intervals: 1 + the number of finalists whose interval lies wholly above. `, verifyBtn, ' ', verifyOut),
    r.warnings.map((w) => h('div', { class: 'warnbox', role: 'note' }, h('strong', {}, w.includes('disconnected') ? 'Disconnected comparisons: ' : 'Note: '), w)),
    h('div', { class: 'table-wrap' }, h('table', { class: 'compact leaderboard' },
      h('caption', { class: 'sr' }, `Leaderboard of fit ${fit.id}`),
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col', class: 'num' }, 'Rank'), h('th', { scope: 'col' }, 'Finalist'), h('th', { scope: 'col', class: 'num' }, 'Rating'),
        h('th', { scope: 'col', class: 'num hide-s' }, '95% interval'), h('th', { scope: 'col', class: 'ivcol' }, h('span', {}, `Interval (${scale.min}–${scale.max})`)), h('th', { scope: 'col', class: 'num hide-s' }, 'Votes'), h('th', { scope: 'col' }, ''))),
      h('tbody', {}, rows.map((x) => h('tr', { dataset: { alias: x.alias } },
        h('td', { class: 'num rank' }, String(x.rank)),
        h('td', {}, h('strong', {}, x.alias), x.name ? h('div', { class: 'small' }, x.name, x.source_org ? h('span', { class: 'muted' }, ` · ${x.source_org}`) : null) : null,
          h('span', { class: 's-only muted small', 'aria-hidden': 'true' }, `${x.votes} votes`)),
        h('td', { class: 'num' }, h('span', { class: 'rating' }, fmt.num(x.rating, 0)),
          h('span', { class: 's-only muted small', 'aria-hidden': 'true' }, finite(x.lower) && finite(x.upper) ? `${fmt.num(x.lower, 0)}–${fmt.num(x.upper, 0)}` : '')),
        h('td', { class: 'num interval hide-s' }, finite(x.lower) && finite(x.upper) ? `${fmt.num(x.lower, 0)} – ${fmt.num(x.upper, 0)}` : '–'),
        h('td', { class: 'ivcol' }, intervalBar(x, scale)),
        h('td', { class: 'num hide-s' }, String(x.votes)),
        h('td', {},
          x.provisional ? h('span', { class: 'chip warn', title: `fewer than ${sess.min_votes} votes` }, 'provisional') : null,
          x.withdrawn ? h('span', { class: 'chip' }, 'withdrawn') : null)))))),
    h('h3', {}, 'Outlier voters'),
    r.flagged_voters.length
      ? h('ul', { class: 'flagged' }, r.flagged_voters.map((v) => h('li', {},
        h('span', { class: 'chip warn' }, 'flagged'), ` ${userName(v.voter_id)}: `,
        `log-likelihood ratio ${fmt.num(v.log_likelihood_ratio, 1)} over ${v.decisive_votes} decisive votes — their choices disagree with the committee's consensus more than chance explains (sequential likelihood-ratio test).`)))
      : h('p', { class: 'muted no-flags' }, 'No voter is flagged: every member’s votes are consistent with the consensus.'),
  );
}

/** A 95% interval as a bar on the shared scale, the rating as a dot, 1000 (the mean) as a tick. */
function intervalBar(x, scale) {
  const W = 220;
  const H = 18;
  const px = (v) => 4 + ((v - scale.min) / (scale.max - scale.min || 1)) * (W - 8);
  const ok = Number.isFinite(x.lower) && Number.isFinite(x.upper);
  const label = ok ? `rating ${Math.round(x.rating)}, 95% interval ${Math.round(x.lower)} to ${Math.round(x.upper)}` : `rating ${Math.round(x.rating)}, no interval`;
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'ivbar', role: 'img', 'aria-label': label, width: W, height: H });
  if (scale.min < 1000 && scale.max > 1000) svg.append(s('line', { x1: px(1000), x2: px(1000), y1: 1, y2: H - 1, class: 'mean' }));
  if (ok) svg.append(s('rect', { x: px(x.lower), y: H / 2 - 3, width: Math.max(2, px(x.upper) - px(x.lower)), height: 6, rx: 3, class: `iv ${x.provisional ? 'prov' : ''}` }));
  svg.append(s('circle', { cx: px(x.rating), cy: H / 2, r: 4, class: 'pt' }), s('title', {}, label));
  return svg;
}

function ownerControls(sess, base, reload) {
  const status = h('div', { class: 'form-status', role: 'alert' });
  const act = async (fn, done) => {
    status.textContent = '';
    try {
      await fn();
      toast(done);
      reload();
    } catch (e) {
      status.textContent = e.message;
    }
  };
  const active = sess.items.filter((i) => !i.withdrawn);
  const who = h('select', { name: 'alias', 'aria-label': 'Finalist to withdraw' }, active.map((i) => h('option', { value: i.alias }, itemLabel(i))));
  const closeBtn = h('button', { type: 'button', class: 'danger', onclick: () => {
    if (closeBtn.dataset.armed) {
      act(() => api.patch(base, { close: true }), 'Voting closed.');
    } else {
      closeBtn.dataset.armed = '1';
      closeBtn.textContent = 'Confirm: close voting for everyone';
    }
  } }, 'Close voting');
  return h('section', { class: 'card', 'aria-labelledby': 'h-admin' },
    h('h2', { id: 'h-admin' }, 'Session controls', h('span', { class: 'muted small' }, ' — owners')),
    h('div', { class: 'filter-row' },
      h('button', { type: 'button', onclick: () => act(() => api.patch(base, { blind: !sess.blind }), sess.blind ? 'Blinding lifted: names are visible to members.' : 'Blinding on.') }, sess.blind ? 'Lift blinding (show names)' : 'Blind again (aliases only)'),
      !sess.closed ? closeBtn : null),
    !sess.closed && active.length > 0
      ? h('form', { class: 'inline', onsubmit: (ev) => { ev.preventDefault(); act(() => api.post(`${base}/withdraw`, { alias: who.value }), `${who.value} withdrawn.`); } },
        field('Withdraw a finalist', who), h('button', { type: 'submit' }, 'Withdraw'),
        h('small', { class: 'muted' }, 'No new ballots with them; their votes stay in the record and in every fit.'))
      : null,
    status,
  );
}

// ---------------------------------------------------------------------------------------
// #/arena/ID/vote — one blind ballot at a time

const KEYS = { ArrowLeft: 'left', 1: 'left', ArrowRight: 'right', 2: 'right', t: 'tie', w: 'both_bad' };

export async function renderVote(main, [id], _q, stale) {
  const { session: sess } = await api.get(`/api/arena/sessions/${id}`);
  if (stale()) return;
  document.title = `Vote · ${sess.title} · Scout`;
  if (!canWrite()) {
    mount(main, h('h1', {}, sess.title), h('p', { class: 'muted' }, 'Viewers do not vote; recruiters and owners do.'), h('p', {}, h('a', { href: `#/arena/${id}` }, 'See the session →')));
    return;
  }
  const counter = h('p', { class: 'vote-count', role: 'status' });
  const stage = h('div', { class: 'ballot-wrap' });
  const said = h('p', { class: 'sr', 'aria-live': 'assertive' });
  mount(main,
    h('div', { class: 'page-head' },
      h('div', {},
        h('p', { class: 'crumbs' }, h('a', { href: `#/arena/${id}` }, `← ${sess.title}`)),
        h('h1', {}, 'Which finalist is stronger?'),
        sess.topic ? h('p', { class: 'session-topic' }, h('span', { class: 'muted' }, 'Topic: '), sess.topic) : null,
        h('p', { class: 'muted' }, 'Judge the pair on its own merits. The server picks the pair and the sides; scores and other members’ votes stay hidden until you are done.'))),
    counter, stage, said,
  );
  let ballot = null;
  let busy = false;

  const setCount = (mine, cap) => { counter.textContent = `Your votes: ${mine} of ${cap} · ${Math.max(0, cap - mine)} left`; };
  setCount(sess.your_votes, sess.member_cap);

  async function next() {
    ballot = null;
    mount(stage, h('p', { class: 'muted' }, 'Fetching your next pair…'));
    try {
      const r = await api.post(`/api/arena/sessions/${id}/ballot`, {});
      ballot = r.ballot;
      setCount(ballot.your_votes, ballot.member_cap);
      drawBallot();
    } catch (e) {
      if (e.status === 409) {
        mount(stage, h('div', { class: 'card done' }, h('h2', {}, 'No more ballots for you'), h('p', {}, `${e.message}.`), h('p', {}, h('a', { class: 'button primary', href: `#/arena/${id}?show=1` }, 'See the session and its results'))));
        said.textContent = `No more ballots: ${e.message}.`;
      } else {
        mount(stage, errorBox(e));
      }
    }
  }

  async function cast(outcome) {
    if (!ballot || busy) return;
    busy = true;
    stage.querySelectorAll('button').forEach((b) => { b.disabled = true; });
    try {
      const r = await api.post(`/api/arena/ballots/${ballot.id}/vote`, { outcome });
      setCount(r.your_votes, r.member_cap);
      const words = { left: `${ballot.left.alias} (left)`, right: `${ballot.right.alias} (right)`, tie: 'a tie', both_bad: 'both weak' };
      said.textContent = `Recorded: ${words[outcome]}.`;
      toast(`Vote recorded: ${words[outcome]}.`);
      busy = false;
      await next();
    } catch (e) {
      busy = false;
      stage.querySelectorAll('button').forEach((b) => { b.disabled = false; });
      toast(e.message, 'error');
    }
  }

  function side(b, where) {
    return h('article', { class: 'side', 'aria-labelledby': `side-${where}` },
      h('div', { class: 'side-where muted small' }, where === 'left' ? 'Left' : 'Right'),
      h('h2', { class: 'alias', id: `side-${where}` }, b.alias),
      b.name ? h('p', { class: 'side-name' }, b.name, b.source_org ? h('span', { class: 'muted' }, ` · ${b.source_org}`) : null) : null,
      b.name && sess.blind ? h('p', { class: 'muted small' }, 'Name shown because you are an owner; members see the alias only.') : null,
      b.tags.length ? h('p', {}, b.tags.map((t) => h('span', { class: 'tag' }, t))) : h('p', { class: 'muted small' }, b.name ? 'No tags.' : 'Blind ballot: tags are hidden (they can name a person).'),
      b.researcher_key ? h('p', { class: 'small' }, h('a', { href: `#/r/${encodeURIComponent(b.researcher_key)}`, target: '_blank', rel: 'noopener' }, 'Research profile (new tab)')) : null,
      packetView(b.packet, sess.topic),
    );
  }

  function drawBallot() {
    const btn = (outcome, label, keys, cls) => h('button', { type: 'button', class: `vote ${cls || ''}`, 'aria-keyshortcuts': keys.join(' '), dataset: { outcome }, onclick: () => cast(outcome) },
      label, h('span', { class: 'keys', 'aria-hidden': 'true' }, keys.map((k) => h('kbd', {}, k.replace('Arrow', '').replace('Left', '←').replace('Right', '→')))));
    mount(stage,
      h('div', { class: 'ballot', dataset: { ballot: String(ballot.id) } }, side(ballot.left, 'left'), h('div', { class: 'vs', 'aria-hidden': 'true' }, 'vs'), side(ballot.right, 'right')),
      h('div', { class: 'vote-actions', role: 'group', 'aria-label': 'Your vote' },
        btn('left', `${ballot.left.alias} is stronger`, ['ArrowLeft', '1'], 'primary'),
        btn('tie', 'Tie', ['t']),
        btn('both_bad', 'Both weak', ['w']),
        btn('right', `${ballot.right.alias} is stronger`, ['ArrowRight', '2'], 'primary'),
      ),
      h('p', { class: 'muted small later' },
        h('a', { href: `#/arena/${id}`, 'aria-keyshortcuts': 's' }, 'Later', h('kbd', { 'aria-hidden': 'true' }, 's')),
        ' leaves this pair unanswered: it comes back first next time (members cannot skip to a pair they prefer).'),
    );
    said.textContent = `Next pair: ${ballot.left.alias} on the left, ${ballot.right.alias} on the right.`;
    stage.querySelector('button.vote').focus();
  }

  const onKey = (ev) => {
    if (!main.contains(stage)) { document.removeEventListener('keydown', onKey); return; }
    const t = ev.target;
    if (t instanceof HTMLInputElement || t instanceof HTMLTextAreaElement || t instanceof HTMLSelectElement || ev.metaKey || ev.ctrlKey || ev.altKey) return;
    if (ev.key === 's' || ev.key === 'Escape') { ev.preventDefault(); go(`/arena/${id}`); return; }
    const outcome = KEYS[ev.key];
    if (outcome && ballot) { ev.preventDefault(); cast(outcome); }
  };
  document.addEventListener('keydown', onKey);
  await next();
}

// ---------------------------------------------------------------------------------------
// Ballot packets: what each side shows (the server decides named or blind)

const CORPUS_GAP = {
  no_corpus: 'The server has no corpus: no papers to show.',
  not_linked: 'Not linked to a researcher in the corpus.',
  not_in_corpus: 'The linked researcher is not in the corpus.',
  unavailable: 'The corpus is busy just now; papers are missing from this packet.',
};
const TIERS = { highlight: 'Oral, spotlight or award', main_track: 'Main track', workshop: 'Workshop', rejected: 'Rejected or withdrawn' };
const IMPACT = {
  below_venue_average: 'below the venue average (under 0.75×)',
  around_venue_average: 'around the venue average (0.75–1.5×)',
  above_venue_average: 'above the venue average (1.5–3×)',
  far_above_venue_average: 'far above the venue average (3× or more)',
};

function careerLine(p) {
  if (!p.career_stage) return 'career stage unknown';
  return `${p.career_stage_at_least ? 'at least ' : ''}${p.career_stage} career${p.career_stage_set ? ' (set by the committee)' : ''}`;
}

function scorecardBlock(cards, blind) {
  return h('div', { class: 'pk-scorecards' }, h('h3', {}, 'Scorecards'),
    cards.length ? cards.map((c) => h('p', { class: 'small', dataset: { stage: c.stage } },
      h('strong', {}, fmt.stage(c.stage)), ` · ${c.submitted} submitted: `,
      c.hidden ? h('span', { class: 'muted' }, 'averages hidden until yours for this stage is in')
        : c.averages.map((a, i) => h('span', { class: 'pk-avg' }, `${i ? ' · ' : ''}${a.attribute} ${fmt.num(a.mean, blind ? 1 : 2)}`)))) : h('p', { class: 'muted small' }, 'None yet.'));
}

function paperItem(p) {
  const f = p.factors;
  const where = [p.venue, p.year].filter(Boolean).join(' · ');
  const impact = p.relative_impact != null ? ` · impact ${fmt.num(p.relative_impact, 1)}× a typical paper of its venue-year${p.impact_estimated ? ' (est.)' : ''}` : '';
  return h('li', {},
    h('span', { class: 'pk-title' }, p.title),
    h('span', { class: 'muted small' }, ` ${where}${impact} · author ${p.position} of ${p.n_authors}`),
    f ? h('span', { class: 'pk-factors small' }, `relevance ${fmt.num(f.relevance, 1)} × impact ${fmt.num(f.impact, 2)} × role ${fmt.num(f.role, 2)} × recency ${fmt.num(f.recency, 2)} = ${fmt.num(f.contribution, 2)}`) : null);
}

function packetView(p, topic) {
  if (!p) return null;
  const gap = p.corpus !== 'found' ? h('p', { class: 'muted small' }, CORPUS_GAP[p.corpus] || '') : null;
  if (p.kind === 'blind') {
    return h('section', { class: 'packet blind', dataset: { kind: 'blind' }, 'aria-label': 'Blind packet' },
      h('p', { class: 'pk-note small muted' }, 'Blind packet: no names, titles, venues, years, tags or notes.'),
      h('p', { class: 'pk-stage' }, careerLine(p)),
      gap,
      p.impact_band ? h('p', { class: 'pk-impact small' }, h('strong', {}, 'Impact: '), `median paper ${IMPACT[p.impact_band]}`) : null,
      p.tiers.length ? h('div', { class: 'pk-tiers' }, h('h3', {}, topic ? 'Papers on the topic, by venue tier' : 'Papers by venue tier'),
        h('ul', {}, p.tiers.map((t) => h('li', { class: 'small', dataset: { tier: t.tier } },
          h('strong', {}, TIERS[t.tier] || t.tier), `: ${t.papers} ${plural(t.papers)} (first author ${t.first_author}, last ${t.last_author}, middle ${t.middle_author})`,
          t.score_share != null ? ` · ${t.score_share}% of the score` : '')))) : null,
      scorecardBlock(p.scorecards, true));
  }
  return h('section', { class: 'packet named', dataset: { kind: 'named' }, 'aria-label': 'Packet' },
    h('p', { class: 'pk-stage' }, `${fmt.stage(p.stage)} · ${careerLine(p)}`),
    gap,
    p.score != null ? h('p', { class: 'small' }, `List score ${fmt.num(p.score, 2)} for the topic, from ${p.papers} ${plural(p.papers)}`) : (p.corpus === 'found' ? h('p', { class: 'small muted' }, `${p.papers} ${plural(p.papers)}`) : null),
    p.top_papers.length ? h('div', { class: 'pk-papers' }, h('h3', {}, topic ? 'Top papers for the topic' : 'Top papers by impact'), h('ol', {}, p.top_papers.map(paperItem))) : null,
    scorecardBlock(p.scorecards, false),
    h('div', { class: 'pk-notes' }, h('h3', {}, 'Notes'),
      p.notes.length ? h('ul', {}, p.notes.map((n) => h('li', { class: 'small' }, h('span', { class: 'pk-note-body' }, n.body), h('span', { class: 'muted' }, ` — ${n.author}, ${fmt.date(n.created_at)}`)))) : h('p', { class: 'muted small' }, 'No notes.')));
}

/** "paper" for one (a count or the band "1"), "papers" otherwise. */
function plural(n) {
  return String(n) === '1' ? 'paper' : 'papers';
}
