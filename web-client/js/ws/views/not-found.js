// The screen for an /app/ address that names no screen.

import { h, replace } from '../dom.js';
import { tr } from '../i18n.js';
import { View } from '../view.js';

class NotFound extends View {
  async render() {
    document.title = `${tr('notfound.title')} — govhub`;
    replace(this, h('h1', { text: tr('notfound.title') }), h('p', {}, h('a', { href: '/app/', text: tr('nav.home') })));
  }
}

customElements.define('gh-not-found', NotFound);
