// The Data page: owners upload a data file to ingest (upload progress from XMLHttpRequest,
// then the job's phases polled from the server), anyone exports the pipeline, owners export
// the corpus as Parquet; every job shows its phases, progress, rate, ETA and result.

import { api, session, isOwner } from './api.js';
import { h, mount, fmt, field, empty, errorBox, toast } from './dom.js';

const POLL_MS = 500;
// A job just started is looked at sooner: a small ingest can be over within half a second.
const FIRST_POLL_MS = 150;

const IDENTITY_STEPS = {
  pending: 'waiting',
  loading: 'reading author mentions',
  resolving: 'resolving identities',
  writing: 'writing researchers, organisations and the co-author graph',
  statistics: 'statistics',
  done: 'done',
  skipped: 'up to date',
};

const bytes = (n) => {
  if (n === null || n === undefined) return '–';
  if (n < 1000) return `${n} B`;
  if (n < 1e6) return `${(n / 1e3).toFixed(1)} KB`;
  if (n < 1e9) return `${(n / 1e6).toFixed(1)} MB`;
  return `${(n / 1e9).toFixed(2)} GB`;
};

const seconds = (s) => {
  if (s === null || s === undefined || !Number.isFinite(s)) return '–';
  if (s < 1) return `${Math.max(1, Math.round(s * 1000))} ms`;
  if (s < 90) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
};

const amount = (n, unit) => (unit === 'bytes' ? bytes(n) : `${fmt.int(n)} ${unit || ''}`.trim());
const rate = (r, unit) => (r ? (unit === 'bytes' ? `${bytes(r)}/s` : `${fmt.int(Math.round(r))} ${unit}/s`) : null);

/** The line under a progress bar: "1.2 MB of 3.4 MB · 2.1 MB/s · about 1 s left". */
function progressText(p) {
  const parts = [p.total ? `${amount(p.done, p.unit)} of ${amount(p.total, p.unit)}` : amount(p.done, p.unit)];
  const r = rate(p.rate_per_second, p.unit);
  if (r) parts.push(r);
  if (p.eta_seconds !== null && p.eta_seconds !== undefined) parts.push(`about ${seconds(p.eta_seconds)} left`);
  else parts.push(`${seconds(p.elapsed_seconds)} so far`);
  return parts.join(' · ');
}

/** A <progress> element (indeterminate when the fraction is unknown). */
function bar(label) {
  return h('progress', { max: 1, 'aria-label': label });
}

function setBar(el, fraction, label) {
  if (fraction === null || fraction === undefined) el.removeAttribute('value');
  else el.value = fraction;
  el.setAttribute('aria-label', fraction === null || fraction === undefined ? `${label}: in progress` : `${label}: ${Math.round(fraction * 100)}%`);
}

/** One job, built once and updated in place on every poll (focus stays where it is). */
class JobCard {
  constructor(job, onChange) {
    this.id = job.id;
    this.onChange = onChange;
    this.status = h('span', { class: 'chip' });
    this.phases = h('ol', { class: 'phases' });
    this.progressBar = bar(job.title);
    this.progressLine = h('div', { class: 'muted small progress-line' });
    this.detailLine = h('div', { class: 'small progress-detail' });
    this.live = h('div', { class: 'job-live' }, this.progressBar, this.progressLine, this.detailLine);
    this.cancel = h('button', { type: 'button', class: 'small danger', onclick: () => this.requestCancel() }, 'Cancel', h('span', { class: 'sr' }, ` ${job.title}`));
    this.message = h('div', { role: 'status' });
    this.result = h('div', { class: 'job-result' });
    this.el = h('article', { class: 'card job', dataset: { id: String(job.id), kind: job.kind }, 'aria-labelledby': `job-${job.id}-title` },
      h('div', { class: 'job-head' },
        h('h3', { id: `job-${job.id}-title` }, job.title),
        this.status,
        h('span', { class: 'muted small' }, `#${job.id} · ${job.created_by} · ${fmt.date(job.created_at)}`),
        this.cancel),
      this.phases, this.live, this.message, this.result);
    this.finished = false;
    this.update(job, true);
  }

  async requestCancel() {
    this.cancel.disabled = true;
    try {
      const r = await api.post(`/api/jobs/${this.id}/cancel`);
      this.update(r.job);
    } catch (e) {
      toast(e.message, 'error');
      this.cancel.disabled = false;
    }
  }

  /** Shows `job`; `initial` when it is the first look (a job already finished is not news). */
  update(job, initial = false) {
    this.el.dataset.status = job.status;
    this.el.dataset.phase = job.phase || '';
    this.status.textContent = job.status;
    this.status.className = `chip status-${job.status}`;
    this.cancel.hidden = !job.cancellable;
    this.phases.replaceChildren(...job.phases.map((p) => h('li', { class: `phase ${p.state}`, dataset: { name: p.name, state: p.state } },
      h('span', { class: 'mark', 'aria-hidden': 'true' }, { done: '✓', running: '●', failed: '✕', skipped: '–' }[p.state] || '○'),
      p.label,
      h('span', { class: 'sr' }, ` (${p.state})`),
      p.seconds !== null && p.seconds !== undefined ? h('span', { class: 'muted' }, ` · ${seconds(p.seconds)}`) : null)));
    const p = job.progress;
    const running = job.phases.find((x) => x.state === 'running');
    this.live.hidden = !(job.status === 'running' && p && running);
    if (!this.live.hidden) {
      const d = p.detail || {};
      if (job.phase === 'refresh') {
        // Identity has steps but no total; the index has a document count.
        const indexFraction = p.total ? p.done / p.total : null;
        setBar(this.progressBar, d.identity === 'done' || d.identity === 'skipped' ? indexFraction : null, running.label);
        this.progressLine.textContent = `Index: ${d.index_finished ? 'done' : p.total ? `${fmt.int(p.done)} of ${fmt.int(p.total)} documents` : 'starting'} · ${seconds(p.elapsed_seconds)} so far`;
        this.detailLine.textContent = `Identity: ${IDENTITY_STEPS[d.identity] || d.identity}`;
      } else {
        setBar(this.progressBar, p.fraction, running.label);
        this.progressLine.textContent = p.unit ? progressText(p) : `${seconds(p.elapsed_seconds)} so far`;
        const extra = [];
        if (d.records !== undefined) extra.push(`${fmt.int(d.records)} records`);
        if (d.rejects !== undefined) extra.push(`${fmt.int(d.rejects)} rejected`);
        if (d.tables !== undefined) extra.push(`${d.tables_done} of ${d.tables} tables`);
        this.detailLine.textContent = extra.join(' · ');
      }
    }
    if (job.status !== 'running' && !this.finished) {
      this.finished = true;
      if (job.message) mount(this.message, h('p', { class: job.status === 'succeeded' ? 'muted' : 'error' }, job.message));
      mount(this.result, renderResult(job));
      if (this.onChange && !initial) this.onChange(job);
    }
  }
}

function kv(pairs) {
  return h('dl', { class: 'job-kv' }, pairs.filter(Boolean).map(([k, v, metric]) => h('div', {}, h('dt', {}, k), h('dd', metric ? { dataset: { metric } } : {}, v))));
}

function downloadLink(job) {
  const d = job.download;
  if (!d) return null;
  return h('p', {}, h('a', { class: 'button primary download', href: d.url, download: d.file_name }, `Download ${d.file_name}`), h('span', { class: 'muted small' }, ` ${bytes(d.bytes)}`));
}

function renderResult(job) {
  const r = job.result;
  if (!r) return null;
  if (job.kind === 'ingest') {
    const rejects = r.rejects || [];
    return h('div', {},
      kv([
        ['File', `${r.file}${r.format ? ` (${r.format})` : ''} · ${bytes(r.bytes)}`],
        ['Records read', fmt.int(r.records_read), 'records_read'],
        ['New', fmt.int(r.inserted), 'inserted'],
        ['Updated', fmt.int(r.updated), 'updated'],
        ['Unchanged', fmt.int(r.unchanged), 'unchanged'],
        ['Rejected', fmt.int(r.rejected), 'rejected'],
        ['New papers', fmt.int(r.new_works), 'new_works'],
        r.refresh && r.refresh.researchers !== null ? ['Researchers', fmt.int(r.refresh.researchers)] : null,
      ]),
      (r.new_work_examples || []).length
        ? h('div', {}, h('h4', {}, 'New papers in the List'), h('ul', { class: 'new-works' }, r.new_work_examples.map((w) => h('li', {},
          h('a', { href: `#/list?topic=${encodeURIComponent(w.title)}`, class: 'new-work' }, w.title), w.year ? h('span', { class: 'muted' }, ` · ${w.year}`) : null))))
        : null,
      rejects.length
        ? h('div', {}, h('h4', {}, `Rejected records${r.rejected > rejects.length ? ` (first ${rejects.length} of ${fmt.int(r.rejected)})` : ''}`),
          h('div', { class: 'table-wrap' }, h('table', { class: 'compact rejects' },
            h('thead', {}, h('tr', {}, ['File', 'Line', 'Reason'].map((x) => h('th', { scope: 'col' }, x)))),
            h('tbody', {}, rejects.map((x) => h('tr', {},
              h('td', {}, x.file), h('td', { class: 'num' }, String(x.line)),
              h('td', {}, x.field ? `${x.field}: ${x.reason}` : x.reason, x.excerpt ? h('div', { class: 'muted small excerpt' }, x.excerpt) : null)))))))
        : null);
  }
  if (job.kind === 'pipeline_export') {
    return h('div', {},
      kv([['Candidates', fmt.int(r.candidates), 'candidates'], ['Compensation', r.compensation_included ? 'included (owner export)' : 'not included'], ['Format', r.format.toUpperCase()]]),
      downloadLink(job));
  }
  if (job.kind === 'parquet_export') {
    return h('div', {},
      h('div', { class: 'table-wrap' }, h('table', { class: 'compact tables' },
        h('thead', {}, h('tr', {}, ['Table', 'Rows', 'Files', 'Size'].map((x) => h('th', { scope: 'col' }, x)))),
        h('tbody', {}, r.tables.map((t) => h('tr', { dataset: { table: t.table } }, h('td', {}, t.table), h('td', { class: 'num' }, fmt.int(t.rows)), h('td', { class: 'num' }, fmt.int(t.files)), h('td', { class: 'num' }, bytes(t.bytes))))))),
      downloadLink(job));
  }
  return null;
}

/** Uploads `file` with XMLHttpRequest (fetch reports no upload progress); resolves to the job. */
function upload(file, onProgress, signal) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/api/jobs/ingest?name=${encodeURIComponent(file.name)}`);
    xhr.setRequestHeader('Content-Type', 'application/octet-stream');
    xhr.setRequestHeader('Accept', 'application/json');
    if (session.csrf) xhr.setRequestHeader('X-CSRF-Token', session.csrf);
    xhr.upload.addEventListener('progress', (ev) => onProgress(ev.loaded, ev.lengthComputable ? ev.total : file.size));
    xhr.addEventListener('load', () => {
      let data = null;
      try {
        data = JSON.parse(xhr.responseText);
      } catch {
        data = null;
      }
      if (xhr.status === 202 && data && data.job) resolve(data.job);
      else reject(new Error(data && data.error ? data.error.message : `${xhr.status} ${xhr.statusText}`));
    });
    xhr.addEventListener('error', () => reject(new Error('the upload failed (connection closed); the file may be over the server limit')));
    xhr.addEventListener('abort', () => reject(new Error('upload cancelled')));
    signal.addEventListener('abort', () => xhr.abort());
    xhr.send(file);
  });
}

export async function render(main, _params, _query, stale) {
  document.title = 'Data · Scout';
  const { jobs, limits } = await api.get('/api/jobs');
  if (stale()) return;
  const cards = new Map();
  const list = h('div', { class: 'jobs', 'aria-live': 'polite' });
  const noJobs = empty('No jobs yet. Exports and ingests you start appear here with their progress.');

  function show(job, first) {
    let card = cards.get(job.id);
    if (!card) {
      card = new JobCard(job, (j) => {
        if (j.status === 'succeeded') toast(`${j.title}: done.`);
        else if (j.status === 'failed') toast(`${j.title} failed: ${j.message || ''}`, 'error');
      });
      cards.set(job.id, card);
      if (first) list.prepend(card.el);
      else list.append(card.el);
    } else {
      card.update(job);
    }
    noJobs.remove();
  }
  jobs.forEach((j) => show(j, false));

  // Poll the running jobs until the page is left.
  let timer = null;
  async function poll() {
    timer = null;
    if (stale()) return;
    const running = [...cards.values()].filter((c) => !c.finished);
    await Promise.all(running.map(async (c) => {
      try {
        const { job } = await api.get(`/api/jobs/${c.id}`);
        if (!stale()) c.update(job);
      } catch (e) {
        if (e.status === 404) c.finished = true;
      }
    }));
    schedule();
  }
  function schedule(delay = POLL_MS) {
    if (!timer && !stale() && [...cards.values()].some((c) => !c.finished)) timer = setTimeout(poll, delay);
  }
  schedule();

  async function startExport(body, button) {
    button.disabled = true;
    try {
      const { job } = await api.post('/api/jobs/export', body);
      show(job, true);
      schedule(FIRST_POLL_MS);
    } catch (e) {
      toast(e.message, 'error');
    } finally {
      button.disabled = false;
    }
  }

  const sections = [];
  if (isOwner()) sections.push(ingestSection(limits, (job) => { show(job, true); schedule(FIRST_POLL_MS); }));
  const csv = h('button', { type: 'button', class: 'primary', onclick: () => startExport({ kind: 'pipeline', format: 'csv' }, csv) }, 'Export pipeline (CSV)');
  const json = h('button', { type: 'button', onclick: () => startExport({ kind: 'pipeline', format: 'json' }, json) }, 'Export pipeline (JSON)');
  const exportsCard = h('section', { class: 'card', 'aria-labelledby': 'exp-title' },
    h('h2', { id: 'exp-title' }, 'Export'),
    h('p', { class: 'muted' }, 'Every candidate with stage, owner and tags', isOwner() ? ', with the latest offer and counteroffers (you are an owner).' : '. Compensation is for owners and is not in your file.'),
    h('div', { class: 'head-actions wrap' }, csv, json));
  if (isOwner()) {
    const pq = h('button', { type: 'button', onclick: () => startExport({ kind: 'parquet' }, pq) }, 'Export corpus (Parquet .tar)');
    exportsCard.append(h('p', { class: 'muted' }, 'The whole corpus as partitioned Parquet (works and authorships by year, researchers, organisations, co-author edges, moves) for DuckDB, Spark or DataFusion — one .tar to download.'), h('div', { class: 'head-actions' }, pq));
  }
  sections.push(exportsCard);
  mount(main,
    h('div', { class: 'page-head' }, h('h1', {}, 'Data'), h('p', { class: 'muted' }, 'Bring data in, take exports out. Long work runs as jobs; you can leave this page and come back.')),
    ...sections,
    h('section', { 'aria-labelledby': 'jobs-title' }, h('h2', { id: 'jobs-title' }, 'Jobs'), list));
  if (!cards.size) list.append(noJobs);
}

function ingestSection(limits, onJob) {
  const input = h('input', { type: 'file', name: 'file', accept: '.jsonl,.json,.ndjson,.gz', required: true });
  const status = h('div', { class: 'form-status', role: 'alert' });
  const progress = bar('Upload');
  const line = h('div', { class: 'muted small progress-line' });
  const live = h('div', { class: 'upload-live', hidden: true }, progress, line);
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Upload and ingest');
  const cancel = h('button', { type: 'button', class: 'small danger', hidden: true }, 'Cancel upload');
  let controller = null;
  cancel.addEventListener('click', () => controller && controller.abort());
  const form = h('form', {
    class: 'stack upload',
    onsubmit: async (ev) => {
      ev.preventDefault();
      status.textContent = '';
      const file = input.files && input.files[0];
      if (!file) {
        status.textContent = 'Choose a file first.';
        return;
      }
      if (file.size > limits.max_upload_bytes) {
        status.textContent = `${file.name} is ${bytes(file.size)}; uploads are limited to ${bytes(limits.max_upload_bytes)}.`;
        return;
      }
      // The server refuses a second ingest with 409, but a browser still sending a large file
      // may only see the connection close; ask first (owners see every job).
      try {
        const now = await api.get('/api/jobs');
        const busy = now.jobs.find((j) => j.kind === 'ingest' && j.status === 'running');
        if (busy) {
          status.textContent = `An ingest is already running (job ${busy.id}, started by ${busy.created_by}); wait until it finishes.`;
          return;
        }
      } catch (e) {
        status.textContent = e.message;
        return;
      }
      controller = new AbortController();
      submit.disabled = true;
      cancel.hidden = false;
      live.hidden = false;
      const started = performance.now();
      const onProgress = (loaded, total) => {
        const f = total ? loaded / total : null;
        setBar(progress, f, 'Upload');
        const secs = (performance.now() - started) / 1000;
        const r = secs > 0.2 ? loaded / secs : null;
        const eta = r && total ? (total - loaded) / r : null;
        line.textContent = `Uploading ${f !== null ? `${Math.round(f * 100)}%` : ''} · ${bytes(loaded)} of ${bytes(total)}${r ? ` · ${bytes(r)}/s` : ''}${eta !== null && eta > 0.05 ? ` · about ${seconds(eta)} left` : ''}`;
      };
      onProgress(0, file.size);
      try {
        const job = await upload(file, onProgress, controller.signal);
        setBar(progress, 1, 'Upload');
        line.textContent = `Uploaded ${file.name}: ${bytes(file.size)} in ${seconds((performance.now() - started) / 1000)} (100%). The ingest runs below.`;
        line.dataset.done = 'true';
        input.value = '';
        onJob(job);
      } catch (e) {
        live.hidden = true;
        status.textContent = e.message;
      } finally {
        submit.disabled = false;
        cancel.hidden = true;
        controller = null;
      }
    },
  },
  field('Data file', input, `${limits.accepted}. Up to ${bytes(limits.max_upload_bytes)}.`),
  h('div', { class: 'head-actions' }, submit, cancel),
  live,
  status);
  return h('section', { class: 'card', 'aria-labelledby': 'ing-title' },
    h('h2', { id: 'ing-title' }, 'Import data (owners)'),
    h('p', { class: 'muted' }, 'The file is read by the same code as scout ingest: new and changed records are stored, rejects are listed with file, line and reason, then identity, the network and the index are refreshed and the List answers from the new data.'),
    limits.ingest ? form : errorBox({ message: 'This server has no corpus path, so it cannot ingest.' }));
}

