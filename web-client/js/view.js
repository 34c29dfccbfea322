// The page shell of meeting.html: which view is shown, banners, errors, side panels and the
// control buttons' labels. No meeting state lives here; room.js drives it.

import { t, hasMessage } from './i18n/index.js';

/**
 * @template {HTMLElement} T
 * @param {string} id
 * @returns {T}
 */
export function byId(id) {
  const el = document.getElementById(id);
  if (!el) throw new Error(`meeting.html lacks #${id}`);
  return /** @type {T} */ (el);
}

/** @param {'prejoin' | 'meeting' | 'ended'} view */
export function showView(view) {
  for (const name of ['prejoin', 'meeting', 'ended']) byId(`${name}-view`).hidden = name !== view;
  document.body.dataset.view = view;
}

/** @type {ReturnType<typeof setTimeout> | undefined} */
let errorTimer;

/** @param {string} code a hub `ErrorCode` or a client-side code */
export function errorText(code) {
  const key = `err.${code}`;
  return hasMessage(key) ? t(key) : t('err.unknown', { code });
}

/**
 * Shows a hub or client error in the user's language, chosen by its stable code.
 * @param {string} code
 * @param {boolean} [sticky] stays until dismissed
 */
export function showError(code, sticky = false) {
  const text = errorText(code);
  const box = byId('error-box');
  byId('error-text').textContent = text;
  box.dataset.code = code;
  box.hidden = false;
  clearTimeout(errorTimer);
  if (!sticky) errorTimer = setTimeout(() => { box.hidden = true; }, 8000);
}

export function wireErrorBox() {
  byId('error-dismiss').addEventListener('click', () => { byId('error-box').hidden = true; });
}

/** @param {'open' | 'reconnecting' | 'lost' | 'idle' | 'closed'} state */
export function showLinkState(state) {
  const el = byId('link-status');
  el.hidden = state !== 'reconnecting';
  document.body.toggleAttribute('data-reconnecting', state === 'reconnecting');
}

/** @param {string} key @param {string} [detailKey] */
export function showEnded(key, detailKey) {
  byId('ended-title').textContent = t(/** @type {any} */ (key));
  let detail = '';
  if (detailKey?.startsWith('err.')) detail = errorText(detailKey.slice(4));
  else if (detailKey) detail = t(/** @type {any} */ (detailKey));
  byId('ended-text').textContent = detail;
  showView('ended');
  byId('rejoin').focus();
}

/** @param {number} n people in the room, me included */
export function showCount(n) {
  const el = byId('people-count');
  el.dataset.count = String(n);
  el.hidden = n === 0;
  el.textContent = t('meeting.count', { n });
}

/**
 * Sets a toggle button's label and pressed state.
 * @param {string} id
 * @param {boolean} on the feature is on (mic live, camera live, sharing, panel open)
 * @param {string} onKey label while on (the action it offers is "turn off")
 * @param {string} offKey label while off
 */
export function setToggle(id, on, onKey, offKey) {
  const button = byId(id);
  button.toggleAttribute('data-on', on);
  button.setAttribute('aria-pressed', String(on));
  const label = button.querySelector('.label');
  if (label) label.textContent = t(/** @type {any} */ (on ? onKey : offKey));
  button.dataset.onKey = onKey;
  button.dataset.offKey = offKey;
}

/** Re-labels toggle buttons after a language switch. */
export function relabelToggles() {
  for (const button of document.querySelectorAll('button[data-on-key]')) {
    const b = /** @type {HTMLButtonElement} */ (button);
    const on = b.hasAttribute('data-on');
    const label = b.querySelector('.label');
    if (label) label.textContent = t(/** @type {any} */ (on ? b.dataset.onKey : b.dataset.offKey));
  }
}

/**
 * Opens one side panel (closing the other), or closes it when it is open.
 * @param {'chat' | 'people'} which
 * @param {boolean} [open]
 */
export function togglePanel(which, open) {
  const panel = byId(`${which}-panel`);
  const next = open ?? panel.hidden !== false;
  for (const name of /** @type {const} */ (['chat', 'people'])) {
    const show = name === which && next;
    byId(`${name}-panel`).hidden = !show;
    setToggle(`btn-${name}`, show, `controls.${name}`, `controls.${name}`);
  }
  document.body.toggleAttribute('data-panel', next);
  if (next) {
    const focusable = panel.querySelector('input, button');
    if (focusable instanceof HTMLElement) focusable.focus();
  } else {
    byId(`btn-${which}`).focus();
  }
  if (which === 'chat' && next) byId('btn-chat').removeAttribute('data-unread');
}
