// One meeting from join to leave: the room's participants and tracks, their tiles, and what
// each hub message does to them. Media goes through rtc.js, the websocket through
// signaling.js, the page shell through view.js.

import { Rtc } from './rtc.js';
import { Signaling, HubError, defaultSocketUrl } from './signaling.js';
import { GhTile } from './tile.js';
import { t } from './i18n/index.js';
import { byId, showError, showLinkState, showEnded, showCount, showView } from './view.js';
import { stopStream } from './media.js';

/** @typedef {import('./types.js').ServerMessage} ServerMessage */
/** @typedef {import('./types.js').ParticipantInfo} ParticipantInfo */
/** @typedef {import('./types.js').TrackInfo} TrackInfo */
/** @typedef {import('./types.js').JoinedMessage} JoinedMessage */
/** @typedef {import('./types.js').ResumedMessage} ResumedMessage */
/** @typedef {'joining' | 'joined' | 'left' | 'lost' | 'failed'} Phase */

export class Room {
  /** @param {string} room @param {MediaStream} stream local camera and microphone */
  constructor(room, stream) {
    this.room = room;
    this.stream = stream;
    /** @type {MediaStream | null} */
    this.screen = null;
    /** @type {Phase} */
    this.phase = 'joining';
    this.me = '';
    this.myName = '';
    this.devMode = false;
    /** @type {Map<string, {info: ParticipantInfo, tile: GhTile}>} */
    this.people = new Map();
    /** @type {Map<string, TrackInfo>} */
    this.tracks = new Map();
    /** @type {Map<string, GhTile>} screen shares on the stage, by track id ('self' for mine) */
    this.stageTiles = new Map();
    /** @type {Map<string, HTMLAudioElement>} */
    this.audio = new Map();
    /** @type {(() => void)[]} */
    this.waitingForLink = [];
    /** @type {((room: Room) => void) | null} */
    this.onChange = null;
    /** @type {((m: {name: string, text: string, sent_at_ms: number, mine: boolean}) => void) | null} */
    this.onChat = null;
    this.selfTile = new GhTile();
    this.signaling = new Signaling(defaultSocketUrl(), {
      message: (m) => this.handle(m),
      state: (s) => this.linkState(s),
      resumed: (m) => this.resumed(m),
    });
    this.rtc = this.makeRtc();
  }

  makeRtc() {
    return new Rtc({
      send: (m) => this.signaling.send(m),
      ready: () => this.linkReady(),
      remoteTrack: (info, track) => this.showTrack(info, track),
      published: () => this.changed(),
      failed: (code) => showError(code),
    });
  }

  /** @param {string} token @param {string} name */
  async join(token, name) {
    const joined = await this.signaling.join(this.room, token, name);
    this.start(joined);
  }

  /** @param {JoinedMessage} joined */
  start(joined) {
    this.me = joined.participant;
    this.myName = joined.name;
    this.devMode = joined.dev_mode;
    this.phase = 'joined';
    byId('dev-banner').hidden = !joined.dev_mode;
    this.selfTile.update({ name: joined.name, self: true, micMuted: !this.liveTrack('audio'), cameraMuted: !this.liveTrack('video') });
    this.selfTile.setLocalStream(this.stream);
    byId('tiles').append(this.selfTile);
    showView('meeting');
    for (const p of joined.participants) this.upsertPerson(p);
    for (const info of joined.tracks) this.addTrack(info);
    this.publishLocal();
    this.changed();
  }

  /** Publishes camera and microphone (and the screen when sharing) on the current Rtc. */
  publishLocal() {
    const mic = this.stream.getAudioTracks()[0];
    const cam = this.stream.getVideoTracks()[0];
    if (mic) void this.rtc.publish('microphone', mic, this.stream);
    if (cam) void this.rtc.publish('camera', cam, this.stream);
    const screen = this.screen?.getVideoTracks()[0];
    if (this.screen && screen) void this.rtc.publish('screen', screen, this.screen);
  }

  /**
   * My media transport died while the websocket stayed up; the hub unpublished my tracks and
   * made me a fresh media peer. Start over with a new RTCPeerConnection: publish and
   * subscribe anew (the seat, the tiles and the room lists stay).
   */
  mediaEnded() {
    const old = this.rtc;
    this.rtc = this.makeRtc();
    old.close();
    for (const { tile } of this.people.values()) tile.setVideo(null, null);
    for (const [id, tile] of [...this.stageTiles]) {
      if (id === 'self') continue;
      tile.remove();
      this.stageTiles.delete(id);
    }
    this.layoutStage();
    for (const el of this.audio.values()) el.remove();
    this.audio.clear();
    for (const info of this.tracks.values()) this.rtc.subscribe(info);
    this.publishLocal();
    this.changed();
  }

  /** @param {'audio' | 'video'} kind */
  liveTrack(kind) {
    const track = kind === 'audio' ? this.stream.getAudioTracks()[0] : this.stream.getVideoTracks()[0];
    return track && track.enabled && track.readyState === 'live' ? track : null;
  }

  /** @param {ServerMessage} m */
  handle(m) {
    switch (m.type) {
      case 'answer': return this.rtc.onAnswer(m);
      case 'participant_joined':
      case 'participant_updated': return this.upsertPerson(m.participant);
      case 'participant_left': return this.removePerson(m.participant);
      case 'track_published': return this.addTrack(m.track);
      case 'track_unpublished': return this.removeTrack(m.track);
      case 'active_speaker': return this.setActiveSpeaker(m.participant);
      case 'chat': return this.onChat?.({ name: m.name, text: m.text, sent_at_ms: m.sent_at_ms, mine: m.participant === this.me });
      case 'media_ended': return this.mediaEnded();
      case 'error': return this.hubError(m.code, m.message, m.fatal, m.in_reply_to);
      default: return undefined;
    }
  }

  /**
   * @param {string} code @param {string} message @param {boolean} fatal
   * @param {string} [inReplyTo] the type of our message the hub refused
   */
  hubError(code, message, fatal, inReplyTo) {
    const err = new HubError(code, message, fatal);
    // A refused offer gets no answer: give it up now so the next one starts clean.
    if (inReplyTo === 'offer') this.rtc.abortOffer(err);
    if (code === 'unknown_track') return; // a track that just went away is no news to the user
    if (fatal) this.end('failed', 'ended.failed_title', `err.${code}`);
    else showError(code);
  }

  /** @param {ParticipantInfo} p */
  upsertPerson(p) {
    if (p.participant === this.me) {
      this.selfTile.update({ name: this.myName, speaking: p.speaking });
      return;
    }
    let entry = this.people.get(p.participant);
    if (!entry) {
      const tile = new GhTile();
      tile.onVideoSize = (track, width, height) => this.signaling.send({ type: 'video_size', track, width, height });
      tile.dataset.participant = p.participant;
      byId('tiles').append(tile);
      entry = { info: p, tile };
      this.people.set(p.participant, entry);
    }
    entry.info = p;
    entry.tile.update({ name: p.name, micMuted: p.mic_muted, cameraMuted: p.camera_muted, speaking: p.speaking });
    for (const tile of this.stageTiles.values()) {
      if (tile.dataset.participant === p.participant) tile.update({ name: p.name });
    }
    this.changed();
  }

  /** @param {string} id */
  removePerson(id) {
    const entry = this.people.get(id);
    for (const info of [...this.tracks.values()]) if (info.participant === id) this.removeTrack(info.track);
    if (!entry) return;
    entry.tile.remove();
    this.people.delete(id);
    this.changed();
  }

  /** @param {TrackInfo} info */
  addTrack(info) {
    if (info.participant === this.me || this.tracks.has(info.track)) return;
    this.tracks.set(info.track, info);
    this.rtc.subscribe(info);
  }

  /** @param {string} id */
  removeTrack(id) {
    const info = this.tracks.get(id);
    if (!info) return;
    this.tracks.delete(id);
    this.rtc.dropSubscription(id);
    if (info.kind === 'audio') {
      this.audio.get(id)?.remove();
      this.audio.delete(id);
    } else if (info.source === 'screen') {
      this.stageTiles.get(id)?.remove();
      this.stageTiles.delete(id);
      this.layoutStage();
    } else {
      const tile = this.people.get(info.participant)?.tile;
      if (tile?.trackId === id) tile.setVideo(null, null);
    }
    this.changed();
  }

  /** A subscribed track's media arrived: put it where it belongs. */
  /** @param {TrackInfo} info @param {MediaStreamTrack} track */
  showTrack(info, track) {
    if (!this.tracks.has(info.track)) return;
    if (info.kind === 'audio') return this.playAudio(info.track, track);
    if (info.source === 'screen') {
      let tile = this.stageTiles.get(info.track);
      if (!tile) {
        tile = new GhTile();
        tile.dataset.participant = info.participant;
        tile.onVideoSize = (id, width, height) => this.signaling.send({ type: 'video_size', track: id, width, height });
        tile.update({ name: this.people.get(info.participant)?.info.name ?? '', screen: true });
        this.stageTiles.set(info.track, tile);
        byId('stage').append(tile);
        this.layoutStage();
      }
      tile.setVideo(track, info.track);
      return;
    }
    this.people.get(info.participant)?.tile.setVideo(track, info.track);
  }

  /** @param {string} id @param {MediaStreamTrack} track */
  playAudio(id, track) {
    let el = this.audio.get(id);
    if (!el) {
      el = document.createElement('audio');
      el.autoplay = true;
      this.audio.set(id, el);
      byId('audio-sink').append(el);
    }
    const current = el.srcObject instanceof MediaStream ? el.srcObject.getAudioTracks()[0] : null;
    if (current === track) return;
    el.srcObject = new MediaStream([track]);
    // Autoplay with sound needs a user gesture; kiosk joins (autojoin) may not have had one.
    el.play().catch((e) => {
      if (e instanceof DOMException && e.name === 'NotAllowedError') byId('sound-button').hidden = false;
    });
  }

  resumeAudio() {
    for (const el of this.audio.values()) void el.play().catch(() => {});
    byId('sound-button').hidden = true;
  }

  /** @param {string} id */
  setActiveSpeaker(id) {
    this.selfTile.setActive(id === this.me);
    for (const [pid, entry] of this.people) entry.tile.setActive(pid === id);
  }

  layoutStage() {
    const on = this.stageTiles.size > 0;
    byId('stage').hidden = !on;
    byId('meeting-view').toggleAttribute('data-stage', on);
  }

  /** @param {import('./signaling.js').LinkState} state */
  linkState(state) {
    showLinkState(state);
    if (state === 'reconnecting') this.rtc.abortOffer(new HubError('connect_failed', 'websocket dropped', false));
    if (state === 'open') for (const resolve of this.waitingForLink.splice(0)) resolve();
    if (state === 'lost' && this.phase === 'joined') this.end('lost', 'ended.lost_title', 'ended.lost_text');
    this.changed();
  }

  /** @returns {Promise<void>} */
  linkReady() {
    if (this.signaling.state === 'open') return Promise.resolve();
    return new Promise((resolve) => this.waitingForLink.push(resolve));
  }

  /** The seat is back: bring the room in line with the hub's lists. */
  /** @param {ResumedMessage} m */
  resumed(m) {
    const present = new Set(m.participants.map((p) => p.participant));
    for (const id of [...this.people.keys()]) if (!present.has(id)) this.removePerson(id);
    for (const p of m.participants) this.upsertPerson(p);
    const live = new Set(m.tracks.map((tr) => tr.track));
    for (const id of [...this.tracks.keys()]) if (!live.has(id)) this.removeTrack(id);
    for (const info of m.tracks) this.addTrack(info);
    this.rtc.negotiate();
  }

  /** @param {'microphone' | 'camera'} source */
  toggleMute(source) {
    const track = source === 'microphone' ? this.stream.getAudioTracks()[0] : this.stream.getVideoTracks()[0];
    if (!track) return false;
    track.enabled = !track.enabled;
    this.signaling.send({ type: 'mute', source, muted: !track.enabled });
    this.selfTile.update(source === 'microphone'
      ? { name: this.myName, micMuted: !track.enabled }
      : { name: this.myName, cameraMuted: !track.enabled });
    this.changed();
    return track.enabled;
  }

  /** Starts sharing the screen (needs the user's click: getDisplayMedia wants a gesture). */
  async startShare() {
    const screen = await navigator.mediaDevices.getDisplayMedia({ video: { frameRate: { ideal: 15 } }, audio: false });
    const track = screen.getVideoTracks()[0];
    this.screen = screen;
    track.addEventListener('ended', () => void this.stopShare());
    const tile = new GhTile();
    tile.update({ name: this.myName, screen: true, self: true });
    tile.setLocalStream(screen);
    this.stageTiles.set('self', tile);
    byId('stage').append(tile);
    this.layoutStage();
    await this.rtc.publish('screen', track, screen);
    this.changed();
  }

  async stopShare() {
    if (!this.screen) return;
    const screen = this.screen;
    this.screen = null;
    stopStream(screen);
    this.stageTiles.get('self')?.remove();
    this.stageTiles.delete('self');
    this.layoutStage();
    await this.rtc.unpublish('screen');
    this.changed();
  }

  /** @param {string} text */
  sendChat(text) {
    this.signaling.send({ type: 'chat', text });
  }

  leave() {
    if (this.phase !== 'joined') return;
    this.signaling.leave();
    this.end('left', 'ended.left_title');
  }

  /** @param {Phase} phase @param {string} titleKey @param {string} [textKey] */
  end(phase, titleKey, textKey) {
    this.phase = phase;
    this.signaling.close();
    this.rtc.close();
    stopStream(this.stream);
    stopStream(this.screen);
    showEnded(titleKey, textKey);
    for (const { tile } of this.people.values()) tile.remove();
    this.people.clear();
    this.changed();
  }

  /** Drops the connections of a room that never got a seat (the local stream stays). */
  dispose() {
    this.signaling.close();
    this.rtc.close();
  }

  /** Everyone in the room, me included. */
  count() {
    return this.people.size + (this.phase === 'joined' ? 1 : 0);
  }

  changed() {
    showCount(this.count());
    const tiles = this.people.size + 1;
    byId('tiles').dataset.count = tiles > 9 ? 'many' : String(tiles);
    this.onChange?.(this);
  }

  /** A read-only snapshot for tests and support. */
  snapshot() {
    return {
      phase: this.phase,
      room: this.room,
      participant: this.me,
      name: this.myName,
      devMode: this.devMode,
      link: this.signaling.state,
      participants: this.count(),
      sharing: this.screen !== null,
      tracks: [...this.tracks.values()].map((x) => ({ ...x })),
      published: /** @type {const} */ (['microphone', 'camera', 'screen']).map((s) => ({ source: s, track: this.rtc.publishedId(s) })),
      stage: this.stageTiles.size,
    };
  }
}

/** @param {Room} room */
export function peopleRows(room) {
  const self = {
    id: room.me, name: room.myName, self: true,
    micMuted: !room.liveTrack('audio'), cameraMuted: !room.liveTrack('video'),
    speaking: room.selfTile.hasAttribute('data-speaking'),
  };
  const others = [...room.people.values()].map(({ info }) => ({
    id: info.participant, name: info.name, self: false,
    micMuted: info.mic_muted, cameraMuted: info.camera_muted, speaking: info.speaking,
  }));
  others.sort((a, b) => a.name.localeCompare(b.name, t('locale')));
  return [self, ...others];
}
