// Booking a conference room with a meeting: a list of rooms that says which are free for the
// chosen time, and the chosen room's bookings of that day (free/busy), with the ones that
// clash with the chosen time marked. The hub still decides: a clash it finds is 409
// `booking_overlap`, shown by the form.

import { all, get, qs } from '../api.js';
import { field, h, options, replace } from '../dom.js';
import { locale, tr } from '../i18n.js';
import { roomLabel } from '../meet.js';

/** @typedef {import('../types.js').ConferenceRoom} ConferenceRoom */
/** @typedef {import('../types.js').Booking} Booking */

const DAY_MS = 86_400_000;

/**
 * Bookings of a room intersecting [from, to).
 * @param {number} roomId @param {number} from @param {number} to @param {number} [limit]
 * @returns {Promise<Booking[]>}
 */
async function bookingsOf(roomId, from, to, limit = 100) {
  /** @type {import('../types.js').Page<Booking>} */
  const page = await get(`/rooms/${roomId}/bookings${qs({ from, to, limit })}`);
  return page.items;
}

/** @param {number} ms */
function clock(ms) {
  return new Date(ms).toLocaleTimeString(locale(), { hour: '2-digit', minute: '2-digit' });
}

/** @param {string} [initial] the room chosen before (a restored draft) */
export async function roomPicker(initial = '') {
  /** @type {ConferenceRoom[]} */
  const rooms = await all('/rooms', 200).catch(() => []);
  const select = h('select', { name: 'room_id' });
  const summary = h('p', { class: 'muted', role: 'status', 'aria-live': 'polite' });
  const day = h('ul', { class: 'list freebusy', 'aria-label': tr('mtg.room_day') });
  const dayHeading = h('h3', { class: 'small', hidden: true, text: tr('mtg.room_day') });
  /** @type {[number, number]} */
  let span = [0, 0];
  /** @type {Map<number, boolean>} room id → free for the chosen time */
  const free = new Map();

  const drawOptions = () => {
    const keep = select.value || initial;
    replace(select, options([['', tr('mtg.no_room')], ...rooms.map((r) => /** @type {[string, string]} */ ([String(r.id),
      `${roomLabel(r)} (${tr('mtg.capacity', { n: r.capacity })})${free.has(r.id) ? ` — ${free.get(r.id) ? tr('mtg.room_free') : tr('mtg.room_busy')}` : ''}`]))], keep));
  };

  const drawDay = async () => {
    const id = Number(select.value);
    dayHeading.hidden = !id;
    if (!id || !span[0]) { replace(day); summary.textContent = ''; return; }
    const start = new Date(span[0]);
    start.setHours(0, 0, 0, 0);
    const list = await bookingsOf(id, start.getTime(), start.getTime() + DAY_MS).catch(() => []);
    const clash = list.filter((b) => b.start_ms < span[1] && span[0] < b.end_ms);
    summary.textContent = clash.length ? tr('mtg.room_clash') : tr('mtg.room_ok');
    select.toggleAttribute('aria-invalid', clash.length > 0);
    replace(day, list.length
      ? list.map((b) => h('li', { class: `row${clash.includes(b) ? ' clash' : ''}` },
        h('span', { class: 'grow', text: `${clock(b.start_ms)}–${clock(b.end_ms)} ${b.title || tr('mtg.booked')}` }),
        clash.includes(b) ? h('span', { class: 'badge overdue', text: tr('mtg.clash') }) : null))
      : h('li', { class: 'muted', text: tr('mtg.room_day_free') }));
  };

  select.addEventListener('change', () => void drawDay());
  drawOptions();
  const element = rooms.length
    ? h('fieldset', { class: 'picker' }, h('legend', { text: tr('mtg.room') }), field(tr('mtg.room_choose'), select), summary,
      dayHeading, day)
    : h('p', { class: 'muted', text: tr('mtg.no_rooms') });
  return {
    element,
    /** @returns {number | null} */
    value: () => (select.value ? Number(select.value) : null),
    /** The meeting's time changed (or a booking was refused): ask again who is free. @param {number} from @param {number} to */
    async update(from, to) {
      span = [from, to];
      if (!(to > from)) return;
      await Promise.all(rooms.map(async (r) => {
        free.set(r.id, (await bookingsOf(r.id, from, to, 1).catch(() => [])).length === 0);
      }));
      drawOptions();
      await drawDay();
    },
    /** Marks the room as the cause of an error. */
    flag() {
      select.setAttribute('aria-invalid', 'true');
    },
  };
}
