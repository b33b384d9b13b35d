// Owner pages: users (create, disable), the stages' scorecard templates, webhooks for alerts
// (webhooks.js), and the audit log with chain verification.

import { api, qs, session, STAGES } from './api.js';
import { h, mount, fmt, field, toast } from './dom.js';
import { webhooksSection } from './webhooks.js';

export async function renderUsers(main, _p, _q, stale) {
  document.title = 'Users · Scout';
  const [{ users }, { templates }, { settings }, webhooks] = await Promise.all([api.get('/api/users'), api.get('/api/scorecard-templates'), api.get('/api/settings'), webhooksSection(() => renderUsers(main, _p, _q, stale))]);
  if (stale()) return;
  const name = h('input', { name: 'name', required: true, autocomplete: 'off' });
  const role = h('select', { name: 'role' }, ['viewer', 'recruiter', 'owner'].map((r) => h('option', { value: r }, r)));
  const pw = h('input', { name: 'password', type: 'password', required: true, autocomplete: 'new-password' });
  const status = h('div', { class: 'form-status', role: 'alert' });
  mount(main,
    h('div', { class: 'page-head' }, h('h1', {}, 'Users')),
    h('section', { class: 'card' }, h('table', { class: 'compact' },
      h('thead', {}, h('tr', {}, ...['Name', 'Role', 'Created', 'Status', ''].map((x) => h('th', { scope: 'col' }, x)))),
      h('tbody', {}, users.map((u) => h('tr', {},
        h('td', {}, u.name), h('td', {}, h('span', { class: `role role-${u.role}` }, u.role)), h('td', {}, fmt.date(u.created_at)), h('td', {}, u.disabled ? 'disabled' : 'active'),
        h('td', {}, !u.disabled && u.id !== session.user.id ? h('button', { type: 'button', class: 'small danger', onclick: async () => {
          if (!window.confirm(`Disable ${u.name}? Their sessions end and tokens are revoked.`)) return;
          try { await api.del(`/api/users/${u.id}`); renderUsers(main, _p, _q, stale); } catch (e) { toast(e.message, 'error'); }
        } }, 'Disable', h('span', { class: 'sr' }, ` ${u.name}`)) : null)))))),
    h('section', { class: 'card' }, h('h2', {}, 'Add a user'),
      h('form', { class: 'filter-row', onsubmit: async (ev) => {
        ev.preventDefault();
        status.textContent = '';
        try { await api.post('/api/users', { name: name.value, role: role.value, password: pw.value }); toast(`${name.value} added.`); renderUsers(main, _p, _q, stale); } catch (e) { status.textContent = e.message; }
      } }, field('Name', name), field('Role', role), field('Password', pw), h('button', { type: 'submit', class: 'primary' }, 'Add'), status)),
    settingsSection(settings, () => renderUsers(main, _p, _q, stale)),
    templatesSection(templates, () => renderUsers(main, _p, _q, stale)),
    webhooks,
  );
}

// What outreach drafts are written from: our lab, pitch, topics and our organisation in the
// corpus; and the rival organisations the move radar watches co-authorships with.
function settingsSection(settings, reload) {
  const lab = h('input', { name: 'lab', value: settings.lab });
  const org = h('input', { name: 'our_org', value: settings.our_org });
  const topics = h('input', { name: 'topics', value: settings.topics });
  const pitch = h('textarea', { name: 'pitch', rows: 3, value: settings.pitch });
  const rivals = h('textarea', { name: 'rivals', rows: 4, value: settings.rivals || '', placeholder: 'One organisation per line, as the corpus names it' });
  const status = h('div', { class: 'form-status', role: 'alert' });
  return h('section', { class: 'card', id: 'workspace-settings' }, h('h2', {}, 'Workspace settings'),
    h('p', { class: 'muted' }, settings.updated_by ? `Last changed by ${settings.updated_by}, ${fmt.date(settings.updated_at)}.` : 'Not set yet.'),
    h('form', { class: 'stack', onsubmit: async (ev) => {
      ev.preventDefault();
      status.textContent = '';
      try {
        await api.put('/api/settings', { lab: lab.value, pitch: pitch.value, our_org: org.value, topics: topics.value, rivals: rivals.value });
        toast('Settings saved.');
        reload();
      } catch (e) {
        status.textContent = e.message;
      }
    } }, field('Our lab', lab), field('Our organisation (as in the corpus, for warm paths)', org), field('Our topics (comma-separated)', topics), field('Pitch', pitch),
    field('Rival organisations (one per line)', rivals, 'The move radar alerts on a watched researcher’s first paper with someone at one of these.'),
    h('button', { type: 'submit' }, 'Save settings'), status));
}

// The attributes interviewers rate 1–4 at each stage (before the outcomes); empty: no scorecard.
function templatesSection(templates, reload) {
  const byStage = new Map(templates.map((t) => [t.stage, t.attributes]));
  const rows = STAGES.slice(0, 7).map((st) => {
    const input = h('input', { name: `attrs-${st}`, value: (byStage.get(st) || []).join(', '), 'aria-label': `Scorecard attributes for ${st}` });
    const save = h('button', { type: 'button', class: 'small', onclick: async () => {
      const attributes = input.value.split(',').map((x) => x.trim()).filter(Boolean);
      try { await api.put(`/api/scorecard-templates/${st}`, { attributes }); toast(`Scorecard for ${st} saved.`); reload(); } catch (e) { toast(e.message, 'error'); }
    } }, 'Save', h('span', { class: 'sr' }, ` ${st}`));
    return h('div', { class: 'template-row' }, h('span', { class: 'template-stage' }, st), input, save);
  });
  return h('section', { class: 'card', id: 'scorecard-templates' }, h('h2', {}, 'Scorecard templates'),
    h('p', { class: 'muted' }, 'Attributes interviewers rate 1–4 at each stage, separated by commas. Each member sees the others’ scorecards only after submitting their own.'),
    rows);
}

export async function renderAudit(main, _p, query, stale) {
  document.title = 'Audit · Scout';
  const after = query.get('after') || '';
  const [{ entries }, { verify }] = await Promise.all([api.get(`/api/audit${qs({ after, limit: 200 })}`), api.get('/api/audit/verify')]);
  if (stale()) return;
  const ok = Boolean(verify && verify.ok);
  mount(main,
    h('div', { class: 'page-head' }, h('h1', {}, 'Audit log'),
      h('p', { class: ok ? 'ok' : 'error', role: 'status' }, ok ? `Hash chain verified: ${verify.entries} entries, head ${String(verify.head_hash).slice(0, 12)}…` : `Hash chain broken: ${JSON.stringify(verify.first_problem)}`)),
    h('section', { class: 'card' }, h('div', { class: 'table-wrap' }, h('table', { class: 'compact audit' },
      h('thead', {}, h('tr', {}, ...['#', 'When', 'Who', 'Action', 'Subject', 'Detail'].map((x) => h('th', { scope: 'col' }, x)))),
      h('tbody', {}, entries.map((e) => h('tr', {},
        h('td', { class: 'num' }, String(e.seq)), h('td', {}, fmt.date(e.at)), h('td', {}, e.actor),
        h('td', {}, e.action), h('td', {}, e.candidate_id != null ? h('a', { href: `#/candidates/${e.candidate_id}` }, `candidate ${e.candidate_id}`) : '–'),
        h('td', { class: 'muted small detail' }, e.detail)))))),
      entries.length === 200 ? h('p', {}, h('a', { href: `#/audit?after=${entries.at(-1).seq}` }, 'Older / next page →')) : null),
  );
}
