// Sign in with a local account (and, when the hub lists any, the agency identity providers).
// A failed provider sign-in comes back here as ?error=<problem code>: shown in the user's language.

import { get } from '../api.js';
import { clearError, errorBox, field, h, replace, showError } from '../dom.js';
import { lang, tr } from '../i18n.js';
import { connect } from '../live.js';
import { navigate } from '../router.js';
import { signIn } from '../session.js';
import { View } from '../view.js';

/** @typedef {import('../types.js').Provider} Provider */

/** The message for each problem code of a refused provider sign-in (docs/api.md). */
const SSO_ERRORS = /** @type {const} */ ({
  oidc_state_invalid: 'signin.err_state',
  oidc_denied: 'signin.err_denied',
  oidc_code_rejected: 'signin.err_rejected',
  oidc_token_invalid: 'signin.err_rejected',
  oidc_provider_unavailable: 'signin.err_unavailable',
  oidc_no_account: 'signin.err_no_account',
  account_disabled: 'signin.err_disabled',
  oidc_misconfigured: 'signin.err_config',
  oidc_provider_not_found: 'signin.err_config',
});

/** The localized message for `?error=` (null without one). @param {string | null} code */
function ssoError(code) {
  if (!code) return null;
  const key = /** @type {Record<string, typeof SSO_ERRORS[keyof typeof SSO_ERRORS]>} */ (SSO_ERRORS)[code];
  return tr(key ?? 'signin.err_other');
}

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
    const failed = ssoError(new URLSearchParams(location.search).get('error'));
    if (failed) {
      replace(errors, h('p', { text: failed }));
      errors.hidden = false;
    }
    login.focus();
    void this.loadProviders(providers);
  }

  /**
   * Agency identity providers (OpenID Connect): one button each. Starting is a top-level
   * navigation (the hub answers with a redirect to the provider and a flow cookie).
   */
  async loadProviders(/** @type {HTMLElement} */ box) {
    /** @type {{items: Provider[]}} */
    let answer;
    try {
      answer = await get('/auth/providers');
    } catch (e) {
      console.warn('identity providers', e);
      return;
    }
    const items = answer.items ?? [];
    if (!items.length) return;
    replace(box, h('p', { class: 'hint or', text: tr('signin.or') }),
      h('ul', { class: 'list provider-list', 'aria-label': tr('signin.providers') }, items.map((p) => h('li', {},
        h('a', { class: 'button provider', href: p.start_url || `/api/v1/auth/oidc/${encodeURIComponent(p.id)}/start`,
          text: tr('signin.with', { name: lang() === 'en' && p.name_en ? p.name_en : p.name_ko }) })))));
  }
}

customElements.define('gh-signin', SignIn);
