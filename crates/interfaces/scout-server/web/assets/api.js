// The JSON API client: the session cookie travels by itself (same origin); state-changing
// requests carry the session's CSRF token in X-CSRF-Token. Errors become ApiError with the
// server's message.

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

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
  for (const k of ['topic', 'org', 'org_type', 'country', 'stage', 'trained_at', 'worked_at', 'since', 'include_rejected']) f[k] = query.get(k) || '';
  f.limit = query.get('limit') || '50';
  return `/api/list${qs(f)}`;
}

/** The pipeline's stages in order (the server's `Stage`). */
export const STAGES = ['sourced', 'shortlisted', 'finalist', 'contacted', 'responded', 'meeting', 'offer', 'accepted', 'declined', 'withdrawn'];

export const CANDIDATES_ALL = '/api/candidates?limit=1000';

// On a List link the List is asked for as soon as this module runs (before the page's other
// modules run and the session is checked): the first screen waits for one round trip, not
// two. Only that request: over HTTP/1.1 a browser opens six connections to a server, and more
// early requests would hold up the UI's own files. The answer goes to the first `api.get`.
const early = new Map();
{
  const raw = window.location.hash.replace(/^#/, '') || '/list';
  const [path, q] = raw.split('?');
  const query = new URLSearchParams(q || '');
  if (path === '/list' && query.get('topic')) {
    const p = listPath(query);
    const started = fetch(p, { headers: { Accept: 'application/json' }, credentials: 'same-origin' });
    started.catch(() => {}); // the consumer sees the error; this only silences "unhandled"
    early.set(p, started);
  }
}

export const session = { user: null, csrf: null };

async function request(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && session.csrf) headers['X-CSRF-Token'] = session.csrf;
  const resp = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'same-origin',
  });
  return read(resp, path);
}

/** The JSON of a response, or an ApiError with the server's message. */
async function read(resp, path) {
  const text = await resp.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!resp.ok) {
    const err = data && data.error ? data.error : { code: 'http', message: `${resp.status} ${resp.statusText}` };
    if (resp.status === 401 && path !== '/api/login') {
      session.user = null;
      window.dispatchEvent(new CustomEvent('scout:signed-out'));
    }
    throw new ApiError(resp.status, err.code, err.message);
  }
  return data;
}

/** True when `path` was started early (above) and its answer has not been taken yet. */
export const isPrefetched = (path) => early.has(path);

// The signed-in user, asked once per page load (or after signing in).
let whoPromise = null;

export const api = {
  get(p) {
    const started = early.get(p);
    if (started) {
      early.delete(p);
      return started.then((resp) => read(resp, p));
    }
    return request('GET', p);
  },
  post: (p, b = {}) => request('POST', p, b),
  patch: (p, b) => request('PATCH', p, b),
  put: (p, b) => request('PUT', p, b),
  del: (p) => request('DELETE', p),

  async me() {
    const r = await api.get('/api/me');
    session.user = r.user;
    session.csrf = r.csrf_token;
    return r.user;
  },
  /** The user (one `/api/me` shared by everyone who asks until it answers). */
  whoami() {
    if (session.user) return Promise.resolve(session.user);
    if (!whoPromise) {
      whoPromise = api.me();
      whoPromise.catch(() => {}).finally(() => {
        whoPromise = null;
      });
    }
    return whoPromise;
  },
  async login(name, password) {
    early.clear(); // anything fetched before signing in was refused
    const r = await request('POST', '/api/login', { name, password });
    session.user = r.user;
    session.csrf = r.csrf_token;
    return r.user;
  },
  async logout() {
    try {
      await request('POST', '/api/logout', {});
    } finally {
      session.user = null;
      session.csrf = null;
    }
  },
};

export const isOwner = () => session.user && session.user.role === 'owner';
export const canWrite = () => session.user && (session.user.role === 'owner' || session.user.role === 'recruiter');

/** The server's likely-duplicate warning for a new candidate, as a sentence (or nothing). */
export function dupWarning(created) {
  const d = created.possible_duplicates || [];
  return d.length ? ` Possibly the same person as ${d.map((x) => `#${x.id} ${x.name} (${x.reason}, ${x.stage})`).join('; ')}.` : '';
}
