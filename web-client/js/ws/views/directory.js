// Directory: one search box that answers as you type (the API finds Korean partials and
// 초성 such as ㄱㅁㅅ), an agency filter, a person card, and the unit tree of an agency.

import { get, qs } from '../api.js';
import { errorBox, field, h, options, replace, showError } from '../dom.js';
import { nameOf, tr } from '../i18n.js';
import { loadAgencies } from '../session.js';
import { View } from '../view.js';

/** @typedef {import('../types.js').Employee} Employee */
/** @typedef {import('../types.js').Unit} Unit */

class Directory extends View {
  constructor() {
    super();
    /** @type {Map<number, Unit[]>} units per agency */
    this.units = new Map();
    this.seq = 0;
  }

  async render() {
    document.title = `${tr('dir.title')} — govhub`;
    const agencies = await loadAgencies();
    const agencyPairs = /** @type {Array<[string, string]>} */ (agencies.map((a) => [String(a.id), nameOf(a)]));
    const q = h('input', { name: 'q', type: 'search', maxlength: 100, autocomplete: 'off', placeholder: tr('dir.placeholder') });
    const agency = h('select', { name: 'agency' }, options([['', tr('dir.all_agencies')], ...agencyPairs]));
    const count = h('p', { class: 'muted', role: 'status', 'aria-live': 'polite' });
    const results = h('ul', { class: 'list people', 'aria-label': tr('dir.results') });
    const card = h('section', { class: 'panel person', 'aria-label': tr('dir.card'), hidden: true });
    const treeAgency = h('select', { name: 'tree_agency' }, options(agencyPairs));
    const tree = h('div', { class: 'tree' });
    const errors = errorBox();
    const search = async () => {
      const seq = ++this.seq;
      try {
        /** @type {import('../types.js').Page<Employee>} */
        const page = await get(`/employees${qs({ q: q.value.trim(), agency: agency.value, limit: 30 })}`);
        if (seq !== this.seq) return; // an older answer arriving after a newer one
        errors.hidden = true;
        count.textContent = tr('dir.count', { n: page.items.length + (page.next_cursor ? '+' : '') });
        replace(results, page.items.map((e) => h('li', {},
          h('button', { type: 'button', class: 'person-row', 'data-employee': e.id, onclick: () => void this.showCard(card, e) },
            h('strong', { text: e.name_ko }), ' ', h('span', { class: 'muted', text: [e.title, agencyLabel(agencies, e.agency_id)].filter(Boolean).join(' · ') })))));
      } catch (e) {
        showError(errors, e);
      }
    };
    q.addEventListener('input', () => void search());
    agency.addEventListener('change', () => void search());
    treeAgency.addEventListener('change', () => void this.drawTree(tree, Number(treeAgency.value)));
    replace(this,
      h('h1', { text: tr('dir.title') }),
      h('div', { class: 'dir-layout' },
        h('div', { class: 'dir-search' },
          h('form', { class: 'search-bar', role: 'search', onsubmit: (ev) => { ev.preventDefault(); void search(); } },
            field(tr('dir.search'), q, tr('dir.search_hint')), field(tr('dir.agency'), agency)),
          errors, count, results),
        card),
      h('section', { class: 'panel', 'aria-labelledby': 'tree-h' },
        h('h2', { id: 'tree-h', text: tr('dir.units') }), field(tr('dir.agency'), treeAgency), tree));
    await search();
    if (agencies.length) await this.drawTree(tree, agencies[0].id);
  }

  /** @param {number} agencyId */
  async unitsOf(agencyId) {
    let units = this.units.get(agencyId);
    if (!units) {
      /** @type {{items: Unit[]}} */
      const list = await get(`/agencies/${agencyId}/units`);
      units = list.items;
      this.units.set(agencyId, units);
    }
    return units;
  }

  /** @param {HTMLElement} card @param {Employee} e */
  async showCard(card, e) {
    const units = await this.unitsOf(e.agency_id).catch(() => /** @type {Unit[]} */ ([]));
    const unit = units.find((u) => u.id === e.unit_id);
    const agencies = await loadAgencies();
    /** @type {Array<[string, Node | string]>} */
    const rows = [
      [tr('dir.agency'), agencyLabel(agencies, e.agency_id)],
      [tr('dir.unit'), unit ? nameOf(unit) : '—'],
      [tr('dir.office_phone'), e.office_phone ? h('a', { href: `tel:${e.office_phone}`, text: e.office_phone }) : '—'],
      [tr('dir.mobile'), e.mobile ? h('a', { href: `tel:${e.mobile}`, text: e.mobile }) : '—'],
      [tr('dir.email'), e.email ? h('a', { href: `mailto:${e.email}`, text: e.email }) : '—'],
      [tr('dir.location'), e.location || '—'],
    ];
    replace(card,
      h('h2', { id: 'person-h', tabindex: -1, text: e.name_ko }),
      h('p', { class: 'muted', text: [e.name_en, e.title, e.grade].filter(Boolean).join(' · ') }),
      h('dl', { class: 'facts' }, rows.flatMap(([k, v]) => [h('dt', { text: k }), h('dd', {}, v)])),
      // A meeting with this person from now, with a room token for each side (an ad-hoc /m/ room
      // would need the hub's open-join development mode).
      h('a', { class: 'button primary', href: `/app/meetings/new?employee=${e.id}`, text: tr('dir.start_meeting') }));
    card.hidden = false;
    /** @type {HTMLElement} */ (card.querySelector('h2')).focus();
  }

  /** @param {HTMLElement} box @param {number} agencyId */
  async drawTree(box, agencyId) {
    try {
      const units = await this.unitsOf(agencyId);
      /** @param {number | null} parent @returns {HTMLUListElement | null} */
      const level = (parent) => {
        const children = units.filter((u) => u.parent_id === parent);
        return children.length ? h('ul', {}, children.map((u) => h('li', {}, h('span', { text: nameOf(u) }), level(u.id)))) : null;
      };
      replace(box, level(null) ?? h('p', { class: 'muted', text: tr('dir.no_units') }));
    } catch (e) {
      const err = errorBox();
      showError(err, e);
      replace(box, err);
    }
  }
}

/** @param {import('../types.js').Agency[]} agencies @param {number} id */
function agencyLabel(agencies, id) {
  const a = agencies.find((x) => x.id === id);
  return a ? nameOf(a) : '';
}

customElements.define('gh-directory', Directory);
