// Watching researchers for the move radar: the signed-in member's watches (GET /api/watches),
// asked once per page and shared by every toggle on it, and a "Watch" / "Watching" toggle
// button for a researcher (POST /api/watches, DELETE /api/watches/{key}), used on List rows,
// profiles and candidate pages. Alerts about watched researchers are on the inbox (alerts.js).

import { api } from './api.js';
import { h, mount, toast } from './dom.js';

/**
 * The member's watches for one page: `button(researcher)` makes a toggle, `status` is the
 * element where a failure to read or change the watches is told (the page puts it in view).
 */
export function watches() {
  const keys = new Set();
  const buttons = new Map();
  const status = h('div', { class: 'watch-status form-status', role: 'alert' });
  const ready = api.get('/api/watches').then(
    (r) => {
      for (const w of r.watches) keys.add(w.researcher_key);
      return true;
    },
    (e) => {
      status.textContent = `Watches could not be read: ${e.message}`;
      return false;
    },
  );
  const draw = (key) => {
    for (const b of buttons.get(key) || []) show(b, keys.has(key));
  };
  const toggle = async (r, btn) => {
    const on = !keys.has(r.key);
    for (const b of buttons.get(r.key) || []) b.disabled = true;
    status.textContent = '';
    try {
      if (on) await api.post('/api/watches', { researcher_key: r.key });
      else await api.del(`/api/watches/${encodeURIComponent(r.key)}`);
      if (on) keys.add(r.key);
      else keys.delete(r.key);
    } catch (e) {
      // Told beside the page's toggles and where the pressed one is (a List row may be far below).
      status.textContent = `${on ? 'Could not watch' : 'Could not stop watching'} ${r.name}: ${e.message}`;
      toast(status.textContent, 'error');
    }
    for (const b of buttons.get(r.key) || []) b.disabled = false;
    draw(r.key);
    btn.focus();
  };
  return {
    status,
    ready,
    /** Whether the member watches `key` (false until the watches are read). */
    has: (key) => keys.has(key),
    /**
     * A toggle for researcher `r` ({key, name}); `short` shows only the star on narrow screens.
     * Disabled until the watches are read (and for good when they cannot be).
     */
    button(r, short = false) {
      const btn = h('button', { type: 'button', class: short ? 'watch small short' : 'watch', 'aria-pressed': 'false', disabled: true, 'aria-busy': 'true', dataset: { key: r.key } });
      btn.who = r.name;
      show(btn, false);
      btn.addEventListener('click', () => toggle(r, btn));
      if (!buttons.has(r.key)) buttons.set(r.key, []);
      buttons.get(r.key).push(btn);
      ready.then((ok) => {
        btn.removeAttribute('aria-busy');
        btn.disabled = !ok;
        if (ok) show(btn, keys.has(r.key));
      });
      return btn;
    },
  };
}

/** The button's words and state: "☆ Watch" or "★ Watching" (the researcher's name for screen readers). */
function show(btn, on) {
  btn.setAttribute('aria-pressed', String(on));
  btn.classList.toggle('on', on);
  btn.title = on ? `Watching ${btn.who}: alerts on new papers, moves and rival co-authors (press to stop)` : `Watch ${btn.who}: alerts after each data refresh`;
  const word = on ? 'Watching' : 'Watch';
  mount(btn,
    h('span', { 'aria-hidden': 'true', class: 'star' }, on ? '★' : '☆'),
    // On narrow screens a short toggle shows the star alone; its word is still read out.
    h('span', { class: 'watch-word' }, ` ${word}`),
    h('span', { class: 'sr' }, ` ${btn.who}`));
}
