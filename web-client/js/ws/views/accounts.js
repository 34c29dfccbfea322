// Administration of accounts (routes/accounts.rs): a searchable list, and a dialog per
// account to change its display name, role and agency, disable or enable it, and set a new
// password. The hub enforces the rules (an agency admin stays inside its agency, the last
// system admin stays); its refusals are shown in the user's language.

import { call, get, qs } from '../api.js';
import { clearError, errorBox, field, h, openDialog, options, showError } from '../dom.js';
import { nameOf, tr } from '../i18n.js';
import { agencyName, isSystemAdmin, loadAgencies } from '../session.js';
import { rememberName } from '../meet.js';

/** @typedef {import('../types.js').AdminAccount} AdminAccount */

/** @param {string} role */
function roleName(role) {
  return role === 'system_admin' ? tr('admin.role_system_admin') : role === 'agency_admin' ? tr('admin.role_agency_admin') : tr('admin.role_member');
}

/** The list with its search box. */
export function accountsPanel() {
  const q = h('input', { name: 'account_q', type: 'search', autocomplete: 'off', maxlength: 100 });
  const body = h('tbody', {});
  const errors = errorBox();
  const more = h('button', { type: 'button', hidden: true, text: tr('admin.more') });
  /** @type {string | null} */
  let cursor = null;
  let seq = 0;
  const load = async (fresh = false) => {
    const mine = ++seq;
    if (fresh) cursor = null;
    try {
      /** @type {import('../types.js').Page<AdminAccount>} */
      const page = await get(`/accounts${qs({ q: q.value.trim(), limit: 50, cursor })}`);
      if (mine !== seq) return;
      clearError(errors);
      if (fresh) body.replaceChildren();
      cursor = page.next_cursor;
      more.hidden = !cursor;
      body.append(...page.items.map((a) => row(a, () => void load(true))));
    } catch (e) {
      showError(errors, e);
    }
  };
  let timer = /** @type {ReturnType<typeof setTimeout> | undefined} */ (undefined);
  q.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(() => void load(true), 250); });
  more.addEventListener('click', () => void load());
  void load(true);
  return h('section', { class: 'panel', 'aria-labelledby': 'adm-account-list' },
    h('h2', { id: 'adm-account-list', text: tr('acct.list') }),
    field(tr('acct.search'), q), errors,
    h('div', { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-labelledby': 'adm-account-list' },
      h('table', { class: 'audit accounts' },
        h('thead', {}, h('tr', {}, [tr('admin.display_name'), tr('signin.login'), tr('admin.role'), tr('dir.agency'), tr('acct.state'), tr('acct.actions')]
          .map((t) => h('th', { scope: 'col', text: t })))),
        body)),
    more);
}

/** @param {AdminAccount} a @param {() => void} changed */
function row(a, changed) {
  rememberName(a.id, a.display_name || a.login);
  return h('tr', { 'data-account': a.id },
    h('td', { text: a.display_name || '—' }), h('td', {}, h('code', { text: a.login })), h('td', { text: roleName(a.role) }),
    h('td', { text: a.agency_id === null ? '—' : agencyName(a.agency_id) }),
    h('td', {}, a.disabled_ms === null ? h('span', { class: 'badge ok', text: tr('acct.enabled') }) : h('span', { class: 'badge overdue', text: tr('acct.disabled') })),
    h('td', {}, h('button', { type: 'button', text: tr('acct.edit'), 'aria-label': tr('acct.edit_named', { name: a.display_name || a.login }),
      onclick: () => void editAccount(a.id, changed) })));
}

/** @param {number} id @param {() => void} changed */
async function editAccount(id, changed) {
  /** @type {{data: AdminAccount, etag: string | null}} */
  const answer = await call('GET', `/accounts/${id}`);
  let { data: a, etag } = answer;
  const agencies = await loadAgencies();
  const displayName = h('input', { name: 'display_name', maxlength: 200, value: a.display_name });
  const role = h('select', { name: 'role' }, options([['member', tr('admin.role_member')], ['agency_admin', tr('admin.role_agency_admin')],
    ...(isSystemAdmin() || a.role === 'system_admin' ? /** @type {Array<[string, string]>} */ ([['system_admin', tr('admin.role_system_admin')]]) : [])], a.role));
  const agency = h('select', { name: 'agency_id', disabled: !isSystemAdmin() },
    options([['', tr('acct.no_agency')], ...agencies.map((x) => /** @type {[string, string]} */ ([String(x.id), nameOf(x)]))], a.agency_id === null ? '' : String(a.agency_id)));
  const disabled = h('input', { name: 'disabled', type: 'checkbox', checked: a.disabled_ms !== null });
  const errors = errorBox();
  const done = h('p', { class: 'muted', role: 'status' });
  const form = h('form', { class: 'inline-form' },
    field(tr('admin.display_name'), displayName), field(tr('admin.role'), role), field(tr('dir.agency'), agency),
    h('label', { class: 'check' }, disabled, tr('acct.disable')), h('p', { class: 'hint', text: tr('acct.disable_hint') }),
    errors, done, h('button', { type: 'submit', class: 'primary', text: tr('common.save') }));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearError(errors);
    /** @type {Record<string, unknown>} */
    const patch = {};
    if (displayName.value.trim() !== a.display_name) patch.display_name = displayName.value.trim();
    if (role.value !== a.role) patch.role = role.value;
    const agencyId = agency.value ? Number(agency.value) : null;
    if (agencyId !== a.agency_id) patch.agency_id = agencyId;
    if (disabled.checked !== (a.disabled_ms !== null)) patch.disabled = disabled.checked;
    try {
      /** @type {{data: AdminAccount, etag: string | null}} */
      const saved = await call('PATCH', `/accounts/${id}`, { ifMatch: etag, body: patch });
      ({ data: a, etag } = saved);
      done.textContent = tr('common.saved');
      changed();
    } catch (e) {
      showError(errors, e, form);
    }
  });
  openDialog(tr('acct.edit_title', { name: a.display_name || a.login }), h('p', { class: 'muted' }, h('code', { text: a.login }),
    ` · ${a.agency_id === null ? tr('acct.no_agency') : agencyName(a.agency_id)}`), form, passwordForm(id));
  displayName.focus();
}

/** Setting a new password; the account's sessions end. @param {number} id */
function passwordForm(id) {
  const password = h('input', { name: 'new_password', type: 'password', required: true, minlength: 10, autocomplete: 'new-password' });
  const errors = errorBox();
  const done = h('p', { class: 'muted', role: 'status' });
  const form = h('form', { class: 'inline-form', 'aria-labelledby': 'acct-pw-h' },
    h('h3', { id: 'acct-pw-h', text: tr('acct.reset_password') }),
    field(tr('acct.new_password'), password, tr('admin.password_hint')), errors, done,
    h('button', { type: 'submit', text: tr('acct.reset_password') }));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearError(errors);
    try {
      await call('POST', `/accounts/${id}/password`, { body: { new_password: password.value } });
      form.reset();
      done.textContent = tr('acct.password_set');
    } catch (e) {
      showError(errors, e, form);
    }
  });
  return form;
}
