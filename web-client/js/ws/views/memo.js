// The memo editor: title, classification, a small rich-text body (contenteditable with
// bold/italic/underline/lists/heading buttons; the API sanitises whatever HTML it gets) and
// the sharing dialog. Every keystroke keeps a draft in sessionStorage, so a hub restart or a
// failed save loses nothing; the draft is dropped once the hub has stored the memo.

import { call } from '../api.js';
import { announce, clearError, errorBox, field, h, options, replace, showError } from '../dom.js';
import { tr } from '../i18n.js';
import { navigate } from '../router.js';
import { View } from '../view.js';
import { classificationBadge } from './memos.js';
import { openShareDialog } from './share.js';

/** @typedef {import('../types.js').Memo} Memo */
/** @typedef {{title: string, body: string, classification: string, version: number | null}} Draft */

/** @type {Array<[string, import('../i18n.js').WsKey, string | undefined]>} command, label, value */
const TOOLS = [
  ['bold', 'editor.bold', undefined],
  ['italic', 'editor.italic', undefined],
  ['underline', 'editor.underline', undefined],
  ['formatBlock', 'editor.heading', 'h2'],
  ['insertUnorderedList', 'editor.bullets', undefined],
  ['insertOrderedList', 'editor.numbers', undefined],
];

/** @param {string} key */
function readDraft(key) {
  try {
    const raw = sessionStorage.getItem(key);
    return raw ? /** @type {Draft} */ (JSON.parse(raw)) : null;
  } catch {
    return null;
  }
}

class MemoEditor extends View {
  async render() {
    const isNew = this.params.id === 'new';
    const draftKey = `govhub.memo-draft.${this.params.id}`;
    const errors = errorBox();
    /** @type {Memo | null} */
    let memo = null;
    /** @type {string | null} */
    let etag = null;
    if (!isNew) {
      try {
        ({ data: memo, etag } = await call('GET', `/memos/${this.params.id}`));
      } catch (e) {
        showError(errors, e);
        // Unreachable hub: still offer the draft, so the text is not lost from view.
        if (!readDraft(draftKey)) {
          replace(this, h('h1', { text: tr('memo.title') }), errors);
          return;
        }
      }
    }
    const readOnly = memo?.access === 'reader';
    const draft = readOnly ? null : readDraft(draftKey);
    const restored = draft !== null && (draft.title !== (memo?.title ?? '') || draft.body !== (memo?.body ?? ''));
    document.title = `${memo?.title ?? tr('memos.new')} — govhub`;

    const title = h('input', { name: 'title', required: true, maxlength: 200, value: (restored ? draft?.title : memo?.title) ?? '', readonly: readOnly });
    const classification = h('select', { name: 'classification', disabled: readOnly },
      options([['restricted', tr('class.restricted')], ['partial', tr('class.partial')], ['public', tr('class.public')]], (restored ? draft?.classification : memo?.classification) ?? 'restricted'));
    const bodyLabel = h('span', { id: 'memo-body-label', class: 'label', text: tr('memo.body') });
    const body = h('div', { class: 'editor', id: 'memo-body', role: 'textbox', 'aria-multiline': 'true', 'aria-labelledby': 'memo-body-label', contenteditable: readOnly ? 'false' : 'true', tabindex: 0 });
    // The body is HTML the API sanitised (or our own draft of it): safe to render as markup.
    body.innerHTML = (restored ? draft?.body : memo?.body) ?? '';
    const saveDraft = () => {
      try {
        sessionStorage.setItem(draftKey, JSON.stringify({ title: title.value, body: body.innerHTML, classification: classification.value, version: memo?.version ?? null }));
      } catch {
        // Storage full or refused: the editor still works, only without the safety net.
      }
    };
    if (!readOnly) for (const el of [title, body, classification]) el.addEventListener('input', saveDraft);
    const toolbar = h('div', { class: 'toolbar', role: 'toolbar', 'aria-label': tr('editor.toolbar'), 'aria-controls': 'memo-body' },
      TOOLS.map(([cmd, key, value]) => h('button', { type: 'button', class: 'tool', 'data-cmd': cmd, text: tr(key),
        onmousedown: (ev) => ev.preventDefault(),
        onclick: () => { body.focus(); document.execCommand(cmd, false, value); saveDraft(); } })));
    const status = h('p', { class: 'muted', role: 'status', text: restored ? tr('memo.draft_restored') : '' });
    const save = h('button', { type: 'submit', class: 'primary', text: tr('common.save') });
    const form = h('form', { class: 'memo-form', 'aria-labelledby': 'memo-h' },
      h('div', { class: 'title-row' }, h('h1', { id: 'memo-h', text: isNew ? tr('memos.new') : tr('memo.title') }),
        memo ? classificationBadge(memo.classification) : null),
      field(tr('memo.field_title'), title), field(tr('memo.classification'), classification, tr('memo.classification_hint')),
      bodyLabel, readOnly ? null : toolbar, body, errors, status,
      readOnly ? h('p', { class: 'notice', text: tr('memo.read_only') }) : h('div', { class: 'actions' }, save,
        memo?.access === 'owner' ? h('button', { type: 'button', id: 'share-button', text: tr('memo.share'), onclick: () => void share() }) : null,
        restored ? h('button', { type: 'button', class: 'ghost', text: tr('memo.discard_draft'), onclick: () => { sessionStorage.removeItem(draftKey); this.refresh(); } }) : null));
    const share = async () => {
      if (!memo) return;
      const next = await openShareDialog(memo, etag);
      if (next) ({ memo, etag } = next);
    };
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      clearError(errors);
      save.disabled = true;
      const fields = { title: title.value.trim(), body: body.innerHTML, classification: classification.value };
      try {
        if (isNew) {
          /** @type {{data: Memo}} */
          const created = await call('POST', '/memos', { body: fields, idempotent: true });
          sessionStorage.removeItem(draftKey);
          announce(tr('common.saved'));
          navigate(`/app/memos/${created.data.id}`, true);
          return;
        }
        ({ data: memo, etag } = await call('PATCH', `/memos/${this.params.id}`, { body: fields, ifMatch: etag }));
        sessionStorage.removeItem(draftKey);
        status.textContent = tr('common.saved');
      } catch (e) {
        showError(errors, e, form);
      } finally {
        save.disabled = false;
      }
    });
    replace(this, form);
  }
}

customElements.define('gh-memo', MemoEditor);
