// Who is signed in, and the small lists most screens need (agencies), loaded once per
// sign-in and refreshed on demand.

import { all, call, get } from './api.js';
import { nameOf } from './i18n.js';

/** @typedef {import('./types.js').Account} Account */
/** @typedef {import('./types.js').Agency} Agency */

/** @type {Account | null} */
let me = null;
/** @type {Agency[] | null} */
let agencies = null;

/** The signed-in account, asking the hub once; null when nobody is signed in. */
export async function currentAccount() {
  if (me) return me;
  try {
    /** @type {import('./types.js').Me} */
    const answer = await get('/auth/me');
    me = answer.account;
  } catch {
    me = null;
  }
  return me;
}

/** The account already known (after `currentAccount` resolved). */
export function account() {
  return me;
}

/** @param {string} login @param {string} password */
export async function signIn(login, password) {
  /** @type {{data: {account: Account}}} */
  const answer = await call('POST', '/auth/login', { body: { login, password } });
  me = answer.data.account;
  agencies = null;
  return me;
}

export async function signOut() {
  try {
    await call('POST', '/auth/logout');
  } finally {
    forget();
  }
}

/** Drops what we know (after sign-out or when the hub says the session is gone). */
export function forget() {
  me = null;
  agencies = null;
}

export function isAdmin() {
  return me?.role === 'system_admin' || me?.role === 'agency_admin';
}

export function isSystemAdmin() {
  return me?.role === 'system_admin';
}

/** Every agency, cached for the session. */
export async function loadAgencies(refresh = false) {
  if (!agencies || refresh) agencies = await all('/agencies');
  return agencies;
}

/** The display name of an agency from the cache (its id when unknown). */
export function agencyName(/** @type {number | null} */ id) {
  if (id === null) return '';
  const a = agencies?.find((x) => x.id === id);
  return a ? nameOf(a) : `#${id}`;
}
