// Message catalogues and the language switch. Korean is the default; the choice is kept in
// localStorage. Static text in the HTML carries `data-i18n="key"` (text) or
// `data-i18n-attr="attr:key;attr:key"` (attributes) and is filled by `translatePage`.

import ko from './ko.js';
import en from './en.js';

/** @typedef {keyof typeof ko} MessageKey */
/** @typedef {'ko' | 'en'} Lang */

const CATALOGUES = { ko, en };
const STORAGE_KEY = 'govhub.lang';

/** @type {Lang} */
let current = readStoredLang();

/** @returns {Lang} */
function readStoredLang() {
  try {
    return localStorage.getItem(STORAGE_KEY) === 'en' ? 'en' : 'ko';
  } catch {
    return 'ko';
  }
}

/** @returns {Lang} */
export function lang() {
  return current;
}

/**
 * The message for `key` with `{name}` placeholders filled from `params`.
 * @param {MessageKey} key
 * @param {Record<string, string | number>} [params]
 */
export function t(key, params = {}) {
  const text = CATALOGUES[current][key] ?? ko[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in params ? String(params[name]) : `{${name}}`));
}

/**
 * @param {string} key
 * @returns {key is MessageKey}
 */
export function hasMessage(key) {
  return key in ko;
}

/** @param {Lang} next */
export function setLang(next) {
  current = next;
  try {
    localStorage.setItem(STORAGE_KEY, next);
  } catch {
    // Private mode: the choice lasts for this page only.
  }
  translatePage();
  document.dispatchEvent(new CustomEvent('govhub:lang'));
}

/** Fills every `data-i18n` / `data-i18n-attr` element under `root`. */
export function translatePage(root = document.documentElement) {
  document.documentElement.lang = current;
  for (const el of root.querySelectorAll('[data-i18n]')) {
    const key = el.getAttribute('data-i18n') ?? '';
    if (hasMessage(key)) el.textContent = t(key);
  }
  for (const el of root.querySelectorAll('[data-i18n-attr]')) {
    for (const pair of (el.getAttribute('data-i18n-attr') ?? '').split(';')) {
      const [attr, key] = pair.split(':');
      if (attr && key && hasMessage(key)) el.setAttribute(attr, t(key));
    }
  }
}

/**
 * Wires a button that switches between Korean and English.
 * @param {HTMLButtonElement} button
 */
export function wireLangToggle(button) {
  button.addEventListener('click', () => setLang(current === 'ko' ? 'en' : 'ko'));
}
