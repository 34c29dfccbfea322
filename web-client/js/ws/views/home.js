// Home: today's and upcoming meetings with their join buttons, my open tasks by
// due date, recent announcements and memos shared with me. Live events refresh the parts.

import { get, qs } from '../api.js';
import { errorBox, h, replace, showError } from '../dom.js';
import { fmtDateTime, fmtDay, tr } from '../i18n.js';
import { debounce, View } from '../view.js';
import { meetingRow, myMeetings } from '../meet.js';
import { MEETING_EVENTS } from './meetings.js';

/** @typedef {import('../types.js').Task} Task */
/** @typedef {import('../types.js').Announcement} Announcement */
/** @typedef {import('../types.js').Memo} Memo */

class Home extends View {
  async render() {
    document.title = `${tr('home.title')} — govhub`;
    const meetings = h('section', { class: 'panel', 'aria-labelledby': 'home-meetings' },
      h('h2', { id: 'home-meetings', text: tr('home.meetings') }), h('div', { class: 'body' }));
    const tasks = section('home-tasks', tr('home.tasks'));
    const news = section('home-news', tr('home.news'));
    const memos = section('home-memos', tr('home.memos'));
    replace(this, h('h1', { text: tr('home.title') }), h('div', { class: 'home-grid' }, meetings, tasks, news, memos));
    const reloadTasks = debounce(() => void this.fill(tasks, loadTasks), 300);
    const reloadNews = debounce(() => void this.fill(news, loadNews), 300);
    const reloadMemos = debounce(() => void this.fill(memos, loadMemos), 300);
    this.live(['task.created', 'task.updated', 'task.moved', 'task.deleted'], reloadTasks);
    this.live(['announcement.posted', 'announcement.updated', 'announcement.deleted'], reloadNews);
    this.live(['memo.shared', 'memo.updated', 'memo.deleted'], reloadMemos);
    this.live(MEETING_EVENTS, debounce(() => void this.fillMeetings(meetings), 300));
    await Promise.all([this.fill(tasks, loadTasks), this.fill(news, loadNews), this.fill(memos, loadMemos), this.fillMeetings(meetings)]);
  }

  /** @param {HTMLElement} panel @param {() => Promise<HTMLElement>} load */
  async fill(panel, load) {
    const body = /** @type {HTMLElement} */ (panel.querySelector('.body'));
    try {
      replace(body, await load());
    } catch (e) {
      const box = errorBox();
      showError(box, e);
      replace(body, box);
    }
  }

  /** Today's meetings, then the next ones; each with its join button. */
  async fillMeetings(/** @type {HTMLElement} */ panel) {
    const body = /** @type {HTMLElement} */ (panel.querySelector('.body'));
    try {
      const { today, upcoming } = await myMeetings();
      const list = (/** @type {import('../types.js').Meeting[]} */ items, /** @type {string} */ empty) => (items.length
        ? h('ul', { class: 'list' }, items.map((m) => meetingRow(m, body)))
        : h('p', { class: 'muted', text: empty }));
      replace(body,
        h('h3', { text: tr('home.today') }), list(today, tr('home.no_meetings_today')),
        h('h3', { text: tr('home.upcoming') }), list(upcoming, tr('home.no_meetings')),
        h('p', {}, h('a', { href: '/app/meetings/new', text: tr('meetings.schedule') })));
    } catch (e) {
      const box = errorBox();
      showError(box, e);
      replace(body, box);
    }
  }
}

/** @param {string} id @param {string} title */
function section(id, title) {
  return h('section', { class: 'panel', 'aria-labelledby': id }, h('h2', { id, text: title }), h('div', { class: 'body' }, h('p', { class: 'muted', text: tr('common.loading') })));
}

async function loadTasks() {
  /** @type {import('../types.js').Page<Task>} */
  const page = await get('/me/tasks?limit=20');
  if (!page.items.length) return h('p', { class: 'muted', text: tr('home.no_tasks') });
  return h('ul', { class: 'list' }, page.items.map((t) => h('li', { class: 'row' },
    h('a', { class: 'grow', href: `/app/projects/${t.project_id}?task=${t.id}`, text: t.title }),
    h('span', { class: t.due_date && t.due_date < today() ? 'badge overdue' : 'badge', text: t.due_date ? fmtDay(t.due_date) : tr('task.no_due') }))));
}

async function loadNews() {
  /** @type {import('../types.js').Page<Announcement>} */
  const page = await get(`/announcements${qs({ limit: 5 })}`);
  if (!page.items.length) return h('p', { class: 'muted', text: tr('board.empty') });
  return h('ul', { class: 'list' }, page.items.map((a) => h('li', { class: 'row' },
    a.pinned ? h('span', { class: 'badge pin', text: tr('board.pinned') }) : null,
    h('a', { class: 'grow', href: `/app/board#a-${a.id}`, text: a.title }),
    h('span', { class: 'muted', text: fmtDateTime(a.created_ms) }))));
}

async function loadMemos() {
  /** @type {import('../types.js').Page<Memo>} */
  const page = await get('/memos?limit=50');
  const shared = page.items.filter((m) => m.access !== 'owner').slice(0, 8);
  if (!shared.length) return h('p', { class: 'muted', text: tr('home.no_memos') });
  return h('ul', { class: 'list' }, shared.map((m) => h('li', { class: 'row' },
    h('a', { class: 'grow', href: `/app/memos/${m.id}`, text: m.title }),
    h('span', { class: 'muted', text: fmtDateTime(m.updated_ms) }))));
}

function today() {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

customElements.define('gh-home', Home);
