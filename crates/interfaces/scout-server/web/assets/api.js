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

import { early, listPath, qs, CANDIDATES_ALL } from './boot.js';

export { listPath, qs, CANDIDATES_ALL };

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

/** True when `path` was started early (boot.js) and its answer has not been taken yet. */
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
