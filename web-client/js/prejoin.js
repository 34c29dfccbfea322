// <gh-prejoin>: the screen before joining — camera preview, microphone level, device pickers
// and display name. Fires `gh-join` with {name, stream} when the user joins; the stream is
// handed over (not stopped) so the meeting publishes what the user just checked. Until the
// preview has its camera and microphone (or knows there are none) the join button is disabled
// and says so, so an early Enter cannot join without video.

import { t, translatePage } from './i18n/index.js';
import { getLocalMedia, listDevices, LevelMeter, stopStream } from './media.js';
import { readName, saveName } from './prefs.js';

/** @typedef {{name: string, stream: MediaStream}} JoinDetail */

export class GhPrejoin extends HTMLElement {
  constructor() {
    super();
    /** @type {MediaStream | null} */
    this.stream = null;
    /** The capture under way, if any; joining waits for it. @type {Promise<void> | null} */
    this.capturing = null;
    this.meter = new LevelMeter((level) => { this.level.value = level; });
    this.form = document.createElement('form');
    this.form.className = 'prejoin';
    this.form.noValidate = false;
    this.form.innerHTML = `
      <div class="preview">
        <video muted autoplay playsinline></video>
        <p class="preview-off" data-i18n="prejoin.camera_off"></p>
      </div>
      <div class="prejoin-fields">
        <h2 data-i18n="prejoin.heading"></h2>
        <p class="prejoin-room"></p>
        <label for="pj-name" data-i18n="prejoin.name"></label>
        <input id="pj-name" name="name" required maxlength="64" autocomplete="name">
        <label for="pj-camera" data-i18n="prejoin.camera"></label>
        <select id="pj-camera" name="camera"></select>
        <label for="pj-mic" data-i18n="prejoin.mic"></label>
        <select id="pj-mic" name="mic"></select>
        <label for="pj-level" data-i18n="prejoin.level"></label>
        <meter id="pj-level" min="0" max="1" low="0.05" high="0.8" optimum="0.4" value="0"></meter>
        <p class="prejoin-error" role="alert" hidden></p>
        <button type="submit" class="primary" aria-describedby="pj-status" data-i18n="prejoin.join"></button>
        <p id="pj-status" class="muted" role="status"></p>
      </div>`;
    this.video = /** @type {HTMLVideoElement} */ (this.form.querySelector('video'));
    this.nameInput = /** @type {HTMLInputElement} */ (this.form.querySelector('#pj-name'));
    this.camSelect = /** @type {HTMLSelectElement} */ (this.form.querySelector('#pj-camera'));
    this.micSelect = /** @type {HTMLSelectElement} */ (this.form.querySelector('#pj-mic'));
    this.level = /** @type {HTMLMeterElement} */ (this.form.querySelector('#pj-level'));
    this.errorEl = /** @type {HTMLElement} */ (this.form.querySelector('.prejoin-error'));
    this.submit = /** @type {HTMLButtonElement} */ (this.form.querySelector('button[type=submit]'));
    this.roomEl = /** @type {HTMLElement} */ (this.form.querySelector('.prejoin-room'));
    this.statusEl = /** @type {HTMLElement} */ (this.form.querySelector('#pj-status'));
  }

  connectedCallback() {
    if (this.form.isConnected) return;
    this.append(this.form);
    translatePage(this.form);
    this.nameInput.value = readName();
    this.form.addEventListener('submit', (ev) => { ev.preventDefault(); void this.join(); });
    this.camSelect.addEventListener('change', () => void this.capture());
    this.micSelect.addEventListener('change', () => void this.capture());
    document.addEventListener('govhub:lang', () => this.renderRoom());
    void this.capture();
  }

  /** @param {string} room */
  set room(room) {
    this.dataset.room = room;
    this.renderRoom();
  }

  renderRoom() {
    this.roomEl.textContent = t('prejoin.room', { room: this.dataset.room ?? '' });
    if (this.capturing) this.statusEl.textContent = t('prejoin.preparing');
  }

  /** @param {string} text */
  showError(text) {
    this.errorEl.textContent = text;
    this.errorEl.hidden = !text;
  }

  /** @param {boolean} busy */
  setBusy(busy) {
    this.submit.disabled = busy;
    this.submit.textContent = t(busy ? 'prejoin.joining' : 'prejoin.join');
  }

  /** Starts (again) the preview; the join button waits, disabled, until it is ready. */
  capture() {
    const run = this.captureNow().finally(() => {
      if (this.capturing !== run) return;
      this.capturing = null;
      this.setPreparing(false);
    });
    this.capturing = run;
    this.setPreparing(true);
    return run;
  }

  /** @param {boolean} preparing */
  setPreparing(preparing) {
    this.submit.disabled = preparing;
    this.toggleAttribute('data-preparing', preparing);
    this.statusEl.textContent = preparing ? t('prejoin.preparing') : '';
  }

  async captureNow() {
    stopStream(this.stream);
    this.stream = null;
    const { stream, error } = await getLocalMedia({ camera: this.camSelect.value, mic: this.micSelect.value });
    this.stream = stream;
    this.video.srcObject = stream;
    this.toggleAttribute('data-has-video', stream.getVideoTracks().length > 0);
    this.showError(error ? t(error === 'media_denied' ? 'err.media_denied' : 'err.media_missing') : '');
    this.meter.start(stream);
    await this.fillPickers(stream);
  }

  /** @param {MediaStream} stream */
  async fillPickers(stream) {
    const pairs = /** @type {const} */ ([[this.camSelect, 'videoinput', stream.getVideoTracks()[0]],
      [this.micSelect, 'audioinput', stream.getAudioTracks()[0]]]);
    for (const [select, kind, track] of pairs) {
      const devices = await listDevices(kind);
      const current = track?.getSettings().deviceId ?? select.value;
      select.replaceChildren(...devices.map((d, i) => {
        const label = d.label || `${t(kind === 'videoinput' ? 'prejoin.camera' : 'prejoin.mic')} ${i + 1}`;
        return new Option(label, d.deviceId, false, d.deviceId === current);
      }));
      select.disabled = devices.length === 0;
    }
  }

  async join() {
    const name = this.nameInput.value.trim();
    if (!name) {
      this.nameInput.focus();
      return;
    }
    // Never join with a preview still starting: its camera would not be published.
    while (this.capturing) await this.capturing.catch(() => {});
    saveName(name);
    this.meter.stop();
    const stream = this.stream ?? new MediaStream();
    /** @type {JoinDetail} */
    const detail = { name, stream };
    this.dispatchEvent(new CustomEvent('gh-join', { detail, bubbles: true }));
  }

  /** Called when joining failed: the preview goes on. */
  resume() {
    if (this.stream) this.meter.start(this.stream);
    this.setBusy(false);
  }
}

customElements.define('gh-prejoin', GhPrejoin);
