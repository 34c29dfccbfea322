// Meetings: my meetings from an hour ago on, soonest first (a page at a time), each with its
// join button, and the way to schedule a new one. Changes arrive live.

import { errorBox, h, replace, showError } from '../dom.js';
import { tr } from '../i18n.js';
import { meetingRow, meetingsFrom } from '../meet.js';
import { debounce, View } from '../view.js';

/** The live events of meetings (docs/api.md). */
export const MEETING_EVENTS = ['meeting.scheduled', 'meeting.updated', 'meeting.cancelled'];

class Meetings extends View {
  async render() {
    document.title = `${tr('meetings.title')} — govhub`;
    const body = h('section', { class: 'panel', 'aria-labelledby': 'mtg-list-h' },
      h('h2', { id: 'mtg-list-h', text: tr('mtg.mine') }), h('p', { class: 'muted', text: tr('common.loading') }));
    replace(this,
      h('div', { class: 'title-row' }, h('h1', { text: tr('meetings.title') }),
        h('a', { class: 'button primary', href: '/app/meetings/new', text: tr('meetings.schedule') })),
      body);
    this.live(MEETING_EVENTS, debounce(() => void this.fill(body), 300));
    await this.fill(body);
  }

  /** @param {HTMLElement} panel */
  async fill(panel) {
    const heading = /** @type {HTMLElement} */ (panel.querySelector('h2'));
    const list = h('ul', { class: 'list' });
    const more = h('button', { type: 'button', hidden: true, text: tr('admin.more') });
    const from = Date.now() - 3_600_000;
    /** @type {string | null} */
    let cursor = null;
    const load = async () => {
      const page = await meetingsFrom(from, cursor);
      cursor = page.next_cursor;
      more.hidden = !cursor;
      list.append(...page.items.map((m) => meetingRow(m, panel)));
      if (!list.children.length) list.append(h('li', { class: 'muted', text: tr('home.no_meetings') }));
    };
    try {
      await load();
      more.addEventListener('click', () => void load().catch((e) => { const box = errorBox(); showError(box, e); panel.append(box); }));
      replace(panel, heading, list, more);
    } catch (e) {
      const box = errorBox();
      showError(box, e);
      replace(panel, heading, box);
    }
  }
}

customElements.define('gh-meetings', Meetings);
