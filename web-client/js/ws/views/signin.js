// Sign in with a local account (and, when the hub lists any, the agency identity providers).

import { call, isMissingRoute } from '../api.js';
import { clearError, errorBox, field, h, replace, showError } from '../dom.js';
import { tr } from '../i18n.js';
import { connect } from '../live.js';
import { navigate } from '../router.js';
import { signIn } from '../session.js';
import { View } from '../view.js';

/** @typedef {{id: string, name: string, url: string}} Provider */

class SignIn extends View {
  async render() {
    document.title = `${tr('signin.title')} — govhub`;
    const login = h('input', { name: 'login', required: true, autocomplete: 'username', maxlength: 254 });
    const password = h('input', { name: 'password', type: 'password', required: true, autocomplete: 'current-password' });
    const errors = errorBox();
    const submit = h('button', { type: 'submit', class: 'primary', text: tr('signin.submit') });
    const providers = h('div', { class: 'providers' });
    const form = h('form', { class: 'card signin-card', 'aria-labelledby': 'signin-h' },
      h('h1', { id: 'signin-h', text: tr('signin.title') }),
      field(tr('signin.login'), login),
      field(tr('signin.password'), password),
      errors, submit, providers);
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      clearError(errors);
      submit.disabled = true;
      try {
        await signIn(login.value.trim(), password.value);
        connect();
        const next = new URLSearchParams(location.search).get('next');
        navigate(next && next.startsWith('/app') && !next.startsWith('/app/signin') ? next : '/app/', true);
      } catch (e) {
        showError(errors, e, form);
        password.select();
      } finally {
        submit.disabled = false;
      }
    });
    replace(this, h('div', { class: 'signin' }, form));
    login.focus();
    void this.loadProviders(providers);
  }

  /** Agency identity providers (OIDC), when the hub has the endpoint and some are set up. */
  async loadProviders(/** @type {HTMLElement} */ box) {
    try {
      /** @type {{data: {items?: Provider[]}}} */
      const answer = await call('GET', '/auth/providers');
      const items = answer.data.items ?? [];
      if (!items.length) return;
      replace(box, h('p', { class: 'hint', text: tr('signin.or') }),
        items.map((p) => h('a', { class: 'button', href: p.url, text: tr('signin.with', { name: p.name }) })));
    } catch (e) {
      if (!isMissingRoute(e)) console.warn('identity providers', e);
    }
  }
}

customElements.define('gh-signin', SignIn);
