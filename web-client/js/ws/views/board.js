// The bulletin board: announcements by scope (everyone, my agency, a project), pinned first;
// acknowledge ("read") each; those who manage one may pin or unpin it; a form to post.

import { all, call } from '../api.js';
import { clearError, errorBox, field, h, options, replace, showError } from '../dom.js';
import { fmtDateTime, nameOf, tr } from '../i18n.js';
import { account, agencyName, isAdmin, isSystemAdmin, loadAgencies } from '../session.js';
import { debounce, View } from '../view.js';

/** @typedef {import('../types.js').Announcement} Announcement */

const SCOPES = /** @type {const} */ (['all', 'everyone', 'agency', 'project']);

class Board extends View {
  constructor() {
    super();
    /** @type {typeof SCOPES[number]} */
    this.scope = 'all';
  }

  async render() {
    document.title = `${tr('board.title')} — govhub`;
    await loadAgencies();
    const list = h('div', {});
    const errors = errorBox();
    const tabs = h('div', { class: 'tabs', role: 'group', 'aria-label': tr('board.scope') },
      SCOPES.map((s) => h('button', { type: 'button', 'aria-pressed': String(s === this.scope), text: tr(`board.scope_${s}`),
        onclick: () => { this.scope = s; for (const b of tabs.querySelectorAll('button')) b.setAttribute('aria-pressed', String(b === document.activeElement)); void this.fill(list, errors); } })));
    replace(this, h('h1', { text: tr('board.title') }), await this.postForm(list, errors), tabs, errors, list);
    const reload = debounce(() => void this.fill(list, errors), 250);
    this.live(['announcement.posted', 'announcement.updated', 'announcement.deleted'], reload);
    // Managers (the author among them) hear each first acknowledgement: update its count in place.
    this.live(['announcement.acked'], (ev) => showAckCount(ev.entity_id, ev.data.ack_count));
    await this.fill(list, errors);
  }

  /** @param {HTMLElement} list @param {HTMLElement} errors */
  async fill(list, errors) {
    try {
      /** @type {Announcement[]} */
      const items = (await all('/announcements', 200)).filter((a) => this.scope === 'all' || /** @type {Announcement} */ (a).scope === this.scope);
      replace(list, items.length ? h('ul', { class: 'cards news' }, items.map((a) => this.item(a, list, errors)))
        : h('p', { class: 'muted', text: tr('board.empty') }));
    } catch (e) {
      showError(errors, e);
    }
  }

  /** @param {Announcement} a @param {HTMLElement} list @param {HTMLElement} errors */
  item(a, list, errors) {
    const me = account();
    const manages = a.author_id === me?.id || isSystemAdmin() || (a.scope === 'agency' && me?.role === 'agency_admin' && me.agency_id === a.agency_id);
    const run = async (/** @type {() => Promise<unknown>} */ fn) => {
      clearError(errors);
      try {
        await fn();
        await this.fill(list, errors);
      } catch (e) {
        showError(errors, e);
      }
    };
    const headingId = `a-${a.id}-h`;
    return h('li', { class: `card news-item${a.pinned ? ' pinned' : ''}`, id: `a-${a.id}`, 'aria-labelledby': headingId },
      h('div', { class: 'title-row' },
        h('h2', { id: headingId, text: a.title }),
        a.pinned ? h('span', { class: 'badge pin', text: tr('board.pinned') }) : null,
        h('span', { class: 'badge', text: scopeLabel(a) })),
      // The API sanitised the body; render its markup.
      bodyOf(a.body),
      h('p', { class: 'muted' }, `${fmtDateTime(a.created_ms)} · `,
        h('span', { id: `a-${a.id}-acks`, text: tr('board.ack_count', { n: a.ack_count }) })),
      h('div', { class: 'actions' },
        a.acked_by_me
          ? h('span', { class: 'badge ok', text: tr('board.acked') })
          : h('button', { type: 'button', class: 'primary', 'aria-label': tr('board.ack_named', { title: a.title }), text: tr('board.ack'),
            onclick: () => void run(() => call('POST', `/announcements/${a.id}/ack`)) }),
        manages ? h('button', { type: 'button', 'aria-pressed': String(a.pinned), text: a.pinned ? tr('board.unpin') : tr('board.pin'),
          onclick: () => void run(async () => {
            const fresh = await call('GET', `/announcements/${a.id}`);
            await call('PATCH', `/announcements/${a.id}`, { body: { pinned: !a.pinned }, ifMatch: fresh.etag });
          }) }) : null));
  }

  /** The posting form, for those who may post somewhere (admins; project leads). */
  async postForm(/** @type {HTMLElement} */ list, /** @type {HTMLElement} */ errors) {
    const me = account();
    /** @type {import('../types.js').Project[]} */
    const leadProjects = (await all('/projects?mine=true', 100)).filter((p) => /** @type {import('../types.js').Project} */ (p).my_role === 'lead');
    /** @type {Array<[string, string]>} */
    const scopes = [];
    if (isSystemAdmin()) scopes.push(['everyone', tr('board.scope_everyone')]);
    if (isAdmin()) scopes.push(['agency', tr('board.scope_agency')]);
    if (leadProjects.length) scopes.push(['project', tr('board.scope_project')]);
    if (!scopes.length) return null;
    const agencies = await loadAgencies();
    const scope = h('select', { name: 'scope' }, options(scopes));
    const agency = h('select', { name: 'agency_id' }, options(agencies.filter((a) => isSystemAdmin() || a.id === me?.agency_id).map((a) => [String(a.id), nameOf(a)])));
    const project = h('select', { name: 'project_id' }, options(leadProjects.map((p) => [String(p.id), nameOf(p)])));
    const agencyField = field(tr('board.scope_agency'), agency);
    const projectField = field(tr('board.scope_project'), project);
    const sync = () => { agencyField.hidden = scope.value !== 'agency'; projectField.hidden = scope.value !== 'project'; };
    scope.addEventListener('change', sync);
    sync();
    const title = h('input', { name: 'title', required: true, maxlength: 200 });
    const body = h('textarea', { name: 'body', rows: 4, maxlength: 20000 });
    const pinned = h('input', { type: 'checkbox', name: 'pinned' });
    const formErrors = errorBox();
    const form = h('form', { class: 'card wide-form', 'aria-labelledby': 'post-h' },
      h('h2', { id: 'post-h', text: tr('board.post') }),
      field(tr('board.scope'), scope), agencyField, projectField,
      field(tr('board.field_title'), title), field(tr('board.body'), body),
      h('label', { class: 'check' }, pinned, ` ${tr('board.pin_it')}`), formErrors,
      h('button', { type: 'submit', class: 'primary', text: tr('board.post') }));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      clearError(formErrors);
      const html = body.value.trim().split(/\n{2,}/).filter(Boolean).map((p) => `<p>${escapeHtml(p).replace(/\n/g, '<br>')}</p>`).join('');
      try {
        await call('POST', '/announcements', { idempotent: true, body: {
          scope: scope.value, title: title.value.trim(), body: html, pinned: pinned.checked,
          agency_id: scope.value === 'agency' ? Number(agency.value) : undefined,
          project_id: scope.value === 'project' ? Number(project.value) : undefined,
        } });
        title.value = '';
        body.value = '';
        pinned.checked = false;
        await this.fill(list, errors);
      } catch (e) {
        showError(formErrors, e, form);
      }
    });
    return h('details', { class: 'post-box' }, h('summary', { text: tr('board.post') }), form);
  }
}

/** @param {Announcement} a */
function scopeLabel(a) {
  if (a.scope === 'agency') return `${tr('board.scope_agency')}: ${agencyName(a.agency_id)}`;
  if (a.scope === 'project') return tr('board.scope_project');
  return tr('board.scope_everyone');
}

/**
 * Shows a new acknowledgement count on the announcement's card (if it is on the screen).
 * @param {number} id @param {unknown} count
 */
function showAckCount(id, count) {
  const span = document.getElementById(`a-${id}-acks`);
  if (span && typeof count === 'number') span.textContent = tr('board.ack_count', { n: count });
}

/** @param {string} html sanitised by the API */
function bodyOf(html) {
  const div = h('div', { class: 'news-body' });
  div.innerHTML = html;
  return div;
}

/** @param {string} s */
function escapeHtml(s) {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

customElements.define('gh-board', Board);
