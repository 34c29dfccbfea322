// <gh-tile>: one participant's (or one screen share's) video with name, mic state and
// speaking indicator. It reports the size it is shown at so the hub can pick a simulcast layer.

import { t } from './i18n/index.js';

/** Quiet period before a new size is reported; resizes come in bursts. */
const SIZE_DEBOUNCE_MS = 300;

export class GhTile extends HTMLElement {
  constructor() {
    super();
    /** @type {string} */
    this.displayName = '';
    this.isSelf = false;
    this.isScreen = false;
    /** The hub's id of the video track shown here (remote tiles only). */
    /** @type {string | null} */
    this.trackId = null;
    /** @type {((track: string, width: number, height: number) => void) | null} */
    this.onVideoSize = null;
    /** @type {string} */
    this.lastSize = '';
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.sizeTimer = undefined;
    this.video = document.createElement('video');
    this.video.autoplay = true;
    this.video.playsInline = true;
    this.video.muted = true;
    this.avatar = document.createElement('div');
    this.avatar.className = 'avatar';
    this.avatar.setAttribute('aria-hidden', 'true');
    this.label = document.createElement('div');
    this.label.className = 'tile-label';
    this.micIcon = document.createElement('span');
    this.micIcon.className = 'mic-state';
    this.micIcon.setAttribute('role', 'img');
    this.nameEl = document.createElement('span');
    this.nameEl.className = 'tile-name';
    this.label.append(this.micIcon, this.nameEl);
    this.observer = new ResizeObserver(() => this.scheduleSize());
    this.relabel = () => this.render();
  }

  connectedCallback() {
    if (!this.video.isConnected) this.append(this.video, this.avatar, this.label);
    this.classList.add('tile');
    this.setAttribute('role', 'group');
    this.observer.observe(this.video);
    document.addEventListener('govhub:lang', this.relabel);
    this.render();
  }

  disconnectedCallback() {
    this.observer.disconnect();
    document.removeEventListener('govhub:lang', this.relabel);
    clearTimeout(this.sizeTimer);
  }

  /**
   * @param {{name: string, self?: boolean, screen?: boolean, micMuted?: boolean,
   *   cameraMuted?: boolean, speaking?: boolean}} s
   */
  update(s) {
    this.displayName = s.name;
    this.isSelf = s.self ?? this.isSelf;
    this.isScreen = s.screen ?? this.isScreen;
    this.toggleAttribute('data-self', this.isSelf);
    this.toggleAttribute('data-screen', this.isScreen);
    if (s.micMuted !== undefined) this.toggleAttribute('data-mic-muted', s.micMuted);
    if (s.cameraMuted !== undefined && s.cameraMuted !== this.hasAttribute('data-camera-muted')) {
      this.toggleAttribute('data-camera-muted', s.cameraMuted);
      this.scheduleSize();
    }
    if (s.speaking !== undefined) this.toggleAttribute('data-speaking', s.speaking);
    this.render();
  }

  /** @param {boolean} active */
  setActive(active) {
    this.toggleAttribute('data-active-speaker', active);
  }

  /**
   * Shows `track` (or nothing); `trackId` is the hub's id for size reports.
   * @param {MediaStreamTrack | null} track @param {string | null} trackId
   */
  setVideo(track, trackId) {
    this.trackId = trackId;
    this.lastSize = '';
    const current = this.video.srcObject instanceof MediaStream ? this.video.srcObject.getVideoTracks()[0] : null;
    if (current !== track) this.video.srcObject = track ? new MediaStream([track]) : null;
    this.toggleAttribute('data-has-video', !!track);
    if (track) this.video.play().catch(() => {});
    this.scheduleSize();
  }

  /** @param {MediaStream} stream */
  setLocalStream(stream) {
    this.video.srcObject = stream;
    this.toggleAttribute('data-has-video', stream.getVideoTracks().length > 0);
    this.video.play().catch(() => {});
  }

  render() {
    const name = this.displayName;
    let label = name;
    if (this.isScreen) label = t('tile.screen', { name });
    else if (this.isSelf) label = t('tile.you', { name });
    this.nameEl.textContent = label;
    this.avatar.textContent = (name.trim()[0] ?? '?').toUpperCase();
    const muted = this.hasAttribute('data-mic-muted');
    this.micIcon.setAttribute('aria-label', t(muted ? 'tile.mic_muted' : 'tile.mic_on'));
    this.micIcon.hidden = this.isScreen;
    const speaking = this.hasAttribute('data-speaking') ? `, ${t('tile.speaking')}` : '';
    this.setAttribute('aria-label', label + speaking);
  }

  scheduleSize() {
    if (!this.trackId || !this.onVideoSize) return;
    clearTimeout(this.sizeTimer);
    this.sizeTimer = setTimeout(() => this.reportSize(), SIZE_DEBOUNCE_MS);
  }

  reportSize() {
    if (!this.trackId || !this.onVideoSize) return;
    const ratio = window.devicePixelRatio || 1;
    // A muted camera sends black frames: ask for nothing while it is off.
    const visible = this.video.isConnected && this.video.offsetParent !== null && !this.hasAttribute('data-camera-muted');
    const width = visible ? Math.round(this.video.clientWidth * ratio) : 0;
    const height = visible ? Math.round(this.video.clientHeight * ratio) : 0;
    const key = `${this.trackId}:${width}x${height}`;
    if (key === this.lastSize) return;
    this.lastSize = key;
    this.onVideoSize(this.trackId, width, height);
  }
}

customElements.define('gh-tile', GhTile);
