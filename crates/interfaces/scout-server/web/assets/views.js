// Saved views, a section the List and the board share: a menu of the member's own and the
// shared views of one kind (open, delete) and a form that saves the page's current search or
// filters under a name, private or shared. The page says what "current" is and how to open one.

import { api, isOwner } from './api.js';
import { h, mount, field, toast } from './dom.js';

/**
 * The saved-views menu.
 * kind: 'list' | 'board'; title: the menu's label ("Saved searches");
 * current(form): the `view` to save ({list: …} or {board: …}), or null when there is nothing to save
 * (form holds the save form's extra inputs); open(view): opens a saved view;
 * extra: extra inputs of the save form (e.g. "pin the selection"), optional.
 */
export function savedViews({ kind, title, current, open, extra }) {
  const list = h('ul', { class: 'views-list' });
  const nameIn = h('input', { name: 'view-name', maxlength: 100, required: true, placeholder: 'e.g. RL, early career' });
  const sharedIn = h('input', { name: 'view-shared', type: 'checkbox' });
  const status = h('p', { class: 'muted small views-status', role: 'status' });
  const form = h('form', {
    class: 'views-save',
    onsubmit: async (ev) => {
      ev.preventDefault();
      const view = current(form);
      const name = nameIn.value.trim();
      if (!view || !name) {
        status.textContent = view ? 'Name the view first.' : 'Nothing to save yet: search first.';
        return;
      }
      try {
        const r = await api.post('/api/views', { name, shared: sharedIn.checked, view });
        status.textContent = `${r.replaced ? 'Replaced' : 'Saved'} “${r.view.name}”${r.view.shared ? ' (shared)' : ''}.`;
        nameIn.value = '';
        await load();
      } catch (e) {
        status.textContent = `Not saved: ${e.message}`;
      }
    },
  },
  h('div', { class: 'views-fields' }, field('Name', nameIn), field('Shared with everyone', sharedIn), extra || null,
    h('button', { type: 'submit' }, kind === 'list' ? 'Save this search' : 'Save this view')));
  const menu = h('details', { class: 'views-menu' }, h('summary', {}, title), list, form, status);

  async function load() {
    let r;
    try {
      r = await api.get(`/api/views?kind=${kind}`);
    } catch (e) {
      mount(list, h('li', { class: 'muted' }, `Saved views unavailable: ${e.message}`));
      return;
    }
    if (!r.views.length) {
      mount(list, h('li', { class: 'muted small' }, 'None saved yet.'));
      return;
    }
    mount(list, r.views.map((v) => {
      // Your own views, and (owners) every shared one: the server refuses the rest.
      const del = v.mine || isOwner()
        ? h('button', { type: 'button', class: 'small icon', title: `Delete ${v.name}`, 'aria-label': `Delete saved view ${v.name}`, onclick: async () => {
          try {
            await api.del(`/api/views/${v.id}`);
            toast(`Deleted “${v.name}”.`);
            await load();
          } catch (e) {
            toast(e.message, 'error');
          }
        } }, '×')
        : null;
      return h('li', { dataset: { id: String(v.id) } },
        h('button', { type: 'button', class: 'link open-view', onclick: () => open(v.view) }, v.name),
        h('span', { class: 'muted small' }, v.mine ? (v.shared ? ' · shared' : ' · private') : ` · shared by ${v.member}`),
        del);
    }));
  }
  // Asked for when the menu first opens, so the page's own data goes first.
  let loaded = false;
  menu.addEventListener('toggle', () => {
    if (menu.open && !loaded) {
      loaded = true;
      load();
    }
  });
  return menu;
}

/** A bulk action's outcomes as a list: [{label, ok, text}] → <ul>. */
export function outcomes(items, summary) {
  return h('div', { class: 'bulk-results', role: 'status' },
    h('p', { class: 'small' }, summary),
    h('ul', {}, items.map((o) => h('li', { class: o.ok ? 'ok' : o.unchanged ? 'muted' : 'refused' }, h('strong', {}, o.label), ` — ${o.text}`))));
}
