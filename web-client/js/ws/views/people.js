// Picking an account (for project members and memo shares): a directory search (name, Korean
// partial or 초성) whose chosen person's account comes from GET /employees/{id}/account (a
// person without one gets a clear message), plus the accounts I know and a number field.

import { all, get, isMissingRoute, qs } from '../api.js';
import { announce, field, h, options, replace } from '../dom.js';
import { tr } from '../i18n.js';
import { agencyName } from '../session.js';
import { accountOf } from './attendees.js';

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
  /** @type {Person | null} the person chosen from the directory */
  let chosen = null;
  const search = directorySearch(found, (p) => { chosen = p; select.value = ''; number.value = ''; });
  const element = h('fieldset', { class: 'picker' }, h('legend', { text: label }), search.element,
    field(tr('people.known'), select), field(tr('people.by_number'), number, tr('people.by_number_hint')));
  const forget = () => { chosen = null; search.clear(); };
  select.addEventListener('change', forget);
  number.addEventListener('input', forget);
  return {
    element,
    /** @returns {number | null} */
    value() {
      const n = chosen ? chosen.id : Number(number.value || select.value);
      return Number.isInteger(n) && n > 0 ? n : null;
    },
    /** A person's label when the picker knows them, else their account number. */
    labelOf(/** @type {number} */ id) {
      return found.find((p) => p.id === id)?.label ?? `#${id}`;
    },
    reset() {
      select.value = '';
      number.value = '';
      forget();
    },
  };
}

/**
 * The directory search of the picker: results as buttons; choosing one resolves the person's
 * account (added to `found`, so it has a label) or says they have none.
 * @param {Person[]} found @param {(p: Person) => void} pick
 */
function directorySearch(found, pick) {
  const q = h('input', { name: 'person_q', type: 'search', autocomplete: 'off', maxlength: 100, placeholder: tr('dir.placeholder') });
  const results = h('ul', { class: 'list pick-results', 'aria-label': tr('mtg.attendee_results') });
  const note = h('p', { class: 'muted', role: 'status' });
  let seq = 0;
  /** @param {import('../types.js').Employee} e */
  const choose = async (e) => {
    const person = await accountOf(e).catch(() => null);
    if (!person) { note.textContent = tr('mtg.no_account', { name: e.name_ko }); return; }
    if (!found.some((p) => p.id === person.id)) found.push(person);
    pick(person);
    replace(results);
    note.textContent = tr('people.chosen', { name: person.label });
    announce(note.textContent);
  };
  const run = async () => {
    const text = q.value.trim();
    const mine = ++seq;
    if (!text) { replace(results); return; }
    /** @type {import('../types.js').Page<import('../types.js').Employee>} */
    const page = await get(`/employees${qs({ q: text, limit: 8 })}`).catch(() => ({ items: [], next_cursor: null }));
    if (mine !== seq) return;
    replace(results, page.items.length ? page.items.map((e) => h('li', {}, h('button', { type: 'button', class: 'person-row', onclick: () => void choose(e) },
      h('strong', { text: e.name_ko }), ' ', h('span', { class: 'muted', text: [e.title, agencyName(e.agency_id)].filter(Boolean).join(' · ') }))))
      : h('li', { class: 'muted', text: tr('mtg.nobody') }));
  };
  let timer = /** @type {ReturnType<typeof setTimeout> | undefined} */ (undefined);
  q.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(() => void run(), 200); });
  q.addEventListener('keydown', (ev) => {
    if (ev.key !== 'Enter') return;
    ev.preventDefault();
    /** @type {HTMLButtonElement | null} */ (results.querySelector('button'))?.focus();
  });
  const element = h('div', {}, field(tr('people.find'), q, tr('mtg.find_attendee_hint')), results, note);
  return { element, clear: () => { q.value = ''; replace(results); note.textContent = ''; } };
}
