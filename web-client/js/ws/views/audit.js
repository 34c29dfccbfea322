// The audit log viewer: pages of entries (oldest first, as the API gives them), actors shown
// by name where the app knows them, and a filter over the loaded entries (the API has no
// filters yet; see docs/api.md "Known gaps").

import { get, qs } from '../api.js';
import { errorBox, field, h, showError } from '../dom.js';
import { fmtDateTime, tr } from '../i18n.js';
import { accountName } from '../meet.js';

/** @typedef {import('../types.js').AuditEntry} AuditEntry */

/** `account:3` → the account's name; other actors (`system`, `oidc:mois`, `guest:2`) as they are. */
async function actorText(/** @type {string} */ actor) {
  const m = /^account:(\d+)$/.exec(actor);
  return m ? `${await accountName(Number(m[1]))} (${actor})` : actor;
}

export function auditPanel() {
  const body = h('tbody', {});
  const errors = errorBox();
  const filter = h('input', { name: 'audit_filter', type: 'search', autocomplete: 'off', maxlength: 100 });
  const shown = h('p', { class: 'muted', role: 'status' });
  /** @type {string | null} */
  let cursor = null;
  const more = h('button', { type: 'button', text: tr('admin.more') });
  // Pages run oldest first and the last one has no cursor to go on from, so newer entries
  // come by reading again from the start.
  const again = h('button', { type: 'button', text: tr('audit.reload') });
  const applyFilter = () => {
    const text = filter.value.trim().toLowerCase();
    let n = 0;
    for (const tr_ of body.querySelectorAll('tr')) {
      const hit = !text || (tr_.textContent ?? '').toLowerCase().includes(text);
      tr_.hidden = !hit;
      if (hit) n += 1;
    }
    shown.textContent = tr('audit.shown', { n, total: body.children.length });
  };
  /** @param {AuditEntry} e */
  const row = (e) => {
    const who = h('td', { text: e.actor });
    void actorText(e.actor).then((t) => { who.textContent = t; applyFilter(); });
    const what = h('td', { text: `${e.entity} #${e.entity_id}` });
    if (e.entity === 'account' && e.entity_id > 0) {
      void accountName(e.entity_id).then((name) => { what.textContent = `${e.entity} #${e.entity_id} (${name})`; applyFilter(); });
    }
    return h('tr', {}, h('td', { text: fmtDateTime(e.at_ms) }), who, h('td', { text: e.action }), what, h('td', {}, h('code', { class: 'detail', text: JSON.stringify(e.detail) })));
  };
  const load = async (fresh = false) => {
    try {
      if (fresh) cursor = null;
      /** @type {import('../types.js').Page<AuditEntry>} */
      const page = await get(`/audit${qs({ limit: 50, cursor })}`);
      cursor = page.next_cursor;
      more.hidden = !cursor;
      if (fresh) body.replaceChildren();
      body.append(...page.items.map(row));
      applyFilter();
    } catch (e) {
      showError(errors, e);
    }
  };
  more.addEventListener('click', () => void load());
  again.addEventListener('click', () => void load(true));
  filter.addEventListener('input', applyFilter);
  void load();
  return h('section', { class: 'panel', 'aria-labelledby': 'adm-audit' },
    h('h2', { id: 'adm-audit', text: tr('admin.audit') }), errors,
    field(tr('audit.filter'), filter, tr('audit.filter_hint')), shown,
    h('div', { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-labelledby': 'adm-audit' },
      h('table', { class: 'audit' },
        h('thead', {}, h('tr', {}, [tr('admin.when'), tr('admin.actor'), tr('admin.action'), tr('admin.entity'), tr('admin.detail')].map((t) => h('th', { scope: 'col', text: t })))),
        body)),
    h('div', { class: 'actions' }, more, again));
}
