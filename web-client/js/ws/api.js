// The workspace API client: JSON in and out, ETags kept with what they came with, and every
// failure turned into an ApiError whose `message` is already in the user's language (the
// API's problem+json carries ko and en texts; network faults get the app's own words). Raw
// JSON never reaches the screen.

import { lang, tr } from './i18n.js';

export const BASE = '/api/v1';

/** @typedef {{field: string, message: string}} FieldProblem */

export class ApiError extends Error {
  /**
   * @param {number} status HTTP status, 0 when the hub could not be reached
   * @param {string} code the problem's stable code (`network` when unreachable)
   * @param {string} message already localised
   * @param {FieldProblem[]} [fields]
   */
  constructor(status, code, message, fields = []) {
    super(message);
    this.status = status;
    this.code = code;
    this.fields = fields;
  }
}

/**
 * @template T
 * @typedef {{data: T, etag: string | null}} Answer
 */

/**
 * @typedef {object} RequestOptions
 * @property {unknown} [body] sent as JSON
 * @property {string | null} [ifMatch] the ETag the change is conditioned on
 * @property {boolean} [idempotent] send an Idempotency-Key so a retried create is not doubled
 */

/**
 * One API call. Resolves with the decoded body (null for 204) and the ETag.
 * @template T
 * @param {string} method
 * @param {string} path under /api/v1, e.g. `/memos/3`
 * @param {RequestOptions} [options]
 * @returns {Promise<Answer<T>>}
 */
export async function call(method, path, options = {}) {
  /** @type {Record<string, string>} */
  const headers = { Accept: 'application/json' };
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  if (options.ifMatch) headers['If-Match'] = options.ifMatch;
  if (options.idempotent) headers['Idempotency-Key'] = crypto.randomUUID();
  let response;
  try {
    response = await fetch(BASE + path, {
      method,
      headers,
      credentials: 'same-origin',
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
  } catch {
    throw new ApiError(0, 'network', tr('err.network'));
  }
  if (!response.ok) throw await problemOf(response);
  const etag = response.headers.get('ETag');
  if (response.status === 204) return { data: /** @type {T} */ (/** @type {unknown} */ (null)), etag };
  try {
    return { data: /** @type {T} */ (await response.json()), etag };
  } catch {
    throw new ApiError(response.status, 'bad_answer', tr('err.bad_answer'));
  }
}

/**
 * Shorthand for a GET that needs only the body.
 * @template T
 * @param {string} path
 * @returns {Promise<T>}
 */
export async function get(path) {
  return (await call('GET', path)).data;
}

/**
 * @param {Response} response
 * @returns {Promise<ApiError>}
 */
async function problemOf(response) {
  /** @type {any} */
  let body = null;
  try {
    body = await response.json();
  } catch {
    // A proxy's HTML error page or an empty body: fall back on the status.
  }
  const code = typeof body?.code === 'string' ? body.code : `http_${response.status}`;
  const message = localised(body?.message) ?? statusMessage(response.status, code);
  /** @type {FieldProblem[]} */
  const fields = Array.isArray(body?.errors)
    ? body.errors.map((/** @type {any} */ e) => ({ field: String(e?.field ?? ''), message: localised(e?.message) ?? '' }))
    : [];
  if (response.status === 401) document.dispatchEvent(new CustomEvent('govhub:unauthenticated', { detail: code }));
  return new ApiError(response.status, code, message, fields);
}

/**
 * @param {unknown} message `{ko, en}` from a problem
 * @returns {string | null}
 */
function localised(message) {
  if (!message || typeof message !== 'object') return null;
  const m = /** @type {Record<string, unknown>} */ (message);
  const text = m[lang()] ?? m.ko;
  return typeof text === 'string' && text ? text : null;
}

/** @param {number} status @param {string} code */
function statusMessage(status, code) {
  if (status >= 500) return tr('err.server');
  return tr('err.unknown', { code });
}

/**
 * Query string from the defined, non-empty values.
 * @param {Record<string, string | number | boolean | null | undefined>} params
 */
export function qs(params) {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') search.set(k, String(v));
  }
  const s = search.toString();
  return s ? `?${s}` : '';
}

/**
 * Every page of a list (for the small lists the app shows whole: agencies, members).
 * @template T
 * @param {string} path
 * @param {number} [max] stop after this many items
 * @returns {Promise<T[]>}
 */
export async function all(path, max = 500) {
  /** @type {T[]} */
  const items = [];
  let cursor = null;
  do {
    const sep = path.includes('?') ? '&' : '?';
    /** @type {import('./types.js').Page<T>} */
    const page = await get(`${path}${sep}limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    items.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor && items.length < max);
  return items;
}

/** True when the endpoint is not on this hub yet (a feature still being built). */
export function isMissingRoute(/** @type {unknown} */ e) {
  return e instanceof ApiError && (e.code === 'route_not_found' || e.code === 'method_not_allowed');
}
