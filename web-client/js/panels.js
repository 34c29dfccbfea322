// Side panels of the meeting: <gh-chat> (room chat) and <gh-people> (participant list).
// Both are light-DOM elements so the page's stylesheet applies; both re-render on a language
// switch.

import { t, translatePage } from './i18n/index.js';

/** Longest chat message the client lets through; the hub has its own limit. */
const CHAT_MAX = 2000;

export class GhChat extends HTMLElement {
  constructor() {
    super();
    /** @type {((text: string) => void) | null} */
    this.onSend = null;
    this.list = document.createElement('ol');
    this.list.className = 'chat-log';
    this.list.setAttribute('aria-live', 'polite');
    this.form = document.createElement('form');
    this.form.className = 'chat-form';
    this.form.innerHTML = `
      <label for="chat-input" class="visually-hidden" data-i18n="chat.placeholder"></label>
      <input id="chat-input" autocomplete="off" maxlength="${CHAT_MAX}" data-i18n-attr="placeholder:chat.placeholder">
      <button type="submit" data-i18n="chat.send"></button>`;
    this.input = /** @type {HTMLInputElement} */ (this.form.querySelector('input'));
  }

  connectedCallback() {
    if (this.form.isConnected) return;
    this.append(this.list, this.form);
    translatePage(this);
    this.form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const text = this.input.value.trim();
      if (!text || !this.onSend) return;
      this.onSend(text);
      this.input.value = '';
    });
  }

  /**
   * @param {{name: string, text: string, sent_at_ms: number, mine: boolean}} m
   */
  add(m) {
    const item = document.createElement('li');
    item.className = m.mine ? 'chat-item mine' : 'chat-item';
    const who = document.createElement('span');
    who.className = 'chat-who';
    who.textContent = m.name;
    const when = document.createElement('time');
    const at = new Date(m.sent_at_ms || Date.now());
    when.dateTime = at.toISOString();
    when.textContent = at.toLocaleTimeString(document.documentElement.lang, { hour: '2-digit', minute: '2-digit' });
    const body = document.createElement('p');
    body.textContent = m.text;
    item.append(who, when, body);
    this.list.append(item);
    item.scrollIntoView({ block: 'end' });
  }
}

/**
 * @typedef {object} PersonRow
 * @property {string} id
 * @property {string} name
 * @property {boolean} self
 * @property {boolean} micMuted
 * @property {boolean} cameraMuted
 * @property {boolean} speaking
 */

export class GhPeople extends HTMLElement {
  constructor() {
    super();
    /** @type {PersonRow[]} */
    this.rows = [];
    this.list = document.createElement('ul');
    this.list.className = 'people-list';
    this.rerender = () => this.render();
  }

  connectedCallback() {
    if (!this.list.isConnected) this.append(this.list);
    document.addEventListener('govhub:lang', this.rerender);
  }

  disconnectedCallback() {
    document.removeEventListener('govhub:lang', this.rerender);
  }

  /** @param {PersonRow[]} rows */
  set people(rows) {
    this.rows = rows;
    this.render();
  }

  render() {
    this.list.replaceChildren(...this.rows.map((p) => {
      const li = document.createElement('li');
      li.className = 'person';
      li.toggleAttribute('data-speaking', p.speaking);
      const name = document.createElement('span');
      name.className = 'person-name';
      name.textContent = p.self ? t('tile.you', { name: p.name }) : p.name;
      const state = document.createElement('span');
      state.className = 'person-state';
      const parts = [t(p.micMuted ? 'tile.mic_muted' : 'tile.mic_on')];
      if (p.cameraMuted) parts.push(t('people.camera_off'));
      if (p.speaking) parts.push(t('tile.speaking'));
      state.textContent = parts.join(' · ');
      li.append(name, state);
      return li;
    }));
  }
}

customElements.define('gh-chat', GhChat);
customElements.define('gh-people', GhPeople);
