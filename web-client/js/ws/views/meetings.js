// Meetings: the schedule and the join button. Built against the shapes planned in issue 3
// (GET/POST /meetings, POST /meetings/{id}/join → {room, token, url}); while the hub has no
// meetings API the screen says so instead of failing.

import { call, get, isMissingRoute, qs } from '../api.js';
import { clearError, errorBox, field, h, replace, showError } from '../dom.js';
import { fmtDateTime, tr } from '../i18n.js';
import { View } from '../view.js';

/** @typedef {import('../types.js').Meeting} Meeting */

/** Meetings from an hour ago on, soonest first. */
export async function upcomingMeetings() {
  /** @type {import('../types.js').Page<Meeting>} */
  const page = await get(`/meetings${qs({ from_ms: Date.now() - 3_600_000, limit: 10 })}`);
  return page.items;
}

/**
 * Asks for a join token and opens the meeting page with it.
 * @param {number} id
 * @param {HTMLElement} errorHost where a failure is shown
 */
export async function joinMeeting(id, errorHost) {
  try {
    /** @type {{data: {room: string, token: string, url?: string}}} */
    const answer = await call('POST', `/meetings/${id}/join`);
    const { room, token, url } = answer.data;
    location.assign(url ?? `/m/${encodeURIComponent(room)}?token=${encodeURIComponent(token)}`);
  } catch (e) {
    const box = errorBox();
    showError(box, e);
    errorHost.prepend(box);
  }
}

class Meetings extends View {
  async render() {
    document.title = `${tr('meetings.title')} — govhub`;
    const list = h('div', { class: 'body' }, h('p', { class: 'muted', text: tr('common.loading') }));
    replace(this, h('h1', { text: tr('meetings.title') }), list);
    this.live(['meeting.created', 'meeting.updated', 'meeting.deleted'], () => void this.fill(list));
    await this.fill(list);
  }

  /** @param {HTMLElement} list */
  async fill(list) {
    try {
      const items = await upcomingMeetings();
      replace(list, this.scheduleForm(list),
        items.length
          ? h('ul', { class: 'list' }, items.map((m) => h('li', { class: 'row' },
            h('span', { class: 'grow' }, h('strong', { text: m.title }), ' ', h('span', { class: 'muted', text: fmtDateTime(m.start_ms) })),
            h('button', { type: 'button', class: 'primary', text: tr('meetings.join'), onclick: () => void joinMeeting(m.id, list) }))))
          : h('p', { class: 'muted', text: tr('home.no_meetings') }));
    } catch (e) {
      if (isMissingRoute(e)) replace(list, h('p', { class: 'notice', text: tr('meetings.unavailable') }));
      else {
        const box = errorBox();
        showError(box, e);
        replace(list, box);
      }
    }
  }

  /** @param {HTMLElement} list */
  scheduleForm(list) {
    const title = h('input', { name: 'title', required: true, maxlength: 200 });
    const start = h('input', { name: 'start_ms', type: 'datetime-local', required: true });
    const minutes = h('input', { name: 'minutes', type: 'number', min: 5, max: 600, value: 60, required: true });
    const errors = errorBox();
    const form = h('form', { class: 'card inline-form', 'aria-label': tr('meetings.schedule') },
      h('h2', { text: tr('meetings.schedule') }),
      field(tr('meetings.field_title'), title), field(tr('meetings.start'), start), field(tr('meetings.minutes'), minutes),
      errors, h('button', { type: 'submit', class: 'primary', text: tr('meetings.create') }));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      clearError(errors);
      const startMs = new Date(start.value).getTime();
      try {
        await call('POST', '/meetings', { idempotent: true, body: { title: title.value.trim(), start_ms: startMs, end_ms: startMs + Number(minutes.value) * 60_000 } });
        await this.fill(list);
      } catch (e) {
        showError(errors, e, form);
      }
    });
    return form;
  }
}

customElements.define('gh-meetings', Meetings);
