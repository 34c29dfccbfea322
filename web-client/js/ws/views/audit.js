// The audit log viewer: newest first from the server, filtered by the server (actor, entity
// and its id, action, a date range; docs/api.md "Audit log"), a page at a time with the
// cursor ("more"). Actors and accounts are shown by name where the app knows them.

import { get, qs } from '../api.js';
import { clearError, errorBox, field, h, showError } from '../dom.js';
import { fmtDateTime, tr } from '../i18n.js';
import { accountName } from '../meet.js';

/** @typedef {import('../types.js').AuditEntry} AuditEntry */

/** `account:3` → the account's name; other actors (`system`, `oidc:mois`, `guest:2`) as they are. */
async function actorText(/** @type {string} */ actor) {
  const m = /^account:(\d+)$/.exec(actor);
  return m ? `${await accountName(Number(m[1]))} (${actor})` : actor;
}

/** @param {AuditEntry} e */
function row(e) {
  const who = h('td', { text: e.actor });
  void actorText(e.actor).then((t) => { who.textContent = t; });
  const what = h('td', { text: `${e.entity} #${e.entity_id}` });
  if (e.entity === 'account' && e.entity_id > 0) {
    void accountName(e.entity_id).then((name) => { what.textContent = `${e.entity} #${e.entity_id} (${name})`; });
  }
  return h('tr', {}, h('td', { text: fmtDateTime(e.at_ms) }), who, h('td', { text: e.action }), what, h('td', {}, h('code', { class: 'detail', text: JSON.stringify(e.detail) })));
}

/** A local day (yyyy-mm-dd) as epoch ms at its start, or undefined. @param {string} day @param {number} plusDays */
function dayMs(day, plusDays) {
  if (!day) return undefined;
  const [y, m, d] = day.split('-').map(Number);
  return new Date(y, m - 1, d + plusDays).getTime();
}

/** The filter form's fields. */
function filterFields() {
  const text = (/** @type {string} */ name, /** @type {string} */ placeholder) => h('input', { name, autocomplete: 'off', maxlength: 100, placeholder });
  return {
    actor: text('actor', 'account:7'),
    entity: text('entity', 'account'),
    entityId: h('input', { name: 'entity_id', type: 'number', min: 1, inputmode: 'numeric' }),
    action: text('action', 'login_failed'),
    from: h('input', { name: 'from', type: 'date' }),
    to: h('input', { name: 'to', type: 'date' }),
  };
}

export function auditPanel() {
  const body = h('tbody', {});
  const errors = errorBox();
  const shown = h('p', { class: 'muted', role: 'status' });
  const f = filterFields();
  /** @type {string | null} */
  let cursor = null;
  const more = h('button', { type: 'button', text: tr('admin.more'), hidden: true });
  const query = () => ({
    order: 'newest', limit: 50, cursor,
    actor: f.actor.value.trim() || undefined, entity: f.entity.value.trim() || undefined,
    entity_id: f.entityId.value || undefined, action: f.action.value.trim() || undefined,
    from_ms: dayMs(f.from.value, 0), to_ms: dayMs(f.to.value, 1),
  });
  let asked = 0; // a newer request wins over an older one still under way
  const load = async (fresh = false) => {
    clearError(errors);
    const mine = ++asked;
    try {
      if (fresh) cursor = null;
      /** @type {import('../types.js').Page<AuditEntry>} */
      const page = await get(`/audit${qs(query())}`);
      if (mine !== asked) return;
      cursor = page.next_cursor;
      more.hidden = !cursor;
      if (fresh) body.replaceChildren();
      body.append(...page.items.map(row));
      shown.textContent = tr(cursor ? 'audit.shown_more' : 'audit.shown_all', { n: body.children.length });
    } catch (e) {
      showError(errors, e, form);
    }
  };
  const form = h('form', { class: 'audit-filters', 'aria-label': tr('audit.filters') },
    field(tr('admin.actor'), f.actor), field(tr('admin.entity'), f.entity), field(tr('audit.entity_id'), f.entityId),
    field(tr('admin.action'), f.action), field(tr('audit.from'), f.from), field(tr('audit.to'), f.to),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', text: tr('audit.apply') }),
      h('button', { type: 'reset', text: tr('audit.clear') })));
  form.addEventListener('submit', (ev) => { ev.preventDefault(); void load(true); });
  form.addEventListener('reset', () => setTimeout(() => void load(true)));
  more.addEventListener('click', () => void load());
  void load(true);
  return h('section', { class: 'panel', 'aria-labelledby': 'adm-audit' },
    h('h2', { id: 'adm-audit', text: tr('admin.audit') }), form, errors, shown,
    h('div', { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-labelledby': 'adm-audit' },
      h('table', { class: 'audit' },
        h('thead', {}, h('tr', {}, [tr('admin.when'), tr('admin.actor'), tr('admin.action'), tr('admin.entity'), tr('admin.detail')].map((t) => h('th', { scope: 'col', text: t })))),
        body)),
    h('div', { class: 'actions' }, more));
}
