// The one RTCPeerConnection to the hub. The client always offers and the hub always answers
// (docs/architecture.md), so this file owns every SDP exchange: publishing adds send-only
// transceivers, subscribing adds receive-only ones, and offers go out one at a time.
//
// A receive-only transceiver whose track went away is made `inactive` and reused for the next
// subscription of the same kind, so m-lines do not pile up in long meetings.

/** @typedef {import('./types.js').TrackInfo} TrackInfo */
/** @typedef {import('./types.js').TrackSource} TrackSource */
/** @typedef {import('./types.js').ClientMessage} ClientMessage */
/** @typedef {import('./types.js').PublishSpec} PublishSpec */
/** @typedef {import('./types.js').SubscribeSpec} SubscribeSpec */

/** Camera simulcast layers: the hub picks one per subscriber from the size it shows. */
export const CAMERA_LAYERS = [
  { rid: 'q', scaleResolutionDownBy: 4, maxBitrate: 150_000 },
  { rid: 'h', scaleResolutionDownBy: 2, maxBitrate: 500_000 },
  { rid: 'f', scaleResolutionDownBy: 1, maxBitrate: 1_500_000 },
];

/** Offer failures in a row after which the client stops retrying and reports. */
const MAX_FAILURES = 3;

/**
 * @typedef {object} Publication
 * @property {RTCRtpTransceiver} tr
 * @property {string | null} id the hub's track id, known from the answer
 * @property {boolean} pending announced in the next offer
 */

/**
 * @typedef {object} Subscription
 * @property {TrackInfo} info
 * @property {RTCRtpTransceiver} tr
 * @property {boolean} pending announced in the next offer
 */

/**
 * @typedef {object} RtcHandlers
 * @property {(msg: ClientMessage) => void} send
 * @property {() => Promise<void>} ready resolves when an offer can be sent
 * @property {(info: TrackInfo, track: MediaStreamTrack) => void} remoteTrack
 * @property {(info: TrackInfo) => void} published one of my tracks got its id
 * @property {(code: string) => void} failed negotiation gave up
 */

export class Rtc {
  /** @param {RtcHandlers} handlers */
  constructor(handlers) {
    this.h = handlers;
    this.pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require' });
    /** @type {Map<TrackSource, Publication>} */
    this.pubs = new Map();
    /** @type {Map<string, Subscription>} */
    this.subs = new Map();
    this.dirty = false;
    this.running = false;
    this.failures = 0;
    /** @type {{resolve: (m: {sdp: string, published: TrackInfo[]}) => void, reject: (e: Error) => void} | null} */
    this.waiter = null;
    this.pc.onicecandidate = (ev) => {
      if (ev.candidate && ev.candidate.candidate) {
        this.h.send({ type: 'candidate', candidate: ev.candidate.candidate, mid: ev.candidate.sdpMid });
      }
    };
    this.pc.ontrack = (ev) => {
      const sub = [...this.subs.values()].find((s) => s.tr === ev.transceiver);
      if (sub) this.h.remoteTrack(sub.info, ev.track);
    };
  }

  /**
   * Publishes `track` as `source`; reuses the source's earlier (inactive) transceiver.
   * @param {TrackSource} source @param {MediaStreamTrack} track @param {MediaStream} stream
   */
  async publish(source, track, stream) {
    const old = this.pubs.get(source);
    if (old) {
      await old.tr.sender.replaceTrack(track);
      old.tr.direction = 'sendonly';
      old.pending = true;
    } else {
      /** @type {RTCRtpTransceiverInit} */
      const init = { direction: 'sendonly', streams: [stream] };
      if (source === 'camera') init.sendEncodings = CAMERA_LAYERS.map((l) => ({ ...l }));
      const tr = this.pc.addTransceiver(track, init);
      this.pubs.set(source, { tr, id: null, pending: true });
    }
    this.negotiate();
  }

  /**
   * Stops publishing `source`: tells the hub and makes the m-line inactive.
   * @param {TrackSource} source
   */
  async unpublish(source) {
    const pub = this.pubs.get(source);
    if (!pub) return;
    if (pub.id) this.h.send({ type: 'unpublish', track: pub.id });
    pub.id = null;
    pub.pending = false;
    pub.tr.direction = 'inactive';
    await pub.tr.sender.replaceTrack(null);
    this.negotiate();
  }

  /** @param {TrackSource} source @returns {string | null} */
  publishedId(source) {
    return this.pubs.get(source)?.id ?? null;
  }

  /** @param {TrackInfo} info */
  subscribe(info) {
    if (this.subs.has(info.track)) return;
    const used = new Set([...this.subs.values()].map((s) => s.tr));
    const free = this.pc.getTransceivers().find((tr) =>
      !used.has(tr) && tr.receiver.track.kind === info.kind && tr.direction === 'inactive'
      && tr.currentDirection === 'inactive' && ![...this.pubs.values()].some((p) => p.tr === tr));
    let tr;
    if (free) {
      free.direction = 'recvonly';
      tr = free;
    } else {
      tr = this.pc.addTransceiver(info.kind, { direction: 'recvonly' });
    }
    this.subs.set(info.track, { info, tr, pending: true });
    this.negotiate();
  }

  /**
   * The track is gone: park its m-line as inactive for reuse.
   * @param {string} track
   */
  dropSubscription(track) {
    const sub = this.subs.get(track);
    if (!sub) return;
    this.subs.delete(track);
    sub.tr.direction = 'inactive';
    this.negotiate();
  }

  /** @param {string} track @returns {TrackInfo | undefined} */
  subscription(track) {
    return this.subs.get(track)?.info;
  }

  /** Asks for an offer round; rounds run one at a time. */
  negotiate() {
    this.dirty = true;
    if (!this.running) void this.run();
  }

  /** @param {{sdp: string, published: TrackInfo[]}} msg */
  onAnswer(msg) {
    this.waiter?.resolve(msg);
  }

  /** The offer in flight will get no answer (websocket dropped, or the hub refused it). */
  /** @param {Error} err */
  abortOffer(err) {
    this.waiter?.reject(err);
  }

  async run() {
    this.running = true;
    try {
      while (this.dirty && this.pc.signalingState !== 'closed') {
        this.dirty = false;
        // An offer with no m-line is meaningless; nothing to send or receive yet.
        if (this.pc.getTransceivers().length === 0) break;
        await this.h.ready();
        try {
          await this.offerOnce();
          this.failures = 0;
        } catch (e) {
          await this.recover(e);
        }
      }
    } finally {
      this.running = false;
    }
  }

  async offerOnce() {
    const offer = await this.pc.createOffer();
    await this.pc.setLocalDescription(offer);
    /** @type {PublishSpec[]} */
    const publish = [];
    for (const [source, pub] of this.pubs) {
      if (pub.pending && pub.tr.mid) publish.push({ mid: pub.tr.mid, source });
    }
    /** @type {SubscribeSpec[]} */
    const subscribe = [];
    /** @type {Subscription[]} */
    const announced = [];
    for (const sub of this.subs.values()) {
      if (sub.pending && sub.tr.mid) {
        subscribe.push({ mid: sub.tr.mid, track: sub.info.track });
        announced.push(sub);
      }
    }
    const answered = new Promise((resolve, reject) => { this.waiter = { resolve, reject }; });
    const sdp = this.pc.localDescription?.sdp ?? offer.sdp ?? '';
    this.h.send({ type: 'offer', sdp, publish, subscribe });
    /** @type {{sdp: string, published: TrackInfo[]}} */
    const answer = await answered;
    this.waiter = null;
    await this.pc.setRemoteDescription({ type: 'answer', sdp: answer.sdp });
    for (const pub of this.pubs.values()) if (publish.some((p) => p.mid === pub.tr.mid)) pub.pending = false;
    for (const info of answer.published) {
      const pub = this.pubs.get(info.source);
      if (pub) pub.id = info.track;
      this.h.published(info);
    }
    for (const sub of announced) {
      sub.pending = false;
      if (this.subs.get(sub.info.track) === sub) this.h.remoteTrack(sub.info, sub.tr.receiver.track);
    }
  }

  /** @param {unknown} e */
  async recover(e) {
    this.waiter = null;
    if (this.pc.signalingState === 'have-local-offer') {
      await this.pc.setLocalDescription({ type: 'rollback' }).catch(() => {});
    }
    if (this.pc.signalingState === 'closed') return;
    this.failures++;
    const code = e instanceof Error && 'code' in e ? String(e.code) : 'negotiation_failed';
    if (code === 'connect_failed') this.failures--; // a dropped socket is not the offer's fault
    if (this.failures >= MAX_FAILURES) {
      this.h.failed(code);
      return;
    }
    await new Promise((r) => setTimeout(r, 500 * this.failures));
    this.dirty = true;
  }

  /** @returns {Promise<object[]>} every stats report as a plain object */
  async stats() {
    const out = [];
    const report = await this.pc.getStats();
    for (const s of report.values()) out.push({ ...s });
    return out;
  }

  close() {
    this.waiter?.reject(new Error('closed'));
    this.pc.close();
  }
}
