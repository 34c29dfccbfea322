// One meeting's page: when, who, which room and project, the join button (a room token from
// the hub, then the SFU meeting page), and for the organiser, cancelling it. Changes made
// elsewhere arrive live.

import { call, get } from '../api.js';
import { announce, clearError, errorBox, h, replace, showError } from '../dom.js';
import { nameOf, tr } from '../i18n.js';
import { navigate } from '../router.js';
import { account } from '../session.js';
import { View } from '../view.js';
import { joinable, joinMeeting, roomLabel, timeRange } from '../meet.js';
import { guestLinks } from './guest-links.js';

/** @typedef {import('../types.js').Meeting} Meeting */

class MeetingPage extends View {
  async render() {
    const id = Number(this.params.id);
    let answer;
    try {
      /** @type {{data: Meeting, etag: string | null}} */
      answer = await call('GET', `/meetings/${id}`);
    } catch (e) {
      const box = errorBox();
      showError(box, e);
      replace(this, h('h1', { text: tr('meetings.title') }), box, h('a', { href: '/app/meetings', text: tr('mtg.back') }));
      return;
    }
    const m = answer.data;
    document.title = `${m.title} — govhub`;
    this.live(['meeting.updated', 'meeting.cancelled'], (ev) => { if (ev.entity_id === id) this.refresh(); });
    const actions = h('div', { class: 'actions' });
    const now = Date.now();
    const state = m.cancelled_ms !== null ? tr('mtg.state_cancelled') : m.end_ms <= now ? tr('mtg.state_ended')
      : m.start_ms <= now ? tr('meetings.now') : null;
    replace(this,
      h('p', {}, h('a', { href: '/app/meetings', text: tr('mtg.back') })),
      h('div', { class: 'title-row' }, h('h1', { text: m.title }), state ? h('span', { class: 'badge', text: state }) : null),
      h('section', { class: 'panel meeting-facts', 'aria-label': tr('mtg.details') },
        h('dl', { class: 'facts' }, (await this.facts(m)).flatMap(([k, v]) => [h('dt', { text: k }), h('dd', {}, v)])),
        m.description ? h('p', { class: 'comment-body', text: m.description }) : null,
        actions));
    if (joinable(m)) {
      actions.append(h('button', { type: 'button', class: 'primary join', text: tr('meetings.join'),
        'aria-label': tr('meetings.join_named', { title: m.title }), onclick: () => void joinMeeting(m.id, m.title, actions) }));
    }
    if (m.organiser_id === account()?.id && m.cancelled_ms === null) actions.append(this.cancelButton(m, answer.etag));
    if (m.organiser_id === account()?.id && joinable(m)) this.append(guestLinks(m));
  }

  /** @param {Meeting} m @returns {Promise<Array<[string, string | Node]>>} */
  async facts(m) {
    // The API names the people (members may not read accounts, so no "account N" here).
    const names = m.attendee_names.map((a) => a.display_name);
    /** @type {Array<[string, string | Node]>} */
    const rows = [
      [tr('mtg.when'), timeRange(m.start_ms, m.end_ms)],
      [tr('mtg.organiser'), m.organiser_name],
      [tr('mtg.attendees'), names.length ? h('ul', { class: 'chips' }, names.map((n) => h('li', { class: 'chip', text: n }))) : tr('mtg.no_attendees')],
    ];
    if (m.booking) {
      const room = await get(`/rooms/${m.booking.room_id}`).catch(() => null);
      rows.push([tr('mtg.room'), room ? roomLabel(/** @type {import('../types.js').ConferenceRoom} */ (room)) : `#${m.booking.room_id}`]);
    }
    if (m.project_id !== null) {
      const project = /** @type {import('../types.js').Project | null} */ (await get(`/projects/${m.project_id}`).catch(() => null));
      rows.push([tr('projects.title'), h('a', { href: `/app/projects/${m.project_id}`, text: project ? nameOf(project) : `#${m.project_id}` })]);
    }
    return rows;
  }

  /** Two steps, so a stray click cancels nothing. @param {Meeting} m @param {string | null} etag */
  cancelButton(m, etag) {
    const errors = errorBox();
    const confirm = h('button', { type: 'button', class: 'danger', hidden: true, text: tr('mtg.cancel_confirm') });
    const ask = h('button', { type: 'button', 'aria-expanded': 'false', text: tr('mtg.cancel_meeting') });
    ask.addEventListener('click', () => {
      confirm.hidden = !confirm.hidden;
      ask.setAttribute('aria-expanded', String(!confirm.hidden));
      if (!confirm.hidden) confirm.focus();
    });
    confirm.addEventListener('click', async () => {
      clearError(errors);
      try {
        await call('DELETE', `/meetings/${m.id}`, { ifMatch: etag });
        announce(tr('mtg.cancelled', { title: m.title }));
        navigate('/app/meetings');
      } catch (e) {
        showError(errors, e);
      }
    });
    return h('span', { class: 'actions' }, ask, confirm, errors);
  }
}

customElements.define('gh-meeting', MeetingPage);
