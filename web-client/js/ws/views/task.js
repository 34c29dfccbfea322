// The task dialog: title, description, column, assignees, dates and priority (saved with the
// task's ETag), its comments (add one) and its column history.

import { all, call, get } from '../api.js';
import { clearError, errorBox, field, h, openDialog, options, replace, showError } from '../dom.js';
import { fmtDateTime, tr } from '../i18n.js';

/** @typedef {import('../types.js').Task} Task */
/** @typedef {import('../types.js').Member} Member */
/** @typedef {import('../types.js').Project} Project */

/** @param {number} taskId @param {Project} project @param {Member[]} members */
export async function openTaskDialog(taskId, project, members) {
  const errors = errorBox();
  /** @type {{data: Task, etag: string | null}} */
  let answer;
  try {
    answer = await call('GET', `/tasks/${taskId}`);
  } catch (e) {
    showError(errors, e);
    openDialog(tr('task.title'), errors);
    return;
  }
  let { data: task, etag } = answer;
  /** @type {import('../types.js').Column[]} */
  const columns = (await get(`/projects/${project.id}/columns`)).items;
  const canWrite = (project.my_role === 'lead' || project.my_role === 'member') && !project.archived;
  const name = (/** @type {number | null} */ id) => members.find((m) => m.account_id === id)?.display_name ?? (id === null ? '' : `#${id}`);
  const colName = (/** @type {string | null} */ key) => columns.find((c) => c.key === key)?.name ?? key ?? '';

  const title = h('input', { name: 'title', required: true, maxlength: 200, value: task.title, disabled: !canWrite });
  const description = h('textarea', { name: 'description', rows: 4, maxlength: 10000, disabled: !canWrite });
  description.value = task.description;
  const column = h('select', { name: 'column', disabled: !canWrite }, options(columns.map((c) => [c.key, c.name]), task.column));
  const start = h('input', { name: 'start_date', type: 'date', value: task.start_date ?? '', disabled: !canWrite });
  const due = h('input', { name: 'due_date', type: 'date', value: task.due_date ?? '', disabled: !canWrite });
  const priority = h('select', { name: 'priority', disabled: !canWrite },
    options(/** @type {const} */ (['low', 'normal', 'high', 'urgent']).map((p) => [p, tr(`prio.${p}`)]), task.priority));
  const assignees = members.map((m) => h('label', { class: 'check' },
    h('input', { type: 'checkbox', name: 'assignees', value: m.account_id, checked: task.assignees.includes(m.account_id), disabled: !canWrite }),
    ` ${m.display_name || m.login}`));
  const saved = h('p', { class: 'muted', role: 'status' });
  const form = h('form', { class: 'task-form' },
    field(tr('task.field_title'), title), field(tr('task.description'), description),
    h('div', { class: 'field-row' }, field(tr('task.column'), column), field(tr('task.priority'), priority)),
    h('div', { class: 'field-row' }, field(tr('task.start'), start), field(tr('task.due'), due)),
    h('fieldset', { class: 'checks' }, h('legend', { text: tr('task.assignees') }), assignees.length ? assignees : h('span', { class: 'muted', text: '—' })),
    errors, saved,
    canWrite ? h('button', { type: 'submit', class: 'primary', text: tr('common.save') }) : null);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearError(errors);
    try {
      const patch = {
        title: title.value.trim(), description: description.value, priority: priority.value,
        start_date: start.value || null, due_date: due.value || null,
        assignees: assignees.map((l) => /** @type {HTMLInputElement} */ (l.querySelector('input'))).filter((i) => i.checked).map((i) => Number(i.value)),
      };
      ({ data: task, etag } = await call('PATCH', `/tasks/${task.id}`, { body: patch, ifMatch: etag }));
      if (column.value !== task.column) ({ data: task, etag } = await call('POST', `/tasks/${task.id}/move`, { body: { column: column.value }, ifMatch: etag }));
      saved.textContent = tr('common.saved');
      await drawHistory();
    } catch (e) {
      showError(errors, e, form);
    }
  });

  const comments = h('ol', { class: 'comments' });
  const history = h('ol', { class: 'history' });
  const drawComments = async () => {
    /** @type {import('../types.js').Comment[]} */
    const items = await all(`/tasks/${task.id}/comments`, 300);
    replace(comments, items.length ? items.map((c) => h('li', {},
      h('p', { class: 'muted', text: `${name(c.author_id)} · ${fmtDateTime(c.created_ms)}` }), h('p', { class: 'comment-body', text: c.body })))
      : h('li', { class: 'muted', text: tr('task.no_comments') }));
  };
  const drawHistory = async () => {
    /** @type {import('../types.js').HistoryEntry[]} */
    const items = await all(`/tasks/${task.id}/history`, 300);
    replace(history, items.map((e) => h('li', {}, e.from_column === null
      ? tr('task.created_in', { who: name(e.actor_id), column: colName(e.to_column), at: fmtDateTime(e.at_ms) })
      : tr('task.moved_from', { who: name(e.actor_id), from: colName(e.from_column), to: colName(e.to_column), at: fmtDateTime(e.at_ms) }))));
  };
  const commentBody = h('textarea', { name: 'body', rows: 2, required: true, maxlength: 10000 });
  const commentErrors = errorBox();
  const commentForm = h('form', { class: 'comment-form' }, field(tr('task.add_comment'), commentBody), commentErrors,
    h('button', { type: 'submit', text: tr('task.comment') }));
  commentForm.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearError(commentErrors);
    try {
      await call('POST', `/tasks/${task.id}/comments`, { idempotent: true, body: { body: commentBody.value.trim() } });
      commentBody.value = '';
      await drawComments();
    } catch (e) {
      showError(commentErrors, e, commentForm);
    }
  });
  openDialog(tr('task.title'), form,
    h('section', { 'aria-labelledby': 'task-comments-h' }, h('h3', { id: 'task-comments-h', text: tr('task.comments') }), comments, canWrite ? commentForm : null),
    h('section', { 'aria-labelledby': 'task-history-h' }, h('h3', { id: 'task-history-h', text: tr('task.history') }), history));
  await Promise.all([drawComments(), drawHistory()]);
}
