// DOM helpers. Every piece of data reaches the page as a text node or an attribute value set
// with setAttribute — never as HTML — so markup inside notes, titles or names stays inert.

const SVG_NS = 'http://www.w3.org/2000/svg';

function apply(el, attrs) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') {
      el.addEventListener(k.slice(2), v);
    } else if (k === 'dataset') {
      Object.assign(el.dataset, v);
    } else if (k === 'style') {
      // CSSOM assignments are allowed by the CSP (a style attribute would not be).
      Object.assign(el.style, v);
    } else if (k === 'value' && 'value' in el) {
      el.value = v;
    } else if (k === 'checked' || k === 'selected' || k === 'disabled') {
      el[k] = Boolean(v);
    } else {
      el.setAttribute(k, v === true ? '' : String(v));
    }
  }
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** An HTML element: h('a', {href: '#/x', class: 'y'}, 'text', child…). */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  apply(el, attrs);
  return append(el, children);
}

/** An SVG element. */
export function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  apply(el, attrs);
  return append(el, children);
}

/** Replaces the children of `el`. */
export function mount(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

export const fmt = {
  num(x, d = 2) {
    return x === null || x === undefined || Number.isNaN(x) ? '–' : Number(x).toFixed(d);
  },
  int(x) {
    return x === null || x === undefined ? '–' : Number(x).toLocaleString('en');
  },
  pct(x) {
    return x === null || x === undefined ? '–' : `${Math.round(x * 100)}%`;
  },
  money(x, cur) {
    return `${Number(x).toLocaleString('en')} ${cur || ''}`.trim();
  },
  date(iso) {
    if (!iso) return '–';
    const d = new Date(iso);
    return Number.isNaN(d.getTime()) ? String(iso) : d.toISOString().slice(0, 16).replace('T', ' ');
  },
  stage(s) {
    return s ? s.replace('_', ' ') : '–';
  },
};

export function toast(message, kind = 'info') {
  const t = document.getElementById('toast');
  mount(t, h('div', { class: `toast-msg ${kind}` }, message));
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => t.replaceChildren(), 6000);
}

/** A labelled form field. */
export function field(label, input, hint) {
  const id = input.id || `f-${Math.random().toString(36).slice(2, 9)}`;
  input.id = id;
  return h('div', { class: 'field' }, h('label', { for: id }, label), input, hint ? h('small', { class: 'muted' }, hint) : null);
}

/** A horizontal bar broken into coloured segments: [{value, label, cls}]. */
export function stackedBar(parts, max, title) {
  const total = parts.reduce((a, p) => a + p.value, 0);
  const bar = h('div', { class: 'sbar', role: 'img', 'aria-label': title || `total ${total.toFixed(2)}` });
  for (const p of parts) {
    const w = max > 0 ? (p.value / max) * 100 : 0;
    bar.append(h('span', { class: `seg ${p.cls || ''}`, title: `${p.label}: ${p.value.toFixed(3)}`, style: { width: `${w}%` } }));
  }
  return bar;
}

export function empty(text) {
  return h('p', { class: 'empty muted' }, text);
}

export function errorBox(e) {
  return h('div', { class: 'error', role: 'alert' }, e && e.message ? e.message : String(e));
}
