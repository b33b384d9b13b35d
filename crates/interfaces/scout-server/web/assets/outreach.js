// Outreach on the candidate page: a draft written from the workspace settings (our lab, pitch,
// topics, our organisation) that cites the candidate's own papers and the warmest introduction
// path, editable before it is saved as a message; saved messages are then marked sent.

import { api } from './api.js';
import { h, field, toast } from './dom.js';

/** The outreach section for candidate `base` (`/api/candidates/{id}`). */
export function outreachSection(base, reload) {
  const text = h('textarea', { name: 'draft', rows: 12, 'aria-label': 'Draft message' });
  const evidence = h('div', { class: 'draft-evidence muted small' });
  const status = h('div', { class: 'form-status', role: 'alert' });
  const save = h('button', { type: 'button', disabled: true, onclick: async () => {
    status.textContent = '';
    try {
      await api.post(`${base}/messages`, { channel: 'email', body: text.value });
      toast('Draft saved to the messages: mark it sent once it has gone out.');
      reload();
    } catch (e) {
      status.textContent = e.message;
    }
  } }, 'Save as message');
  const write = h('button', { type: 'button', onclick: async () => {
    status.textContent = '';
    try {
      const d = await api.get(`${base}/outreach-draft`);
      text.value = d.draft;
      save.disabled = false;
      evidence.replaceChildren(
        d.evidence.papers.length ? h('p', {}, 'Cites: ', d.evidence.papers.map((p, i) => [i ? '; ' : '', h('cite', {}, p.title), p.year ? ` (${p.year})` : ''])) : null,
        d.evidence.warm_path ? h('p', { class: 'warm-path' }, 'Warm path: ', d.evidence.warm_path.hops.map((x) => `${x.from} → ${x.to}`).join(', ')) : null,
        d.note ? h('p', {}, d.note) : null,
      );
    } catch (e) {
      status.textContent = e.message;
    }
  } }, 'Write a draft');
  return h('section', { class: 'card', id: 'outreach', 'aria-labelledby': 'h-outreach' },
    h('h2', { id: 'h-outreach' }, 'Outreach'),
    h('p', { class: 'muted' }, 'From the workspace settings (owners set them on the Users page): our lab, pitch, topics and organisation.'),
    write, evidence, field('Draft', text), save, status);
}

/** A "Mark sent" button for a saved, unsent message. */
export function markSent(base, message, reload) {
  return h('button', { type: 'button', class: 'small', onclick: async () => {
    try {
      await api.patch(`${base}/messages/${message.id}`, { sent_at: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z') });
      toast('Marked sent.');
      reload();
    } catch (e) {
      toast(e.message, 'error');
    }
  } }, 'Mark sent');
}
