// A project's page: its name, participating agencies and members (leads add both), the
// kanban board with a new-task form, and the task dialog (opened from a card or ?task=id).
// Live task events of this project redraw the board, so a move by someone else shows up.

import { all, call, get } from '../api.js';
import { clearError, errorBox, field, h, options, replace, showError } from '../dom.js';
import { nameOf, tr } from '../i18n.js';
import { agencyName, loadAgencies } from '../session.js';
import { debounce, View } from '../view.js';
import { Kanban } from './kanban.js';
import { accountPicker } from './people.js';
import { openTaskDialog } from './task.js';

/** @typedef {import('../types.js').Project} Project */
/** @typedef {import('../types.js').Member} Member */

class ProjectPage extends View {
  async render() {
    const id = Number(this.params.id);
    const errors = errorBox();
    replace(this, h('p', { class: 'muted', text: tr('common.loading') }));
    /** @type {{data: Project, etag: string | null}} */
    let answer;
    try {
      await loadAgencies();
      answer = await call('GET', `/projects/${id}`);
    } catch (e) {
      showError(errors, e);
      replace(this, h('h1', { text: tr('projects.title') }), errors);
      return;
    }
    const project = answer.data;
    document.title = `${nameOf(project)} — govhub`;
    /** @type {Member[]} */
    const members = await all(`/projects/${id}/members`, 500);
    const canWrite = (project.my_role === 'lead' || project.my_role === 'member') && !project.archived;
    const isLead = project.my_role === 'lead';
    const boardHost = h('div', { class: 'board-host' });
    const kanban = new Kanban(boardHost, (taskId) => this.openTask(taskId, project, members), (e) => showError(errors, e), () => this.loadBoard(kanban, canWrite));
    replace(this,
      h('div', { class: 'title-row' }, h('h1', { text: nameOf(project) }), project.my_role ? h('span', { class: 'badge', text: tr(`role.${project.my_role}`) }) : null),
      project.description ? h('p', { class: 'lead', text: project.description }) : null,
      h('div', { class: 'project-facts' },
        await this.agenciesPanel(project, answer.etag, isLead, errors),
        await this.membersPanel(project, members, isLead, errors)),
      errors,
      canWrite ? this.newTaskForm(project, kanban, errors) : null,
      h('h2', { class: 'visually-hidden', text: tr('board.heading') }),
      boardHost);
    const reload = debounce(() => void this.loadBoard(kanban, canWrite), 200);
    this.live(['task.created', 'task.updated', 'task.moved', 'task.deleted'], (ev) => {
      if (Number(ev.data.project_id) === id || ev.data.project_id === undefined) reload();
    });
    await this.loadBoard(kanban, canWrite);
    const taskParam = new URLSearchParams(location.search).get('task');
    if (taskParam) this.openTask(Number(taskParam), project, members);
  }

  /** @param {Kanban} kanban @param {boolean} canWrite */
  async loadBoard(kanban, canWrite) {
    /** @type {import('../types.js').Board} */
    const board = await get(`/projects/${this.params.id}/board?limit=100`);
    kanban.draw(board, canWrite);
  }

  /** @param {number} taskId @param {Project} project @param {Member[]} members */
  openTask(taskId, project, members) {
    void openTaskDialog(taskId, project, members);
  }

  /** @param {Project} project @param {string | null} etag @param {boolean} isLead @param {HTMLElement} errors */
  async agenciesPanel(project, etag, isLead, errors) {
    const list = h('ul', { class: 'chips' }, project.agency_ids.map((a) => h('li', { class: 'chip' },
      agencyName(a), a === project.lead_agency_id ? h('span', { class: 'badge', text: tr('projects.lead') }) : null)));
    let form = null;
    const others = (await loadAgencies()).filter((a) => !project.agency_ids.includes(a.id));
    if (isLead && others.length) {
      const select = h('select', { name: 'agency_id' }, options(others.map((a) => [String(a.id), nameOf(a)])));
      form = h('form', { class: 'inline-form' }, field(tr('projects.add_agency'), select), h('button', { type: 'submit', text: tr('common.add') }));
      form.addEventListener('submit', async (ev) => {
        ev.preventDefault();
        clearError(errors);
        try {
          await call('POST', `/projects/${project.id}/agencies`, { body: { agency_id: Number(select.value) }, ifMatch: etag });
          this.refresh();
        } catch (e) {
          showError(errors, e);
        }
      });
    }
    return h('section', { class: 'panel', 'aria-labelledby': 'p-agencies' }, h('h2', { id: 'p-agencies', text: tr('projects.agencies') }), list, form);
  }

  /** @param {Project} project @param {Member[]} members @param {boolean} isLead @param {HTMLElement} errors */
  async membersPanel(project, members, isLead, errors) {
    const list = h('ul', { class: 'list' }, members.map((m) => h('li', { class: 'row' },
      h('span', { class: 'grow', text: m.display_name || m.login }),
      h('span', { class: 'muted', text: agencyName(m.agency_id) }),
      h('span', { class: 'badge', text: tr(`role.${m.role}`) }))));
    let form = null;
    if (isLead) {
      const picker = await accountPicker(tr('projects.add_member'), 'account_id');
      const role = h('select', { name: 'role' }, options([['member', tr('role.member')], ['lead', tr('role.lead')], ['viewer', tr('role.viewer')]], 'member'));
      form = h('form', { class: 'inline-form' }, picker.element, field(tr('projects.role'), role), h('button', { type: 'submit', text: tr('common.add') }));
      form.addEventListener('submit', async (ev) => {
        ev.preventDefault();
        clearError(errors);
        const accountId = picker.value();
        if (!accountId) return;
        try {
          await call('POST', `/projects/${project.id}/members`, { idempotent: true, body: { account_id: accountId, role: role.value } });
          this.refresh();
        } catch (e) {
          showError(errors, e);
        }
      });
    }
    return h('section', { class: 'panel', 'aria-labelledby': 'p-members' }, h('h2', { id: 'p-members', text: tr('projects.members') }), list, form);
  }

  /** @param {Project} project @param {Kanban} kanban @param {HTMLElement} errors */
  newTaskForm(project, kanban, errors) {
    const title = h('input', { name: 'title', required: true, maxlength: 200 });
    const form = h('form', { class: 'inline-form new-task' },
      field(tr('task.new'), title), h('button', { type: 'submit', class: 'primary', text: tr('common.add') }));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      clearError(errors);
      try {
        await call('POST', `/projects/${project.id}/tasks`, { idempotent: true, body: { title: title.value.trim() } });
        title.value = '';
        await kanban.reload();
      } catch (e) {
        showError(errors, e, form);
      }
    });
    return form;
  }
}

customElements.define('gh-project', ProjectPage);
