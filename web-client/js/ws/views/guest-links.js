// The organiser's guest links on a meeting's page: the links made so far (when made, until
// when, revoked or not), a button making a new one whose address is shown once with a copy
// button, and revoking. A guest opens /m/<room>#guest=<secret>: the secret stays in the
// fragment, so it reaches neither the hub's logs nor a Referer.

import { all, call } from '../api.js';
import { announce, clearError, errorBox, h, replace, showError } from '../dom.js';
import { fmtDateTime, tr } from '../i18n.js';

/** @typedef {{id: number, meeting_id: number, created_by: number, created_ms: number, expires_ms: number, revoked_ms: number | null}} GuestLink */

/**
 * The guest-link panel of meeting `m` (its organiser only).
 * @param {import('../types.js').Meeting} m
 */
export function guestLinks(m) {
  const list = h('ul', { class: 'list guest-links' });
  const created = h('div', { class: 'guest-new', hidden: true });
  const errors = errorBox();
  const fill = async () => {
    try {
      /** @type {GuestLink[]} */
      const links = await all(`/meetings/${m.id}/guest-links`, 200);
      replace(list, links.length ? links.map((l) => row(m, l, fill, errors)) : h('li', { class: 'muted', text: tr('guest.none') }));
    } catch (e) {
      showError(errors, e);
    }
  };
  const make = h('button', { type: 'button', text: tr('guest.create') });
  make.addEventListener('click', async () => {
    clearError(errors);
    try {
      /** @type {{data: {secret: string, expires_ms: number}}} */
      const answer = await call('POST', `/meetings/${m.id}/guest-links`, { body: {} });
      showNew(created, `${location.origin}/m/${encodeURIComponent(m.video_room)}#guest=${encodeURIComponent(answer.data.secret)}`, answer.data.expires_ms);
      await fill();
    } catch (e) {
      showError(errors, e);
    }
  });
  void fill();
  return h('section', { class: 'panel guest-panel', 'aria-labelledby': 'guest-h' },
    h('h2', { id: 'guest-h', text: tr('guest.title') }),
    h('p', { class: 'hint', text: tr('guest.hint') }), make, created, errors, list);
}

/** Shows a new link once, with a copy button. @param {HTMLElement} box @param {string} url @param {number} expires */
function showNew(box, url, expires) {
  const input = h('input', { readonly: true, value: url, 'aria-label': tr('guest.link'), class: 'guest-url' });
  const copy = h('button', { type: 'button', class: 'primary', text: tr('guest.copy') });
  copy.addEventListener('click', async () => {
    input.select();
    try {
      await navigator.clipboard.writeText(url);
      announce(tr('guest.copied'));
      copy.textContent = tr('guest.copied');
    } catch {
      announce(tr('guest.copy_manually'));
      copy.textContent = tr('guest.copy_manually');
    }
  });
  replace(box, h('p', { text: tr('guest.made', { until: fmtDateTime(expires) }) }), h('div', { class: 'actions' }, input, copy));
  box.hidden = false;
  input.focus();
  input.select();
}

/** @param {import('../types.js').Meeting} m @param {GuestLink} l @param {() => Promise<void>} fill @param {HTMLElement} errors */
function row(m, l, fill, errors) {
  const made = tr('guest.row', { made: fmtDateTime(l.created_ms), until: fmtDateTime(l.expires_ms) });
  const state = l.revoked_ms !== null ? tr('guest.revoked') : l.expires_ms <= Date.now() ? tr('guest.expired') : null;
  const revoke = state ? null : h('button', { type: 'button', class: 'danger', text: tr('guest.revoke'), 'aria-label': tr('guest.revoke_named', { made }),
    onclick: async () => {
      clearError(errors);
      try {
        await call('DELETE', `/meetings/${m.id}/guest-links/${l.id}`);
        announce(tr('guest.revoked'));
        await fill();
      } catch (e) {
        showError(errors, e);
      }
    } });
  return h('li', { class: 'guest-link', 'data-id': String(l.id) }, h('span', { text: made }), state ? h('span', { class: 'badge', text: state }) : null, revoke);
}
