// The live event stream (GET /api/v1/events, server-sent events). One EventSource for the
// page; views subscribe to event kinds. The browser reconnects by itself after a dropped
// connection, but gives up when an answer is not a stream (a restarting hub's proxy, a 5xx):
// then we open a new one after a growing pause, resuming from the last id we saw, so no
// event is lost across a hub restart.

import { BASE } from './api.js';

/** @typedef {import('./types.js').LiveEvent} LiveEvent */
/** @typedef {(event: LiveEvent) => void} Listener */
/** @typedef {'connecting' | 'open' | 'down'} LinkState */

/** The kinds the API emits (docs/api.md); an EventSource only hears named kinds it listens to. */
const KINDS = [
  'task.created', 'task.updated', 'task.moved', 'task.deleted', 'task.commented',
  'project.created', 'project.updated', 'project.member_added', 'project.member_updated', 'project.member_removed',
  'memo.shared', 'memo.updated', 'memo.deleted',
  'announcement.posted', 'announcement.updated', 'announcement.deleted', 'announcement.acked',
  'meeting.scheduled', 'meeting.updated', 'meeting.cancelled',
];

/** @type {Map<string, Set<Listener>>} */
const listeners = new Map();
/** @type {EventSource | null} */
let source = null;
let lastId = '';
let retryMs = 1000;
/** @type {ReturnType<typeof setTimeout> | null} */
let retryTimer = null;
/** @type {LinkState} */
let state = 'down';

/**
 * Calls `fn` for each event of the given kinds ('*' for all); returns the unsubscribe.
 * @param {string[]} kinds
 * @param {Listener} fn
 */
export function subscribe(kinds, fn) {
  for (const kind of kinds) {
    if (!listeners.has(kind)) listeners.set(kind, new Set());
    listeners.get(kind)?.add(fn);
  }
  return () => { for (const kind of kinds) listeners.get(kind)?.delete(fn); };
}

/** Opens the stream (after sign-in). */
export function connect() {
  if (source) return;
  setState('connecting');
  const url = `${BASE}/events${lastId ? `?last_event_id=${encodeURIComponent(lastId)}` : ''}`;
  const es = new EventSource(url, { withCredentials: true });
  source = es;
  es.addEventListener('open', () => { retryMs = 1000; setState('open'); });
  es.addEventListener('error', () => {
    if (es.readyState === EventSource.CLOSED) reopenLater();
    else setState('connecting');
  });
  for (const kind of KINDS) es.addEventListener(kind, (ev) => deliver(kind, /** @type {MessageEvent} */ (ev)));
}

/** Closes the stream (sign-out). */
export function disconnect() {
  if (retryTimer) clearTimeout(retryTimer);
  retryTimer = null;
  source?.close();
  source = null;
  lastId = '';
  setState('down');
}

function reopenLater() {
  source?.close();
  source = null;
  setState('down');
  if (retryTimer) return;
  retryTimer = setTimeout(() => {
    retryTimer = null;
    connect();
  }, retryMs);
  retryMs = Math.min(retryMs * 2, 15_000);
}

/** @param {string} kind @param {MessageEvent} ev */
function deliver(kind, ev) {
  if (ev.lastEventId) lastId = ev.lastEventId;
  /** @type {LiveEvent} */
  let event;
  try {
    event = JSON.parse(String(ev.data));
  } catch {
    return;
  }
  for (const fn of [...(listeners.get(kind) ?? []), ...(listeners.get('*') ?? [])]) fn(event);
}

/** @param {LinkState} next */
function setState(next) {
  state = next;
  document.dispatchEvent(new CustomEvent('govhub:link', { detail: next }));
}

export function linkState() {
  return state;
}
