//! The sans-IO SFU engine: rooms, participants (one `str0m::Rtc` each, in RTP mode),
//! publications, subscriptions and the forwarding between them.
//!
//! Time always comes in as an argument and output leaves through `poll_*`: the core never
//! reads the clock, never touches a socket and never spawns, so it runs the same under the
//! UDP runtime and under the fake-clock simulations in `sfu/tests`.
//!
//! Layout:
//! - this file: [`SfuCore`], its config, stats and the public inputs/outputs.
//! - `participant`: one peer's `Rtc`, draining its output, ICE/DTLS state events.
//! - `negotiate`: applying a client's offer (publications, subscriptions, the answer).
//! - `forward`: routing incoming RTP to subscribers (layers, keyframes, rewriting).
//! - `fast`: the fast path that writes, encrypts and resends subscriber RTP without str0m.
//! - `keys`: the SRTP keys of each participant's DTLS handshake, for `fast`.
//! - `keyframe`: coalesced, throttled keyframe requests towards publishers.
//! - `layers`: RID ↔ layer index and per-layer receive state.
//! - `speaking`: audio levels to `Speaking`/`ActiveSpeaker` events.

mod fast;
mod forward;
mod keyframe;
mod keys;
mod layers;
mod negotiate;
mod participant;
mod spare;
mod speaking;

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use str0m::net::{Protocol, Receive};
use str0m::{Candidate, Input};
use tracing::debug;

use crate::api::{
    OfferOutcome, ParticipantId, PublishSpec, RoomId, SfuError, SfuEvent, SubscribeSpec, TrackId,
};
use forward::Track;
use participant::Participant;

/// Settings of one core.
#[derive(Debug, Clone)]
pub struct CoreConfig {
    /// The address peers send media to: advertised as the one host candidate of every
    /// participant, and the `destination` of every datagram handed to the core.
    pub candidate_addr: SocketAddr,
    /// Minimum spacing of keyframe requests sent for one publisher stream.
    pub keyframe_interval: Duration,
    /// Resends to a subscriber are dropped while they exceed this share of its video
    /// bytes (`None`: never). See `CoreConfig::new` for the default.
    pub rtx_ratio_cap: Option<f32>,
    /// A participant not connected this long after its first answer ends with
    /// `MediaEnded { Timeout }`.
    pub connect_timeout: Duration,
    /// Seeds the first outgoing sequence number and timestamp of subscriber streams.
    pub seed: u64,
    /// How often the core re-evaluates layers, pending keyframe requests and speakers.
    pub tick_interval: Duration,
    /// Subscriber RTP is built and encrypted by the core (`fast` module) instead of going
    /// through str0m's send queue; off, every packet takes str0m's path.
    pub fast_path: bool,
}

impl CoreConfig {
    pub fn new(candidate_addr: SocketAddr) -> Self {
        Self {
            candidate_addr,
            keyframe_interval: crate::media::keyframe::DEFAULT_MIN_INTERVAL,
            seed: 0x5eed,
            connect_timeout: Duration::from_secs(30),
            // str0m's default is 0.15, tuned for an endpoint. An SFU also forwards packets
            // repaired upstream late, which makes its subscribers NACK more than a direct
            // peer would; a lower cap then throws away exactly those resends.
            rtx_ratio_cap: Some(0.35),
            tick_interval: Duration::from_millis(100),
            fast_path: true,
        }
    }
}

/// One UDP datagram to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transmit {
    pub source: SocketAddr,
    pub destination: SocketAddr,
    /// Owned bytes straight from str0m (no copy is made on the way out).
    pub contents: Vec<u8>,
}

/// Counters since the core was created.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CoreStats {
    /// Datagrams handed to [`SfuCore::handle_datagram`].
    pub datagrams_in: u64,
    /// Datagrams that were not STUN/DTLS/RTP/RTCP, or that no participant accepted, or
    /// that the owning `Rtc` refused.
    pub garbage_datagrams: u64,
    /// RTP packets received from publishers.
    pub rtp_in: u64,
    /// RTP packets written to subscribers (one per subscriber).
    pub rtp_forwarded: u64,
    /// Of those, the ones sent by the fast path rather than through str0m.
    pub rtp_fast: u64,
    /// Packets resent by the fast path on a subscriber's NACK.
    pub fast_resends: u64,
    /// RTP packets not forwarded to a subscriber that wanted the track: waiting for a
    /// keyframe, older than a layer switch, or without a payload type on the subscriber.
    pub rtp_dropped: u64,
    /// Keyframe requests (PLI) sent to publishers.
    pub keyframe_requests: u64,
    /// Datagrams emitted through [`SfuCore::poll_transmit`].
    pub transmits: u64,
}

/// How long an empty core sleeps; any command or datagram wakes the runtime anyway.
const IDLE_WAKE: Duration = Duration::from_secs(3600);

/// Index of a participant slot; stable while the participant is in the core.
pub(crate) type PKey = usize;
/// Index of a track slot.
pub(crate) type TKey = usize;

/// The SFU engine. See the module docs.
pub struct SfuCore {
    config: CoreConfig,
    participants: Vec<Option<Participant>>,
    by_id: HashMap<ParticipantId, PKey>,
    by_addr: HashMap<SocketAddr, PKey>,
    tracks: Vec<Option<Track>>,
    track_ids: HashMap<TrackId, TKey>,
    rooms: HashMap<RoomId, speaking::RoomSpeakers>,
    /// Participants written to since they were last drained.
    dirty: Vec<PKey>,
    /// Participants whose fast-path outbox holds datagrams.
    fast_dirty: Vec<PKey>,
    /// Sent datagrams' buffers, for the fast path's next ones.
    spare: spare::Spare,
    transmits: VecDeque<Transmit>,
    events: VecDeque<SfuEvent>,
    next_tick: Instant,
    stats: CoreStats,
}

impl SfuCore {
    pub fn new(config: CoreConfig, now: Instant) -> Self {
        let next_tick = now + config.tick_interval;
        Self {
            config,
            participants: Vec::new(),
            by_id: HashMap::new(),
            by_addr: HashMap::new(),
            tracks: Vec::new(),
            track_ids: HashMap::new(),
            rooms: HashMap::new(),
            dirty: Vec::new(),
            fast_dirty: Vec::new(),
            spare: spare::Spare::default(),
            transmits: VecDeque::new(),
            events: VecDeque::new(),
            next_tick,
            stats: CoreStats::default(),
        }
    }

    pub fn stats(&self) -> CoreStats {
        self.stats
    }

    pub fn config(&self) -> &CoreConfig {
        &self.config
    }

    /// Seats a participant: creates its `Rtc` with the shared socket as host candidate.
    pub fn join(
        &mut self,
        room: RoomId,
        participant: ParticipantId,
        now: Instant,
    ) -> Result<(), SfuError> {
        if self.by_id.contains_key(&participant) {
            return Err(SfuError::AlreadyJoined(participant));
        }
        let candidate = Candidate::host(self.config.candidate_addr, "udp")
            .map_err(|e| SfuError::Negotiation(format!("bad host candidate: {e}")))?;
        let fast = self.config.fast_path;
        let p = Participant::new(room.clone(), participant.clone(), candidate, fast, now);
        let key = match self.participants.iter().position(Option::is_none) {
            Some(free) => {
                self.participants[free] = Some(p);
                free
            }
            None => {
                self.participants.push(Some(p));
                self.participants.len() - 1
            }
        };
        self.by_id.insert(participant, key);
        self.rooms.entry(room).or_default().members += 1;
        Ok(())
    }

    /// Applies a client's offer and returns the answer. See `negotiate`.
    pub fn offer(
        &mut self,
        participant: &ParticipantId,
        sdp: &str,
        publish: &[PublishSpec],
        subscribe: &[SubscribeSpec],
        now: Instant,
    ) -> Result<OfferOutcome, SfuError> {
        let key = self.key(participant)?;
        let outcome = negotiate::apply_offer(self, key, sdp, publish, subscribe, now)?;
        self.mark_dirty(key);
        self.drain_dirty(now);
        Ok(outcome)
    }

    /// Adds a trickled remote ICE candidate (`candidate:...`, with or without `a=`).
    /// An empty string (end of candidates) is accepted and ignored.
    pub fn candidate(
        &mut self,
        participant: &ParticipantId,
        candidate: &str,
        now: Instant,
    ) -> Result<(), SfuError> {
        let key = self.key(participant)?;
        let line = candidate.trim();
        let line = line.strip_prefix("a=").unwrap_or(line);
        if line.is_empty() {
            return Ok(());
        }
        let c = Candidate::from_sdp_string(line)
            .map_err(|e| SfuError::InvalidCandidate(e.to_string()))?;
        self.participant_mut(key).rtc.add_remote_candidate(c);
        self.mark_dirty(key);
        self.drain_dirty(now);
        Ok(())
    }

    /// Stops forwarding `track` to `participant`; its m-line stays until the next offer.
    pub fn unsubscribe(
        &mut self,
        participant: &ParticipantId,
        track: &TrackId,
        _now: Instant,
    ) -> Result<(), SfuError> {
        let key = self.key(participant)?;
        if !forward::unsubscribe(self, key, track) {
            return Err(SfuError::UnknownTrack(track.clone()));
        }
        Ok(())
    }

    /// The size at which `participant` shows `track`; picks its simulcast layer. 0×0 pauses.
    pub fn video_size(
        &mut self,
        participant: &ParticipantId,
        track: &TrackId,
        width: u32,
        height: u32,
        now: Instant,
    ) -> Result<(), SfuError> {
        let key = self.key(participant)?;
        if !forward::set_video_size(self, key, track, width, height, now) {
            return Err(SfuError::UnknownTrack(track.clone()));
        }
        self.drain_dirty(now);
        Ok(())
    }

    /// Removes the participant: its tracks stop for every subscriber, its `Rtc` closes.
    pub fn leave(&mut self, participant: &ParticipantId, now: Instant) -> Result<(), SfuError> {
        let key = self.key(participant)?;
        forward::drop_participant_routes(self, key);
        self.by_id.remove(participant);
        self.by_addr.retain(|_, k| *k != key);
        self.dirty.retain(|k| *k != key);
        self.fast_dirty.retain(|k| *k != key);
        let Some(mut p) = self.participants[key].take() else {
            return Ok(());
        };
        speaking::forget(self, &p.room, &p.id);
        // Flush what the close produces (RTCP BYE, DTLS close_notify) so the peer learns at once.
        let _ = p.rtc.close();
        p.drain_transmits(&mut self.transmits, &mut self.stats, now);
        if let Some(room) = self.rooms.get_mut(&p.room) {
            room.members -= 1;
            if room.members == 0 {
                self.rooms.remove(&p.room);
            }
        }
        Ok(())
    }

    /// Feeds one received datagram and drains everything it causes. Anything that is not
    /// for a known participant, or that str0m refuses, is counted in
    /// [`CoreStats::garbage_datagrams`] and otherwise ignored.
    pub fn handle_datagram(
        &mut self,
        now: Instant,
        source: SocketAddr,
        destination: SocketAddr,
        data: &[u8],
    ) {
        self.receive_datagram(now, source, destination, data);
        self.flush(now);
    }

    /// Feeds one datagram of a batch: the participant it is for is driven at once, so what
    /// it publishes is written to its subscribers' send streams, but those subscribers are
    /// only drained by [`SfuCore::flush`]. A runtime that reads many datagrams per wake
    /// calls this for each and `flush` once: every subscriber is then polled once per batch
    /// instead of once per packet, and its packets leave back to back (one GSO train).
    /// Until `flush`, forwarded packets wait in str0m's queues: always call it.
    pub fn receive_datagram(
        &mut self,
        now: Instant,
        source: SocketAddr,
        destination: SocketAddr,
        data: &[u8],
    ) {
        self.stats.datagrams_in += 1;
        let Ok(contents) = data.try_into() else {
            self.stats.garbage_datagrams += 1;
            return;
        };
        let input = Input::Receive(
            now,
            Receive {
                proto: Protocol::Udp,
                source,
                destination,
                contents,
            },
        );
        let Some(key) = self.route(source, &input) else {
            self.stats.garbage_datagrams += 1;
            return;
        };
        if fast::is_rtcp(data) {
            self.fast_rtcp(key, data, now);
        }
        let p = self.participant_mut(key);
        if let Err(e) = p.rtc.handle_input(input) {
            // A refused datagram (possibly spoofed) must not end the participant's session.
            debug!(participant = %p.id, error = %e, "datagram refused");
            self.stats.garbage_datagrams += 1;
        }
        participant::poll(self, key, now);
    }

    /// Drains every participant written to since the last drain (see
    /// [`SfuCore::receive_datagram`]).
    pub fn flush(&mut self, now: Instant) {
        self.drain_dirty(now);
    }

    /// Drives every participant whose timer has expired, and the core's own tick.
    pub fn handle_timeout(&mut self, now: Instant) {
        for key in 0..self.participants.len() {
            let Some(p) = self.participants[key].as_mut() else {
                continue;
            };
            if p.next_timeout <= now {
                self.mark_dirty(key);
            }
        }
        if now >= self.next_tick {
            self.next_tick = now + self.config.tick_interval;
            participant::tick(self, now);
            keyframe::tick(self, now);
            forward::tick(self, now);
            speaking::tick(self, now);
        }
        self.drain_dirty(now);
    }

    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.transmits.pop_front()
    }

    /// Hands a sent [`Transmit`]'s buffer back, so a later datagram is built in it rather
    /// than in a new allocation. Optional: a buffer not handed back is simply freed.
    pub fn recycle(&mut self, contents: Vec<u8>) {
        self.spare.give(contents);
    }

    pub fn poll_event(&mut self) -> Option<SfuEvent> {
        self.events.pop_front()
    }

    /// When [`SfuCore::handle_timeout`] is next due.
    pub fn poll_timeout(&self) -> Instant {
        if self.by_id.is_empty() {
            // Nothing to tick for: an idle hub does not wake ten times a second.
            return self.next_tick + IDLE_WAKE;
        }
        self.participants
            .iter()
            .flatten()
            .filter(|p| p.rtc.is_alive())
            .map(|p| p.next_timeout)
            .fold(self.next_tick, Instant::min)
    }

    /// The participants currently seated (any room).
    pub fn participant_count(&self) -> usize {
        self.by_id.len()
    }

    fn key(&self, participant: &ParticipantId) -> Result<PKey, SfuError> {
        self.by_id
            .get(participant)
            .copied()
            .ok_or_else(|| SfuError::UnknownParticipant(participant.clone()))
    }

    fn route(&mut self, source: SocketAddr, input: &Input) -> Option<PKey> {
        if let Some(&key) = self.by_addr.get(&source) {
            // An ended participant's address may since belong to someone else (NAT reuse).
            if self.participants[key].as_ref().is_some_and(|p| !p.ended) {
                return Some(key);
            }
        }
        // New address: only STUN with a participant's ufrag (or a nominated pair) claims it.
        let key = self.participants.iter().position(|p| {
            p.as_ref()
                .is_some_and(|p| p.rtc.is_alive() && p.rtc.accepts(input))
        })?;
        self.by_addr.insert(source, key);
        Some(key)
    }

    pub(crate) fn participant_mut(&mut self, key: PKey) -> &mut Participant {
        self.participants[key]
            .as_mut()
            .expect("live participant key")
    }

    pub(crate) fn mark_dirty(&mut self, key: PKey) {
        if let Some(p) = self.participants[key].as_mut().filter(|p| !p.dirty) {
            p.dirty = true;
            self.dirty.push(key);
        }
    }

    /// Drains every participant with pending output. Forwarding while draining one
    /// participant marks others dirty, so this loops until all are quiet. A participant's
    /// fast-path outbox leaves right after what str0m has for it (`fast` keeps a stream's
    /// packets in order across the two), so its datagrams of one batch leave back to back.
    fn drain_dirty(&mut self, now: Instant) {
        while let Some(key) = self.dirty.pop() {
            // Drained directly since it was queued (`receive_datagram`): nothing left.
            if self.participants[key].as_ref().is_some_and(|p| p.dirty) {
                participant::drain(self, key, now);
                self.flush_outbox(key);
            }
        }
        while let Some(key) = self.fast_dirty.pop() {
            self.flush_outbox(key);
        }
    }

    fn flush_outbox(&mut self, key: PKey) {
        let Some(p) = self.participants[key].as_mut() else {
            return;
        };
        let fast::FastState::Ready(f) = &mut p.fast else {
            return;
        };
        f.batch += 1;
        let Some((source, destination)) = p.path else {
            f.outbox.clear();
            return;
        };
        for contents in f.outbox.drain(..) {
            self.stats.transmits += 1;
            self.transmits.push_back(Transmit {
                source,
                destination,
                contents,
            });
        }
    }

    /// A subscriber's RTCP, seen by the fast path before str0m gets it: its NACKs for
    /// packets str0m never sent are answered from the fast path's history.
    fn fast_rtcp(&mut self, key: PKey, data: &[u8], now: Instant) {
        let cap = self.config.rtx_ratio_cap;
        let Some(p) = self.participants[key].as_mut() else {
            return;
        };
        let fast::FastState::Ready(f) = &mut p.fast else {
            return;
        };
        let before = f.outbox.len();
        let queued = fast::on_rtcp(f, &mut self.spare, &p.subscriptions, data, cap, now);
        self.stats.fast_resends += (f.outbox.len() - before) as u64;
        if queued {
            self.fast_dirty.push(key);
        }
    }
}
