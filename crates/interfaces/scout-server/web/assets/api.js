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

export function qs(params) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') u.set(k, v);
  }
  const s = u.toString();
  return s ? `?${s}` : '';
}

// GETs started before the page needs them (see `prefetch`), by path.
const prefetched = new Map();

/** Starts a GET now; the next `api.get` of the same path takes its answer. */
export function prefetch(path) {
  const p = request('GET', path);
  p.catch(() => {}); // the consumer sees the error; this only silences "unhandled"
  prefetched.set(path, p);
}

/** The List query of a route's query string (one definition for the page and the prefetch). */
export function listPath(query) {
  const f = {};
  for (const k of ['topic', 'org', 'org_type', 'country', 'stage', 'since']) f[k] = query.get(k) || '';
  f.limit = query.get('limit') || '50';
  return `/api/list${qs(f)}`;
}

export const CANDIDATES_ALL = '/api/candidates?limit=1000';

export const api = {
  get(p) {
    const early = prefetched.get(p);
    if (early) {
      prefetched.delete(p);
      return early;
    }
    return request('GET', p);
  },
  post: (p, b = {}) => request('POST', p, b),
  patch: (p, b) => request('PATCH', p, b),
  del: (p) => request('DELETE', p),

  async me() {
    const r = await request('GET', '/api/me');
    session.user = r.user;
    session.csrf = r.csrf_token;
    return r.user;
  },
  async login(name, password) {
    prefetched.clear(); // anything fetched before signing in was refused
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
