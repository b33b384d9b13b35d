// Owners' webhooks for alerts, a section of the Users page: the webhooks in use with their
// state, adding one by URL (its signing secret shown once), removing one after an in-page
// confirmation, a signed test ping, and each webhook's delivery log (docs/webhooks.md).

import { api } from './api.js';
import { h, mount, fmt, field, toast } from './dom.js';

/** The webhooks section; `reload` redraws the page after a change. */
export async function webhooksSection(reload) {
  let webhooks;
  try {
    webhooks = (await api.get('/api/settings/webhooks')).webhooks;
  } catch (e) {
    return h('section', { class: 'card', id: 'webhooks' }, h('h2', {}, 'Webhooks'), h('p', { class: 'error' }, e.message));
  }
  const url = h('input', { name: 'webhook_url', type: 'url', required: true, placeholder: 'https://hooks.example.org/scout', autocomplete: 'off' });
  const status = h('div', { class: 'form-status', role: 'alert' });
  const secretSlot = h('div', { class: 'webhook-secret', role: 'status' });
  const list = h('div', { class: 'table-wrap' });
  const log = h('div', { class: 'webhook-log' });
  drawList(list, log, webhooks, reload);
  return h('section', { class: 'card', id: 'webhooks', 'aria-labelledby': 'h-webhooks' },
    h('h2', { id: 'h-webhooks' }, 'Webhooks'),
    h('p', { class: 'muted small' }, 'Alerts of the move radar are POSTed to these URLs as signed JSON, in order, retried with backoff until the receiver answers 2xx. A new webhook receives the alerts recorded from then on.'),
    list,
    h('form', { class: 'filter-row', onsubmit: async (ev) => {
      ev.preventDefault();
      status.textContent = '';
      secretSlot.replaceChildren();
      try {
        const r = await api.post('/api/settings/webhooks', { url: url.value });
        url.value = '';
        webhooks = (await api.get('/api/settings/webhooks')).webhooks;
        drawList(list, log, webhooks, reload);
        showSecret(secretSlot, r.webhook, r.secret);
      } catch (e) {
        status.textContent = e.message;
      }
    } }, field('Webhook URL', url), h('button', { type: 'submit', class: 'primary' }, 'Add webhook'), status),
    secretSlot,
    log);
}

/** The secret, this once, with a copy button. */
function showSecret(slot, webhook, secret) {
  const code = h('code', { class: 'secret' }, secret);
  mount(slot,
    h('p', {}, `Webhook #${webhook.id} added. Its signing secret is shown this once — copy it to the receiver now: `),
    code, ' ',
    h('button', { type: 'button', class: 'small', onclick: async () => {
      try {
        await navigator.clipboard.writeText(secret);
        toast('Secret copied.');
      } catch {
        toast('Copy did not work here: select the secret and copy it.', 'error');
      }
    } }, 'Copy'),
    h('p', { class: 'muted small' }, 'Receivers check X-Scout-Signature: HMAC-SHA256 of "<t>.<body>" with this secret.'));
}

function drawList(list, log, webhooks, reload) {
  if (!webhooks.length) {
    mount(list, h('p', { class: 'muted' }, 'No webhooks yet.'));
    return;
  }
  mount(list, h('table', { class: 'compact webhooks' },
    h('thead', {}, h('tr', {}, ...['#', 'URL', 'Added', 'Delivered through', 'Pending', 'State', ''].map((x) => h('th', { scope: 'col' }, x)))),
    h('tbody', {}, webhooks.map((w) => row(w, log, reload)))));
}

function row(w, log, reload) {
  const state = w.failures ? `retrying (${w.failures} failed${w.next_attempt_at ? `, next ${fmt.date(w.next_attempt_at)}` : ''})` : 'ok';
  const actions = h('td', { class: 'actions' });
  const base = () => actions.replaceChildren(
    h('button', { type: 'button', class: 'small', onclick: () => showLog(log, w) }, 'Log', h('span', { class: 'sr' }, ` of webhook ${w.id}`)),
    ' ',
    h('button', { type: 'button', class: 'small', onclick: (ev) => ping(w, ev.currentTarget, log) }, 'Test', h('span', { class: 'sr' }, ` webhook ${w.id}`)),
    ' ',
    removeButton());
  const removeButton = () => h('button', { type: 'button', class: 'small danger', onclick: () => {
    const yes = h('button', { type: 'button', class: 'small danger', onclick: async () => {
      yes.disabled = true;
      try {
        await api.del(`/api/settings/webhooks/${w.id}`);
        toast(`Webhook #${w.id} removed.`);
        reload();
      } catch (e) {
        yes.disabled = false;
        toast(e.message, 'error');
      }
    } }, 'Confirm remove');
    actions.replaceChildren(
      h('span', { class: 'small', role: 'status' }, `Remove webhook #${w.id}? Nothing more is sent to it; its secret and log are deleted. `),
      yes, ' ',
      h('button', { type: 'button', class: 'small', onclick: base }, 'Cancel'));
    yes.focus();
  } }, 'Remove', h('span', { class: 'sr' }, ` webhook ${w.id}`));
  base();
  return h('tr', { dataset: { webhook: String(w.id) } },
    h('td', { class: 'num' }, String(w.id)),
    h('td', { class: 'url' }, h('code', {}, w.url)),
    h('td', {}, `${fmt.date(w.created_at)}${w.created_by ? ` · ${w.created_by}` : ''}`),
    h('td', { class: 'num' }, w.delivered_through ? `alert ${w.delivered_through}` : '–'),
    h('td', { class: 'num' }, fmt.int(w.pending)),
    h('td', { class: w.failures ? 'error-text' : 'ok' }, state),
    actions);
}

async function ping(w, button, log) {
  button.disabled = true;
  try {
    const { ping: p } = await api.post(`/api/settings/webhooks/${w.id}/test`);
    toast(p.delivered ? `Ping delivered (HTTP ${p.http_status}).` : `Ping failed: ${p.http_status ? `HTTP ${p.http_status}` : p.error}`, p.delivered ? 'info' : 'error');
    showLog(log, w);
  } catch (e) {
    toast(e.message, 'error');
  } finally {
    button.disabled = false;
  }
}

async function showLog(log, w) {
  let deliveries;
  try {
    deliveries = (await api.get(`/api/settings/webhooks/${w.id}/deliveries?limit=50`)).deliveries;
  } catch (e) {
    mount(log, h('p', { class: 'error' }, e.message));
    return;
  }
  mount(log,
    h('h3', {}, `Delivery log of webhook #${w.id}`),
    deliveries.length ? h('table', { class: 'compact webhook-deliveries' },
      h('thead', {}, h('tr', {}, ...['When', 'Alert', 'Attempt', 'Answer', 'Outcome', 'Next attempt'].map((x) => h('th', { scope: 'col' }, x)))),
      h('tbody', {}, deliveries.map((d) => h('tr', { dataset: { outcome: d.outcome } },
        h('td', {}, fmt.date(d.attempted_at)),
        h('td', { class: 'num' }, d.alert_id == null ? 'ping' : (d.change_id == null ? String(d.alert_id) : `${d.alert_id} (change ${d.change_id})`)),
        h('td', { class: 'num' }, String(d.attempt)),
        h('td', {}, d.http_status != null ? `HTTP ${d.http_status}` : (d.error || '–')),
        h('td', { class: d.outcome === 'delivered' ? 'ok' : 'error-text' }, d.outcome),
        h('td', {}, d.next_attempt_at ? fmt.date(d.next_attempt_at) : '–'))))) : h('p', { class: 'muted' }, 'No attempts yet.'));
}
