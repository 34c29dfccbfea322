// Entry point of meeting.html (/m/<room>): pre-join screen or kiosk autojoin, join token,
// then a Room. Also wires the control bar and exposes a read-only debug hook for tests.
//
// URL: /m/<room>?token=<jwt>&name=<display name>&title=<meeting title>&autojoin=1 (every
// parameter optional). A workspace meeting passes its title: the page is headed by it, not by
// the room's random name.

import { t, translatePage, wireLangToggle } from './i18n/index.js';
import { Room, peopleRows } from './room.js';
import { HubError } from './signaling.js';
import { getLocalMedia, stopStream } from './media.js';
import { GhPrejoin } from './prejoin.js';
import { saveName } from './prefs.js';
import './panels.js';
import {
  byId, showView, showError, showEnded, errorText, wireErrorBox, setToggle, relabelToggles, togglePanel, showCount,
} from './view.js';

/** @typedef {import('./panels.js').GhChat} GhChat */
/** @typedef {import('./panels.js').GhPeople} GhPeople */

const params = new URLSearchParams(location.search);
const roomName = roomFromPath(location.pathname);
/** What the page is headed by: the meeting's title when given, else the room name. */
const heading = params.get('title')?.trim().slice(0, 200) || roomName;
/** @type {Room | null} */
let current = null;

/** @param {string} path */
function roomFromPath(path) {
  const m = /^\/m\/([^/]+)\/?$/.exec(path);
  try {
    return m ? decodeURIComponent(m[1]) : '';
  } catch {
    return '';
  }
}

/** A guest link's secret (/m/<room>#guest=<secret>), kept in the fragment so no server sees it. */
const guestSecret = new URLSearchParams(location.hash.slice(1)).get('guest');

/**
 * A guest's join token, from the guest link's secret and the name they chose.
 * @param {string} secret @param {string} name
 */
async function guestToken(secret, name) {
  let res;
  try {
    res = await fetch('/api/v1/guest/join', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ secret, name }),
    });
  } catch {
    throw new HubError('connect_failed', 'guest join failed', true);
  }
  const body = await res.json().catch(() => ({}));
  if (!res.ok) {
    const code = ['guest_link_not_found', 'guest_link_expired', 'guest_link_revoked', 'meeting_cancelled'].includes(body.code) ? body.code : 'guest_link_failed';
    throw new HubError(code, `HTTP ${res.status}`, true);
  }
  if (typeof body.token !== 'string') throw new HubError('token_failed', 'no token', true);
  return body.token;
}

/**
 * A join token: the one in the URL, a guest link's, or a development token from the hub.
 * @param {string} room @param {string} name
 */
async function joinToken(room, name) {
  const fromUrl = params.get('token');
  if (fromUrl) return fromUrl;
  if (guestSecret) return guestToken(guestSecret, name);
  let res;
  try {
    res = await fetch('/api/v1/dev/tokens', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ room, name }),
    });
  } catch {
    throw new HubError('connect_failed', 'token request failed', true);
  }
  if (res.status === 404) throw new HubError('need_token', 'not in development mode', true);
  if (res.status === 400) throw new HubError('invalid_room', 'the hub refused the room name', true);
  if (!res.ok) throw new HubError('token_failed', `HTTP ${res.status}`, true);
  const body = await res.json();
  if (typeof body.token !== 'string') throw new HubError('token_failed', 'no token', true);
  return body.token;
}

/** @param {string} name @param {MediaStream} stream */
async function join(name, stream) {
  const room = new Room(roomName, stream);
  current = room;
  const chat = /** @type {GhChat} */ (byId('chat'));
  const people = /** @type {GhPeople} */ (byId('people'));
  room.onChat = (m) => {
    chat.add(m);
    if (byId('chat-panel').hidden && !m.mine) byId('btn-chat').setAttribute('data-unread', '');
  };
  chat.onSend = (text) => room.sendChat(text);
  room.onChange = (r) => { people.people = peopleRows(r); };
  try {
    await room.join(await joinToken(roomName, name), name);
  } catch (e) {
    room.dispose();
    throw e;
  }
  setToggle('btn-mic', !!room.liveTrack('audio'), 'controls.mic_off', 'controls.mic_on');
  setToggle('btn-cam', !!room.liveTrack('video'), 'controls.cam_off', 'controls.cam_on');
  byId('btn-mic').toggleAttribute('disabled', room.stream.getAudioTracks().length === 0);
  byId('btn-cam').toggleAttribute('disabled', room.stream.getVideoTracks().length === 0);
}

function wireControls() {
  byId('btn-mic').addEventListener('click', () => {
    if (current) setToggle('btn-mic', current.toggleMute('microphone'), 'controls.mic_off', 'controls.mic_on');
  });
  byId('btn-cam').addEventListener('click', () => {
    if (current) setToggle('btn-cam', current.toggleMute('camera'), 'controls.cam_off', 'controls.cam_on');
  });
  byId('btn-share').addEventListener('click', () => void toggleShare());
  byId('btn-chat').addEventListener('click', () => togglePanel('chat'));
  byId('btn-people').addEventListener('click', () => togglePanel('people'));
  for (const button of document.querySelectorAll('[data-close-panel]')) {
    const which = button.getAttribute('data-close-panel') === 'chat' ? 'chat' : 'people';
    button.addEventListener('click', () => togglePanel(which, false));
  }
  byId('btn-leave').addEventListener('click', () => current?.leave());
  // Closing the tab or navigating away is leaving: say so, so the others' tiles go at once
  // instead of after the resume grace. (The hub also treats close code 1001 as leaving.)
  window.addEventListener('pagehide', () => current?.leave());
  byId('sound-button').addEventListener('click', () => current?.resumeAudio());
  byId('rejoin').addEventListener('click', () => location.reload());
  document.addEventListener('keydown', (ev) => {
    if (ev.key !== 'Escape') return;
    if (!byId('chat-panel').hidden) togglePanel('chat', false);
    else if (!byId('people-panel').hidden) togglePanel('people', false);
  });
  setToggle('btn-share', false, 'controls.share_stop', 'controls.share_start');
  setToggle('btn-chat', false, 'controls.chat', 'controls.chat');
  setToggle('btn-people', false, 'controls.people', 'controls.people');
}

async function toggleShare() {
  if (!current) return;
  try {
    if (current.screen) await current.stopShare();
    else await current.startShare();
  } catch (e) {
    if (!(e instanceof DOMException && e.name === 'NotAllowedError')) showError('share_failed');
  }
  setToggle('btn-share', !!current.screen, 'controls.share_stop', 'controls.share_start');
}

/** @param {unknown} e */
function codeOf(e) {
  return e instanceof HubError ? e.code : 'internal';
}

/** Kiosk / room system: no pre-join screen, join at once with the given name. */
/** @param {string} name */
async function autojoin(name) {
  showView('meeting');
  const { stream } = await getLocalMedia();
  try {
    await join(name, stream);
  } catch (e) {
    stopStream(stream);
    showEnded('ended.failed_title', `err.${codeOf(e)}`);
  }
}

function prejoin() {
  showView('prejoin');
  const el = new GhPrejoin();
  el.room = heading;
  byId('prejoin-slot').append(el);
  el.addEventListener('gh-join', (ev) => {
    const { name, stream } = /** @type {CustomEvent<import('./prejoin.js').JoinDetail>} */ (ev).detail;
    el.setBusy(true);
    el.showError('');
    join(name, stream).catch((e) => {
      current = null;
      const code = codeOf(e);
      el.showError(errorText(code));
      el.resume();
    });
  });
}

function exposeDebugHook() {
  const hook = {
    get pc() { return current?.rtc.pc ?? null; },
    get state() { return current ? current.snapshot() : { phase: 'prejoin', participants: 0 }; },
    stats: async () => (current ? current.rtc.stats() : []),
  };
  Object.defineProperty(window, 'govhubDebug', { value: Object.freeze(hook), enumerable: false });
}

function main() {
  translatePage();
  wireLangToggle(byId('lang-toggle'));
  document.addEventListener('govhub:lang', () => {
    relabelToggles();
    if (current) showCount(current.count());
    document.title = t('meeting.title', { room: heading });
  });
  document.title = t('meeting.title', { room: heading });
  byId('room-title').textContent = heading;
  wireErrorBox();
  wireControls();
  exposeDebugHook();
  if (!roomName) {
    showView('prejoin');
    showError('no_room', true);
    return;
  }
  const name = params.get('name')?.trim();
  if (name && params.get('autojoin') === '1') {
    saveName(name);
    void autojoin(name);
  } else {
    if (name) saveName(name);
    prejoin();
  }
}

main();
