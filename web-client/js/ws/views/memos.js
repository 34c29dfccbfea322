// Memos: the ones I wrote and the ones shared with me, with a title search and the
// classification label of each.

import { get, qs } from '../api.js';
import { errorBox, field, h, replace, showError } from '../dom.js';
import { fmtDateTime, tr } from '../i18n.js';
import { debounce, View } from '../view.js';

/** @typedef {import('../types.js').Memo} Memo */

class Memos extends View {
  async render() {
    document.title = `${tr('memos.title')} — govhub`;
    const q = h('input', { name: 'q', type: 'search', maxlength: 100, autocomplete: 'off' });
    const list = h('div', {});
    replace(this,
      h('div', { class: 'title-row' }, h('h1', { text: tr('memos.title') }), h('a', { class: 'button primary', href: '/app/memos/new', text: tr('memos.new') })),
      h('form', { role: 'search', class: 'search-bar', onsubmit: (ev) => ev.preventDefault() }, field(tr('memos.search'), q)),
      list);
    const reload = debounce(() => void this.fill(list, q.value.trim()), 250);
    q.addEventListener('input', reload);
    this.live(['memo.shared', 'memo.updated', 'memo.deleted'], reload);
    await this.fill(list, '');
  }

  /** @param {HTMLElement} list @param {string} q */
  async fill(list, q) {
    try {
      /** @type {import('../types.js').Page<Memo>} */
      const page = await get(`/memos${qs({ q, limit: 50 })}`);
      replace(list, page.items.length
        ? h('ul', { class: 'cards memo-list' }, page.items.map((m) => h('li', { class: 'card memo-card' },
          h('h2', {}, h('a', { href: `/app/memos/${m.id}`, text: m.title })),
          h('p', { class: 'excerpt', text: m.excerpt }),
          h('p', { class: 'muted' }, classificationBadge(m.classification), ' ',
            h('span', { class: 'badge', text: tr(`memo.access_${m.access}`) }), ' ', fmtDateTime(m.updated_ms)))))
        : h('p', { class: 'muted', text: tr('memos.empty') }));
    } catch (e) {
      const box = errorBox();
      showError(box, e);
      replace(list, box);
    }
  }
}

/** @param {import('../types.js').Classification} c */
export function classificationBadge(c) {
  return h('span', { class: `badge class-${c}`, text: tr(`class.${c}`) });
}

customElements.define('gh-memos', Memos);
