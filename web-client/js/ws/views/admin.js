// Administration: agencies (system admins add them), the units of an agency (add one under a
// parent), new accounts, the account list with editing (./accounts.js), and the audit log
// (pages, oldest first, as the API gives them).

import { call, get } from '../api.js';
import { clearError, errorBox, field, h, options, replace, showError } from '../dom.js';
import { nameOf, tr } from '../i18n.js';
import { account, isSystemAdmin, loadAgencies } from '../session.js';
import { View } from '../view.js';
import { accountsPanel } from './accounts.js';
import { auditPanel } from './audit.js';

class Admin extends View {
  async render() {
    document.title = `${tr('admin.title')} — govhub`;
    replace(this, h('h1', { text: tr('admin.title') }),
      h('div', { class: 'admin-grid' }, await this.agencies(), await this.units(), await this.accounts()), accountsPanel(), auditPanel());
  }

  async agencies() {
    const agencies = await loadAgencies(true);
    const code = h('input', { name: 'code', required: true, pattern: '[a-z0-9\\-]{2,32}', maxlength: 32 });
    const nameKo = h('input', { name: 'name_ko', required: true, maxlength: 200 });
    const nameEn = h('input', { name: 'name_en', maxlength: 200, lang: 'en' });
    const errors = errorBox();
    const form = isSystemAdmin() ? h('form', { class: 'inline-form' },
      field(tr('admin.code'), code, tr('admin.code_hint')), field(tr('admin.name_ko'), nameKo), field(tr('admin.name_en'), nameEn),
      errors, h('button', { type: 'submit', text: tr('admin.add_agency') })) : null;
    form?.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      clearError(errors);
      try {
        await call('POST', '/agencies', { idempotent: true, body: { code: code.value.trim(), name_ko: nameKo.value.trim(), name_en: nameEn.value.trim() } });
        this.refresh();
      } catch (e) {
        showError(errors, e, form);
      }
    });
    return h('section', { class: 'panel', 'aria-labelledby': 'adm-agencies' },
      h('h2', { id: 'adm-agencies', text: tr('admin.agencies') }),
      h('ul', { class: 'list' }, agencies.map((a) => h('li', { class: 'row' }, h('span', { class: 'grow', text: nameOf(a) }), h('code', { text: a.code })))),
      form);
  }

  async units() {
    const agencies = await loadAgencies();
    const me = account();
    const mine = agencies.filter((a) => isSystemAdmin() || a.id === me?.agency_id);
    const agency = h('select', { name: 'agency' }, options(mine.map((a) => [String(a.id), nameOf(a)])));
    const tree = h('ul', { class: 'list' });
    const parent = h('select', { name: 'parent_id' });
    const nameKo = h('input', { name: 'name_ko', required: true, maxlength: 200 });
    const errors = errorBox();
    const load = async () => {
      if (!agency.value) return;
      /** @type {{items: import('../types.js').Unit[]}} */
      const list = await get(`/agencies/${agency.value}/units`);
      const depth = (/** @type {import('../types.js').Unit} */ u) => {
        let d = 0;
        for (let p = u.parent_id; p !== null && d < 20; p = list.items.find((x) => x.id === p)?.parent_id ?? null) d += 1;
        return d;
      };
      replace(tree, list.items.map((u) => h('li', { class: `depth-${Math.min(depth(u), 5)}`, text: nameOf(u) })));
      replace(parent, options([['', tr('admin.top_level')], ...list.items.map((u) => /** @type {[string, string]} */ ([String(u.id), nameOf(u)]))]));
    };
    agency.addEventListener('change', () => void load());
    const form = h('form', { class: 'inline-form' }, field(tr('admin.parent'), parent), field(tr('admin.unit_name'), nameKo), errors,
      h('button', { type: 'submit', text: tr('admin.add_unit') }));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      clearError(errors);
      try {
        await call('POST', `/agencies/${agency.value}/units`, { idempotent: true, body: { name_ko: nameKo.value.trim(), parent_id: parent.value ? Number(parent.value) : null } });
        nameKo.value = '';
        await load();
      } catch (e) {
        showError(errors, e, form);
      }
    });
    await load();
    return h('section', { class: 'panel', 'aria-labelledby': 'adm-units' }, h('h2', { id: 'adm-units', text: tr('admin.units') }), field(tr('dir.agency'), agency), tree, form);
  }

  async accounts() {
    const agencies = await loadAgencies();
    const me = account();
    const login = h('input', { name: 'login', required: true, maxlength: 254, autocomplete: 'off' });
    const displayName = h('input', { name: 'display_name', maxlength: 200 });
    const password = h('input', { name: 'password', type: 'password', required: true, minlength: 10, autocomplete: 'new-password' });
    const role = h('select', { name: 'role' }, options([['member', tr('admin.role_member')], ['agency_admin', tr('admin.role_agency_admin')],
      ...(isSystemAdmin() ? /** @type {Array<[string, string]>} */ ([['system_admin', tr('admin.role_system_admin')]]) : [])]));
    const agency = h('select', { name: 'agency_id' }, options(agencies.filter((a) => isSystemAdmin() || a.id === me?.agency_id).map((a) => [String(a.id), nameOf(a)])));
    const errors = errorBox();
    const done = h('p', { class: 'muted', role: 'status' });
    const form = h('form', { class: 'inline-form' },
      field(tr('signin.login'), login), field(tr('admin.display_name'), displayName), field(tr('signin.password'), password, tr('admin.password_hint')),
      field(tr('admin.role'), role), field(tr('dir.agency'), agency), errors, done,
      h('button', { type: 'submit', text: tr('admin.add_account') }));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      clearError(errors);
      try {
        /** @type {{data: import('../types.js').Account}} */
        const answer = await call('POST', '/accounts', { idempotent: true, body: {
          login: login.value.trim(), password: password.value, role: role.value, display_name: displayName.value.trim() || undefined,
          agency_id: role.value === 'system_admin' ? undefined : Number(agency.value) } });
        done.textContent = tr('admin.account_created', { login: answer.data.login, id: answer.data.id });
        form.reset();
      } catch (e) {
        showError(errors, e, form);
      }
    });
    return h('section', { class: 'panel', 'aria-labelledby': 'adm-accounts' }, h('h2', { id: 'adm-accounts', text: tr('admin.accounts') }),
      form);
  }
}

customElements.define('gh-admin', Admin);
