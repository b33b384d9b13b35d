// The first script of the page: an async module without imports, so it runs as soon as it
// arrives — before the rest of the UI has loaded — and starts the one request the first screen
// waits for: on a List link the List, elsewhere who is signed in. (Only that one: over HTTP/1.1
// a browser opens six connections to the server, and more early requests would delay the UI's
// own files.) api.js hands the answer to the first caller.

export function qs(params) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') u.set(k, v);
  }
  const s = u.toString();
  return s ? `?${s}` : '';
}

/** The List query of a route's query string (one definition for the page and the early start). */
export function listPath(query) {
  const f = {};
  for (const k of ['topic', 'org', 'org_type', 'country', 'stage', 'since']) f[k] = query.get(k) || '';
  f.limit = query.get('limit') || '50';
  return `/api/list${qs(f)}`;
}

export const CANDIDATES_ALL = '/api/candidates?limit=1000';

/** Responses of GETs started early, by path (taken once by api.js). */
export const early = new Map();

function start(path) {
  const p = fetch(path, { headers: { Accept: 'application/json' }, credentials: 'same-origin' });
  p.catch(() => {}); // the consumer sees the error; this only silences "unhandled"
  early.set(path, p);
}

{
  const raw = window.location.hash.replace(/^#/, '') || '/list';
  const [path, q] = raw.split('?');
  const query = new URLSearchParams(q || '');
  if (path === '/list' && query.get('topic')) start(listPath(query));
  else start('/api/me');
}
