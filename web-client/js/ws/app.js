// Entry of the workspace app (/app/…): the shell (top bar with navigation, language, live
// link state, sign-out), the router that puts one screen element into <main>, and the
// sign-in guard. Screens live in ./views/, one custom element each.

import { h, replace } from './dom.js';
import { tr, toggleLang } from './i18n.js';
import { connect, disconnect, linkState } from './live.js';
import { match, navigate, startRouter } from './router.js';
import { account, currentAccount, forget, isAdmin, signOut } from './session.js';
import './views/signin.js';
import './views/home.js';
import './views/directory.js';
import './views/projects.js';
import './views/project.js';
import './views/memos.js';
import './views/memo.js';
import './views/board.js';
import './views/meetings.js';
import './views/meeting-new.js';
import './views/meeting.js';
import './views/admin.js';
import './views/not-found.js';

/** @type {Array<[string, import('./i18n.js').WsKey, string]>} path, label, route tag */
const NAV = [
  ['/app/', 'nav.home', 'gh-home'],
  ['/app/directory', 'nav.directory', 'gh-directory'],
  ['/app/projects', 'nav.projects', 'gh-projects'],
  ['/app/memos', 'nav.memos', 'gh-memos'],
  ['/app/board', 'nav.board', 'gh-board'],
  ['/app/meetings', 'nav.meetings', 'gh-meetings'],
];

/** Which nav entry a screen belongs to. */
const SECTION = /** @type {Record<string, string>} */ ({
  'gh-project': 'gh-projects', 'gh-memo': 'gh-memos', 'gh-meeting': 'gh-meetings', 'gh-meeting-new': 'gh-meetings',
});

let firstRender = true;

async function render() {
  const route = match(location.pathname);
  const me = await currentAccount();
  if (!me && route.tag !== 'gh-signin') {
    navigate(`/app/signin?next=${encodeURIComponent(location.pathname + location.search)}`, true);
    return;
  }
  if (me) connect();
  drawTopbar(route.tag);
  const main = /** @type {HTMLElement} */ (document.getElementById('main'));
  const view = /** @type {import('./view.js').View} */ (document.createElement(route.tag));
  view.params = route.params;
  replace(main, view);
  if (!firstRender) main.focus();
  firstRender = false;
}

/** @param {string} tag the current screen */
function drawTopbar(tag) {
  const bar = /** @type {HTMLElement} */ (document.getElementById('topbar'));
  const me = account();
  const current = SECTION[tag] ?? tag;
  document.documentElement.lang = tr('lang.code');
  const skip = document.getElementById('skip-link');
  if (skip) skip.textContent = tr('common.skip');
  const nav = me
    ? h('nav', { class: 'ws-nav', 'aria-label': tr('nav.label') },
      h('ul', {}, [...NAV, ...(isAdmin() ? /** @type {typeof NAV} */ ([['/app/admin', 'nav.admin', 'gh-admin']]) : [])]
        .map(([href, key, navTag]) => h('li', {},
          h('a', { href, 'aria-current': navTag === current ? 'page' : null, text: tr(key) })))))
    : null;
  replace(bar,
    h('a', { class: 'brand', href: '/app/', text: 'govhub' }),
    nav,
    h('span', { class: 'spacer' }),
    me ? h('span', { class: `link-dot link-${linkState()}`, id: 'link-state', role: 'status', title: linkText(), 'aria-label': linkText() }) : null,
    me ? h('span', { class: 'who', text: me.display_name || me.login }) : null,
    h('button', { type: 'button', class: 'lang-toggle', lang: tr('lang.other_code'), 'aria-label': tr('lang.toggle_label'), text: tr('lang.toggle'), onclick: toggleLang }),
    me ? h('button', { type: 'button', class: 'ghost', id: 'sign-out', text: tr('nav.sign_out'), onclick: doSignOut }) : null);
}

function linkText() {
  const state = linkState();
  return state === 'open' ? tr('link.open') : state === 'connecting' ? tr('link.connecting') : tr('link.down');
}

async function doSignOut() {
  disconnect();
  try {
    await signOut();
  } catch {
    // Signed out locally either way; the cookie ends with its session.
  }
  navigate('/app/signin', true);
}

document.addEventListener('govhub:link', () => {
  const dot = document.getElementById('link-state');
  if (!dot) return;
  dot.className = `link-dot link-${linkState()}`;
  dot.title = linkText();
  dot.setAttribute('aria-label', linkText());
});

document.addEventListener('govhub:lang', () => drawTopbar(match(location.pathname).tag));

// A 401 anywhere means the session ended (expired, signed out elsewhere): back to sign-in,
// keeping the way back. Unsaved drafts stay in sessionStorage.
document.addEventListener('govhub:unauthenticated', (ev) => {
  const code = /** @type {CustomEvent} */ (ev).detail;
  if (code === 'invalid_credentials' || location.pathname === '/app/signin' || !account()) return;
  forget();
  disconnect();
  navigate(`/app/signin?next=${encodeURIComponent(location.pathname + location.search)}`, true);
});

startRouter(() => { void render(); });
