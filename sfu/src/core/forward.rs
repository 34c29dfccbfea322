//! Routing of incoming RTP to subscribers.
//!
//! A [`Track`] is one publisher m-line; a [`Subscription`] is one subscriber m-line bound to
//! a track. Per packet the core finds the track from the SSRC (cached in the publisher's
//! `rx_routes`), then for each subscriber decides whether the packet is on the layer it
//! forwards, rewrites sequence number and timestamp and maps the payload type by codec.
//! Then either the fast path (`fast`) builds, encrypts and queues the datagram and keeps it
//! for NACKs, or the packet is written to the subscriber's str0m send stream as nackable, so
//! str0m answers NACKs with RTX from that stream's history (before the subscriber's keys are
//! known, with the fast path off, and for the fast path's anchors).
//!
//! Allocation: the payload is str0m's `Arc<[u8]>`, shared by every subscriber and resend
//! history (one refcount each); the outgoing datagram is one allocation, made by the fast
//! path or by str0m.

use std::time::{Duration, Instant};

use str0m::format::{Codec, CodecConfig, PayloadParams};
use str0m::media::{MediaKind, Mid, Pt};
use str0m::rtp::{ExtensionValues, RtpPacket, RtpWrite, Ssrc, Vp8Patch};
use tracing::debug;

use super::fast::{self, FastState, OutStream, Outgoing};
use super::keyframe;
use super::layers::{self, LAYERS, LayerState};
use super::participant::RxRoute;
use super::{PKey, SfuCore, TKey};
use crate::api::{TrackId, TrackInfo};
use crate::media::codec::{self, VideoCodec};
use crate::media::keyframe::KeyframeThrottle;
use crate::media::layers::{LayerActivity, choose_layer};
use crate::media::rewrite::{
    PictureFormat, PictureIdRewriter, PictureNumbers, PicturePatch, Rewrite, SeqTsRewriter,
};
use crate::media::vp8;

/// Tile size assumed until the subscriber sends `video_size`: the top layer.
const DEFAULT_TILE: (u32, u32) = (1280, 720);

pub(crate) struct Track {
    pub info: TrackInfo,
    pub publisher: PKey,
    pub mid: Mid,
    pub kind: MediaKind,
    pub subscribers: Vec<(PKey, Mid)>,
    pub layers: [LayerState; LAYERS],
    pub activity: LayerActivity,
}

impl Track {
    pub fn new(info: TrackInfo, publisher: PKey, mid: Mid, kind: MediaKind, kf: Duration) -> Self {
        let layer = LayerState {
            keyframes: KeyframeThrottle::new(kf),
            ..LayerState::default()
        };
        Self {
            info,
            publisher,
            mid,
            kind,
            subscribers: Vec::new(),
            layers: [layer.clone(), layer.clone(), layer],
            activity: LayerActivity::new(),
        }
    }

    fn is_video(&self) -> bool {
        self.kind == MediaKind::Video
    }
}

/// One subscriber m-line and the track it currently carries.
pub(crate) struct Subscription {
    pub mid: Mid,
    pub track: Option<TKey>,
    /// Tile size from `video_size`; 0×0 pauses.
    pub size: (u32, u32),
    /// Keeps one continuous outgoing line over layer switches and track changes.
    pub rewriter: SeqTsRewriter,
    pub pictures: PictureIdRewriter,
    /// Incoming PT → outgoing PT, filled on first use of each codec.
    pub pt_map: Vec<(Pt, Option<Pt>)>,
    /// The m-line's payload types as the subscriber's latest offer lists them, once it has
    /// re-offered (str0m's `remote_pts` stay those of the first negotiation).
    pub offered_pts: Option<Vec<Pt>>,
    /// The m-line's send stream on the fast path, once it has sent there.
    pub out: Option<OutStream>,
}

impl Subscription {
    pub fn new(mid: Mid, kind: MediaKind, seed: u64) -> Self {
        let clock = if kind == MediaKind::Audio {
            48_000
        } else {
            90_000
        };
        // Random-looking starts (RFC 3550 §5.1), below 2^15 so the rollover counter stays 0.
        let start_seq = seed & 0x7fff;
        let start_ts = (seed >> 16) as u32;
        Self {
            mid,
            track: None,
            size: DEFAULT_TILE,
            rewriter: SeqTsRewriter::with_start(clock, start_seq, start_ts),
            pictures: PictureIdRewriter::new(),
            pt_map: Vec::new(),
            offered_pts: None,
            out: None,
        }
    }

    fn paused(&self) -> bool {
        self.size.0 == 0 || self.size.1 == 0
    }

    /// The layer this subscription waits for or forwards.
    pub fn layer(&self) -> Option<u8> {
        self.rewriter.pending().or(self.rewriter.current())
    }
}

/// What the core learnt about one incoming packet, shared by all its subscribers.
struct Inbound<'a> {
    packet: &'a RtpPacket,
    layer: u8,
    params: PayloadParams,
    /// First packet of a keyframe (always true for audio: any packet is a start).
    start: bool,
    /// VP8/VP9 PictureID and TL0PICIDX, kept continuous per subscriber.
    pictures: Option<PictureNumbers>,
}

/// Entry point for `Event::RtpPacket` from participant `key`.
pub(crate) fn on_rtp(core: &mut SfuCore, key: PKey, packet: RtpPacket, now: Instant) {
    core.stats.rtp_in += 1;
    let Some((route, params)) = rx_route(core, key, &packet) else {
        return;
    };
    let Some(track) = core.tracks[route.track].as_mut() else {
        return;
    };
    track.activity.on_packet(route.layer, now);
    let video = track.is_video();
    let ext = &packet.header.ext_vals;
    if let (false, Some(level)) = (video, ext.audio_level) {
        super::speaking::observe(core, key, level, ext.voice_activity, now);
    }
    let (start, pictures) = inspect(video, params, &packet.payload);
    if video && start {
        keyframe::on_keyframe(core, route.track, route.layer);
    }
    let inbound = Inbound {
        packet: &packet,
        layer: route.layer,
        params,
        start,
        pictures,
    };
    if forward_to_subscribers(core, route.track, &inbound, now) {
        keyframe::request(core, route.track, route.layer, now);
    }
}

/// (starts a keyframe, picture numbers) of a payload.
fn inspect(video: bool, params: PayloadParams, payload: &[u8]) -> (bool, Option<PictureNumbers>) {
    if !video {
        return (true, None);
    }
    match params.spec().codec {
        Codec::Vp8 => {
            let d = vp8::parse(payload).ok();
            (
                d.is_some_and(|d| d.is_keyframe),
                d.as_ref().map(PictureNumbers::of_vp8),
            )
        }
        Codec::Vp9 => (
            codec::is_keyframe(VideoCodec::Vp9, payload),
            PictureNumbers::of_vp9(payload),
        ),
        Codec::H264 => (codec::is_keyframe(VideoCodec::H264, payload), None),
        // Unknown payload format: every packet is a start rather than never forwarding.
        _ => (true, None),
    }
}

/// Writes the packet to every subscriber that takes its layer. Returns whether one of
/// them waits for a keyframe on this layer.
fn forward_to_subscribers(core: &mut SfuCore, tk: TKey, inb: &Inbound, now: Instant) -> bool {
    let SfuCore {
        participants,
        tracks,
        stats,
        dirty,
        fast_dirty,
        spare,
        ..
    } = core;
    let Some(track) = tracks[tk].as_ref() else {
        return false;
    };
    let mut want_keyframe = false;
    let video = track.is_video();
    let in_seq = *inb.packet.seq_no;
    let in_ts = u64::from(inb.packet.header.timestamp);
    for &(sk, smid) in &track.subscribers {
        let Some(sp) = participants[sk].as_mut() else {
            continue;
        };
        if matches!(sp.fast, FastState::Waiting) {
            sp.try_fast();
        }
        let Some(sub) = sp.subscriptions.iter_mut().find(|s| s.mid == smid) else {
            continue;
        };
        let rw = &mut sub.rewriter;
        let current = rw.current() == Some(inb.layer);
        if sp.ended || !(current || rw.pending() == Some(inb.layer)) {
            continue;
        }
        let (seq, ts) = match rw.rewrite(inb.layer, in_seq, in_ts, now, inb.start) {
            Rewrite::Forward { seq, ts } => (seq, ts),
            Rewrite::Drop => {
                // Waiting for a first keyframe (nothing flows yet), or a stale/duplicate
                // packet of the current layer: the subscriber misses it.
                if current || rw.current().is_none() {
                    stats.rtp_dropped += 1;
                }
                want_keyframe |= rw.pending() == Some(inb.layer);
                continue;
            }
        };
        let switched = rw.just_switched();
        let Some(pt) = out_pt(
            &mut sub.pt_map,
            sub.offered_pts.as_deref(),
            &sp.rtc,
            smid,
            inb.packet.header.payload_type,
            inb.params,
        ) else {
            stats.rtp_dropped += 1;
            continue;
        };
        let pictures = inb.pictures.and_then(|n| sub.pictures.patch(switched, &n));
        if let (FastState::Ready(f), Some(_)) = (&mut sp.fast, sp.path) {
            if sub.out.is_none() {
                sub.out = OutStream::new(&mut sp.rtc, smid, video);
            }
            let anchor = sub
                .out
                .as_mut()
                .is_none_or(|o| o.take_anchor(f, switched, now));
            let fast_out = sub.out.as_mut().filter(|_| !anchor);
            if let Some(out) = fast_out {
                let pkt = Outgoing {
                    pt,
                    seq,
                    ts,
                    marker: inb.packet.header.marker,
                    payload: &inb.packet.payload,
                    ext: &inb.packet.header.ext_vals,
                    pictures,
                };
                if fast::send(f, spare, out, &pkt, now) {
                    fast_dirty.push(sk);
                }
                stats.rtp_forwarded += 1;
                stats.rtp_fast += 1;
                continue;
            }
        }
        let mut api = sp.rtc.direct_api();
        let Some(tx) = api.stream_tx_by_mid(smid, None) else {
            stats.rtp_dropped += 1;
            continue;
        };
        tx.write_rtp(rtp_write(inb.packet, pt, seq, ts, pictures));
        stats.rtp_forwarded += 1;
        if !sp.dirty {
            sp.dirty = true;
            dirty.push(sk);
        }
    }
    want_keyframe
}

/// The outgoing packet: same payload (shared), new numbers, the extensions worth keeping.
/// New VP8 picture numbers go to str0m as a patch applied while serialising, so the shared
/// payload is not copied; VP9's are written into a copy (str0m has no such patch for it).
fn rtp_write(
    packet: &RtpPacket,
    pt: Pt,
    seq: u64,
    ts: u32,
    pictures: Option<PicturePatch>,
) -> RtpWrite {
    let ext = &packet.header.ext_vals;
    let exts = ExtensionValues {
        audio_level: ext.audio_level,
        voice_activity: ext.voice_activity,
        video_orientation: ext.video_orientation,
        ..Default::default()
    };
    let (payload, vp8) = match pictures {
        None => (packet.payload.clone(), None),
        Some(p) if p.format == PictureFormat::Vp8 => {
            (packet.payload.clone(), vp8_patch(p, &packet.payload))
        }
        Some(p) => {
            let mut copy = packet.payload.to_vec();
            p.apply(&mut copy);
            (copy.into(), None)
        }
    };
    let write = RtpWrite::new(pt, seq.into(), ts, packet.timestamp, payload)
        .marker(packet.header.marker)
        .ext_vals(exts)
        .nackable(true);
    match vp8 {
        Some(p) => write.vp8_patch(p),
        None => write,
    }
}

/// A VP8 [`PicturePatch`] as str0m's patch; `None` for a descriptor str0m rejects.
fn vp8_patch(p: PicturePatch, payload: &[u8]) -> Option<Vp8Patch> {
    let mut b = str0m::rtp::Vp8Descriptor::parse(payload).ok()?.patch();
    if let Some(pid) = p.picture_id {
        b = b.picture_id(pid);
    }
    if let Some(tl0) = p.tl0_pic_idx {
        b = b.tl0_pic_idx(tl0);
    }
    b.build().ok()
}

/// The subscriber's PT for the publisher's codec (they negotiate separately), among the
/// PTs negotiated on the subscriber's m-line `mid`: the hub's codec config lists every
/// codec it supports, so matching on it alone could pick one the subscriber never offered.
/// `None` when the m-line has no match: the subscriber cannot decode this codec. `offered`
/// narrows the negotiated PTs to those of the subscriber's latest offer.
fn out_pt(
    map: &mut Vec<(Pt, Option<Pt>)>,
    offered: Option<&[Pt]>,
    rtc: &str0m::Rtc,
    mid: Mid,
    in_pt: Pt,
    params: PayloadParams,
) -> Option<Pt> {
    if let Some((_, out)) = map.iter().find(|(p, _)| *p == in_pt) {
        return *out;
    }
    // Once per codec per subscription (cached in `map`), so the allocation is off the hot path.
    let negotiated = rtc.media(mid).map(|m| m.remote_pts()).unwrap_or_default();
    let candidates: Vec<PayloadParams> = rtc
        .codec_config()
        .params()
        .iter()
        .filter(|p| negotiated.contains(&p.pt()))
        .filter(|p| offered.is_none_or(|o| o.contains(&p.pt())))
        .copied()
        .collect();
    let out = CodecConfig::new_from_payload_params(candidates)
        .match_params(params)
        .map(|p| p.pt());
    if out.is_none() {
        debug!(%mid, codec = ?params.spec().codec, "subscriber did not negotiate the codec");
    }
    map.push((in_pt, out));
    out
}

/// The route and codec of an incoming packet, learning the SSRC on first sight.
fn rx_route(core: &mut SfuCore, key: PKey, packet: &RtpPacket) -> Option<(RxRoute, PayloadParams)> {
    let ssrc = packet.header.ssrc;
    let pt = packet.header.payload_type;
    let SfuCore {
        participants,
        tracks,
        ..
    } = core;
    let p = participants[key].as_mut()?;
    if let Some(r) = p.rx_routes.iter_mut().find(|r| r.ssrc == ssrc) {
        if r.pt != pt {
            r.params = *p.rtc.codec_config().find(|c| c.pt() == pt)?;
            r.pt = pt;
        }
        return Some((*r, r.params));
    }
    let params = *p.rtc.codec_config().find(|c| c.pt() == pt)?;
    let (mid, rid) = {
        let mut api = p.rtc.direct_api();
        let s = api.stream_rx(&ssrc)?;
        (s.mid(), s.rid())
    };
    let publication = p.publications.iter().find(|x| x.mid == mid)?;
    let layer = layers::layer_of(rid);
    let track = tracks[publication.track].as_mut()?;
    track.layers[layer as usize].rid = rid;
    let route = RxRoute {
        ssrc,
        track: publication.track,
        layer,
        pt,
        params,
    };
    p.rx_routes.push(route);
    debug!(participant = %p.id, %ssrc, %mid, ?rid, "incoming stream routed");
    Some((route, params))
}

/// A subscriber asked for a keyframe on its m-line `mid`.
pub(crate) fn on_keyframe_request(core: &mut SfuCore, key: PKey, mid: Mid, now: Instant) {
    let Some(p) = core.participants[key].as_ref() else {
        return;
    };
    let Some(sub) = p.subscriptions.iter().find(|s| s.mid == mid) else {
        return;
    };
    let (Some(tk), Some(layer)) = (sub.track, sub.layer()) else {
        return;
    };
    keyframe::request(core, tk, layer, now);
}

pub(crate) fn on_stream_paused(core: &mut SfuCore, key: PKey, ssrc: Ssrc, paused: bool) {
    let Some(p) = core.participants[key].as_ref() else {
        return;
    };
    let Some(route) = p.rx_routes.iter().find(|r| r.ssrc == ssrc).copied() else {
        return;
    };
    if let Some(track) = core.tracks[route.track].as_mut() {
        track.layers[route.layer as usize].paused = paused;
    }
}

/// Binds subscriber m-line `mid` of `key` to track `tk` (replacing what it carried).
pub(crate) fn subscribe(core: &mut SfuCore, key: PKey, mid: Mid, tk: TKey, now: Instant) {
    let Some(kind) = core.tracks[tk].as_ref().map(|t| t.kind) else {
        return;
    };
    let seed = core.config.seed ^ (key as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ mid_hash(mid);
    let p = core.participant_mut(key);
    let idx = match p.subscriptions.iter().position(|s| s.mid == mid) {
        Some(i) => i,
        None => {
            p.subscriptions.push(Subscription::new(mid, kind, seed));
            p.subscriptions.len() - 1
        }
    };
    if p.subscriptions[idx].track == Some(tk) {
        return;
    }
    unbind(core, key, mid);
    if let Some(track) = core.tracks[tk].as_mut() {
        track.subscribers.push((key, mid));
    }
    let sub = &mut core.participant_mut(key).subscriptions[idx];
    sub.track = Some(tk);
    sub.pt_map.clear();
    retarget(core, key, idx, now);
}

fn mid_hash(mid: Mid) -> u64 {
    mid.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

/// Re-chooses the layer of subscription `idx` from its tile size and the layers arriving;
/// a change waits for a keyframe, which is asked for at once.
fn retarget(core: &mut SfuCore, key: PKey, idx: usize, now: Instant) {
    let SfuCore {
        participants,
        tracks,
        ..
    } = core;
    let Some(p) = participants[key].as_mut() else {
        return;
    };
    let sub = &mut p.subscriptions[idx];
    let Some(tk) = sub.track else { return };
    let Some(track) = tracks[tk].as_ref() else {
        return;
    };
    let (infos, n) = layers::layer_infos(track.info.simulcast, &track.activity, &track.layers, now);
    let wanted = if sub.paused() {
        None
    } else {
        choose_layer(&infos[..n], sub.size.0, sub.size.1)
    };
    match wanted {
        None => sub.rewriter.pause(),
        Some(layer) if sub.layer() != Some(layer) => sub.rewriter.switch_to(layer),
        Some(_) => {}
    }
    let pending = sub.rewriter.pending();
    if let (Some(layer), true) = (pending, track.is_video()) {
        keyframe::request(core, tk, layer, now);
    }
}

/// After an offer of `key` was applied: what was learnt from its previous negotiation is
/// learnt again. A re-offer may take codecs off an m-line (`setCodecPreferences`) or give
/// its extensions other ids; the cached PT mappings, the fast path's extension ids and the
/// codec of each incoming payload type are then stale. `offered` is the offer's payload
/// types per mid (str0m keeps an m-line's first ones for good).
pub(crate) fn renegotiated(core: &mut SfuCore, key: PKey, offered: &[(Mid, Vec<Pt>)]) {
    let Some(p) = core.participants[key].as_mut() else {
        return;
    };
    for sub in &mut p.subscriptions {
        sub.pt_map.clear();
        if let Some((_, pts)) = offered.iter().find(|(m, _)| *m == sub.mid) {
            sub.offered_pts = Some(pts.clone());
        }
        if let Some(out) = sub.out.take() {
            sub.out = out.renegotiated(&mut p.rtc, sub.mid);
        }
    }
    for r in &mut p.rx_routes {
        if let Some(params) = p.rtc.codec_config().find(|c| c.pt() == r.pt) {
            r.params = *params;
        }
    }
}

/// Detaches whatever track subscriber m-line `mid` carries. Returns whether it carried one.
pub(crate) fn unbind(core: &mut SfuCore, key: PKey, mid: Mid) -> bool {
    let Some(p) = core.participants[key].as_mut() else {
        return false;
    };
    let Some(sub) = p.subscriptions.iter_mut().find(|s| s.mid == mid) else {
        return false;
    };
    let Some(tk) = sub.track.take() else {
        return false;
    };
    sub.rewriter.pause();
    if let Some(track) = core.tracks[tk].as_mut() {
        track.subscribers.retain(|&(k, m)| !(k == key && m == mid));
    }
    true
}

/// `Unsubscribe`: detaches the m-line that carries `track`.
pub(crate) fn unsubscribe(core: &mut SfuCore, key: PKey, track: &TrackId) -> bool {
    let Some(&tk) = core.track_ids.get(track) else {
        return false;
    };
    let p = core.participant_mut(key);
    let Some(mid) = p
        .subscriptions
        .iter()
        .find(|s| s.track == Some(tk))
        .map(|s| s.mid)
    else {
        return false;
    };
    unbind(core, key, mid)
}

/// `VideoSize`: remembers the tile size and re-chooses the layer (0×0 pauses).
pub(crate) fn set_video_size(
    core: &mut SfuCore,
    key: PKey,
    track: &TrackId,
    width: u32,
    height: u32,
    now: Instant,
) -> bool {
    let Some(&tk) = core.track_ids.get(track) else {
        return false;
    };
    let p = core.participant_mut(key);
    let Some(idx) = p.subscriptions.iter().position(|s| s.track == Some(tk)) else {
        return false;
    };
    p.subscriptions[idx].size = (width, height);
    retarget(core, key, idx, now);
    true
}

/// Removes a track: every subscriber's m-line goes idle.
pub(crate) fn remove_track(core: &mut SfuCore, tk: TKey) {
    let Some(track) = core.tracks[tk].take() else {
        return;
    };
    core.track_ids.remove(&track.info.track);
    for (sk, mid) in track.subscribers {
        let sub = core.participants[sk]
            .as_mut()
            .and_then(|sp| sp.subscriptions.iter_mut().find(|s| s.mid == mid));
        if let Some(sub) = sub {
            sub.track = None;
            sub.rewriter.pause();
        }
    }
    if let Some(p) = core.participants[track.publisher].as_mut() {
        p.publications.retain(|x| x.track != tk);
        p.rx_routes.retain(|r| r.track != tk);
    }
}

/// Everything `key` publishes stops; everything it subscribes to forgets it.
pub(crate) fn drop_participant_routes(core: &mut SfuCore, key: PKey) {
    let p = core.participant_mut(key);
    let published: Vec<TKey> = p.publications.iter().map(|x| x.track).collect();
    let mids: Vec<Mid> = p.subscriptions.iter().map(|s| s.mid).collect();
    for tk in published {
        remove_track(core, tk);
    }
    for mid in mids {
        unbind(core, key, mid);
    }
}

/// Periodic: follow layer availability; subscribers still waiting ask again (throttled).
pub(crate) fn tick(core: &mut SfuCore, now: Instant) {
    for key in 0..core.participants.len() {
        let n = match core.participants[key].as_ref() {
            Some(p) if !p.ended => p.subscriptions.len(),
            _ => continue,
        };
        for idx in 0..n {
            retarget(core, key, idx, now);
        }
    }
}
