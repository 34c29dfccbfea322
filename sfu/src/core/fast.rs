//! The forwarding fast path: subscriber RTP built, encrypted and queued by the core itself.
//!
//! Through str0m, every forwarded packet is copied into the subscriber's `Rtc`, queued,
//! stamped by a timeout pass over all its streams, pulled through the pacer, copied again
//! and encrypted: about 6.5 µs of the hub's 11 µs per forwarded packet (docs/benchmarks.md).
//! Here the core writes the RTP header itself (SSRC, rewritten sequence number and
//! timestamp, the header extensions it keeps), copies the payload once (patching VP8 or
//! VP9 PictureID/TL0PICIDX on the way), encrypts in place with the subscriber's SRTP keys
//! (taken from its DTLS handshake, see `keys`) and queues the datagram in the subscriber's
//! outbox, which the core empties into its transmits once per batch, so a subscriber's
//! packets still leave back to back (GSO trains).
//!
//! str0m keeps everything else: ICE, DTLS, RTCP, keyframe requests, negotiation. Two things
//! it did for these streams are done here or fed to it:
//! - **Resends.** Every sent video packet is remembered in a small ring per stream: its
//!   header fields and the publisher's payload (str0m's `Arc` of the incoming packet,
//!   shared by all subscribers), so the rings cost ~64 bytes a packet and not a copy. The
//!   subscriber's SRTCP is decrypted here too, and each generic NACK (RFC 4585 §6.2.1) for a
//!   remembered packet rebuilds and re-encrypts it, within the same resend budget str0m
//!   applied (`CoreConfig::rtx_ratio_cap`): the same header, payload and index give the
//!   same bytes as the first time, so no keystream is ever used on other data.
//! - **Sender reports.** str0m's SR for a stream maps RTP time to wall-clock from the last
//!   packet *it* sent. So a stream's first packet, and then one about every
//!   [`ANCHOR_INTERVAL`] and after each layer switch, still goes through str0m (an
//!   *anchor*): its SRs stay right for lip sync. (Their packet and byte counts then count
//!   only those packets.) The core sends what str0m has for a subscriber before its
//!   outbox, so a stream anchors only when none of its packets waits in the outbox: its
//!   packets never leave out of order.
//!
//! A participant stays on str0m's path until its handshake has exported keys of a profile
//! implemented here (AES-CM-128-HMAC-SHA1-80, AEAD-AES-128-GCM, AEAD-AES-256-GCM) and str0m
//! has sent it a DTLS or SRTP datagram (which names the selected ICE pair), and always
//! when `CoreConfig::fast_path` is off.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use str0m::media::{Mid, Pt};
use str0m::rtp::{Extension, ExtensionValues, VideoOrientation};

use super::forward::Subscription;
use super::keys::KeySlot;
use super::spare::Spare;
use crate::media::rewrite::PicturePatch;
use crate::media::srtp::{self, SrtcpReceiver, SrtpSender};

/// How often a stream's packet goes through str0m to keep its sender reports right.
pub(crate) const ANCHOR_INTERVAL: Duration = Duration::from_millis(500);
/// The longest header `write_header` writes: 12 fixed bytes, 4 of extension header, mid
/// (1 + 16), audio level (2), video orientation (2), padding.
const MAX_HEADER: usize = 40;
/// Video packets remembered per stream for resends.
const HISTORY_SLOTS: usize = 256;
/// Older packets are not resent: the subscriber has given up on them.
const HISTORY_AGE: Duration = Duration::from_secs(2);
/// The resend budget's window.
const BUDGET_WINDOW: Duration = Duration::from_secs(1);

/// Where a participant is on the way to the fast path.
pub(crate) enum FastState {
    /// Keys or the selected pair not known yet.
    Waiting,
    Ready(Box<FastSender>),
    /// Not for this participant (turned off, or a profile not implemented here).
    Off,
}

/// A subscriber's SRTP keys, its resend budget and its outbox.
pub(crate) struct FastSender {
    srtp: SrtpSender,
    rtcp_in: SrtcpReceiver,
    tag_len: usize,
    /// Encrypted datagrams to the subscriber, in order, until the core's next flush.
    pub outbox: Vec<Vec<u8>>,
    /// Counts the core's flushes of the outbox: a stream whose last fast packet was queued
    /// in the current `batch` is still in the outbox.
    pub batch: u64,
    budget: ResendBudget,
    scratch: Vec<u8>,
}

impl FastSender {
    /// From the handshake's export; `None` while there is none or for another profile.
    pub fn from_slot(slot: &KeySlot) -> Result<Option<Self>, ()> {
        let guard = slot.lock().map_err(|_| ())?;
        let Some(exported) = guard.as_ref() else {
            return Ok(None);
        };
        let profile = exported.fast_profile().ok_or(())?;
        let (srtp, rtcp_in) =
            srtp::from_keying_material(profile, &exported.material, exported.active).ok_or(())?;
        Ok(Some(Self {
            srtp,
            rtcp_in,
            tag_len: profile.rtp_overhead(),
            outbox: Vec::new(),
            batch: 0,
            budget: ResendBudget::default(),
            scratch: Vec::new(),
        }))
    }
}

/// The header extension ids negotiated on a subscriber m-line, for those the hub writes.
#[derive(Debug, Clone, Copy, Default)]
struct ExtIds {
    mid: Option<u8>,
    audio_level: Option<u8>,
    video_orientation: Option<u8>,
}

/// One subscriber m-line's send stream on the fast path.
pub(crate) struct OutStream {
    ssrc: u32,
    /// The m-line's mid as written in the mid extension.
    mid: Box<[u8]>,
    ids: ExtIds,
    /// When a packet of this stream last went through str0m; `None` before the first.
    anchor_at: Option<Instant>,
    /// Set on a layer switch: the next packet that can anchors.
    anchor_due: bool,
    /// The outbox batch of this stream's last fast packet.
    last_batch: Option<u64>,
    /// Video only: what was sent, for resends.
    history: Option<History>,
}

impl OutStream {
    /// The send stream str0m made for `mid`, with the extension ids the peer accepted.
    pub fn new(rtc: &mut str0m::Rtc, mid: Mid, video: bool) -> Option<Self> {
        let (ssrc, ids) = Self::negotiated(rtc, mid)?;
        Some(Self {
            ssrc,
            mid: mid.as_bytes().into(),
            ids,
            anchor_at: None,
            anchor_due: false,
            last_batch: None,
            history: video.then(History::new),
        })
    }

    /// The same stream after a renegotiation: the extension ids the peer accepts now. When
    /// str0m's send stream for `mid` is another one (or gone), this one ends and the next
    /// packet starts afresh.
    pub fn renegotiated(mut self, rtc: &mut str0m::Rtc, mid: Mid) -> Option<Self> {
        let (ssrc, ids) = Self::negotiated(rtc, mid)?;
        if ssrc != self.ssrc {
            return None;
        }
        self.ids = ids;
        Some(self)
    }

    /// (SSRC, extension ids) of `mid`'s send stream as negotiated.
    fn negotiated(rtc: &mut str0m::Rtc, mid: Mid) -> Option<(u32, ExtIds)> {
        let exts = rtc.media(mid)?.remote_extmap();
        // One-byte header extensions only carry ids 1..=14 (RFC 8285 §4.2).
        let id = |e| exts.id_of(e).filter(|id| (1..=14).contains(id));
        let ids = ExtIds {
            mid: id(Extension::RtpMid),
            audio_level: id(Extension::AudioLevel),
            video_orientation: id(Extension::VideoOrientation),
        };
        let ssrc = *rtc.direct_api().stream_tx_by_mid(mid, None)?.ssrc();
        Some((ssrc, ids))
    }

    /// Whether this packet goes through str0m instead (and note that it does): when an
    /// anchor is due and none of the stream's packets waits in `f`'s outbox (str0m's
    /// leave first).
    pub fn take_anchor(&mut self, f: &FastSender, switched: bool, now: Instant) -> bool {
        self.anchor_due |= switched;
        let due = self.anchor_due
            || self
                .anchor_at
                .is_none_or(|t| now.saturating_duration_since(t) >= ANCHOR_INTERVAL);
        let free = self.last_batch != Some(f.batch);
        if due && free {
            self.anchor_at = Some(now);
            self.anchor_due = false;
        }
        due && free
    }
}

/// One outgoing packet, as the forwarding decided it.
pub(crate) struct Outgoing<'a> {
    pub pt: Pt,
    /// Extended sequence number: its low 48 bits are the SRTP index.
    pub seq: u64,
    pub ts: u32,
    pub marker: bool,
    /// The publisher's payload, shared with every subscriber and the resend histories.
    pub payload: &'a Arc<[u8]>,
    pub ext: &'a ExtensionValues,
    /// VP8/VP9 PictureID and TL0PICIDX to write over the payload's.
    pub pictures: Option<PicturePatch>,
}

/// Builds, encrypts and queues one packet; remembers it for resends when the stream is
/// video. Returns whether the outbox was empty before (the caller then queues it for the
/// flush).
pub(crate) fn send(
    f: &mut FastSender,
    spare: &mut Spare,
    out: &mut OutStream,
    pkt: &Outgoing,
    now: Instant,
) -> bool {
    let buf = seal(f, spare, out, pkt);
    f.budget.sent(buf.len(), now);
    out.last_batch = Some(f.batch);
    if let Some(h) = out.history.as_mut() {
        h.put(Sent::of(pkt), now);
    }
    let was_empty = f.outbox.is_empty();
    f.outbox.push(buf);
    was_empty
}

/// The SRTP datagram of one packet, in a spare buffer: header, payload (picture numbers
/// patched), tag.
fn seal(f: &FastSender, spare: &mut Spare, out: &OutStream, pkt: &Outgoing) -> Vec<u8> {
    let mut buf = spare.take(MAX_HEADER + pkt.payload.len() + f.tag_len);
    let header_len = write_header(&mut buf, out, pkt);
    let body = buf.len();
    buf.extend_from_slice(pkt.payload);
    if let Some(p) = pkt.pictures {
        p.apply(&mut buf[body..]);
    }
    f.srtp
        .protect_rtp(&mut buf, header_len, pkt.seq & 0xffff_ffff_ffff);
    buf
}

/// RTP fixed header (RFC 3550 §5.1) and one-byte header extensions (RFC 8285 §4.2).
fn write_header(buf: &mut Vec<u8>, out: &OutStream, pkt: &Outgoing) -> usize {
    let ext_flag = 0x10;
    buf.extend_from_slice(&[0x80, (u8::from(pkt.marker) << 7) | (*pkt.pt & 0x7f)]);
    buf.extend_from_slice(&(pkt.seq as u16).to_be_bytes());
    buf.extend_from_slice(&pkt.ts.to_be_bytes());
    buf.extend_from_slice(&out.ssrc.to_be_bytes());
    let ext_start = buf.len();
    buf.extend_from_slice(&[0xbe, 0xde, 0, 0]);
    let mid = &out.mid[..];
    if let (Some(id), 1..=16) = (out.ids.mid, mid.len()) {
        buf.push((id << 4) | (mid.len() as u8 - 1));
        buf.extend_from_slice(mid);
    }
    let e = pkt.ext;
    if let (Some(id), Some(level), Some(vad)) =
        (out.ids.audio_level, e.audio_level, e.voice_activity)
    {
        buf.push(id << 4);
        buf.push((u8::from(vad) << 7) | (level.unsigned_abs() & 0x7f));
    }
    if let (Some(id), Some(o)) = (out.ids.video_orientation, e.video_orientation) {
        buf.push(id << 4);
        buf.push(o as u8);
    }
    let elements = buf.len() - ext_start - 4;
    if elements == 0 {
        buf.truncate(ext_start);
        return buf.len();
    }
    while !(buf.len() - ext_start).is_multiple_of(4) {
        buf.push(0);
    }
    let words = ((buf.len() - ext_start - 4) / 4) as u16;
    buf[ext_start + 2..ext_start + 4].copy_from_slice(&words.to_be_bytes());
    buf[0] |= ext_flag;
    buf.len()
}

/// A subscriber's SRTCP: resends what its NACKs ask for. Returns whether the outbox was
/// empty before and is not now. Anything that does not decrypt is left to str0m alone.
pub(crate) fn on_rtcp(
    f: &mut FastSender,
    spare: &mut Spare,
    subscriptions: &[Subscription],
    datagram: &[u8],
    cap: Option<f32>,
    now: Instant,
) -> bool {
    let was_empty = f.outbox.is_empty();
    let mut plain = std::mem::take(&mut f.scratch);
    if f.rtcp_in.unprotect_rtcp(datagram, &mut plain).is_some() {
        for (media_ssrc, seq) in nacked(&plain) {
            let Some(out) = subscriptions
                .iter()
                .filter_map(|s| s.out.as_ref())
                .find(|s| s.ssrc == media_ssrc)
            else {
                continue;
            };
            let Some(sent) = out.history.as_ref().and_then(|h| h.get(seq, now)) else {
                continue;
            };
            let ext = sent.ext();
            let buf = seal(f, spare, out, &sent.outgoing(&ext));
            if f.budget.allow_resend(buf.len(), cap, now) {
                f.outbox.push(buf);
            } else {
                spare.give(buf);
            }
        }
    }
    f.scratch = plain;
    was_empty && !f.outbox.is_empty()
}

/// Whether a datagram is RTCP (RFC 5761 §4: second byte 192..=223) rather than RTP.
pub(crate) fn is_rtcp(datagram: &[u8]) -> bool {
    datagram.len() >= 8 && (128..192).contains(&datagram[0]) && (192..224).contains(&datagram[1])
}

/// (media SSRC, sequence number) of every packet a compound's generic NACKs ask for.
fn nacked(compound: &[u8]) -> impl Iterator<Item = (u32, u16)> + '_ {
    rtcp_packets(compound)
        .filter(|p| p[0] & 0x1f == 1 && p[1] == 205 && p.len() >= 12)
        .flat_map(|p| {
            let media = u32::from_be_bytes([p[8], p[9], p[10], p[11]]);
            p[12..].chunks_exact(4).flat_map(move |fci| {
                let pid = u16::from_be_bytes([fci[0], fci[1]]);
                let blp = u16::from_be_bytes([fci[2], fci[3]]);
                std::iter::once(pid)
                    .chain(
                        (0..16)
                            .filter(move |b| blp & (1 << b) != 0)
                            .map(move |b| pid.wrapping_add(b + 1)),
                    )
                    .map(move |seq| (media, seq))
            })
        })
}

/// The RTCP packets of a compound (RFC 3550 §6.1), each with its header; stops at the
/// first malformed one.
fn rtcp_packets(mut rest: &[u8]) -> impl Iterator<Item = &[u8]> {
    std::iter::from_fn(move || {
        if rest.len() < 4 || rest[0] >> 6 != 2 {
            return None;
        }
        let len = (usize::from(u16::from_be_bytes([rest[2], rest[3]])) + 1) * 4;
        if len > rest.len() {
            return None;
        }
        let (packet, tail) = rest.split_at(len);
        rest = tail;
        Some(packet)
    })
}

/// What a sent packet was made of: enough to make the same datagram again.
struct Sent {
    seq: u64,
    ts: u32,
    pt: Pt,
    marker: bool,
    audio_level: Option<i8>,
    voice_activity: Option<bool>,
    video_orientation: Option<VideoOrientation>,
    pictures: Option<PicturePatch>,
    payload: Arc<[u8]>,
}

impl Sent {
    fn of(pkt: &Outgoing) -> Self {
        Self {
            seq: pkt.seq,
            ts: pkt.ts,
            pt: pkt.pt,
            marker: pkt.marker,
            audio_level: pkt.ext.audio_level,
            voice_activity: pkt.ext.voice_activity,
            video_orientation: pkt.ext.video_orientation,
            pictures: pkt.pictures,
            payload: pkt.payload.clone(),
        }
    }

    /// The header extensions it was sent with.
    fn ext(&self) -> ExtensionValues {
        ExtensionValues {
            audio_level: self.audio_level,
            voice_activity: self.voice_activity,
            video_orientation: self.video_orientation,
            ..Default::default()
        }
    }

    fn outgoing<'a>(&'a self, ext: &'a ExtensionValues) -> Outgoing<'a> {
        Outgoing {
            pt: self.pt,
            seq: self.seq,
            ts: self.ts,
            marker: self.marker,
            payload: &self.payload,
            ext,
            pictures: self.pictures,
        }
    }
}

/// The sent packets of one stream, by sequence number.
struct History {
    slots: Vec<Option<(Instant, Sent)>>,
}

impl History {
    fn new() -> Self {
        Self { slots: Vec::new() }
    }

    fn put(&mut self, sent: Sent, now: Instant) {
        if self.slots.is_empty() {
            self.slots = (0..HISTORY_SLOTS).map(|_| None).collect();
        }
        let at = sent.seq as usize % HISTORY_SLOTS;
        self.slots[at] = Some((now, sent));
    }

    fn get(&self, seq: u16, now: Instant) -> Option<&Sent> {
        let (at, sent) = self.slots.get(usize::from(seq) % HISTORY_SLOTS)?.as_ref()?;
        let fresh = now.saturating_duration_since(*at) <= HISTORY_AGE;
        (sent.seq as u16 == seq && fresh).then_some(sent)
    }
}

/// Resent bytes stay under `cap` × sent bytes, over the current and the previous window.
#[derive(Default)]
struct ResendBudget {
    window: Option<Instant>,
    sent: [u64; 2],
    resent: [u64; 2],
}

impl ResendBudget {
    fn roll(&mut self, now: Instant) {
        match self.window {
            Some(start) if now.saturating_duration_since(start) < BUDGET_WINDOW => {}
            Some(start) if now.saturating_duration_since(start) < 2 * BUDGET_WINDOW => {
                self.window = Some(start + BUDGET_WINDOW);
                self.sent = [self.sent[1], 0];
                self.resent = [self.resent[1], 0];
            }
            _ => {
                self.window = Some(now);
                self.sent = [0, 0];
                self.resent = [0, 0];
            }
        }
    }

    fn sent(&mut self, len: usize, now: Instant) {
        self.roll(now);
        self.sent[1] += len as u64;
    }

    fn allow_resend(&mut self, len: usize, cap: Option<f32>, now: Instant) -> bool {
        self.roll(now);
        let resent = self.resent[0] + self.resent[1] + len as u64;
        let ok = cap
            .is_none_or(|c| resent as f64 <= f64::from(c) * (self.sent[0] + self.sent[1]) as f64);
        if ok {
            self.resent[1] += len as u64;
        }
        ok
    }
}

/// The selected pair, when `datagram` is one str0m sends only on it (DTLS, SRTP, SRTCP;
/// not STUN, which it also sends to pairs it checks).
pub(crate) fn names_selected_pair(datagram: &[u8]) -> bool {
    datagram
        .first()
        .is_some_and(|b| (20..=63).contains(b) || (128..=191).contains(b))
}

/// The addresses of a participant's selected pair: (local, remote).
pub(crate) type Path = (SocketAddr, SocketAddr);

#[cfg(test)]
#[path = "fast_tests.rs"]
mod tests;
