// Messages of the workspace app. The language itself (Korean default, English second, kept
// in localStorage) is the shared switch of ../i18n/index.js, so the meeting page and the
// workspace always agree; only the catalogues are the app's own.

import { lang, setLang } from '../i18n/index.js';
import ko from './i18n/ko.js';
import en from './i18n/en.js';

/** @typedef {keyof typeof ko} WsKey */

const CATALOGUES = { ko, en };

/**
 * The message for `key` in the current language with `{name}` placeholders filled.
 * @param {WsKey} key
 * @param {Record<string, string | number>} [params]
 */
export function tr(key, params = {}) {
  const text = CATALOGUES[lang()][key] ?? ko[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in params ? String(params[name]) : `{${name}}`));
}

export { lang };

/** Flips between Korean and English; listeners of `govhub:lang` re-render. */
export function toggleLang() {
  setLang(lang() === 'ko' ? 'en' : 'ko');
}

/** Locale tag for dates and numbers. */
export function locale() {
  return lang() === 'en' ? 'en-GB' : 'ko-KR';
}

/**
 * The name of something that has a Korean and an optional English name.
 * @param {{name_ko: string, name_en?: string}} named
 */
export function nameOf(named) {
  return lang() === 'en' && named.name_en ? named.name_en : named.name_ko;
}

/** @param {number} ms */
export function fmtDateTime(ms) {
  return new Date(ms).toLocaleString(locale(), { dateStyle: 'medium', timeStyle: 'short' });
}

/** @param {string} isoDay `YYYY-MM-DD` */
export function fmtDay(isoDay) {
  const [y, m, d] = isoDay.split('-').map(Number);
  return new Date(y, m - 1, d).toLocaleDateString(locale(), { dateStyle: 'medium' });
}
