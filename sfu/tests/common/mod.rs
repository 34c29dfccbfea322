//! A simulated network for the SFU core: str0m clients (RTP mode) and one `SfuCore` on a
//! fake clock, joined by an in-memory link that can drop, delay and reorder datagrams.
//!
//! Nothing here sleeps: time jumps to the next due datagram or timer, so seconds of media
//! run in milliseconds.

#![allow(dead_code)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use sfu::{
    CoreConfig, OfferOutcome, ParticipantId, PublishSpec, RoomId, SfuCore, SfuEvent, SubscribeSpec,
    TrackId, TrackSource,
};
use str0m::change::{SdpAnswer, SdpOffer};
use str0m::format::Codec;
use str0m::media::{Direction, MediaKind, Mid, Pt, Rid, Simulcast, SimulcastLayer};
use str0m::rtp::{ExtensionValues, RtpWrite};
use str0m::{Candidate, Event, Input, Output, Rtc, RtcConfig};

pub const SFU_ADDR: &str = "127.0.0.1:3478";

/// Deterministic xorshift: the same seed gives the same losses and delays.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Impairment of one client's link (both directions).
#[derive(Debug, Clone, Copy, Default)]
pub struct Impair {
    pub loss: f64,
    pub delay: Duration,
    /// Extra random delay in [0, jitter): packets overtake each other.
    pub jitter: Duration,
}

struct InFlight {
    at: Instant,
    order: u64,
    source: SocketAddr,
    destination: SocketAddr,
    data: Vec<u8>,
}

/// One RTP packet as a client received it.
#[derive(Debug, Clone)]
pub struct Received {
    pub mid: Mid,
    pub seq: u64,
    pub ts: u32,
    pub pt: Pt,
    pub marker: bool,
    pub payload: Vec<u8>,
    pub audio_level: Option<i8>,
}

/// A publishing stream of a client: one (mid, rid).
pub struct OutStream {
    pub mid: Mid,
    pub rid: Option<Rid>,
    pub kind: MediaKind,
    pub seq: u64,
    pub ts: u32,
    pub force_keyframe: bool,
    /// Not sending (e.g. a simulcast layer the encoder dropped).
    pub muted: bool,
    /// Payloads sent, in order (first bytes identify the packet; see `vp8_payload`).
    pub sent: Vec<Vec<u8>>,
}

pub struct Client {
    pub id: ParticipantId,
    pub addr: SocketAddr,
    pub rtc: Rtc,
    pub timeout: Instant,
    pub impair: Impair,
    /// The link drops this many of the hub's next DTLS datagrams to this client.
    pub drop_hub_dtls: usize,
    pub received: Vec<Received>,
    pub keyframe_requests: u32,
    pub connected: bool,
    /// Has done at least one offer/answer round.
    pub negotiated: bool,
    pub out: Vec<OutStream>,
    /// Track published per mid, from the SFU's outcome.
    pub tracks: HashMap<Mid, TrackId>,
    /// The codec this client's video is encoded in (payloads from `video_payload`).
    pub video: Codec,
    /// Payload type of every RTP datagram that reached this client, read from the SRTP
    /// header (in the clear), including packets its str0m then discards.
    pub wire_pts: Vec<u8>,
    /// The one-byte header extension ids of each of those datagrams, as a bit set (bit
    /// `id` set when present).
    pub wire_ext_ids: Vec<u16>,
}

impl Client {
    pub fn received_on(&self, mid: Mid) -> Vec<&Received> {
        self.received.iter().filter(|r| r.mid == mid).collect()
    }
    pub fn pt_for(&self, codec: Codec) -> Pt {
        self.rtc
            .codec_config()
            .find(|p| p.spec().codec == codec)
            .expect("codec")
            .pt()
    }
}

pub struct Sim {
    pub base: Instant,
    pub now: Instant,
    pub core: SfuCore,
    pub clients: Vec<Client>,
    pub events: Vec<SfuEvent>,
    pub sfu_addr: SocketAddr,
    /// Datagrams the link dropped (impairment).
    pub dropped: u64,
    /// Each drain of the core's transmit queue as runs of (destination, datagrams in a row):
    /// a run is what the runtime can send as one GSO train.
    pub core_drains: Vec<Vec<(SocketAddr, usize)>>,
    rng: Rng,
    flight: Vec<InFlight>,
    order: u64,
    frame: u64,
}

impl Sim {
    pub fn new(seed: u64) -> Self {
        Self::with_config(seed, |_| {})
    }

    /// A simulation whose core config `tune` adjusts.
    pub fn with_config(seed: u64, tune: impl FnOnce(&mut CoreConfig)) -> Self {
        let base = Instant::now();
        let sfu_addr: SocketAddr = SFU_ADDR.parse().unwrap();
        let mut config = CoreConfig::new(sfu_addr);
        tune(&mut config);
        Self {
            base,
            now: base,
            core: SfuCore::new(config, base),
            clients: Vec::new(),
            events: Vec::new(),
            sfu_addr,
            dropped: 0,
            core_drains: Vec::new(),
            rng: Rng::new(seed),
            flight: Vec::new(),
            order: 0,
            frame: 0,
        }
    }

    /// Adds a client and joins it to `room` in the core. Returns its index.
    pub fn join(&mut self, room: &str, name: &str) -> usize {
        self.join_with(room, name, Codec::Vp8, |c| c)
    }

    /// Like `join`, for a client whose str0m config `configure` adjusts (e.g. its codecs)
    /// and whose video is encoded in `video`.
    pub fn join_with(
        &mut self,
        room: &str,
        name: &str,
        video: Codec,
        configure: impl FnOnce(RtcConfig) -> RtcConfig,
    ) -> usize {
        let idx = self.clients.len();
        let addr: SocketAddr = format!("127.0.0.1:{}", 40_000 + idx).parse().unwrap();
        let mut rtc = configure(Rtc::builder().set_rtp_mode(true)).build(self.now);
        rtc.add_local_candidate(Candidate::host(addr, "udp").unwrap());
        let id = ParticipantId::from(name);
        self.core
            .join(RoomId::from(room), id.clone(), self.now)
            .expect("join");
        self.clients.push(Client {
            id,
            addr,
            rtc,
            timeout: self.now,
            impair: Impair::default(),
            drop_hub_dtls: 0,
            received: Vec::new(),
            keyframe_requests: 0,
            connected: false,
            negotiated: false,
            out: Vec::new(),
            tracks: HashMap::new(),
            video,
            wire_pts: Vec::new(),
            wire_ext_ids: Vec::new(),
        });
        idx
    }

    /// One offer/answer round: new send-only m-lines for `publish` (`true` = simulcast
    /// q/h/f), new receive-only m-lines for `subscribe`. Returns the outcome and the new
    /// subscription mids in order.
    pub fn negotiate(
        &mut self,
        c: usize,
        publish: &[(TrackSource, bool)],
        subscribe: &[(TrackId, MediaKind)],
    ) -> (OfferOutcome, Vec<Mid>) {
        let client = &mut self.clients[c];
        let mut api = client.rtc.sdp_api();
        let mut pubs = Vec::new();
        for &(source, simulcast) in publish {
            let kind = match source {
                TrackSource::Microphone | TrackSource::ScreenAudio => MediaKind::Audio,
                _ => MediaKind::Video,
            };
            let sim = simulcast.then(|| {
                let mut s = Simulcast::new();
                for rid in ["q", "h", "f"] {
                    s.add_send_layer(SimulcastLayer::new(rid));
                }
                s
            });
            let mid = api.add_media(kind, Direction::SendOnly, Some("s".into()), None, sim);
            pubs.push((mid, source, kind, simulcast));
        }
        let mut subs = Vec::new();
        for (track, kind) in subscribe {
            let mid = api.add_media(*kind, Direction::RecvOnly, None, None, None);
            subs.push((mid, track.clone()));
        }
        let (offer, pending) = api.apply().expect("changes");
        let sdp = offer.to_sdp_string();
        let publish_specs: Vec<PublishSpec> = pubs
            .iter()
            .map(|(mid, source, _, _)| PublishSpec {
                mid: mid.to_string(),
                source: *source,
            })
            .collect();
        let subscribe_specs: Vec<SubscribeSpec> = subs
            .iter()
            .map(|(mid, track)| SubscribeSpec {
                mid: mid.to_string(),
                track: track.clone(),
            })
            .collect();
        let id = client.id.clone();
        let outcome = self
            .core
            .offer(&id, &sdp, &publish_specs, &subscribe_specs, self.now)
            .expect("offer accepted");
        let answer = SdpAnswer::from_sdp_string(&outcome.answer_sdp).expect("answer parses");
        let client = &mut self.clients[c];
        client
            .rtc
            .sdp_api()
            .accept_answer(pending, answer)
            .expect("answer accepted");
        // The new session state needs a timeout input before str0m schedules anything.
        client.timeout = self.now;
        client.negotiated = true;
        for (mid, _, kind, simulcast) in pubs {
            let rids: Vec<Option<Rid>> = if simulcast {
                ["q", "h", "f"]
                    .iter()
                    .map(|r| Some(Rid::from(*r)))
                    .collect()
            } else {
                vec![None]
            };
            for rid in rids {
                // Browsers resend whatever is NACKed; str0m's endpoint default caps resends
                // at 15 % of the bytes, which heavy reordering exceeds.
                if let Some(tx) = client.rtc.direct_api().stream_tx_by_mid(mid, rid) {
                    tx.set_rtx_cache(1024, Duration::from_secs(3), None);
                }
                client.out.push(OutStream {
                    mid,
                    rid,
                    kind,
                    seq: 1,
                    ts: 1000,
                    force_keyframe: true,
                    muted: false,
                    sent: Vec::new(),
                });
            }
        }
        for info in &outcome.published {
            let mid = info.track.0.rsplit('/').next().unwrap();
            client.tracks.insert(Mid::from(mid), info.track.clone());
        }
        (outcome, subs.into_iter().map(|(m, _)| m).collect())
    }

    /// Re-offers with m-line `mid` turned to `dir`, binding `subscribe` (existing mids).
    pub fn redirect(
        &mut self,
        c: usize,
        mid: Mid,
        dir: Direction,
        subscribe: &[(Mid, TrackId)],
    ) -> OfferOutcome {
        let client = &mut self.clients[c];
        let mut api = client.rtc.sdp_api();
        api.set_direction(mid, dir);
        let (offer, pending) = api.apply().expect("changes");
        let specs: Vec<SubscribeSpec> = subscribe
            .iter()
            .map(|(m, t)| SubscribeSpec {
                mid: m.to_string(),
                track: t.clone(),
            })
            .collect();
        let id = client.id.clone();
        let sdp = offer.to_sdp_string();
        let outcome = self
            .core
            .offer(&id, &sdp, &[], &specs, self.now)
            .expect("offer accepted");
        let answer = SdpAnswer::from_sdp_string(&outcome.answer_sdp).expect("answer parses");
        let client = &mut self.clients[c];
        client
            .rtc
            .sdp_api()
            .accept_answer(pending, answer)
            .expect("answer accepted");
        client.timeout = self.now;
        outcome
    }

    /// Sends a raw offer for a fresh client-side change and returns the core's verdict.
    pub fn raw_offer(&mut self, c: usize, sdp: &str) -> Result<OfferOutcome, sfu::SfuError> {
        let id = self.clients[c].id.clone();
        self.core.offer(&id, sdp, &[], &[], self.now)
    }

    /// Runs until every negotiated client reports DTLS connected (panics after 10
    /// simulated seconds).
    pub fn connect_all(&mut self) {
        let deadline = self.now + Duration::from_secs(10);
        while !self.clients.iter().all(|c| c.connected || !c.negotiated) {
            assert!(
                self.now < deadline,
                "clients did not connect: {:?} {:?}",
                self.clients
                    .iter()
                    .map(|c| (c.connected, c.rtc.is_connected()))
                    .collect::<Vec<_>>(),
                self.events
            );
            let t = self.now + Duration::from_millis(5);
            self.run_until(t);
        }
    }

    /// Runs `dur` of simulated time while every client publishes: video at 30 fps in 3
    /// packets per frame (keyframe when asked), audio every 20 ms with a level of `level(c)`.
    pub fn media_for(&mut self, dur: Duration, level: impl Fn(usize) -> i8) {
        let end = self.now + dur;
        let mut next_video = self.now;
        let mut next_audio = self.now;
        while self.now < end {
            if self.now >= next_video {
                self.frame += 1;
                for c in 0..self.clients.len() {
                    self.send_video_frame(c);
                }
                next_video += Duration::from_millis(33);
            }
            if self.now >= next_audio {
                for c in 0..self.clients.len() {
                    self.send_audio(c, level(c));
                }
                next_audio += Duration::from_millis(20);
            }
            self.run_until(next_video.min(next_audio).min(end));
        }
    }

    fn send_video_frame(&mut self, c: usize) {
        let now = self.now;
        // Each publisher numbers its pictures from its own start, as encoders do.
        let frame = self.frame + 1000 * c as u64;
        let client = &mut self.clients[c];
        let codec = client.video;
        let pt = client.pt_for(codec);
        for s in client
            .out
            .iter_mut()
            .filter(|s| s.kind == MediaKind::Video && !s.muted)
        {
            let key = std::mem::take(&mut s.force_keyframe);
            s.ts = s.ts.wrapping_add(3000);
            for part in 0..3u8 {
                let payload = video_payload(codec, part, key, layer_tag(s.rid), frame, s.seq);
                let w = RtpWrite::new(pt, s.seq.into(), s.ts, now, payload.clone())
                    .marker(part == 2)
                    .nackable(true);
                let mut api = client.rtc.direct_api();
                if let Some(tx) = api.stream_tx_by_mid(s.mid, s.rid) {
                    tx.write_rtp(w);
                    s.sent.push(payload);
                }
                s.seq += 1;
            }
        }
    }

    fn send_audio(&mut self, c: usize, level: i8) {
        let now = self.now;
        let client = &mut self.clients[c];
        let pt = client.pt_for(Codec::Opus);
        for s in client.out.iter_mut().filter(|s| s.kind == MediaKind::Audio) {
            s.ts = s.ts.wrapping_add(960);
            let payload = vec![0xfc, (s.seq & 0xff) as u8, (s.seq >> 8) as u8];
            let exts = ExtensionValues {
                audio_level: Some(level),
                voice_activity: Some(level > -50),
                ..Default::default()
            };
            let w = RtpWrite::new(pt, s.seq.into(), s.ts, now, payload.clone()).ext_vals(exts);
            let mut api = client.rtc.direct_api();
            if let Some(tx) = api.stream_tx_by_mid(s.mid, None) {
                tx.write_rtp(w);
                s.sent.push(payload);
            }
            s.seq += 1;
        }
    }

    /// Advances simulated time to `t`, delivering every datagram and timer due before it.
    pub fn run_until(&mut self, t: Instant) {
        loop {
            self.pump();
            let next = self.next_due();
            if next > t {
                self.now = t;
                return;
            }
            self.now = next.max(self.now);
            self.deliver_due();
            if self.core.poll_timeout() <= self.now {
                self.core.handle_timeout(self.now);
            }
            for c in &mut self.clients {
                if c.timeout <= self.now {
                    c.rtc
                        .handle_input(Input::Timeout(self.now))
                        .expect("client timeout");
                }
            }
        }
    }

    fn next_due(&self) -> Instant {
        let mut next = self.core.poll_timeout();
        for c in self.clients.iter().filter(|c| c.rtc.is_alive()) {
            next = next.min(c.timeout);
        }
        for f in &self.flight {
            next = next.min(f.at);
        }
        next
    }

    fn deliver_due(&mut self) {
        let now = self.now;
        let mut due: Vec<InFlight> = Vec::new();
        let mut i = 0;
        while i < self.flight.len() {
            if self.flight[i].at <= now {
                due.push(self.flight.swap_remove(i));
            } else {
                i += 1;
            }
        }
        due.sort_by_key(|f| (f.at, f.order));
        // Like the runtime: every datagram due now is one batch for the core, flushed once.
        let mut batch = false;
        for f in due {
            if f.destination == self.sfu_addr {
                self.core
                    .receive_datagram(now, f.source, f.destination, &f.data);
                batch = true;
                continue;
            }
            let Some(idx) = self.clients.iter().position(|c| c.addr == f.destination) else {
                continue;
            };
            let c = &mut self.clients[idx];
            if let Some(pt) = rtp_pt(&f.data) {
                c.wire_pts.push(pt);
                c.wire_ext_ids.push(rtp_ext_ids(&f.data));
            }
            let Ok(contents) = f.data.as_slice().try_into() else {
                continue;
            };
            let input = Input::Receive(
                now,
                str0m::net::Receive {
                    proto: str0m::net::Protocol::Udp,
                    source: f.source,
                    destination: f.destination,
                    contents,
                },
            );
            if c.rtc.is_alive() {
                let _ = c.rtc.handle_input(input);
            }
            // str0m holds one received RTP packet until the next poll: poll before more input.
            self.pump_client(idx);
        }
        if batch {
            self.core.flush(now);
        }
    }

    /// Collects output from the core and every client until all are quiet.
    fn pump(&mut self) {
        loop {
            let mut moved = false;
            let mut runs: Vec<(SocketAddr, usize)> = Vec::new();
            while let Some(t) = self.core.poll_transmit() {
                moved = true;
                match runs.last_mut() {
                    Some((to, n)) if *to == t.destination => *n += 1,
                    _ => runs.push((t.destination, 1)),
                }
                // As the runtime does: the datagram leaves (here: a copy in flight) and its
                // buffer goes back to the core, which builds later datagrams in it.
                let contents = t.contents.clone();
                self.core.recycle(t.contents);
                let client = self.clients.iter_mut().find(|c| c.addr == t.destination);
                let dtls = (20..=63).contains(&contents[0]);
                if let Some(c) = client.filter(|c| dtls && c.drop_hub_dtls > 0) {
                    c.drop_hub_dtls -= 1;
                    self.dropped += 1;
                    continue;
                }
                let impair = self
                    .clients
                    .iter()
                    .find(|c| c.addr == t.destination)
                    .map(|c| c.impair)
                    .unwrap_or_default();
                self.send(impair, t.source, t.destination, contents);
            }
            if !runs.is_empty() {
                self.core_drains.push(runs);
            }
            while let Some(e) = self.core.poll_event() {
                self.events.push(e);
            }
            for c in 0..self.clients.len() {
                moved |= self.pump_client(c);
            }
            if !moved {
                return;
            }
        }
    }

    fn pump_client(&mut self, c: usize) -> bool {
        let mut moved = false;
        loop {
            if !self.clients[c].rtc.is_alive() {
                return moved;
            }
            // A client str0m gives up on (e.g. never connected) just stops, like a browser tab.
            let Ok(out) = self.clients[c].rtc.poll_output() else {
                self.clients[c].rtc.disconnect();
                return moved;
            };
            match out {
                Output::Timeout(t) => {
                    self.clients[c].timeout = t;
                    return moved;
                }
                Output::Transmit(t) => {
                    moved = true;
                    let impair = self.clients[c].impair;
                    self.send(impair, t.source, t.destination, t.contents.into());
                }
                Output::Event(e) => on_client_event(&mut self.clients[c], e),
            }
        }
    }

    fn send(&mut self, impair: Impair, source: SocketAddr, destination: SocketAddr, data: Vec<u8>) {
        if impair.loss > 0.0 && self.rng.unit() < impair.loss {
            self.dropped += 1;
            return;
        }
        let jitter = if impair.jitter.is_zero() {
            Duration::ZERO
        } else {
            impair.jitter.mul_f64(self.rng.unit())
        };
        let base = Duration::from_millis(1) + impair.delay;
        self.order += 1;
        self.flight.push(InFlight {
            at: self.now + base + jitter,
            order: self.order,
            source,
            destination,
            data,
        });
    }

    /// Delivers an arbitrary datagram to the core as if `source` sent it.
    pub fn inject(&mut self, source: SocketAddr, data: &[u8]) {
        self.core
            .handle_datagram(self.now, source, self.sfu_addr, data);
    }
}

fn on_client_event(c: &mut Client, e: Event) {
    match e {
        Event::Connected => c.connected = true,
        Event::RtpPacket(p) => {
            let mid = c
                .rtc
                .direct_api()
                .stream_rx(&p.header.ssrc)
                .map(|s| s.mid())
                .unwrap_or_else(|| Mid::from("?"));
            c.received.push(Received {
                mid,
                seq: *p.seq_no,
                ts: p.header.timestamp,
                pt: p.header.payload_type,
                marker: p.header.marker,
                payload: p.payload.to_vec(),
                audio_level: p.header.ext_vals.audio_level,
            });
        }
        Event::KeyframeRequest(r) => {
            c.keyframe_requests += 1;
            for s in c
                .out
                .iter_mut()
                .filter(|s| s.mid == r.mid && s.rid == r.rid)
            {
                s.force_keyframe = true;
            }
        }
        _ => {}
    }
}

/// The payload type of an (S)RTP datagram; `None` for STUN, DTLS and RTCP (RFC 5761 §4).
fn rtp_pt(data: &[u8]) -> Option<u8> {
    let (&b0, &b1) = (data.first()?, data.get(1)?);
    let pt = b1 & 0x7f;
    (b0 >> 6 == 2 && !(64..=95).contains(&pt)).then_some(pt)
}

/// The ids of an RTP header's one-byte extensions (RFC 8285 §4.2) as a bit set.
fn rtp_ext_ids(data: &[u8]) -> u16 {
    if data.len() < 12 || data[0] & 0x10 == 0 {
        return 0;
    }
    let at = 12 + 4 * usize::from(data[0] & 0x0f);
    let Some(h) = data.get(at..at + 4) else {
        return 0;
    };
    if h[..2] != [0xbe, 0xde] {
        return 0;
    }
    let end = at + 4 + 4 * usize::from(u16::from_be_bytes([h[2], h[3]]));
    let Some(mut rest) = data.get(at + 4..end) else {
        return 0;
    };
    let mut ids = 0;
    while let Some((&b, tail)) = rest.split_first() {
        let (id, len) = (b >> 4, usize::from(b & 0x0f) + 1);
        if b == 0 {
            rest = tail;
            continue;
        }
        if id == 15 || tail.len() < len {
            break;
        }
        ids |= 1 << id;
        rest = &tail[len..];
    }
    ids
}

fn layer_tag(rid: Option<Rid>) -> u8 {
    match rid.as_deref() {
        Some("q") => b'q',
        Some("h") => b'h',
        Some("f") => b'f',
        _ => b'-',
    }
}

/// A VP8 packet (`sfu::media::vp8::synthetic_payload_sized`, a valid descriptor with a
/// 15-bit PictureID and a real keyframe header), whose last 5 bytes carry the layer tag
/// and the publisher's sequence number so receivers can tell exactly what arrived.
pub fn vp8_payload(first: bool, key: bool, layer: u8, frame: u64, seq: u64) -> Vec<u8> {
    let size = match layer {
        b'q' => (320, 180),
        b'h' => (640, 360),
        _ => (1280, 720),
    };
    let mut v = sfu::media::vp8::synthetic_payload_sized(frame as u16, key, first, 200, size);
    let n = v.len();
    v[n - 5] = layer;
    v[n - 4..].copy_from_slice(&(seq as u32).to_be_bytes());
    v
}

/// Packet `part` (0..3) of a frame in `codec`'s RTP payload format, ending like
/// `vp8_payload` in the layer tag and publisher seq (`vp8_seq`/`vp8_layer` read any codec).
pub fn video_payload(
    codec: Codec,
    part: u8,
    key: bool,
    layer: u8,
    frame: u64,
    seq: u64,
) -> Vec<u8> {
    let mut v = match codec {
        Codec::H264 => h264_body(part, key),
        Codec::Vp9 => vp9_body(part, key, frame),
        _ => return vp8_payload(part == 0, key, layer, frame, seq),
    };
    v.push(layer);
    v.extend_from_slice(&(seq as u32).to_be_bytes());
    v
}

/// RFC 6184, as browsers packetize: a keyframe is a STAP-A with SPS (7) and PPS (8), then an
/// IDR slice (5) in FU-A fragments; a delta frame is a non-IDR slice (1) in FU-A fragments.
/// The last NAL (or fragment) runs to the end, so the caller's tag bytes land inside it.
fn h264_body(part: u8, key: bool) -> Vec<u8> {
    const NRI: u8 = 0x60;
    if key && part == 0 {
        let sps = [NRI | 7, 0x42, 0xc0, 0x1f, 0x8c, 0x8d];
        let mut v = vec![NRI | 24];
        v.extend_from_slice(&(sps.len() as u16).to_be_bytes());
        v.extend_from_slice(&sps);
        // PPS: header, 2 body bytes and the 5 tag bytes the caller appends.
        v.extend_from_slice(&8u16.to_be_bytes());
        v.extend_from_slice(&[NRI | 8, 0xce, 0x3c]);
        return v;
    }
    let slice = if key { 5 } else { 1 };
    let (start, end) = if key {
        (part == 1, part == 2)
    } else {
        (part == 0, part == 2)
    };
    let fu = u8::from(start) << 7 | u8::from(end) << 6 | slice;
    let mut v = vec![NRI | 28, fu];
    v.resize(200, 0xaa);
    v
}

/// RFC 9628 descriptor `I|P|L|F|B|E|V|Z` with a 15-bit PictureID: B on the first packet,
/// E on the last, P=0 only in keyframes.
fn vp9_body(part: u8, key: bool, frame: u64) -> Vec<u8> {
    let mut d = 0x80; // I
    if !key {
        d |= 0x40; // P
    }
    if part == 0 {
        d |= 0x08; // B
    }
    if part == 2 {
        d |= 0x04; // E
    }
    let pid = (frame & 0x7fff) as u16 | 0x8000;
    let mut v = vec![d];
    v.extend_from_slice(&pid.to_be_bytes());
    v.resize(200, 0xbb);
    v
}

/// The publisher seq embedded by `vp8_payload`.
pub fn vp8_seq(payload: &[u8]) -> u32 {
    let n = payload.len();
    u32::from_be_bytes(payload[n - 4..].try_into().unwrap())
}

/// The layer tag embedded by `vp8_payload`.
pub fn vp8_layer(payload: &[u8]) -> u8 {
    payload[payload.len() - 5]
}

/// Whether `payload` starts a keyframe.
pub fn vp8_is_key(payload: &[u8]) -> bool {
    sfu::media::vp8::parse(payload).is_ok_and(|d| d.is_keyframe)
}

pub fn parse_offer_ok(sdp: &str) -> bool {
    SdpOffer::from_sdp_string(sdp).is_ok()
}
