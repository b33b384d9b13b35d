// End-to-end tests of the Scout web UI: Playwright (playwright-core) driving Debian's
// Chromium headless against a running `scout serve` (started by scripts/e2e on the demo data
// plus e2e/fixtures). Plain assertions; every check runs, failures are listed, exit 1 if any.
//
// Environment: SCOUT_URL (http://127.0.0.1:PORT), SCOUT_PASSWORD (of olivia/owner,
// rachel/recruiter, victor/viewer), CHROMIUM (default /usr/bin/chromium), SCOUT_SHOTS
// (screenshot folder, default docs/ui).

import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';

const BASE = process.env.SCOUT_URL;
const PASSWORD = process.env.SCOUT_PASSWORD;
const SHOTS = process.env.SCOUT_SHOTS || 'docs/ui';
const TOPIC = 'large language models';
if (!BASE || !PASSWORD) {
  console.error('set SCOUT_URL and SCOUT_PASSWORD (scripts/e2e does)');
  process.exit(2);
}
mkdirSync(SHOTS, { recursive: true });

const results = [];
const debugPages = {};
async function test(name, fn) {
  const t0 = Date.now();
  try {
    await fn();
    results.push({ name, ok: true });
    console.log(`ok    ${name} (${Date.now() - t0} ms)`);
  } catch (e) {
    results.push({ name, ok: false, e });
    // What each signed-in page showed when the test failed (for the CI log's artifacts).
    for (const [who, pg] of Object.entries(debugPages)) {
      await pg.screenshot({ path: `${SHOTS}/FAILED-${results.length}-${who}.png`, fullPage: true }).catch(() => {});
    }
    console.log(`FAIL  ${name}\n      ${String(e && e.stack ? e.stack : e).split('\n').slice(0, 6).join('\n      ')}`);
  }
}

/** A JSON API session (Node fetch), for setting up and for checking what the UI shows. */
async function apiSession(name) {
  const r = await fetch(`${BASE}/api/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name, password: PASSWORD }) });
  assert.equal(r.status, 200, `login ${name}`);
  const body = await r.json();
  const cookie = r.headers.get('set-cookie').split(';')[0];
  const call = async (method, path, json) => {
    const resp = await fetch(`${BASE}${path}`, {
      method,
      headers: { Cookie: cookie, 'X-CSRF-Token': body.csrf_token, ...(json ? { 'Content-Type': 'application/json' } : {}) },
      body: json ? JSON.stringify(json) : undefined,
    });
    const text = await resp.text();
    return { status: resp.status, json: text ? JSON.parse(text) : null };
  };
  return { get: (p) => call('GET', p), post: (p, j) => call('POST', p, j ?? {}) };
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

const problems = [];
async function newPage(opts = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, ...opts });
  const page = await context.newPage();
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/Failed to load resource: the server responded with a status of (401|403|409|422)/.test(m.text())) problems.push(`console: ${m.text()}`);
  });
  page.on('dialog', (d) => {
    problems.push(`unexpected dialog: ${d.message()}`);
    d.dismiss();
  });
  return { context, page };
}

/** Opens a route; reloads when the page is already there (a same-hash goto renders nothing). */
async function visit(page, hash) {
  const url = `${BASE}/${hash}`;
  if (page.url() === url) await page.reload();
  else await page.goto(url);
}

async function signIn(page, name) {
  await page.goto(`${BASE}/`);
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#nav a').first().waitFor();
}

async function shot(page, name) {
  await page.evaluate(() => document.fonts && document.fonts.ready);
  await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
}

/** Screenshots of the current route at 1280 and 390 px wide. */
async function shots(context, hash, name, ready) {
  for (const [w, hgt] of [[1280, 860], [390, 844]]) {
    const state = await context.storageState();
    const ctx = await browser.newContext({ viewport: { width: w, height: hgt }, storageState: state });
    const p = await ctx.newPage();
    await p.goto(`${BASE}/${hash}`);
    try {
      await p.locator(ready).first().waitFor({ timeout: 15000 });
    } finally {
      await shot(p, `${name}-${w}`);
    }
    // The page fits the width: no sideways scrolling of the whole page (wide tables scroll
    // inside their own box).
    const scrollWidth = await p.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(scrollWidth <= w + 1, `${name} at ${w} px is ${scrollWidth} px wide`);
    await ctx.close();
  }
}

const owner = await apiSession('olivia');
const recruiterApi = await apiSession('rachel');
const viewerApi = await apiSession('victor');

const { context: rctx, page: rpage } = await newPage();
const { context: octx, page: opage } = await newPage();
const { context: vctx, page: vpage } = await newPage();
Object.assign(debugPages, { recruiter: rpage, owner: opage, viewer: vpage });
let candidateId = null;
let topKey = null;
const firstRender = [];

await test('sign-in refuses a wrong password with the server message, then signs in', async () => {
  await rpage.goto(`${BASE}/`);
  await rpage.getByLabel('Name').fill('rachel');
  await rpage.getByLabel('Password').fill('not the password');
  await rpage.getByRole('button', { name: 'Sign in' }).click();
  await rpage.getByText('wrong name or password').waitFor();
  await shot(rpage, 'signin-1280');
  await rpage.setViewportSize({ width: 390, height: 844 });
  await shot(rpage, 'signin-390');
  await rpage.setViewportSize({ width: 1280, height: 860 });
  await rpage.getByLabel('Password').fill(PASSWORD);
  await rpage.getByRole('button', { name: 'Sign in' }).click();
  await rpage.getByRole('link', { name: 'The List' }).waitFor();
  assert.equal(await rpage.locator('.who .role').textContent(), 'recruiter');
  // Owner-only pages are not offered to a recruiter.
  assert.equal(await rpage.locator('#nav a', { hasText: 'Users' }).count(), 0);
  await signIn(opage, 'olivia');
  await signIn(vpage, 'victor');
  assert.equal(await opage.locator('#nav a', { hasText: 'Audit' }).count(), 1);
});

await test('the List: search a topic, rows with score bars, sort, filter', async () => {
  const api = await recruiterApi.get(`/api/list?topic=${encodeURIComponent(TOPIC)}&limit=50`);
  assert.equal(api.status, 200);
  await visit(rpage, `#/list`);
  await rpage.getByRole('searchbox', { name: 'Topic' }).fill(TOPIC);
  await rpage.keyboard.press('Enter');
  // Rows of a finished search (the results section is busy while the List is computed).
  const rows = rpage.locator('section.results[aria-busy=false] table.list tbody tr.row');
  await rows.first().waitFor();
  assert.equal(await rows.count(), api.json.rows.length);
  const names = await rows.locator('a.name').allTextContents();
  assert.deepEqual(names, api.json.rows.map((r) => r.researcher.name));
  topKey = api.json.rows[0].researcher.key;
  // Score bars: one segment per shown paper (+ the rest), widths add up to the score share.
  assert.ok((await rows.first().locator('.sbar .seg').count()) >= 1);
  // The factor breakdown opens from the keyboard.
  const toggle = rows.first().locator('button.expand');
  await toggle.focus();
  await rpage.keyboard.press('Enter');
  assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
  assert.ok((await rpage.locator('tr.detail:not([hidden]) .factor').count()) >= 4);
  // Sort by papers (descending).
  await rpage.locator('button.sort[data-sort=papers]').click();
  const papers = (await rows.locator('td:nth-child(6)').allTextContents()).map(Number);
  assert.deepEqual(papers, [...papers].sort((a, b) => b - a));
  // Filter: senior researchers only.
  await visit(rpage, `#/list?topic=${encodeURIComponent(TOPIC)}&stage=senior`);
  // The filtered search's own results (not the rows of the search before).
  const senior = rpage.locator('section.results[aria-busy=false][data-query*="stage=senior"] table.list tbody tr.row');
  await senior.first().waitFor();
  const stages = await senior.locator('td:nth-child(4)').allTextContents();
  assert.ok(stages.length > 0 && stages.every((s) => s === 'senior'), stages.join(','));
});

await test('time to first render of the List (navigation start → result rows visible)', async () => {
  const topics = [TOPIC, 'reinforcement learning', 'diffusion models', 'graph neural networks', 'speech recognition'];
  for (const t of topics) {
    const { context, page } = await newPage({ storageState: await rctx.storageState() });
    await page.goto(`${BASE}/#/list?topic=${encodeURIComponent(t)}`);
    await page.locator('table.list tbody tr.row').first().waitFor({ state: 'visible' });
    const ms = await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => resolve(performance.now()))));
    const server = await page.evaluate(() => Number((document.querySelector('.summary')?.textContent || '').match(/([\d.]+) ms/)?.[1]));
    firstRender.push({ topic: t, ms, server });
    await context.close();
  }
  const sorted = firstRender.map((x) => x.ms).sort((a, b) => a - b);
  for (const x of firstRender) console.log(`      first render "${x.topic}": ${x.ms.toFixed(0)} ms (ranking on the server ${x.server} ms)`);
  console.log(`      first render median ${sorted[Math.floor(sorted.length / 2)].toFixed(0)} ms, max ${sorted.at(-1).toFixed(0)} ms (reported, not asserted)`);
});

await test('profile: chart, affiliations, co-authors, explanation; graph view', async () => {
  await visit(rpage, `#/list?topic=${encodeURIComponent(TOPIC)}`);
  await rpage.locator('table.list tbody tr.row a.name').first().click();
  await rpage.locator('h1').filter({ hasNotText: 'The List' }).waitFor();
  const api = await recruiterApi.get(`/api/researchers/${encodeURIComponent(topKey)}?topic=${encodeURIComponent(TOPIC)}`);
  assert.equal(await rpage.locator('h1').textContent(), api.json.profile.researcher.name);
  const bars = await rpage.locator('section[aria-labelledby=pby] svg rect.bar').count();
  const years = api.json.profile.papers_by_year;
  assert.equal(bars, years.at(-1)[0] - years[0][0] + 1, 'one bar per year of the span');
  assert.equal(await rpage.locator('section[aria-labelledby=co] tbody tr').count(), api.json.profile.coauthors.length);
  await rpage.getByText(`Rank ${api.json.topic_breakdown.rank} for`).waitFor();
  await rpage.getByRole('link', { name: 'Co-author graph' }).click();
  await rpage.locator('svg.graph a.node').first().waitFor();
  const g = await recruiterApi.get(`/api/researchers/${encodeURIComponent(topKey)}/neighbourhood?limit=25`);
  assert.equal(await rpage.locator('svg.graph a.node').count(), g.json.nodes.length);
});

await test('add to pipeline from the List', async () => {
  await visit(rpage, `#/list?topic=${encodeURIComponent(TOPIC)}`);
  const row = rpage.locator(`table.list tr.row[data-key="${topKey}"]`);
  await row.waitFor();
  await row.getByRole('button', { name: /Pipeline/ }).click();
  const link = row.getByRole('link', { name: 'In pipeline' });
  await link.waitFor();
  candidateId = Number((await link.getAttribute('href')).split('/').pop());
  const c = await recruiterApi.get(`/api/candidates/${candidateId}`);
  assert.equal(c.json.candidate.researcher_key, topKey);
  assert.equal(c.json.candidate.stage, 'sourced');
  // Viewers get no add button.
  await visit(vpage, `#/list?topic=${encodeURIComponent(TOPIC)}`);
  await vpage.locator('table.list tbody tr.row').first().waitFor();
  assert.equal(await vpage.locator('button.add').count(), 0);
});

await test('seed more candidates through the API (for the board, analytics and screenshots)', async () => {
  const list = (await recruiterApi.get(`/api/list?topic=${encodeURIComponent(TOPIC)}&limit=12`)).json.rows.slice(1, 9);
  const paths = [[], ['shortlisted'], ['shortlisted', 'finalist'], ['shortlisted', 'finalist', 'contacted'], ['shortlisted', 'finalist', 'contacted', 'responded'],
    ['shortlisted', 'finalist', 'contacted', 'declined'], ['withdrawn'], ['shortlisted', 'finalist', 'contacted', 'responded', 'meeting']];
  for (const [i, row] of list.entries()) {
    const c = await recruiterApi.post('/api/candidates', { name: row.researcher.name, researcher_key: row.researcher.key, source_org: row.researcher.current_org || undefined, tags: ['llm'] });
    assert.equal(c.status, 201, JSON.stringify(c.json));
    for (const to of paths[i % paths.length]) {
      const m = await recruiterApi.post(`/api/candidates/${c.json.candidate.id}/stage`, { to });
      assert.equal(m.status, 200, JSON.stringify(m.json));
    }
  }
});

async function stageOf(id) {
  return (await recruiterApi.get(`/api/candidates/${id}`)).json.candidate.stage;
}

await test('pipeline board: move by keyboard, drag and menu; an illegal move is refused with the server message', async () => {
  await visit(rpage, `#/pipeline`);
  const card = () => rpage.locator(`.bcard[data-id="${candidateId}"]`);
  await card().waitFor();
  // Keyboard: → moves one stage on.
  await card().focus();
  await rpage.keyboard.press('ArrowRight');
  await rpage.locator(`.col[data-stage=shortlisted] .bcard[data-id="${candidateId}"]`).waitFor();
  assert.equal(await stageOf(candidateId), 'shortlisted');
  // Drag and drop onto the next column.
  await card().dragTo(rpage.locator('.col[data-stage=finalist]'));
  await rpage.locator(`.col[data-stage=finalist] .bcard[data-id="${candidateId}"]`).waitFor();
  assert.equal(await stageOf(candidateId), 'finalist');
  // The card's stage menu.
  await card().getByLabel(/Move .* to stage/).selectOption('contacted');
  await rpage.locator(`.col[data-stage=contacted] .bcard[data-id="${candidateId}"]`).waitFor();
  // Illegal: contacted → sourced. The server refuses; the card stays; its message is shown.
  await card().getByLabel(/Move .* to stage/).selectOption('sourced');
  const alert = rpage.locator('.board-alert');
  await alert.filter({ hasText: 'was not moved' }).waitFor();
  const refused = await recruiterApi.post(`/api/candidates/${candidateId}/stage`, { to: 'sourced' });
  assert.equal(refused.status, 409);
  assert.ok((await alert.textContent()).includes(refused.json.error.message), `${await alert.textContent()} vs ${refused.json.error.message}`);
  assert.equal(await stageOf(candidateId), 'contacted');
  await shots(rctx, '#/pipeline', 'pipeline', '.bcard');
  // On through responded and meeting to offer, by keyboard.
  for (const next of ['responded', 'meeting', 'offer']) {
    await visit(rpage, `#/pipeline`);
    await card().focus();
    await rpage.keyboard.press('ArrowRight');
    await rpage.locator(`.col[data-stage=${next}] .bcard[data-id="${candidateId}"]`).waitFor();
  }
  assert.equal(await stageOf(candidateId), 'offer');
});

const OFFER = { base: 187000, bonus: 20000, sign_on: 15000, equity: 400000 };
const RIVAL = 'Rival Frontier Lab';

await test('candidate page: owner makes an offer and records a counteroffer', async () => {
  await visit(opage, `#/candidates/${candidateId}`);
  const comp = opage.locator('section.comp');
  await comp.waitFor();
  await comp.getByLabel('Base / yr').fill(String(OFFER.base));
  await comp.getByLabel('Bonus / yr').fill(String(OFFER.bonus));
  await comp.getByLabel('Sign-on').fill(String(OFFER.sign_on));
  await comp.getByLabel('Equity').fill(String(OFFER.equity));
  await comp.getByRole('button', { name: 'Make offer' }).click();
  await opage.locator('section.comp table.offers tbody tr').first().waitFor();
  const offers = (await owner.get(`/api/candidates/${candidateId}/offers`)).json.offers;
  assert.equal(offers.length, 1);
  const total = await opage.locator('section.comp td.total').first().textContent();
  assert.equal(total, `${offers[0].total_value.toLocaleString('en')} USD`);
  await opage.locator('section.comp').getByLabel('Rival organisation').fill(RIVAL);
  await opage.locator('section.comp').getByLabel('Value').fill('240000');
  await opage.locator('section.comp').getByRole('button', { name: 'Record counteroffer' }).click();
  await opage.locator('section.comp ul.counters li', { hasText: RIVAL }).waitFor();
  const counters = (await owner.get(`/api/candidates/${candidateId}/counteroffers`)).json.counteroffers;
  assert.equal(counters.length, 1);
  assert.equal(counters[0].rival_org, RIVAL);
  // The meeting form and the .ics link.
  await opage.getByLabel('Starts (your time)').fill('2026-03-02T15:30');
  await opage.getByRole('button', { name: 'Schedule' }).click();
  const ics = opage.getByRole('link', { name: 'Download .ics' });
  await ics.waitFor();
  const href = await ics.getAttribute('href');
  const body = await opage.evaluate(async (u) => (await fetch(u)).text(), href);
  assert.ok(body.startsWith('BEGIN:VCALENDAR') && body.includes('BEGIN:VEVENT'), body.slice(0, 80));
  await shots(octx, `#/candidates/${candidateId}`, 'candidate-owner', 'section.comp');
});

await test('viewer and recruiter cannot see compensation: not in the DOM at all', async () => {
  const needles = ['187,000', '187000', RIVAL, '240,000', 'Offers and counteroffers', 'counteroffer'];
  for (const [page, api, who] of [[vpage, viewerApi, 'viewer'], [rpage, recruiterApi, 'recruiter']]) {
    await visit(page, `#/candidates/${candidateId}`);
    await page.getByRole('heading', { name: 'Notes' }).waitFor();
    const html = await page.content();
    for (const n of needles) assert.ok(!html.toLowerCase().includes(n.toLowerCase()), `${who} page contains ${n}`);
    const c = await api.get(`/api/candidates/${candidateId}`);
    assert.ok(!('compensation' in c.json), `${who} API has compensation`);
    assert.equal((await api.get(`/api/candidates/${candidateId}/offers`)).status, 403);
  }
  await shots(vctx, `#/candidates/${candidateId}`, 'candidate-viewer', 'section.card');
});

const XSS_NOTE = '<img src=x onerror="window.__xss=\'note\'"><script>window.__xss=\'note-script\'</script> follow up';

await test('XSS payloads in a note and in a paper title are rendered inert', async () => {
  // A note, written through the UI.
  await visit(rpage, `#/candidates/${candidateId}`);
  await rpage.getByLabel('Add a note').fill(XSS_NOTE);
  await rpage.getByRole('button', { name: 'Add note' }).click();
  await rpage.locator('.note-body', { hasText: 'follow up' }).waitFor();
  for (const page of [rpage, vpage]) {
    await visit(page, `#/candidates/${candidateId}`);
    const note = page.locator('.note-body', { hasText: 'follow up' });
    await note.waitFor();
    assert.equal(await note.textContent(), XSS_NOTE);
    assert.equal(await note.locator('img, script').count(), 0);
    await page.waitForTimeout(150);
    assert.equal(await page.evaluate(() => window.__xss), undefined);
  }
  // A paper title from the fixture record, in the List and on the profile.
  await visit(rpage, `#/list?topic=zyzzogeton`);
  const row = rpage.locator('table.list tbody tr.row').first();
  await row.waitFor();
  assert.ok((await row.locator('.sub').textContent()).includes('<img src=x onerror='));
  await row.locator('a.name').click();
  const paper = rpage.locator('.paperlist .pt', { hasText: 'Zyzzogeton' });
  await paper.waitFor();
  assert.ok((await paper.textContent()).includes('<script>window.__xss'));
  assert.equal(await rpage.locator('main img, main script').count(), 0);
  await rpage.waitForTimeout(150);
  assert.equal(await rpage.evaluate(() => window.__xss), undefined);
});

await test('analytics numbers equal the API', async () => {
  for (const [page, api] of [[opage, owner], [vpage, viewerApi]]) {
    await visit(page, '#/analytics');
    await page.locator('[data-metric=candidates]').waitFor();
    const a = (await api.get('/api/analytics')).json.analytics;
    assert.equal(Number(await page.locator('[data-metric=candidates]').textContent()), a.candidates);
    for (const step of a.funnel) {
      assert.equal(Number(await page.locator(`[data-metric="reached-${step.stage}"]`).textContent()), step.reached, `reached ${step.stage}`);
      assert.equal(Number(await page.locator(`[data-metric="current-${step.stage}"]`).textContent()), step.current, `current ${step.stage}`);
    }
    for (const g of a.by_source_org) {
      assert.equal(Number(await page.locator(`[data-metric="group-${g.group}"]`).first().textContent()), g.candidates);
    }
    assert.ok(a.funnel.find((s) => s.stage === 'offer').reached >= 1);
    // Offer analytics are for owners only, in the API and on the page.
    assert.equal(await page.getByRole('heading', { name: 'Offer acceptance' }).count(), api === owner ? 1 : 0);
  }
});

await test('owner pages: users and audit; other roles are refused', async () => {
  await visit(opage, `#/users`);
  for (const n of ['olivia', 'rachel', 'victor']) await opage.getByRole('cell', { name: n, exact: true }).waitFor();
  await visit(opage, `#/audit`);
  await opage.getByText('Hash chain verified').waitFor();
  assert.ok((await opage.locator('table.audit tbody tr').count()) > 0);
  await visit(vpage, `#/users`);
  await vpage.getByText('This page is for owners.').waitFor();
});

await test('keyboard: skip link, visible focus, "/" focuses the search', async () => {
  await visit(rpage, `#/list`);
  await rpage.locator('input[type=search]').waitFor();
  await rpage.locator('body').click({ position: { x: 5, y: 300 } });
  await rpage.keyboard.press('/');
  assert.equal(await rpage.evaluate(() => document.activeElement?.getAttribute('type')), 'search');
  // The skip link: visible when focused, and it moves focus to the main content.
  await rpage.focus('a.skip');
  const box = await rpage.locator('a.skip').boundingBox();
  assert.ok(box && box.x >= 0, 'skip link on screen when focused');
  assert.notEqual(await rpage.evaluate(() => getComputedStyle(document.activeElement).outlineStyle), 'none');
  await rpage.keyboard.press('Enter');
  assert.equal(await rpage.evaluate(() => document.activeElement?.id), 'main');
  // Tab reaches the search box with a visible focus ring.
  await rpage.locator('input[type=search]').focus();
  assert.notEqual(await rpage.evaluate(() => getComputedStyle(document.activeElement).outlineStyle), 'none');
});

/** `(name, bytes)` of the files in a ustar archive. */
function untar(buf) {
  const text = (b) => b.toString('utf8').replace(/[\0 ]+$/, '');
  const out = [];
  let at = 0;
  while (at + 512 <= buf.length && buf.subarray(at, at + 512).some((x) => x !== 0)) {
    const hd = buf.subarray(at, at + 512);
    const size = parseInt(text(hd.subarray(124, 136)), 8);
    const prefix = text(hd.subarray(345, 500));
    const name = text(hd.subarray(0, 100));
    if (hd[156] === 0x30) out.push({ name: prefix ? `${prefix}/${name}` : name, size });
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

/** Waits until a job card is finished, noting the phases seen running with a visible bar. */
async function watchJob(page, card, timeout = 180000) {
  const seen = [];
  const t0 = Date.now();
  while (Date.now() - t0 < timeout) {
    const status = await card.getAttribute('data-status');
    if (status !== 'running') return { status, seen };
    const phase = await card.getAttribute('data-phase');
    const bar = await card.locator('.job-live progress').isVisible().catch(() => false);
    if (phase && bar && seen.at(-1) !== phase) seen.push(phase);
    await page.waitForTimeout(100);
  }
  throw new Error('job did not finish');
}

await test('data page: upload a real file, see upload and job progress, the result, the new paper in the List', async () => {
  // Only owners get the import form.
  await visit(rpage, '#/data');
  await rpage.getByRole('heading', { name: 'Export' }).waitFor();
  assert.equal(await rpage.locator('form.upload').count(), 0);
  await visit(opage, '#/data');
  await opage.getByLabel('Data file').setInputFiles('e2e/fixtures/rss-2009.jsonl');
  await opage.getByRole('button', { name: 'Upload and ingest' }).click();
  // The upload's own progress (XMLHttpRequest upload events) ends at 100 %.
  const uploaded = opage.locator('.upload-live .progress-line[data-done=true]');
  await uploaded.waitFor();
  assert.match(await uploaded.textContent(), /Uploaded rss-2009\.jsonl: 12\.\d KB .*\(100%\)/);
  const card = opage.locator('article.job[data-kind=ingest]').first();
  await card.waitFor();
  // The job's phases with a live bar: the refresh of the demo corpus takes seconds.
  await card.locator('.job-live progress').waitFor({ state: 'visible' });
  await shot(opage, 'data-running-1280');
  await opage.setViewportSize({ width: 390, height: 844 });
  await shot(opage, 'data-running-390');
  await opage.setViewportSize({ width: 1280, height: 860 });
  const { status, seen } = await watchJob(opage, card);
  assert.equal(status, 'succeeded', await card.textContent());
  assert.ok(seen.length >= 1 && seen.every((p) => ['parse', 'refresh', 'reload'].includes(p)), seen.join(','));
  console.log(`      ingest phases seen running with a progress bar: ${seen.join(' → ')}`);
  // The result on the page equals the API's.
  const jobs = (await owner.get('/api/jobs')).json.jobs;
  const job = jobs.find((j) => j.kind === 'ingest' && j.status === 'succeeded');
  for (const k of ['records_read', 'inserted', 'rejected', 'new_works']) {
    assert.equal(Number((await card.locator(`[data-metric=${k}]`).textContent()).replace(/,/g, '')), job.result[k], k);
  }
  assert.equal(job.result.inserted, 39);
  const reject = card.locator('table.rejects tbody tr').first();
  assert.equal(await reject.locator('td').nth(0).textContent(), 'rss-2009.jsonl');
  assert.equal(await reject.locator('td').nth(1).textContent(), '40');
  // A new paper, from the result's link, is in the List.
  const link = card.locator('a.new-work').first();
  const title = await link.textContent();
  await link.click();
  const rows = opage.locator('section.results[aria-busy=false] table.list tbody tr.row');
  await rows.first().waitFor();
  const subs = await rows.locator('.sub').allTextContents();
  assert.ok(subs.includes(title), `${title} not among ${subs.slice(0, 5).join(' | ')}`);
});

await test('data page: export the corpus as Parquet with progress, download the .tar', async () => {
  await visit(opage, '#/data');
  await opage.getByRole('button', { name: 'Export corpus (Parquet .tar)' }).click();
  const card = opage.locator('article.job[data-kind=parquet_export]').first();
  await card.waitFor();
  const { status, seen } = await watchJob(opage, card);
  assert.equal(status, 'succeeded', await card.textContent());
  console.log(`      Parquet export phases seen running with a progress bar: ${seen.join(' → ') || '(finished between polls)'}`);
  const job = (await owner.get('/api/jobs')).json.jobs.find((j) => j.kind === 'parquet_export');
  const [download] = await Promise.all([opage.waitForEvent('download'), card.locator('a.download').click()]);
  assert.equal(download.suggestedFilename(), job.download.file_name);
  const bytes = readFileSync(await download.path());
  assert.equal(bytes.length, job.download.bytes);
  const files = untar(bytes);
  assert.equal(files.length, job.result.files);
  for (const t of ['works', 'authorships', 'researchers', 'organisations', 'coauthor_edges', 'moves']) {
    assert.ok(files.some((f) => f.name.startsWith(`scout-parquet/${t}/`) && f.name.endsWith('.parquet')), t);
  }
  // The table of rows on the page is the job's.
  for (const t of job.result.tables) {
    assert.equal(Number((await card.locator(`tr[data-table=${t.table}] td`).nth(1).textContent()).replace(/,/g, '')), t.rows, t.table);
  }
  await shots(octx, '#/data', 'data', 'article.job[data-status=succeeded]');
});

await test('data page: a recruiter exports the pipeline as CSV, without compensation', async () => {
  await visit(rpage, '#/data');
  await rpage.getByRole('button', { name: 'Export pipeline (CSV)' }).click();
  const card = rpage.locator('article.job[data-kind=pipeline_export]').first();
  await card.waitFor();
  const { status } = await watchJob(rpage, card);
  assert.equal(status, 'succeeded');
  const [download] = await Promise.all([rpage.waitForEvent('download'), card.locator('a.download').click()]);
  const csv = readFileSync(await download.path(), 'utf8');
  const lines = csv.trim().split('\n');
  const header = lines[0].split(',');
  assert.ok(header.includes('stage') && header.includes('owner') && header.includes('tags'), lines[0]);
  assert.ok(!header.some((h) => h.startsWith('offer') || h.startsWith('counteroffer')), lines[0]);
  assert.ok(!csv.includes('187000') && !csv.includes(RIVAL), 'compensation in a recruiter export');
  const api = (await recruiterApi.get('/api/candidates?limit=1000')).json.candidates;
  const ids = lines.slice(1).map((l) => Number(l.split(',')[0]));
  assert.deepEqual(ids, api.map((c) => c.id));
});

await test('screenshots of every page at 1280 and 390 px', async () => {
  const q = encodeURIComponent(TOPIC);
  await shots(octx, `#/list?topic=${q}`, 'list', 'tr.row');
  await shots(octx, `#/r/${encodeURIComponent(topKey)}?topic=${q}`, 'profile', 'svg.chart');
  await shots(octx, `#/r/${encodeURIComponent(topKey)}/graph`, 'graph', 'svg.graph');
  await shots(octx, `#/orgs?topic=${q}`, 'orgs', 'tr.row');
  await shots(octx, '#/flows', 'flows', 'svg.flows');
  await shots(octx, '#/analytics', 'analytics', 'svg.funnel');
  await shots(octx, '#/users', 'users', 'table');
  await shots(octx, '#/audit', 'audit', 'table.audit');
  // Dark mode.
  const dark = await browser.newContext({ viewport: { width: 1280, height: 860 }, colorScheme: 'dark', storageState: await octx.storageState() });
  const dp = await dark.newPage();
  for (const [hash, name, ready] of [[`#/list?topic=${q}`, 'list-dark-1280', 'tr.row'], ['#/pipeline', 'pipeline-dark-1280', '.bcard']]) {
    await dp.goto(`${BASE}/${hash}`);
    await dp.locator(ready).first().waitFor();
    await shot(dp, name);
  }
  await dark.close();
});

await test('no page errors, CSP violations or unexpected console errors', async () => {
  assert.deepEqual(problems, []);
});

await browser.close();
const failed = results.filter((r) => !r.ok);
console.log(`\n${results.length - failed.length} passed, ${failed.length} failed`);
if (firstRender.length) {
  const sorted = firstRender.map((x) => x.ms).sort((a, b) => a - b);
  console.log(`time to first render of the List (median of ${sorted.length} topics): ${sorted[Math.floor(sorted.length / 2)].toFixed(0)} ms`);
}
process.exit(failed.length ? 1 : 0);
