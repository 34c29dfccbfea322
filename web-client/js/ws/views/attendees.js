// Choosing a meeting's attendees from the directory. One search box asks the directory (the
// same Korean partial and 초성 search as the directory screen) and the people of my projects;
// choosing a person adds their account as a chip. The API wants account ids while the
// directory lists people: a person's account comes from GET /employees/{id}/account (404
// account_not_found for a person without an enabled account). Accounts with no directory
// entry are found among the members of my projects, listed after the directory's people.

import { ApiError, get, qs } from '../api.js';
import { announce, field, h, replace } from '../dom.js';
import { tr } from '../i18n.js';
import { agencyName } from '../session.js';
import { rememberName } from '../meet.js';
import { knownPeople } from './people.js';

/** @typedef {import('../types.js').Employee} Employee */
/** @typedef {{id: number, label: string}} Person */

/**
 * The account of a directory entry (GET /employees/{id}/account, readable by every member), or
 * null when the person has no enabled account.
 * @param {Employee} e
 * @returns {Promise<Person | null>}
 */
export async function accountOf(e) {
  try {
    /** @type {{account_id: number, display_name: string}} */
    const found = await get(`/employees/${e.id}/account`);
    return { id: found.account_id, label: e.name_ko };
  } catch (err) {
    if (err instanceof ApiError && (err.code === 'account_not_found' || err.code === 'employee_not_found')) return null;
    throw err;
  }
}

/**
 * The picker: search box, result buttons and the chosen people.
 * @param {number | null} self my account (never offered: the organiser attends anyway)
 * @param {Array<[number, string]>} [initial] people chosen before (a restored draft)
 * @param {() => void} [onChange] after each addition or removal
 */
export function attendeePicker(self, initial = [], onChange = () => {}) {
  /** @type {Map<number, string>} */
  const chosen = new Map(initial.filter(([id]) => Number.isInteger(id) && id !== self));
  /** @type {Person[] | null} */
  let known = null;
  const peopleOfProjects = async () => { known ??= await knownPeople().catch(() => []); return known; };
  const q = h('input', { name: 'attendee_q', type: 'search', autocomplete: 'off', maxlength: 100, placeholder: tr('dir.placeholder') });
  const results = h('ul', { class: 'list pick-results', 'aria-label': tr('mtg.attendee_results') });
  const chips = h('ul', { class: 'chips', 'aria-label': tr('mtg.attendees_chosen') });
  const note = h('p', { class: 'muted', role: 'status' });
  let seq = 0;

  const drawChips = () => replace(chips, [...chosen].map(([id, label]) => h('li', { class: 'chip' }, label,
    h('button', { type: 'button', class: 'ghost', 'aria-label': tr('mtg.remove_attendee', { name: label }), text: '✕',
      onclick: () => { chosen.delete(id); drawChips(); onChange(); announce(tr('mtg.attendee_removed', { name: label })); q.focus(); } }))));

  /** @param {Person} p */
  const add = (p) => {
    if (p.id === self) return;
    chosen.set(p.id, p.label);
    rememberName(p.id, p.label);
    drawChips();
    onChange();
    announce(tr('mtg.attendee_added', { name: p.label }));
  };

  /** @param {Employee} e */
  const choose = async (e) => {
    const person = await accountOf(e);
    if (person) {
      add(person);
      note.textContent = '';
    } else note.textContent = tr('mtg.no_account', { name: e.name_ko });
  };

  const search = async () => {
    const text = q.value.trim();
    const mine = ++seq;
    if (!text) { replace(results); return; }
    /** @type {import('../types.js').Page<Employee>} */
    const page = await get(`/employees${qs({ q: text, limit: 8 })}`).catch(() => ({ items: [], next_cursor: null }));
    const fromProjects = (await peopleOfProjects()).filter((p) => p.label.toLowerCase().includes(text.toLowerCase())).slice(0, 5);
    if (mine !== seq) return;
    replace(results,
      page.items.map((e) => h('li', {}, h('button', { type: 'button', class: 'person-row', onclick: () => void choose(e) },
        h('strong', { text: e.name_ko }), ' ', h('span', { class: 'muted', text: [e.title, agencyName(e.agency_id)].filter(Boolean).join(' · ') })))),
      fromProjects.filter((p) => p.id !== self).map((p) => h('li', {}, h('button', { type: 'button', class: 'person-row', onclick: () => add(p) },
        h('strong', { text: p.label }), ' ', h('span', { class: 'muted', text: tr('people.known') })))));
    if (!page.items.length && !fromProjects.length) replace(results, h('li', { class: 'muted', text: tr('mtg.nobody') }));
  };
  let timer = /** @type {ReturnType<typeof setTimeout> | undefined} */ (undefined);
  q.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(() => void search(), 200); });
  q.addEventListener('keydown', (ev) => {
    // Enter in the search box picks the only result instead of submitting the whole form.
    if (ev.key !== 'Enter') return;
    ev.preventDefault();
    /** @type {HTMLButtonElement | null} */ (results.querySelector('button'))?.focus();
  });

  const element = h('fieldset', { class: 'picker' }, h('legend', { text: tr('mtg.attendees') }),
    field(tr('mtg.find_attendee'), q, tr('mtg.find_attendee_hint')), results, note, chips);
  drawChips();
  return {
    element,
    /** @returns {number[]} */
    value: () => [...chosen.keys()],
    /** @returns {Array<[number, string]>} */
    entries: () => [...chosen],
    add,
    choose,
  };
}
