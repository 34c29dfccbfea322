// The kanban board of a project: columns of task cards. A card moves by mouse (HTML drag and
// drop onto a column, between cards) or by keyboard (Shift+←/→ to the next column,
// Shift+↑/↓ within the column), and every move goes to POST /tasks/{id}/move with the
// version the board showed, so a card someone else just moved is not silently overridden.

import { call } from '../api.js';
import { announce, h, replace } from '../dom.js';
import { fmtDay, tr } from '../i18n.js';

/** @typedef {import('../types.js').Board} Board */
/** @typedef {import('../types.js').Task} Task */
/** @typedef {{column: string, before?: number, after?: number}} MoveTarget */

export class Kanban {
  /**
   * @param {HTMLElement} host
   * @param {(taskId: number) => void} openTask
   * @param {(error: unknown) => void} onError
   * @param {() => Promise<void>} reload
   */
  constructor(host, openTask, onError, reload) {
    this.host = host;
    this.openTask = openTask;
    this.onError = onError;
    this.reload = reload;
    /** @type {Board | null} */
    this.board = null;
    this.canWrite = false;
    /** @type {number | null} */
    this.dragging = null;
  }

  /** @param {Board} board @param {boolean} canWrite */
  draw(board, canWrite) {
    const focusedTask = Number(document.activeElement?.closest('[data-task]')?.getAttribute('data-task') ?? 0);
    this.board = board;
    this.canWrite = canWrite;
    replace(this.host, h('p', { id: 'kanban-help', class: 'hint', text: canWrite ? tr('board.keys_help') : tr('board.read_only') }),
      h('div', { class: 'kanban' }, board.columns.map((col) => this.column(col))));
    if (focusedTask) this.focusTask(focusedTask);
  }

  /** @param {import('../types.js').BoardColumn} col */
  column(col) {
    const headingId = `col-${col.key}`;
    const list = h('ol', { class: 'cards-col', 'data-column': col.key, 'aria-labelledby': headingId },
      col.tasks.map((t) => this.card(t, col)));
    if (this.canWrite) {
      list.addEventListener('dragover', (ev) => {
        if (this.dragging === null) return;
        ev.preventDefault();
        list.classList.add('drop-target');
      });
      list.addEventListener('dragleave', () => list.classList.remove('drop-target'));
      list.addEventListener('drop', (ev) => {
        ev.preventDefault();
        list.classList.remove('drop-target');
        const id = this.dragging;
        this.dragging = null;
        if (id !== null) void this.move(id, dropTarget(list, col.key, ev.clientY, id));
      });
    }
    return h('section', { class: 'kcol', 'data-column-key': col.key },
      h('h2', { id: headingId }, col.name, ' ', h('span', { class: 'badge', text: String(col.tasks.length) })), list);
  }

  /** @param {Task} t @param {import('../types.js').BoardColumn} col */
  card(t, col) {
    const open = h('button', { type: 'button', class: 'task-open', 'aria-describedby': 'kanban-help', text: t.title, onclick: () => this.openTask(t.id) });
    open.addEventListener('keydown', (ev) => this.onKey(ev, t, col));
    const li = h('li', { class: `task-card prio-${t.priority}`, 'data-task': t.id, draggable: this.canWrite ? 'true' : null },
      open,
      h('p', { class: 'task-meta' },
        t.due_date ? h('span', { text: tr('task.due_on', { day: fmtDay(t.due_date) }) }) : null,
        t.assignees.length ? h('span', { text: tr('task.assignee_count', { n: t.assignees.length }) }) : null,
        t.priority !== 'normal' ? h('span', { class: 'badge', text: tr(`prio.${t.priority}`) }) : null));
    li.addEventListener('dragstart', (ev) => {
      this.dragging = t.id;
      ev.dataTransfer?.setData('text/plain', String(t.id));
      if (ev.dataTransfer) ev.dataTransfer.effectAllowed = 'move';
      li.classList.add('dragging');
    });
    li.addEventListener('dragend', () => li.classList.remove('dragging'));
    return li;
  }

  /** @param {KeyboardEvent} ev @param {Task} t @param {import('../types.js').BoardColumn} col */
  onKey(ev, t, col) {
    if (!ev.shiftKey || !this.canWrite || !this.board) return;
    const cols = this.board.columns;
    const ci = cols.findIndex((c) => c.key === col.key);
    const ti = col.tasks.findIndex((x) => x.id === t.id);
    /** @type {MoveTarget | null} */
    let target = null;
    if (ev.key === 'ArrowRight' && ci < cols.length - 1) target = { column: cols[ci + 1].key };
    else if (ev.key === 'ArrowLeft' && ci > 0) target = { column: cols[ci - 1].key };
    else if (ev.key === 'ArrowUp' && ti > 0) target = { column: col.key, before: col.tasks[ti - 1].id };
    else if (ev.key === 'ArrowDown' && ti < col.tasks.length - 1) target = { column: col.key, after: col.tasks[ti + 1].id };
    if (!target) return;
    ev.preventDefault();
    void this.move(t.id, target);
  }

  /** @param {number} taskId @param {MoveTarget} target */
  async move(taskId, target) {
    const task = this.board?.columns.flatMap((c) => c.tasks).find((x) => x.id === taskId);
    if (!task) return;
    if (target.column === task.column && target.before === undefined && target.after === undefined
      && this.board?.columns.find((c) => c.key === task.column)?.tasks.at(-1)?.id === taskId) return;
    try {
      await call('POST', `/tasks/${taskId}/move`, { body: target, ifMatch: `"v${task.version}"` });
      const name = this.board?.columns.find((c) => c.key === target.column)?.name ?? target.column;
      announce(tr('board.moved', { title: task.title, column: name }));
    } catch (e) {
      this.onError(e);
    }
    await this.reload();
    this.focusTask(taskId);
  }

  /** @param {number} taskId */
  focusTask(taskId) {
    /** @type {HTMLElement | null} */ (this.host.querySelector(`[data-task="${taskId}"] .task-open`))?.focus();
  }
}

/**
 * Where a card dropped at height `y` goes: before the first card whose middle is below y.
 * @param {HTMLElement} list @param {string} column @param {number} y @param {number} movingId
 * @returns {MoveTarget}
 */
function dropTarget(list, column, y, movingId) {
  for (const el of list.querySelectorAll('[data-task]')) {
    const id = Number(el.getAttribute('data-task'));
    if (id === movingId) continue;
    const box = el.getBoundingClientRect();
    if (y < box.top + box.height / 2) return { column, before: id };
  }
  return { column };
}
