// The memo sharing dialog: the classification label, the current share list (people, units,
// agencies, projects with reader/editor rights) and a row to add a target. Saving replaces
// the list with PUT …/shares under the memo's ETag.

import { all, call, get } from '../api.js';
import { clearError, errorBox, field, h, openDialog, options, replace, showError } from '../dom.js';
import { nameOf, tr } from '../i18n.js';
import { agencyName, loadAgencies } from '../session.js';
import { accountPicker } from './people.js';
import { classificationBadge } from './memos.js';

/** @typedef {import('../types.js').Memo} Memo */
/** @typedef {import('../types.js').Share} Share */
/** @typedef {import('../types.js').ShareKind} ShareKind */

/**
 * Opens the dialog; resolves with the memo and its new ETag once saved, or null when closed.
 * @param {Memo} memo
 * @param {string | null} etag
 * @returns {Promise<{memo: Memo, etag: string | null} | null>}
 */
export async function openShareDialog(memo, etag) {
  const agencies = await loadAgencies();
  /** @type {{data: {items: Share[]}, etag: string | null}} */
  const current = await call('GET', `/memos/${memo.id}/shares`);
  /** @type {Share[]} */
  const shares = current.data.items;
  etag = current.etag ?? etag;
  /** @type {import('../types.js').Project[]} */
  const projects = await all('/projects?mine=true', 100);
  /** @type {Map<number, string>} */
  const unitNames = new Map();
  const picker = await accountPicker(tr('share.kind_account'), 'account_id');
  const listEl = h('ul', { class: 'list share-list' });
  const label = (/** @type {Share} */ s) => {
    const id = s.target.id;
    const what = s.target.kind === 'agency' ? agencyName(id)
      : s.target.kind === 'project' ? nameOf(projects.find((p) => p.id === id) ?? { name_ko: s.name ?? `#${id}` })
        : s.target.kind === 'unit' ? unitNames.get(id) ?? s.name ?? `#${id}` : s.name ?? picker.labelOf(id);
    return `${tr(`share.kind_${s.target.kind}`)}: ${what}`;
  };
  const draw = () => replace(listEl, shares.length ? shares.map((s, i) => h('li', { class: 'row' },
    h('span', { class: 'grow', text: label(s) }), h('span', { class: 'badge', text: tr(`share.${s.permission}`) }),
    h('button', { type: 'button', class: 'ghost', 'aria-label': tr('share.remove', { what: label(s) }), text: tr('share.stop'), onclick: () => { shares.splice(i, 1); draw(); } })))
    : h('li', { class: 'muted', text: tr('share.none') }));
  draw();

  const kind = h('select', { name: 'kind' }, options(/** @type {const} */ (['account', 'unit', 'agency', 'project']).map((k) => [k, tr(`share.kind_${k}`)])));
  const targetHost = h('div', {});
  const agency = h('select', { name: 'agency_id' }, options(agencies.map((a) => [String(a.id), nameOf(a)])));
  const unitAgency = h('select', { name: 'unit_agency' }, options(agencies.map((a) => [String(a.id), nameOf(a)])));
  const unit = h('select', { name: 'unit_id' });
  const project = h('select', { name: 'project_id' }, options(projects.map((p) => [String(p.id), nameOf(p)])));
  const loadUnits = async () => {
    /** @type {{items: import('../types.js').Unit[]}} */
    const list = await get(`/agencies/${unitAgency.value}/units`);
    for (const u of list.items) unitNames.set(u.id, nameOf(u));
    replace(unit, options(list.items.map((u) => [String(u.id), nameOf(u)])));
  };
  unitAgency.addEventListener('change', () => void loadUnits());
  const drawTarget = () => {
    if (kind.value === 'account') replace(targetHost, picker.element);
    else if (kind.value === 'agency') replace(targetHost, field(tr('share.kind_agency'), agency));
    else if (kind.value === 'project') replace(targetHost, field(tr('share.kind_project'), project));
    else {
      replace(targetHost, field(tr('dir.agency'), unitAgency), field(tr('share.kind_unit'), unit));
      if (!unit.options.length) void loadUnits();
    }
  };
  kind.addEventListener('change', drawTarget);
  drawTarget();
  const permission = h('select', { name: 'permission' }, options([['reader', tr('share.reader')], ['editor', tr('share.editor')]]));
  const errors = errorBox();
  const add = h('button', { type: 'button', text: tr('common.add') });
  add.addEventListener('click', () => {
    clearError(errors);
    const k = /** @type {ShareKind} */ (kind.value);
    const id = k === 'account' ? picker.value() : Number(k === 'agency' ? agency.value : k === 'project' ? project.value : unit.value);
    if (!id) return;
    const existing = shares.findIndex((s) => s.target.kind === k && s.target.id === id);
    /** @type {Share} */
    const share = { target: { kind: k, id }, permission: permission.value === 'editor' ? 'editor' : 'reader',
      name: k === 'account' ? picker.labelOf(id) : undefined };
    if (existing >= 0) shares[existing] = share;
    else shares.push(share);
    picker.reset();
    draw();
  });
  const classification = h('select', { name: 'classification' },
    options([['restricted', tr('class.restricted')], ['partial', tr('class.partial')], ['public', tr('class.public')]], memo.classification));
  const save = h('button', { type: 'submit', class: 'primary', text: tr('share.save') });
  const form = h('form', { class: 'share-form' },
    h('p', {}, tr('memo.classification'), ': ', classificationBadge(memo.classification)),
    field(tr('memo.classification'), classification, tr('memo.classification_hint')),
    h('h3', { text: tr('share.current') }), listEl,
    h('fieldset', { class: 'add-share' }, h('legend', { text: tr('share.add') }), field(tr('share.kind'), kind), targetHost, field(tr('share.permission'), permission), add),
    errors, save);
  return new Promise((resolve) => {
    /** @type {{memo: Memo, etag: string | null} | null} */
    let result = null;
    const dialog = openDialog(tr('share.title', { title: memo.title }), form);
    dialog.addEventListener('close', () => resolve(result));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      clearError(errors);
      try {
        if (classification.value !== memo.classification) {
          ({ data: memo, etag } = await call('PATCH', `/memos/${memo.id}`, { body: { classification: classification.value }, ifMatch: etag }));
        }
        const body = { shares: shares.map((s) => ({ target: s.target, permission: s.permission })) }; // names are answers only
        const answer = await call('PUT', `/memos/${memo.id}/shares`, { body, ifMatch: etag });
        result = { memo: { ...memo, version: memo.version + 1 }, etag: answer.etag };
        dialog.close();
      } catch (e) {
        showError(errors, e, form);
      }
    });
  });
}
