// Projects: the list of joint projects I can see, and a form to start one with its
// participating agencies.

import { all, call } from '../api.js';
import { clearError, errorBox, field, h, options, replace, showError } from '../dom.js';
import { nameOf, tr } from '../i18n.js';
import { navigate } from '../router.js';
import { account, agencyName, isSystemAdmin, loadAgencies } from '../session.js';
import { debounce, View } from '../view.js';

/** @typedef {import('../types.js').Project} Project */

class Projects extends View {
  async render() {
    document.title = `${tr('projects.title')} — govhub`;
    await loadAgencies();
    const list = h('div', {});
    const newButton = h('button', { type: 'button', class: 'primary', 'aria-expanded': 'false', text: tr('projects.new') });
    const formHost = h('div', {});
    newButton.addEventListener('click', async () => {
      const open = newButton.getAttribute('aria-expanded') === 'true';
      newButton.setAttribute('aria-expanded', String(!open));
      if (open) formHost.replaceChildren();
      else {
        replace(formHost, await createForm());
        /** @type {HTMLInputElement | null} */ (formHost.querySelector('input'))?.focus();
      }
    });
    replace(this, h('div', { class: 'title-row' }, h('h1', { text: tr('projects.title') }), newButton), formHost, list);
    const reload = debounce(() => void this.fill(list), 300);
    this.live(['project.created', 'project.updated', 'project.member_added', 'project.member_removed'], reload);
    await this.fill(list);
  }

  /** @param {HTMLElement} list */
  async fill(list) {
    try {
      /** @type {Project[]} */
      const projects = await all('/projects', 200);
      replace(list, projects.length
        ? h('ul', { class: 'cards' }, projects.map((p) => h('li', { class: 'card project-card' },
          h('h2', {}, h('a', { href: `/app/projects/${p.id}`, text: nameOf(p) })),
          h('p', { class: 'muted', text: p.agency_ids.map(agencyName).join(' · ') }),
          h('p', {}, p.my_role ? h('span', { class: 'badge', text: tr(`role.${p.my_role}`) }) : null,
            p.archived ? h('span', { class: 'badge', text: tr('projects.archived') }) : null))))
        : h('p', { class: 'muted', text: tr('projects.empty') }));
    } catch (e) {
      const box = errorBox();
      showError(box, e);
      replace(list, box);
    }
  }
}

async function createForm() {
  const agencies = await loadAgencies();
  const me = account();
  const nameKo = h('input', { name: 'name_ko', required: true, maxlength: 200 });
  const nameEn = h('input', { name: 'name_en', maxlength: 200, lang: 'en' });
  const description = h('textarea', { name: 'description', rows: 3, maxlength: 2000 });
  const leadDefault = String(me?.agency_id ?? agencies[0]?.id ?? '');
  const lead = h('select', { name: 'lead_agency_id', disabled: !isSystemAdmin() },
    options(agencies.map((a) => /** @type {[string, string]} */ ([String(a.id), nameOf(a)])), leadDefault));
  const boxes = agencies.map((a) => h('label', { class: 'check' },
    h('input', { type: 'checkbox', name: 'agency_ids', value: a.id, checked: String(a.id) === leadDefault }), ` ${nameOf(a)}`));
  const isPublic = h('input', { type: 'checkbox', name: 'public' });
  const errors = errorBox();
  const form = h('form', { class: 'card wide-form', 'aria-labelledby': 'new-project-h' },
    h('h2', { id: 'new-project-h', text: tr('projects.new') }),
    field(tr('projects.name_ko'), nameKo), field(tr('projects.name_en'), nameEn), field(tr('projects.description'), description),
    field(tr('projects.lead_agency'), lead),
    h('fieldset', { class: 'checks' }, h('legend', { text: tr('projects.agencies') }), boxes),
    h('label', { class: 'check' }, isPublic, ` ${tr('projects.public')}`),
    errors, h('button', { type: 'submit', class: 'primary', text: tr('projects.create') }));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearError(errors);
    const agencyIds = boxes.map((b) => /** @type {HTMLInputElement} */ (b.querySelector('input'))).filter((i) => i.checked).map((i) => Number(i.value));
    const leadId = Number(lead.value);
    if (!agencyIds.includes(leadId)) agencyIds.unshift(leadId);
    try {
      /** @type {{data: Project}} */
      const answer = await call('POST', '/projects', {
        idempotent: true,
        body: { name_ko: nameKo.value.trim(), name_en: nameEn.value.trim(), description: description.value.trim(), lead_agency_id: leadId, agency_ids: agencyIds, public: isPublic.checked },
      });
      navigate(`/app/projects/${answer.data.id}`);
    } catch (e) {
      showError(errors, e, form);
    }
  });
  return form;
}

customElements.define('gh-projects', Projects);
