// Scheduling a meeting: title, time, attendees picked from the directory, an optional
// conference room (with who is free at that time) and an optional project. What is typed is
// kept in sessionStorage until the meeting is made, so a reload or a hub restart loses
// nothing. `?employee=<id>` (the directory's "start a meeting") starts with that person.

import { all, call, get } from '../api.js';
import { announce, clearError, errorBox, field, h, options, replace, showError } from '../dom.js';
import { nameOf, tr } from '../i18n.js';
import { navigate } from '../router.js';
import { account, loadAgencies } from '../session.js';
import { View } from '../view.js';
import { attendeePicker } from './attendees.js';
import { roomPicker } from './room-picker.js';

const DRAFT_KEY = 'govhub.meeting-draft';

/** `YYYY-MM-DDTHH:MM` in local time, for a datetime-local input. @param {number} ms */
function localInput(ms) {
  const d = new Date(ms);
  const p = (/** @type {number} */ n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** The next half hour from now. */
function nextHalfHour() {
  const step = 30 * 60_000;
  return Math.ceil(Date.now() / step) * step;
}

/** @typedef {{title?: string, description?: string, start?: string, minutes?: string, project?: string, room?: string, attendees?: Array<[number, string]>}} Draft */

/** @returns {Draft} */
function readDraft() {
  try {
    return JSON.parse(sessionStorage.getItem(DRAFT_KEY) ?? '{}') ?? {};
  } catch {
    return {};
  }
}

class MeetingNew extends View {
  async render() {
    document.title = `${tr('meetings.schedule')} — govhub`;
    const me = account();
    const draft = readDraft();
    await loadAgencies(); // agency names in the attendee results
    const title = h('input', { name: 'title', required: true, maxlength: 200, value: draft.title ?? '' });
    const description = h('textarea', { name: 'description', rows: 3, maxlength: 2000 });
    description.value = draft.description ?? '';
    const start = h('input', { name: 'start_ms', type: 'datetime-local', required: true, value: draft.start ?? localInput(nextHalfHour()) });
    const minutes = h('select', { name: 'end_ms' }, options([15, 30, 45, 60, 90, 120, 180, 240].map((n) => [String(n), tr('mtg.minutes_n', { n })]), draft.minutes ?? '60'));
    /** @type {import('../types.js').Project[]} */
    const projects = await all('/projects?mine=true', 100).catch(() => []);
    const project = h('select', { name: 'project_id' }, options([['', tr('mtg.no_project')], ...projects.map((p) => /** @type {[string, string]} */ ([String(p.id), nameOf(p)]))],
      new URLSearchParams(location.search).get('project') ?? draft.project ?? ''));
    const people = attendeePicker(me?.id ?? null, Array.isArray(draft.attendees) ? draft.attendees : [], () => saveDraft());
    const room = await roomPicker(draft.room ?? '');
    const errors = errorBox();
    const submit = h('button', { type: 'submit', class: 'primary', text: tr('meetings.create') });
    const form = h('form', { class: 'panel wide-form meeting-form', 'aria-labelledby': 'mtg-new-h' },
      field(tr('meetings.field_title'), title), field(tr('mtg.description'), description),
      h('div', { class: 'field-row' }, field(tr('meetings.start'), start), field(tr('meetings.minutes'), minutes)),
      people.element, room.element, field(tr('mtg.project'), project, tr('mtg.project_hint')),
      errors, h('div', { class: 'actions' }, submit, h('a', { class: 'button', href: '/app/meetings', text: tr('mtg.cancel_edit'), onclick: () => sessionStorage.removeItem(DRAFT_KEY) })));

    const span = () => {
      const from = new Date(start.value).getTime();
      return /** @type {[number, number]} */ ([from, from + Number(minutes.value) * 60_000]);
    };
    function saveDraft() {
      /** @type {Draft} */
      const d = { title: title.value, description: description.value, start: start.value, minutes: minutes.value,
        project: project.value, room: String(room.value() ?? ''), attendees: people.entries() };
      sessionStorage.setItem(DRAFT_KEY, JSON.stringify(d));
    }
    form.addEventListener('input', saveDraft);
    form.addEventListener('change', saveDraft);
    const timeChanged = () => { const [a, b] = span(); if (Number.isFinite(a)) void room.update(a, b); };
    start.addEventListener('change', timeChanged);
    minutes.addEventListener('change', timeChanged);

    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      clearError(errors);
      const [from, to] = span();
      if (!Number.isFinite(from)) {
        start.setAttribute('aria-invalid', 'true');
        start.focus();
        return;
      }
      submit.disabled = true;
      try {
        /** @type {{data: import('../types.js').Meeting}} */
        const answer = await call('POST', '/meetings', { idempotent: true, body: {
          title: title.value.trim(), description: description.value.trim(), start_ms: from, end_ms: to,
          attendees: people.value(), room_id: room.value(), project_id: project.value ? Number(project.value) : null } });
        sessionStorage.removeItem(DRAFT_KEY);
        announce(tr('mtg.scheduled', { title: answer.data.title }));
        navigate(`/app/meetings/${answer.data.id}`);
      } catch (e) {
        showError(errors, e, form);
        if (e instanceof Error && 'code' in e && e.code === 'booking_overlap') {
          room.flag();
          await room.update(from, to);
        }
        errors.setAttribute('tabindex', '-1');
        errors.focus();
      } finally {
        submit.disabled = false;
      }
    });

    replace(this, h('h1', { id: 'mtg-new-h', text: tr('meetings.schedule') }),
      draft.title ? h('p', { class: 'notice', role: 'status', text: tr('memo.draft_restored') }) : null, form);
    timeChanged();
    const employee = Number(new URLSearchParams(location.search).get('employee'));
    if (employee > 0) {
      const e = await get(`/employees/${employee}`).catch(() => null);
      if (e) await people.choose(/** @type {import('../types.js').Employee} */ (e));
    }
    title.focus();
  }
}

customElements.define('gh-meeting-new', MeetingNew);
