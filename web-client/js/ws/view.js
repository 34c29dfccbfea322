// Base of every screen: a custom element that loads when it is attached, re-renders when the
// language changes, and drops its live-event subscriptions when it leaves the page.

import { subscribe } from './live.js';

export class View extends HTMLElement {
  constructor() {
    super();
    /** @type {Record<string, string>} route parameters */
    this.params = {};
    /** @type {Array<() => void>} */
    this.cleanups = [];
    this.onLang = () => { this.refresh(); };
  }

  connectedCallback() {
    document.addEventListener('govhub:lang', this.onLang);
    this.refresh();
  }

  /** Draws the screen again from scratch, dropping the subscriptions of the last drawing. */
  refresh() {
    for (const fn of this.cleanups.splice(0)) fn();
    this.render().catch((e) => console.error('render', e));
  }

  disconnectedCallback() {
    document.removeEventListener('govhub:lang', this.onLang);
    for (const fn of this.cleanups.splice(0)) fn();
  }

  /**
   * Runs `fn` for live events of these kinds while the view is on the page.
   * @param {string[]} kinds
   * @param {(event: import('./types.js').LiveEvent) => void} fn
   */
  live(kinds, fn) {
    this.cleanups.push(subscribe(kinds, fn));
  }

  /** Draws the screen; subclasses override. */
  async render() {}
}

/**
 * Runs `fn` at most once per `ms` burst (the last call wins), for reloads on event bursts.
 * @param {() => void} fn
 * @param {number} ms
 */
export function debounce(fn, ms) {
  /** @type {ReturnType<typeof setTimeout> | null} */
  let timer = null;
  return () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => { timer = null; fn(); }, ms);
  };
}
