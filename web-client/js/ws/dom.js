// Small DOM helpers: build elements without innerHTML (text is always text), announce to
// screen readers, and show API errors next to the form that caused them.

import { ApiError } from './api.js';
import { tr } from './i18n.js';

/**
 * @typedef {Record<string, string | number | boolean | null | undefined | EventListener>} Attrs
 * Keys starting with `on` are listeners; `class`, `text` and other keys are attributes
 * (`true` sets an empty attribute, false/null/undefined leaves it out).
 */

/** @typedef {Node | string | null | undefined | false} Child */

/**
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Attrs} [attrs]
 * @param {...(Child | Child[])} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (key === 'text') el.textContent = String(value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

/** @param {Element} el @param {(Child | Child[])[]} children */
export function append(el, children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child);
  }
}

/** @param {Element} el @param {...(Child | Child[])} children */
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
}

/** Says `text` through the page's polite live region. */
export function announce(/** @type {string} */ text) {
  const region = document.getElementById('live-region');
  if (!region) return;
  region.textContent = '';
  // A fresh text node after a tick makes screen readers read a repeated message again.
  setTimeout(() => { region.textContent = text; }, 50);
}

/**
 * Shows an error inside `box` (role=alert) and marks the inputs it names as invalid.
 * @param {HTMLElement} box
 * @param {unknown} error
 * @param {HTMLFormElement} [form]
 */
export function showError(box, error, form) {
  const message = error instanceof ApiError ? error.message : tr('err.unexpected');
  const fields = error instanceof ApiError ? error.fields : [];
  replace(box, h('p', { text: message }),
    fields.length ? h('ul', {}, fields.map((f) => h('li', { text: f.field ? `${f.field}: ${f.message}` : f.message }))) : null);
  box.hidden = false;
  if (form) {
    for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
    for (const f of fields) form.querySelector(`[name="${CSS.escape(f.field)}"]`)?.setAttribute('aria-invalid', 'true');
  }
  if (!(error instanceof ApiError)) console.error(error);
}

/** An empty, hidden error box for `showError`. */
export function errorBox() {
  return h('div', { class: 'error-box', role: 'alert', hidden: true });
}

/** @param {HTMLElement} box */
export function clearError(box) {
  box.hidden = true;
  box.replaceChildren();
}

/**
 * A labelled form control: `<label for>` + the control (+ optional hint).
 * @param {string} label
 * @param {HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement} control
 * @param {string} [hint]
 */
export function field(label, control, hint) {
  if (!control.id) control.id = uid(control.name || 'f');
  const hintEl = hint ? h('p', { class: 'hint', id: `${control.id}-hint`, text: hint }) : null;
  if (hintEl) control.setAttribute('aria-describedby', hintEl.id);
  return h('div', { class: 'field' }, h('label', { for: control.id, text: label }), control, hintEl);
}

let counter = 0;
/** A document-unique id with a readable prefix. */
export function uid(/** @type {string} */ prefix) {
  counter += 1;
  return `${prefix}-${counter}`;
}

/**
 * Options of a `<select>`.
 * @param {Array<[string, string]>} pairs value, label
 * @param {string} [selected]
 */
export function options(pairs, selected) {
  return pairs.map(([value, label]) => h('option', { value, selected: value === selected }, label));
}

/**
 * A modal `<dialog>` with a heading, closed by Esc or its close button; removed on close.
 * @param {string} title
 * @param {(Child | Child[])[]} body
 */
export function openDialog(title, ...body) {
  const headingId = uid('dlg');
  const dialog = h('dialog', { class: 'dialog', 'aria-labelledby': headingId },
    h('div', { class: 'dialog-head' },
      h('h2', { id: headingId, text: title }),
      h('button', { type: 'button', class: 'ghost', 'aria-label': tr('common.close'), text: '✕', onclick: () => dialog.close() })),
    h('div', { class: 'dialog-body' }, ...body));
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  return dialog;
}
