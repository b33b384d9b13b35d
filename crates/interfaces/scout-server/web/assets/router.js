// Navigation for every page: the route lives in the URL hash (`#/path?query`), so the server
// serves one page and reloads keep their place. Pages import `go` from here, never the shell;
// the shell (app.js) renders a route on every `hashchange`.

/** The current hash as {path, query}. */
export function location() {
  const raw = window.location.hash.replace(/^#/, '') || '/list';
  const [path, q] = raw.split('?');
  return { path, query: new URLSearchParams(q || '') };
}

/** Moves to `path` with `query` (empty values left out); the same hash renders again. */
export function go(path, query) {
  const q = query ? new URLSearchParams(Object.entries(query).filter(([, v]) => v !== undefined && v !== null && v !== '')).toString() : '';
  const hash = `#${path}${q ? `?${q}` : ''}`;
  if (window.location.hash === hash) window.dispatchEvent(new HashChangeEvent('hashchange'));
  else window.location.hash = hash;
}
