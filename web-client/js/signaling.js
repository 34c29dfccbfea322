// The websocket to the hub: join, keepalive, and resume after an unexpected drop.
//
// The seat survives a websocket drop for `resume_grace_secs`; within that window this client
// reconnects with backoff and presents its resume token. The RTCPeerConnection is untouched
// meanwhile (media keeps flowing over UDP), so callers only learn the state changes.

import { PROTOCOL_VERSION } from './types.js';

/** @typedef {import('./types.js').ClientMessage} ClientMessage */
/** @typedef {import('./types.js').ServerMessage} ServerMessage */
/** @typedef {import('./types.js').JoinedMessage} JoinedMessage */
/** @typedef {import('./types.js').ResumedMessage} ResumedMessage */
/** @typedef {'idle' | 'open' | 'reconnecting' | 'lost' | 'closed'} LinkState */

const PING_INTERVAL_MS = 15_000;
const BACKOFF_MS = [250, 500, 1000, 2000];
/** Messages that still make sense after a resume; everything else is dropped while offline. */
const QUEUEABLE = new Set(['candidate', 'mute', 'video_size', 'chat', 'unpublish', 'unsubscribe']);

/** A failure the hub reported with a stable code. */
export class HubError extends Error {
  /** @param {string} code @param {string} message @param {boolean} fatal */
  constructor(code, message, fatal) {
    super(message);
    this.code = code;
    this.fatal = fatal;
  }
}

/** @returns {string} the same-origin websocket URL */
export function defaultSocketUrl() {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}/ws`;
}

export class Signaling {
  /**
   * @param {string} url
   * @param {{message: (m: ServerMessage) => void, state: (s: LinkState) => void,
   *   resumed: (m: ResumedMessage) => void}} handlers
   */
  constructor(url, handlers) {
    this.url = url;
    this.handlers = handlers;
    /** @type {WebSocket | null} */
    this.ws = null;
    /** @type {LinkState} */
    this.state = 'idle';
    /** @type {ClientMessage[]} */
    this.queue = [];
    /** @type {{participant: string, resume_token: string, grace_ms: number} | null} */
    this.seat = null;
    this.leaving = false;
    /** @type {ReturnType<typeof setInterval> | undefined} */
    this.pingTimer = undefined;
    this.pingId = 0;
  }

  /**
   * Opens the socket and takes a seat.
   * @param {string} room @param {string} token @param {string} name
   * @returns {Promise<JoinedMessage>}
   */
  async join(room, token, name) {
    const ws = await this.open();
    /** @type {ServerMessage} */
    let reply;
    try {
      reply = await this.request(ws, { type: 'join', v: PROTOCOL_VERSION, room, token, name }, 'joined');
    } catch (e) {
      ws.close();
      throw e;
    }
    const joined = /** @type {JoinedMessage} */ (reply);
    this.seat = {
      participant: joined.participant,
      resume_token: joined.resume_token,
      grace_ms: Math.max(1, joined.resume_grace_secs) * 1000,
    };
    this.attach(ws);
    return joined;
  }

  /** @param {ClientMessage} msg */
  send(msg) {
    if (this.ws && this.state === 'open' && this.ws.readyState === WebSocket.OPEN) {
      this.ws.send(JSON.stringify(msg));
    } else if (this.state === 'reconnecting' && QUEUEABLE.has(msg.type)) {
      this.queue.push(msg);
    }
  }

  /** Leaves for good: tells the hub, then closes without trying to resume. */
  leave() {
    this.send({ type: 'leave' });
    this.close();
  }

  close() {
    this.leaving = true;
    clearInterval(this.pingTimer);
    this.ws?.close(1000);
    this.ws = null;
    this.setState('closed');
  }

  /** @returns {Promise<WebSocket>} */
  open() {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(this.url);
      ws.onopen = () => resolve(ws);
      ws.onerror = () => reject(new HubError('connect_failed', 'websocket failed', true));
    });
  }

  /**
   * Sends `msg` on a fresh socket and waits for a reply of type `want` (or an error).
   * @param {WebSocket} ws @param {ClientMessage} msg @param {string} want
   * @returns {Promise<ServerMessage>}
   */
  request(ws, msg, want) {
    return new Promise((resolve, reject) => {
      ws.onmessage = (ev) => {
        const m = parse(ev.data);
        if (!m) return;
        if (m.type === want) resolve(m);
        else if (m.type === 'error') reject(new HubError(m.code, m.message, m.fatal));
      };
      ws.onclose = () => reject(new HubError('connect_failed', 'websocket closed', true));
      ws.send(JSON.stringify(msg));
    });
  }

  /** @param {WebSocket} ws */
  attach(ws) {
    this.ws = ws;
    ws.onmessage = (ev) => {
      const m = parse(ev.data);
      if (m) this.handlers.message(m);
    };
    ws.onclose = () => {
      if (this.ws === ws && !this.leaving) this.reconnect();
    };
    clearInterval(this.pingTimer);
    this.pingTimer = setInterval(() => this.send({ type: 'ping', id: ++this.pingId }), PING_INTERVAL_MS);
    this.setState('open');
    const queued = this.queue.splice(0);
    for (const msg of queued) this.send(msg);
  }

  /** Tries to take the seat back until the grace period runs out. */
  async reconnect() {
    const seat = this.seat;
    this.ws = null;
    clearInterval(this.pingTimer);
    if (!seat) return this.setState('lost');
    this.setState('reconnecting');
    const deadline = Date.now() + seat.grace_ms;
    for (let attempt = 0; !this.leaving && Date.now() < deadline; attempt++) {
      await sleep(BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)]);
      try {
        const ws = await this.open();
        const msg = { type: /** @type {const} */ ('resume'), participant: seat.participant, resume_token: seat.resume_token };
        const reply = await this.request(ws, msg, 'resumed').catch((e) => { ws.close(); throw e; });
        this.attach(ws);
        this.handlers.resumed(/** @type {ResumedMessage} */ (reply));
        return;
      } catch (e) {
        if (e instanceof HubError && e.code === 'resume_failed') break;
      }
    }
    if (!this.leaving) this.setState('lost');
  }

  /** @param {LinkState} s */
  setState(s) {
    if (this.state === s) return;
    this.state = s;
    this.handlers.state(s);
  }
}

/**
 * @param {unknown} data
 * @returns {ServerMessage | null}
 */
function parse(data) {
  if (typeof data !== 'string') return null;
  try {
    const m = JSON.parse(data);
    return m && typeof m.type === 'string' ? m : null;
  } catch {
    return null;
  }
}

/** @param {number} ms */
function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}
