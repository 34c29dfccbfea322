// Picking an account (for project members and memo shares). The hub has no account listing
// yet (GET /accounts is being built): until it has, the picker offers the people of my
// projects and takes an account number typed in; afterwards it searches accounts by name.

import { all, get, isMissingRoute, qs } from '../api.js';
import { field, h, options } from '../dom.js';
import { tr } from '../i18n.js';

/** @typedef {{id: number, label: string}} Person */

/** @type {boolean | null} whether GET /accounts exists on this hub */
let listingAvailable = null;

/** People I know from my projects' member lists, by account id. */
export async function knownPeople() {
  /** @type {Map<number, Person>} */
  const people = new Map();
  /** @type {import('../types.js').Project[]} */
  const projects = await all('/projects?mine=true', 50);
  for (const p of projects.slice(0, 20)) {
    /** @type {import('../types.js').Member[]} */
    const members = await all(`/projects/${p.id}/members`, 200);
    for (const m of members) people.set(m.account_id, { id: m.account_id, label: `${m.display_name || m.login} (${m.login})` });
  }
  return [...people.values()].sort((a, b) => a.label.localeCompare(b.label));
}

/** @param {string} q @returns {Promise<Person[] | null>} null while the hub cannot list accounts */
async function searchAccounts(q) {
  if (listingAvailable === false) return null;
  try {
    /** @type {import('../types.js').Page<import('../types.js').Account>} */
    const page = await get(`/accounts${qs({ q, limit: 20 })}`);
    listingAvailable = true;
    return page.items.map((a) => ({ id: a.id, label: `${a.display_name || a.login} (${a.login})` }));
  } catch (e) {
    // Not built yet, or built with other query parameters: fall back on what we know.
    if (isMissingRoute(e)) listingAvailable = false;
    return null;
  }
}

/**
 * A labelled control that yields an account id: a list of known people plus a number field.
 * @param {string} label
 * @param {string} name form field name
 */
export async function accountPicker(label, name) {
  const found = (await searchAccounts('')) ?? (await knownPeople());
  const select = h('select', { name: `${name}_known` },
    options([['', tr('people.choose')], ...found.map((p) => /** @type {[string, string]} */ ([String(p.id), p.label]))]));
  const number = h('input', { name, type: 'number', min: 1, inputmode: 'numeric' });
  const element = h('fieldset', { class: 'picker' }, h('legend', { text: label }),
    field(tr('people.known'), select), field(tr('people.by_number'), number, tr('people.by_number_hint')));
  return {
    element,
    /** @returns {number | null} */
    value() {
      const n = Number(number.value || select.value);
      return Number.isInteger(n) && n > 0 ? n : null;
    },
    /** A person's label when the picker knows them, else their account number. */
    labelOf(/** @type {number} */ id) {
      return found.find((p) => p.id === id)?.label ?? `#${id}`;
    },
    reset() {
      select.value = '';
      number.value = '';
    },
  };
}
