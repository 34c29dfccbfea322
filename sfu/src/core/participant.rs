//! One peer of the SFU: its `str0m::Rtc` (RTP mode), what it publishes and subscribes to,
//! and the loop that drains the `Rtc`'s output into the core.

use std::collections::VecDeque;
use std::time::Instant;

use str0m::format::PayloadParams;
use str0m::media::{Mid, Pt};
use str0m::rtp::Ssrc;
use str0m::{Candidate, Event, IceConnectionState, Input, Output, Rtc};
use tracing::{debug, info};

use super::fast::{self, FastSender, FastState, Path};
use super::forward::{self, Subscription};
use super::keys::{self, KeySlot};
use super::{CoreStats, PKey, SfuCore, TKey, Transmit};
use crate::api::{MediaEndReason, ParticipantId, RoomId, SfuEvent};
use crate::media::speaker::SpeakingDetector;

/// A track this participant publishes on one of its receive m-lines.
#[derive(Debug, Clone)]
pub(crate) struct Publication {
    pub mid: Mid,
    pub track: TKey,
}

/// Where packets of one incoming SSRC go; cached so the per-packet path does one short scan.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RxRoute {
    pub ssrc: Ssrc,
    pub track: TKey,
    pub layer: u8,
    /// The codec of the last payload type seen on this SSRC.
    pub pt: Pt,
    pub params: PayloadParams,
}

pub(crate) struct Participant {
    pub room: RoomId,
    pub id: ParticipantId,
    pub rtc: Rtc,
    pub next_timeout: Instant,
    /// Has output to drain; queued in `SfuCore::dirty` (possibly more than once: entries
    /// whose participant was drained directly since are skipped).
    pub dirty: bool,
    pub connected: bool,
    pub ended: bool,
    pub publications: Vec<Publication>,
    pub subscriptions: Vec<Subscription>,
    pub rx_routes: Vec<RxRoute>,
    pub speaking: SpeakingDetector,
    /// When the first offer was answered: the connect deadline counts from here.
    pub offered_at: Option<Instant>,
    /// Filled by the DTLS handshake with the SRTP keying material (see `keys`).
    pub keys: KeySlot,
    /// Whether subscriber RTP leaves by the fast path (see `fast`).
    pub fast: FastState,
    /// The selected ICE pair, from the last DTLS/SRTP datagram str0m sent.
    pub path: Option<Path>,
}

/// First retransmission of the hub's own connectivity check (str0m's default is 250 ms).
/// The hub checks the client the moment it has the offer, usually before the client has the
/// answer, and some clients (webrtc-rs) drop that check. str0m's agent keeps the time it
/// scheduled for the retry even when the client nominates the pair meanwhile, so with the
/// default about half of the joins waited ~220 ms after the nomination (traced with
/// `RUST_LOG=is=trace`). Later retransmissions still double from here.
const INITIAL_STUN_RTO: std::time::Duration = std::time::Duration::from_millis(50);

impl Participant {
    pub fn new(
        room: RoomId,
        id: ParticipantId,
        candidate: Candidate,
        fast_path: bool,
        now: Instant,
    ) -> Self {
        let mut config = Rtc::builder()
            .set_rtp_mode(true)
            // A server's host candidate is the only one it has; browsers check it directly.
            .set_ice_lite(false);
        config.set_initial_stun_rto(INITIAL_STUN_RTO);
        let keys = KeySlot::default();
        let mut rtc = keys::build_with_slot(config, &keys, now);
        rtc.add_local_candidate(candidate);
        Self {
            room,
            id,
            rtc,
            next_timeout: now,
            dirty: false,
            connected: false,
            ended: false,
            publications: Vec::new(),
            subscriptions: Vec::new(),
            rx_routes: Vec::new(),
            speaking: SpeakingDetector::default(),
            offered_at: None,
            keys,
            fast: if fast_path {
                FastState::Waiting
            } else {
                FastState::Off
            },
            path: None,
        }
    }

    /// Moves a connected participant onto the fast path once its keys are known; a
    /// profile the fast path does not implement keeps it on str0m's for good.
    pub fn try_fast(&mut self) {
        if !matches!(self.fast, FastState::Waiting) || !self.connected {
            return;
        }
        match FastSender::from_slot(&self.keys) {
            Ok(Some(f)) => {
                debug!(participant = %self.id, "subscriber RTP on the fast path");
                self.fast = FastState::Ready(Box::new(f));
            }
            Ok(None) => {}
            Err(()) => {
                debug!(participant = %self.id, "SRTP profile not on the fast path");
                self.fast = FastState::Off;
            }
        }
    }

    /// Pushes out whatever the `Rtc` still has to send, ignoring events (used on leave).
    pub fn drain_transmits(
        &mut self,
        out: &mut VecDeque<Transmit>,
        stats: &mut CoreStats,
        now: Instant,
    ) {
        let _ = self.rtc.handle_input(Input::Timeout(now));
        for _ in 0..64 {
            match self.rtc.poll_output() {
                Ok(Output::Transmit(t)) => push_transmit(out, stats, t),
                Ok(Output::Event(_)) => {}
                Ok(Output::Timeout(_)) | Err(_) => break,
            }
        }
    }
}

fn push_transmit(out: &mut VecDeque<Transmit>, stats: &mut CoreStats, t: str0m::net::Transmit) {
    stats.transmits += 1;
    out.push_back(Transmit {
        source: t.source,
        destination: t.destination,
        contents: t.contents.into(),
    });
}

/// Polls one participant's `Rtc` until it asks for a timeout, acting on every event.
pub(crate) fn drain(core: &mut SfuCore, key: PKey, now: Instant) {
    let Some(p) = core.participants[key].as_mut() else {
        return;
    };
    if !p.rtc.is_alive() {
        p.dirty = false;
        return;
    }
    // Lets str0m stamp and send RTP written since its last input.
    if let Err(e) = p.rtc.handle_input(Input::Timeout(now)) {
        debug!(participant = %p.id, error = %e, "timeout input failed");
    }
    poll(core, key, now);
}

/// [`drain`] without the timeout input, for a participant that was just given one (a
/// received datagram is followed by str0m's own timeout handling).
pub(crate) fn poll(core: &mut SfuCore, key: PKey, now: Instant) {
    if let Some(p) = core.participants[key].as_mut() {
        p.dirty = false;
    }
    loop {
        let Some(p) = core.participants[key].as_mut() else {
            return;
        };
        match p.rtc.poll_output() {
            Ok(Output::Transmit(t)) => {
                if fast::names_selected_pair(&t.contents) {
                    p.path = Some((t.source, t.destination));
                }
                push_transmit(&mut core.transmits, &mut core.stats, t);
            }
            Ok(Output::Timeout(t)) => {
                p.next_timeout = t;
                break;
            }
            Ok(Output::Event(e)) => on_event(core, key, e, now),
            Err(e) => {
                info!(participant = %p.id, error = %e, "rtc failed");
                end(core, key, MediaEndReason::Closed);
                break;
            }
        }
    }
    let Some(p) = core.participants[key].as_ref() else {
        return;
    };
    if !p.rtc.is_alive() && !p.ended {
        end(core, key, MediaEndReason::Closed);
    }
}

fn on_event(core: &mut SfuCore, key: PKey, event: Event, now: Instant) {
    match event {
        Event::RtpPacket(packet) => forward::on_rtp(core, key, packet, now),
        Event::KeyframeRequest(req) => forward::on_keyframe_request(core, key, req.mid, now),
        Event::StreamPaused(s) => forward::on_stream_paused(core, key, s.ssrc, s.paused),
        Event::Connected => {
            let p = core.participant_mut(key);
            if !p.connected {
                p.connected = true;
                p.try_fast();
                info!(participant = %p.id, "media connected");
                let ev = SfuEvent::MediaConnected {
                    room: p.room.clone(),
                    participant: p.id.clone(),
                };
                core.events.push_back(ev);
            }
        }
        Event::IceConnectionStateChange(IceConnectionState::Disconnected) => {
            end(core, key, MediaEndReason::Timeout);
        }
        Event::Closed => end(core, key, MediaEndReason::Closed),
        _ => {}
    }
}

/// The participant's transport is gone: tell signaling once, stop the `Rtc`.
pub(crate) fn end(core: &mut SfuCore, key: PKey, reason: MediaEndReason) {
    let p = core.participant_mut(key);
    if p.ended {
        return;
    }
    p.ended = true;
    p.rtc.disconnect();
    info!(participant = %p.id, ?reason, "media ended");
    let ev = SfuEvent::MediaEnded {
        room: p.room.clone(),
        participant: p.id.clone(),
        reason,
    };
    core.events.push_back(ev);
}

/// Participants that answered an offer but never connected within `timeout` end: str0m's
/// ICE keeps checking forever, so nothing else would ever report them.
pub(crate) fn tick(core: &mut SfuCore, now: Instant) {
    let timeout = core.config.connect_timeout;
    for key in 0..core.participants.len() {
        let Some(p) = core.participants[key].as_ref() else {
            continue;
        };
        let late = p
            .offered_at
            .is_some_and(|t| now.saturating_duration_since(t) >= timeout);
        if late && !p.connected && !p.ended {
            end(core, key, MediaEndReason::Timeout);
        }
    }
}
