// Where the time to the first rendered row of the List goes: for each topic, a fresh browser
// context (cold cache, as in e2e/run.mjs) opens the List, waits for the first result row, and
// prints the Performance API's timeline — document, modules, the API calls (with the server's
// Server-Timing), the first rows, the first paint. A profiling aid, not a test.
//
//   SCOUT_URL=http://127.0.0.1:PORT SCOUT_PASSWORD=… node e2e/first-render.mjs [runs]
//
// scripts/e2e prints the same median; this breaks it down.

import { chromium } from 'playwright-core';

const BASE = process.env.SCOUT_URL;
const PASSWORD = process.env.SCOUT_PASSWORD;
const USER = process.env.SCOUT_USER || 'rachel';
const RUNS = Number(process.argv[2] || 1);
const TOPICS = ['large language models', 'reinforcement learning', 'diffusion models', 'graph neural networks', 'speech recognition'];
if (!BASE || !PASSWORD) {
  console.error('set SCOUT_URL and SCOUT_PASSWORD');
  process.exit(2);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const login = await browser.newContext();
const lp = await login.newPage();
await lp.goto(`${BASE}/`);
const ok = await lp.evaluate(async ([name, password]) => (await fetch('/api/login', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name, password }) })).ok, [USER, PASSWORD]);
if (!ok) throw new Error('login failed');
const state = await login.storageState();
await login.close();

const all = [];
const painted = [];
for (let run = 0; run < RUNS; run++) {
  for (const topic of TOPICS) {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 860 }, storageState: state });
    const page = await ctx.newPage();
    // Element Timing entries are only kept for observers registered before the paint.
    await page.addInitScript(() => {
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) if (e.identifier === 'list-first-row') window.__scoutFirstRowPaint = e.renderTime || e.loadTime;
      }).observe({ type: 'element', buffered: true });
    });
    await page.goto(`${BASE}/#/list?topic=${encodeURIComponent(topic)}`);
    await page.locator('table.list tbody tr.row').first().waitFor({ state: 'visible' });
    const visible = await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => resolve(performance.now()))));
    await page.waitForTimeout(200);
    const t = await page.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0];
      const res = performance.getEntriesByType('resource').map((r) => ({
        name: new URL(r.name).pathname + (new URL(r.name).search ? '?…' : ''),
        start: r.startTime, end: r.responseEnd, ttfb: r.responseStart - r.requestStart, bytes: r.encodedBodySize,
        server: (r.serverTiming || []).map((s) => `${s.name}=${s.duration.toFixed(1)}`).join(' '),
      }));
      const mark = (n) => performance.getEntriesByName(n)[0]?.startTime ?? null;
      const paints = Object.fromEntries(performance.getEntriesByType('paint').map((p) => [p.name, p.startTime]));
      return { doc: nav.responseEnd, dom: nav.domContentLoadedEventEnd, load: nav.loadEventEnd, res, firstRows: mark('scout:list-first-rows'), allRows: mark('scout:list-rendered'), paints, painted: window.__scoutFirstRowPaint ?? null };
    });
    all.push(visible);
    const f = (x) => (x === null || x === undefined ? '–' : x.toFixed(0).padStart(4));
    console.log(`\n"${topic}": row visible at ${visible.toFixed(0)} ms (run ${run + 1})`);
    console.log(`  document ${f(t.doc)}  DOMContentLoaded ${f(t.dom)}  load ${f(t.load)}  first rows built ${f(t.firstRows)}  first row painted ${f(t.painted)}  all rows ${f(t.allRows)}  first-contentful-paint ${f(t.paints['first-contentful-paint'])}`);
    painted.push(t.painted);
    for (const r of t.res) console.log(`  ${f(r.start)} → ${f(r.end)}  ${r.name.padEnd(28)} ttfb ${r.ttfb.toFixed(0)} ms  ${r.bytes} B  ${r.server}`);
    await ctx.close();
  }
}
await browser.close();
const sorted = [...all].sort((a, b) => a - b);
console.log(`\nmedian ${sorted[Math.floor(sorted.length / 2)].toFixed(0)} ms, range ${sorted[0].toFixed(0)}–${sorted.at(-1).toFixed(0)} ms over ${sorted.length} loads`);
const p = painted.filter((x) => x !== null).sort((a, b) => a - b);
if (p.length) console.log(`first row painted (Element Timing): median ${p[Math.floor(p.length / 2)].toFixed(0)} ms, range ${p[0].toFixed(0)}–${p.at(-1).toFixed(0)} ms over ${p.length} loads`);
