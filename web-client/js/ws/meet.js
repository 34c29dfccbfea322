// Meetings shared by several screens (home, the meetings list, a meeting's page): loading my
// meetings, the join step (a room token from the hub, then the SFU meeting page with it), the
// row that lists a meeting with its join button, and names for account ids.

import { call, get, qs } from './api.js';
import { errorBox, h, showError } from './dom.js';
import { locale, tr } from './i18n.js';
import { account } from './session.js';

/** @typedef {import('./types.js').Meeting} Meeting */
/** @typedef {import('./types.js').ConferenceRoom} ConferenceRoom */

/** Today's meetings and the next ones, with "today" in the browser's time zone. */
export async function myMeetings() {
  /** @type {import('./types.js').MyMeetings} */
  const answer = await get(`/me/meetings${qs({ tz_offset_min: -new Date().getTimezoneOffset() })}`);
  return answer;
}

/**
 * A page of my meetings that end after `fromMs`, soonest first.
 * @param {number} fromMs @param {string | null} cursor
 */
export async function meetingsFrom(fromMs, cursor) {
  /** @type {import('./types.js').Page<Meeting>} */
  const page = await get(`/meetings${qs({ from: fromMs, limit: 20, cursor })}`);
  return page;
}

/**
 * Asks for a room token and opens the meeting page (web-client/meeting.html) with it; the
 * display name rides along so the pre-join screen is filled in, and the meeting's title so the
 * meeting page is headed by it rather than by the room's random name.
 * @param {number} id
 * @param {string} title
 * @param {HTMLElement} errorHost where a failure is shown (in the user's language)
 */
export async function joinMeeting(id, title, errorHost) {
  errorHost.querySelector(':scope > .join-error')?.remove();
  try {
    /** @type {{data: import('./types.js').RoomTicket}} */
    const answer = await call('POST', `/meetings/${id}/join`);
    const { room, token, url } = answer.data;
    const target = new URL(url || `/m/${encodeURIComponent(room)}?token=${encodeURIComponent(token)}`, location.origin);
    const me = account();
    if (title && !target.searchParams.has('title')) target.searchParams.set('title', title);
    if (me && !target.searchParams.has('name')) target.searchParams.set('name', me.display_name || me.login);
    location.assign(target.pathname + target.search);
  } catch (e) {
    const box = errorBox();
    box.classList.add('join-error');
    showError(box, e);
    errorHost.prepend(box);
  }
}

/** Whether a meeting can still be joined (not cancelled, not over). @param {Meeting} m */
export function joinable(m, now = Date.now()) {
  return m.cancelled_ms === null && m.end_ms > now;
}

/** "28 Nov 2026, 14:00–15:00" in the user's language. @param {number} start @param {number} end */
export function timeRange(start, end) {
  const day = new Date(start).toLocaleDateString(locale(), { dateStyle: 'medium' });
  const time = (/** @type {number} */ ms) => new Date(ms).toLocaleTimeString(locale(), { hour: '2-digit', minute: '2-digit' });
  const sameDay = new Date(start).toDateString() === new Date(end).toDateString();
  return sameDay ? `${day} ${time(start)}–${time(end)}` : `${day} ${time(start)} – ${new Date(end).toLocaleString(locale(), { dateStyle: 'medium', timeStyle: 'short' })}`;
}

/** @param {ConferenceRoom} r */
export function roomLabel(r) {
  return [r.site, r.name, r.floor].filter(Boolean).join(' · ');
}

/**
 * One meeting in a list: its title (a link to its page), time, and a join button.
 * @param {Meeting} m
 * @param {HTMLElement} errorHost
 */
export function meetingRow(m, errorHost) {
  const now = Date.now();
  const live = m.start_ms <= now && now < m.end_ms;
  return h('li', { class: 'row meeting-row' },
    h('span', { class: 'grow' },
      h('a', { href: `/app/meetings/${m.id}`, text: m.title }), ' ',
      live ? h('span', { class: 'badge ok', text: tr('meetings.now') }) : null, ' ',
      h('span', { class: 'muted', text: timeRange(m.start_ms, m.end_ms) })),
    joinable(m, now)
      ? h('button', { type: 'button', class: 'primary', text: tr('meetings.join'), 'aria-label': tr('meetings.join_named', { title: m.title }), onclick: () => void joinMeeting(m.id, m.title, errorHost) })
      : null);
}

/** @type {Map<number, string>} account id → name, filled as we learn names */
const names = new Map();

/** Remembers account names learnt elsewhere (project members, admin lists). @param {number} id @param {string} name */
export function rememberName(id, name) {
  if (name) names.set(id, name);
}

/**
 * A readable name for an account: mine, one learnt before, or one the hub tells (admins may
 * read accounts); otherwise its number.
 * @param {number} id
 */
export async function accountName(id) {
  const me = account();
  if (me && me.id === id) return me.display_name || me.login;
  const known = names.get(id);
  if (known) return known;
  let asking = asked.get(id);
  if (!asking) {
    asking = get(`/accounts/${id}`).then((/** @type {any} */ a) => {
      const name = String(a.display_name || a.login);
      rememberName(id, name);
      return name;
    }, () => null);
    asked.set(id, asking);
  }
  return (await asking) ?? tr('meetings.account_n', { id });
}

/** @type {Map<number, Promise<string | null>>} one question per account */
const asked = new Map();
