// A candidate: details and tags (editable by recruiters and owners), stage and history, notes,
// messages (drafted from the corpus in outreach.js, marked sent), meetings (.ics), scorecards
// (scorecards.js), a watch toggle for the linked researcher (watch.js), and — for owners
// only, when the server sent them — offers and counteroffers, export and erasure. For other
// roles those sections are not built at all, so nothing about them is in the page.

import { api, isOwner, canWrite, STAGES } from './api.js';
import { h, mount, fmt, field, empty, toast } from './dom.js';
import { editSection, personalData } from './candidate-edit.js';
import { scorecardsSection } from './scorecards.js';
import { outreachSection, markSent } from './outreach.js';
import { watches } from './watch.js';
import { go } from './router.js';

export async function render(main, [id], _q, stale) {
  const base = `/api/candidates/${id}`;
  let loaded;
  try {
    loaded = await Promise.all([
      api.get(base), api.get(`${base}/history`), api.get(`${base}/notes`), api.get(`${base}/messages`), api.get(`${base}/meetings`), api.get(`${base}/scorecards`),
    ]);
  } catch (e) {
    // A record an owner merged into another: go to the record that holds the person now.
    const into = e.code === 'merged' && /merged into candidate (\d+)/.exec(e.message);
    if (!into) throw e;
    toast(e.message);
    go(`/candidates/${into[1]}`);
    return;
  }
  const [cr, hist, notes, msgs, meets, cards] = loaded;
  let offers = null;
  let counters = null;
  if (isOwner() && 'compensation' in cr) {
    [offers, counters] = await Promise.all([api.get(`${base}/offers`), api.get(`${base}/counteroffers`)]);
  }
  if (stale()) return;
  const c = cr.candidate;
  document.title = `${c.name} · Scout`;
  const write = canWrite();
  const reload = () => render(main, [id], _q, stale);
  // The move radar watches researchers: a candidate linked to one is watched through the link.
  const watching = c.researcher_key ? watches() : null;

  const stageSel = h('select', { name: 'to', 'aria-label': 'New stage' }, STAGES.map((st) => h('option', { value: st, selected: st === c.stage }, st)));
  const stageMsg = h('div', { class: 'form-status', role: 'alert' });
  const stageForm = write ? h('form', { class: 'inline', onsubmit: async (ev) => {
    ev.preventDefault();
    stageMsg.textContent = '';
    try {
      await api.post(`${base}/stage`, { to: stageSel.value });
      toast(`Moved to ${stageSel.value}.`);
      reload();
    } catch (e) {
      stageMsg.textContent = e.message;
    }
  } }, field('Move to', stageSel), h('button', { type: 'submit' }, 'Move'), stageMsg) : null;

  mount(main,
    h('div', { class: 'page-head' },
      h('div', {},
        h('p', { class: 'crumbs' }, h('a', { href: '#/pipeline' }, '← Pipeline')),
        h('h1', {}, c.name),
        h('p', { class: 'muted' }, h('span', { class: `stage-pill s-${c.stage}` }, c.stage), ` since ${fmt.date(c.stage_entered_at)}`, c.source_org ? ` · from ${c.source_org}` : '', c.career_stage ? ` · ${c.career_stage} career (set by the committee)` : '', c.email ? ` · ${c.email}` : ''),
        h('p', {}, c.tags.map((t) => h('span', { class: 'tag' }, t)), c.researcher_key ? h('a', { href: `#/r/${encodeURIComponent(c.researcher_key)}` }, 'Research profile →') : null),
        watching ? h('p', { class: 'watch-line' }, watching.button({ key: c.researcher_key, name: c.name })) : null,
        watching ? watching.status : null,
        // Set when the corpus merged, split or retired the linked researcher; editing the link clears it.
        c.identity_note ? h('p', { class: 'warnbox', role: 'status' }, h('strong', {}, 'Check the researcher link: '), c.identity_note) : null,
      ),
    ),
    stageForm ? h('section', { class: 'card' }, h('h2', {}, 'Stage'), stageForm) : null,
    write ? editSection(c, base, reload) : null,
    h('div', { class: 'grid2' },
      section('Notes', notesBlock(base, notes.notes, write, reload)),
      section('History', h('ol', { class: 'history' }, hist.history.map((m) => h('li', {}, h('strong', {}, `${m.from || 'new'} → ${m.to}`), h('span', { class: 'muted' }, ` by ${m.moved_by}, ${fmt.date(m.moved_at)}`), m.reason ? h('div', {}, m.reason) : null)))),
    ),
    write ? outreachSection(base, reload) : null,
    h('div', { class: 'grid2' },
      section('Messages', messagesBlock(base, msgs.messages, write, reload)),
      section('Meetings', meetingsBlock(base, id, meets.meetings, write, reload)),
    ),
    scorecardsSection(base, cards, write, reload),
    offers ? compensation(base, offers.offers, counters.counteroffers, reload) : null,
    write ? section('Decision', decisionBlock(base, reload)) : null,
    personalData(c, { notes: notes.notes.length, messages: msgs.messages.length, meetings: meets.meetings.length, offers: offers ? offers.offers.length : 0, counteroffers: counters ? counters.counteroffers.length : 0 }, base, main),
  );
}

function section(title, body) {
  const hid = `h-${title.toLowerCase().replace(/\W+/g, '-')}`;
  return h('section', { class: 'card', 'aria-labelledby': hid }, h('h2', { id: hid }, title), body);
}

function formWith(onsubmit, ...children) {
  const status = h('div', { class: 'form-status', role: 'alert' });
  const form = h('form', { class: 'stack', onsubmit: async (ev) => {
    ev.preventDefault();
    status.textContent = '';
    const btn = form.querySelector('button[type=submit]');
    btn.disabled = true;
    try {
      await onsubmit();
    } catch (e) {
      status.textContent = e.message;
      btn.disabled = false;
    }
  } }, ...children, status);
  return form;
}

function notesBlock(base, notes, write, reload) {
  const body = h('textarea', { name: 'body', rows: 3, required: true });
  return h('div', {},
    notes.length ? h('ul', { class: 'notes' }, notes.map((n) => h('li', { class: 'note' }, h('div', { class: 'note-body' }, n.body), h('div', { class: 'muted small' }, `${n.author} · ${fmt.date(n.created_at)}`)))) : empty('No notes.'),
    write ? formWith(async () => { await api.post(`${base}/notes`, { body: body.value }); reload(); }, field('Add a note', body), h('button', { type: 'submit' }, 'Add note')) : null,
  );
}

function messagesBlock(base, msgs, write, reload) {
  const channel = h('select', { name: 'channel' }, ['email', 'chat', 'in_person'].map((c) => h('option', { value: c }, c.replace('_', ' '))));
  const body = h('textarea', { name: 'message', rows: 3, required: true });
  return h('div', {},
    msgs.length ? h('ul', { class: 'notes' }, msgs.map((m) => h('li', { class: 'note' },
      h('div', { class: 'muted small' }, `${m.channel} · ${m.sent_at ? `sent ${fmt.date(m.sent_at)}` : 'draft'} · ${m.created_by}`),
      h('div', { class: 'note-body' }, m.body),
      !m.sent_at && write ? markSent(base, m, reload) : null,
      m.reply ? h('div', { class: 'reply' }, h('strong', {}, 'Reply: '), m.reply) : null))) : empty('No messages.'),
    write ? formWith(async () => { await api.post(`${base}/messages`, { channel: channel.value, body: body.value }); reload(); }, field('Channel', channel), field('Message', body), h('button', { type: 'submit' }, 'Record message')) : null,
  );
}

// When a meeting is, on the clock of its own zone: `2026-05-01 10:00–11:00 Europe/Zurich (UTC+02:00)`.
function meetingWhen(m) {
  const clock = (iso) => (iso || '').slice(0, 16).replace('T', ' ');
  const offset = (m.starts_local || '').slice(19);
  const end = clock(m.ends_local);
  const sameDay = end.slice(0, 10) === clock(m.starts_local).slice(0, 10);
  return `${clock(m.starts_local)}–${sameDay ? end.slice(11) : end} ${m.time_zone}${offset && m.time_zone !== 'UTC' ? ` (UTC${offset})` : ''}`;
}

function meetingsBlock(base, id, meets, write, reload) {
  const title = h('input', { name: 'title', required: true, value: 'Intro call' });
  const when = h('input', { name: 'starts_at', type: 'datetime-local', required: true });
  // The zone the wall time is in: the browser's own by default; the server checks the name.
  const zones = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  const zoneList = h('datalist', { id: 'meeting-zones' }, zones.map((z) => h('option', { value: z })));
  const zone = h('input', { name: 'time_zone', value: Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC', list: 'meeting-zones', required: true, autocomplete: 'off', spellcheck: 'false' });
  const dur = h('input', { name: 'duration', type: 'number', min: 5, max: 600, value: 30, required: true });
  const place = h('input', { name: 'place', placeholder: 'video link or room' });
  const who = h('input', { name: 'attendees', placeholder: 'a@x.org, b@y.org' });
  return h('div', {},
    meets.length ? h('ul', { class: 'notes meetings' }, meets.map((m) => h('li', { class: 'note' }, h('strong', {}, m.title), h('div', { class: 'muted small meeting-when' }, `${meetingWhen(m)} · ${m.duration_minutes} min${m.place ? ` · ${m.place}` : ''}`), m.attendees.length ? h('div', { class: 'small' }, m.attendees.join(', ')) : null))) : empty('No meetings.'),
    meets.length ? h('p', {}, h('a', { class: 'button', href: `${base}/meetings.ics`, download: `candidate-${id}.ics` }, 'Download .ics')) : null,
    write ? formWith(async () => {
      if (!when.value) throw new Error('Pick a start time.');
      await api.post(`${base}/meetings`, { title: title.value, starts_at: when.value, time_zone: zone.value.trim(), duration_minutes: Number(dur.value), place: place.value || undefined, attendees: who.value.split(',').map((x) => x.trim()).filter(Boolean) });
      reload();
    }, field('Title', title), field('Starts (local time)', when), field('Time zone', zone, 'IANA name, e.g. Europe/Zurich'), zoneList, field('Minutes', dur), field('Place', place), field('Attendees', who), h('button', { type: 'submit' }, 'Schedule')) : null,
  );
}

function compensation(base, offers, counters, reload) {
  const num = (name, value = 0) => h('input', { name, type: 'number', min: 0, step: 1, value, required: true });
  // A revision starts from every component of the latest offer, so changing one keeps the rest.
  const last = offers.at(-1);
  const cur = h('input', { name: 'currency', value: last?.currency || 'USD', pattern: '[A-Z]{3}', size: 4, required: true });
  const baseIn = num('base', last?.base ?? 0);
  const bonus = num('bonus', last?.bonus ?? 0);
  const signOn = num('sign_on', last?.sign_on ?? 0);
  const equity = num('equity', last?.equity ?? 0);
  const vest = num('vesting_months', last?.vesting_months ?? 48);
  const cliff = num('cliff_months', last?.cliff_months ?? 12);
  const rival = h('input', { name: 'rival_org', required: true });
  const rcur = h('input', { name: 'rival_currency', value: last?.currency || 'USD', pattern: '[A-Z]{3}', size: 4, required: true });
  const rbase = num('rival_base');
  const rbonus = num('rival_bonus');
  const rsign = num('rival_sign_on');
  const requity = num('rival_equity');
  const rvest = num('rival_vesting_months', 48);
  const rcliff = num('rival_cliff_months', 12);
  return h('section', { class: 'card comp', 'aria-labelledby': 'h-comp' },
    h('h2', { id: 'h-comp' }, 'Offers and counteroffers', h('span', { class: 'muted small' }, ' — owners only')),
    offers.length ? h('div', { class: 'table-wrap' }, h('table', { class: 'compact offers' },
      h('thead', {}, h('tr', {}, ...['Rev', 'Base', 'Bonus', 'Sign-on', 'Equity', 'Vesting', 'Total value', 'Per year', 'By'].map((x, i) => h('th', { scope: 'col', class: i ? 'num' : '' }, x)))),
      h('tbody', {}, offers.map((o) => h('tr', {},
        h('td', {}, String(o.revision)), h('td', { class: 'num' }, fmt.money(o.base, o.currency)), h('td', { class: 'num' }, fmt.money(o.bonus, '')), h('td', { class: 'num' }, fmt.money(o.sign_on, '')),
        h('td', { class: 'num' }, fmt.money(o.equity, '')), h('td', { class: 'num' }, `${o.vesting_months} mo`), h('td', { class: 'num total' }, fmt.money(o.total_value, o.currency)), h('td', { class: 'num' }, fmt.money(o.annualised_value, o.currency)), h('td', { class: 'num' }, o.created_by)))))) : empty('No offer yet.'),
    formWith(async () => {
      await api.post(`${base}/offers`, { currency: cur.value, base: Number(baseIn.value), bonus: Number(bonus.value), sign_on: Number(signOn.value), equity: Number(equity.value), vesting_months: Number(vest.value), cliff_months: Number(cliff.value) });
      toast('Offer recorded.');
      reload();
    }, h('div', { class: 'filter-row' }, field('Currency', cur), field('Base / yr', baseIn), field('Bonus / yr', bonus), field('Sign-on', signOn), field('Equity', equity), field('Vesting (months)', vest), field('Cliff (months)', cliff)), h('button', { type: 'submit', class: 'primary' }, offers.length ? 'Revise offer' : 'Make offer')),
    h('h3', {}, 'Counteroffers'),
    counters.length ? compareTable(last, counters) : empty('No counteroffers.'),
    formWith(async () => {
      await api.post(`${base}/counteroffers`, { rival_org: rival.value, currency: rcur.value, base: Number(rbase.value), bonus: Number(rbonus.value), sign_on: Number(rsign.value), equity: Number(requity.value), vesting_months: Number(rvest.value), cliff_months: Number(rcliff.value) });
      toast('Counteroffer recorded.');
      reload();
    }, h('div', { class: 'filter-row' }, field('Rival organisation', rival), field('Currency', rcur), field('Rival base / yr', rbase), field('Rival bonus / yr', rbonus), field('Rival sign-on', rsign), field('Rival equity', requity), field('Rival vesting (months)', rvest), field('Rival cliff (months)', rcliff)), h('button', { type: 'submit' }, 'Record counteroffer')),
  );
}

// Our latest offer beside each counteroffer, every one as total over its period and per year
// (the same formula for both sides), with the difference per year when the currencies agree.
function compareTable(ours, counters) {
  const money = (v, c) => fmt.money(v, c);
  const row = (who, t, basis, diff) => h('tr', { class: basis === 'ours' ? 'ours' : 'rival' },
    h('th', { scope: 'row' }, who), h('td', {}, basis === 'annual' ? 'one yearly figure' : basis === 'ours' ? 'our latest offer' : 'components'),
    h('td', { class: 'num' }, money(t.base, t.currency)), h('td', { class: 'num' }, money(t.bonus, '')), h('td', { class: 'num' }, money(t.sign_on, '')),
    h('td', { class: 'num' }, money(t.equity, '')), h('td', { class: 'num' }, `${t.period_months} mo`),
    h('td', { class: 'num total' }, money(t.total_value, t.currency)), h('td', { class: 'num annual' }, money(t.annualised_value, t.currency)),
    h('td', { class: 'num diff' }, diff));
  const diffOf = (x) => {
    if (!ours) return '–';
    if (x.currency !== ours.currency) return h('span', { class: 'muted', title: 'different currency: not compared' }, `${x.currency} ≠ ${ours.currency}`);
    const d = ours.annualised_value - x.annualised_value;
    return h('span', { class: d >= 0 ? 'ok' : 'warn' }, `${d >= 0 ? 'ours +' : 'ours −'}${fmt.money(Math.abs(d), ours.currency)} / yr`);
  };
  return h('div', { class: 'table-wrap' }, h('table', { class: 'compact counters' },
    h('thead', {}, h('tr', {}, ...['', 'Recorded as', 'Base', 'Bonus', 'Sign-on', 'Equity', 'Period', 'Total value', 'Per year', 'Ours vs theirs'].map((x, i) => h('th', { scope: 'col', class: i > 1 ? 'num' : '' }, x)))),
    h('tbody', {}, ours ? row('Us', ours, 'ours', '') : null, counters.map((x) => row(x.rival_org, x, x.basis, diffOf(x))))));
}

function decisionBlock(base, reload) {
  // No outcome is preselected: recording a decision is a choice, never a default.
  const outcome = h('select', { name: 'outcome', required: true },
    h('option', { value: '', selected: true, disabled: true }, 'Choose…'),
    ['accepted', 'declined', 'withdrawn'].map((o) => h('option', { value: o }, o)));
  const reason = h('input', { name: 'reason', required: true });
  return formWith(async () => { await api.post(`${base}/decision`, { outcome: outcome.value, reason: reason.value }); reload(); },
    h('div', { class: 'filter-row' }, field('Outcome', outcome), field('Reason', reason)), h('button', { type: 'submit' }, 'Record decision'));
}

