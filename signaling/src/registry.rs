//! The room registry: who sits in which room, what they publish, and where their messages go.
//!
//! One mutex guards all rooms; every operation is short and never awaits while holding it
//! (SFU calls happen after the lock is released). Each seat has at most one attached
//! session, reached through a bounded outbox; a seat without one is "detached" and keeps its
//! place for the resume grace period. Attachments are numbered (`epoch`) so that a session
//! that lost its seat to a resume cannot detach or release the newer one.
//!
//! Broadcasts use `try_send`: a session whose outbox is full has fallen behind, so it loses
//! its attachment (its websocket is closed and it may `resume`, which sends a fresh
//! snapshot) rather than slowing down the room.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rand::Rng;
use sfu::{MediaEndReason, ParticipantId, RoomId, SfuHandle, TrackId, TrackInfo, TrackSource};
use tokio::sync::mpsc;
use tracing::{debug, info};

use crate::protocol::{LeaveReason, ParticipantInfo, ServerMessage};

/// Where a session receives the messages the room sends it.
pub(crate) type Outbox = mpsc::Sender<ServerMessage>;

/// What a session gets when it takes (or takes back) a seat.
#[derive(Debug)]
pub(crate) struct SeatGrant {
    pub room: RoomId,
    pub participant: ParticipantId,
    pub name: String,
    pub resume_token: String,
    pub epoch: u64,
    /// Everyone else in the room, in join order.
    pub participants: Vec<ParticipantInfo>,
    pub tracks: Vec<TrackInfo>,
}

/// What to do about a participant whose media ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MediaEndOutcome {
    /// Not seated (any more): nothing to do.
    Unknown,
    /// The seat was released (its session was detached); the SFU peer must be dropped.
    Released,
    /// The session is attached: tracks were unpublished and the client told to offer anew
    /// on a fresh SFU peer.
    Reset,
}

struct Seat {
    info: ParticipantInfo,
    resume_token: String,
    joined_seq: u64,
    epoch: u64,
    outbox: Option<Outbox>,
    /// The client closed its media (DTLS close, [`MediaEndReason::Closed`]) while attached,
    /// and no new media has connected since: the tab is most likely closing, so if the
    /// websocket goes too, nothing is left to resume. (A media *timeout* is a network
    /// outage, which the grace is for.)
    media_closed: bool,
}

#[derive(Default)]
struct Room {
    seats: HashMap<ParticipantId, Seat>,
    tracks: Vec<TrackInfo>,
    next_chat_id: u64,
}

#[derive(Default)]
struct Inner {
    rooms: HashMap<RoomId, Room>,
    room_of: HashMap<ParticipantId, RoomId>,
    next_seq: u64,
}

/// All rooms of this hub.
pub(crate) struct Registry {
    inner: Mutex<Inner>,
    sfu: SfuHandle,
    grace: Duration,
    max_participants: usize,
}

impl Registry {
    pub fn new(sfu: SfuHandle, grace: Duration, max_participants: usize) -> Arc<Self> {
        Arc::new(Self {
            inner: Mutex::default(),
            sfu,
            grace,
            max_participants,
        })
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic elsewhere must not take every room down with it.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether `room` has a free seat now (a hint; `join` decides).
    pub fn has_room_for(&self, room: &RoomId) -> bool {
        self.lock()
            .rooms
            .get(room)
            .is_none_or(|r| r.seats.len() < self.max_participants)
    }

    /// Takes a new seat for `participant` (already known to the SFU); `None` when full.
    pub fn join(
        &self,
        room: &RoomId,
        participant: ParticipantId,
        name: String,
        outbox: Outbox,
    ) -> Option<SeatGrant> {
        let mut inner = self.lock();
        inner.next_seq += 1;
        let seq = inner.next_seq;
        let r = inner.rooms.entry(room.clone()).or_default();
        if r.seats.len() >= self.max_participants {
            if r.seats.is_empty() {
                inner.rooms.remove(room);
            }
            return None;
        }
        let info = ParticipantInfo {
            participant: participant.clone(),
            name,
            mic_muted: false,
            camera_muted: false,
            speaking: false,
        };
        broadcast(
            r,
            None,
            &ServerMessage::ParticipantJoined {
                participant: info.clone(),
            },
        );
        let resume_token = format!("{:032x}", rand::rng().random::<u128>());
        let seat = Seat {
            info,
            resume_token,
            joined_seq: seq,
            epoch: seq,
            outbox: Some(outbox),
            media_closed: false,
        };
        r.seats.insert(participant.clone(), seat);
        let grant = grant(room, r, &participant);
        inner.room_of.insert(participant, room.clone());
        Some(grant)
    }

    /// Re-attaches a seat to a new session if the resume token matches. A session still
    /// attached to the seat loses it (its outbox closes).
    pub fn resume(
        &self,
        participant: &ParticipantId,
        token: &str,
        outbox: Outbox,
    ) -> Option<SeatGrant> {
        let mut inner = self.lock();
        inner.next_seq += 1;
        let epoch = inner.next_seq;
        let room = inner.room_of.get(participant)?.clone();
        let r = inner.rooms.get_mut(&room)?;
        let seat = r.seats.get_mut(participant)?;
        if !constant_time_eq(seat.resume_token.as_bytes(), token.as_bytes()) {
            return None;
        }
        seat.epoch = epoch;
        seat.outbox = Some(outbox);
        Some(grant(&room, r, participant))
    }

    /// The session of `epoch` is gone without `leave`: the seat waits `grace` for a resume,
    /// unless the client had closed its media.
    pub fn detach(self: &Arc<Self>, participant: &ParticipantId, epoch: u64) {
        let media_closed = {
            let mut inner = self.lock();
            let Some(seat) = seat_mut(&mut inner, participant) else {
                return;
            };
            if seat.epoch != epoch {
                return; // Resumed elsewhere already.
            }
            seat.outbox = None;
            seat.media_closed
        };
        // Neither transport is left (typically a closing tab whose peer connection closed
        // before its websocket could say `leave`): release at once, as `media_ended` does
        // when the two go the other way round.
        if media_closed
            && self.remove_if(participant, LeaveReason::Disconnected, |s| {
                s.epoch == epoch && s.outbox.is_none()
            })
        {
            info!(%participant, "websocket gone after the media; seat released");
            let this = Arc::clone(self);
            let participant = participant.clone();
            tokio::spawn(async move { this.sfu.leave(participant).await });
            return;
        }
        debug!(%participant, grace = ?self.grace, "session detached; seat kept for resume");
        let this = Arc::clone(self);
        let participant = participant.clone();
        tokio::spawn(async move {
            tokio::time::sleep(this.grace).await;
            let unclaimed = |s: &Seat| s.epoch == epoch && s.outbox.is_none();
            if this.remove_if(&participant, LeaveReason::Disconnected, unclaimed) {
                info!(%participant, "resume grace over; seat released");
                this.sfu.leave(participant).await;
            }
        });
    }

    /// Removes the seat if the session of `epoch` still holds it, tells the room, and drops
    /// the participant's SFU peer.
    pub async fn release(&self, participant: &ParticipantId, epoch: u64, reason: LeaveReason) {
        if self.remove_if(participant, reason, |s| s.epoch == epoch) {
            self.sfu.leave(participant.clone()).await;
        }
    }

    /// Removes the seat if `cond` holds and tells the room: track_unpublished for each of its
    /// tracks, then participant_left. False when nothing was removed.
    fn remove_if(
        &self,
        participant: &ParticipantId,
        reason: LeaveReason,
        cond: impl FnOnce(&Seat) -> bool,
    ) -> bool {
        let mut inner = self.lock();
        let Some(room) = inner.room_of.get(participant).cloned() else {
            return false;
        };
        let Some(r) = inner.rooms.get_mut(&room) else {
            return false;
        };
        if !r.seats.get(participant).is_some_and(cond) {
            return false;
        }
        r.seats.remove(participant);
        unpublish_all(r, participant);
        broadcast(
            r,
            None,
            &ServerMessage::ParticipantLeft {
                participant: participant.clone(),
                reason,
            },
        );
        if r.seats.is_empty() {
            inner.rooms.remove(&room);
        }
        inner.room_of.remove(participant);
        true
    }

    /// Is `epoch` still the seat's current attachment?
    #[cfg(test)]
    pub fn is_current(&self, participant: &ParticipantId, epoch: u64) -> bool {
        seat_mut(&mut self.lock(), participant).is_some_and(|s| s.epoch == epoch)
    }

    /// Applies a mute change; false for sources without a shared mute state.
    pub fn set_mute(&self, participant: &ParticipantId, source: TrackSource, muted: bool) -> bool {
        self.update(participant, |info| match source {
            TrackSource::Microphone => Some(std::mem::replace(&mut info.mic_muted, muted) != muted),
            TrackSource::Camera => Some(std::mem::replace(&mut info.camera_muted, muted) != muted),
            TrackSource::Screen | TrackSource::ScreenAudio => None,
        })
        .is_some()
    }

    pub fn set_speaking(&self, participant: &ParticipantId, speaking: bool) {
        self.update(participant, |info| {
            Some(std::mem::replace(&mut info.speaking, speaking) != speaking)
        });
    }

    /// Runs `change` on the participant's info (it returns whether anything changed, or
    /// `None` to refuse) and broadcasts participant_updated to the whole room on a change.
    fn update(
        &self,
        participant: &ParticipantId,
        change: impl FnOnce(&mut ParticipantInfo) -> Option<bool>,
    ) -> Option<bool> {
        let mut inner = self.lock();
        let r = room_mut(&mut inner, participant)?;
        let seat = r.seats.get_mut(participant)?;
        let changed = change(&mut seat.info)?;
        if changed {
            let msg = ServerMessage::ParticipantUpdated {
                participant: seat.info.clone(),
            };
            broadcast(r, None, &msg);
        }
        Some(changed)
    }

    pub fn active_speaker(&self, room: &RoomId, participant: &ParticipantId) {
        let mut inner = self.lock();
        if let Some(r) = inner
            .rooms
            .get_mut(room)
            .filter(|r| r.seats.contains_key(participant))
        {
            broadcast(
                r,
                None,
                &ServerMessage::ActiveSpeaker {
                    participant: participant.clone(),
                },
            );
        }
    }

    /// Records an offer's outcome and tells the others about the publications.
    pub fn apply_offer(
        &self,
        participant: &ParticipantId,
        published: &[TrackInfo],
        unpublished: &[TrackId],
    ) {
        let mut inner = self.lock();
        let Some(r) = room_mut(&mut inner, participant) else {
            return;
        };
        for track in published {
            r.tracks.retain(|t| t.track != track.track);
            r.tracks.push(track.clone());
            broadcast(
                r,
                Some(participant),
                &ServerMessage::TrackPublished {
                    track: track.clone(),
                },
            );
        }
        for track in unpublished {
            remove_track(r, Some(participant), track);
        }
    }

    /// Withdraws one of the participant's own tracks; false when it has no such track.
    pub fn unpublish(&self, participant: &ParticipantId, track: &TrackId) -> bool {
        let mut inner = self.lock();
        room_mut(&mut inner, participant).is_some_and(|r| remove_track(r, Some(participant), track))
    }

    /// Whether `track` is published in the participant's room.
    pub fn track_visible(&self, participant: &ParticipantId, track: &TrackId) -> bool {
        let mut inner = self.lock();
        room_mut(&mut inner, participant)
            .is_some_and(|r| r.tracks.iter().any(|t| &t.track == track))
    }

    /// Sends a chat message (already cleaned) to everyone in the room, the sender included.
    pub fn chat(&self, participant: &ParticipantId, text: String) {
        let mut inner = self.lock();
        let Some(r) = room_mut(&mut inner, participant) else {
            return;
        };
        let Some(name) = r.seats.get(participant).map(|s| s.info.name.clone()) else {
            return;
        };
        r.next_chat_id += 1;
        let sent_at_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64);
        let msg = ServerMessage::Chat {
            id: r.next_chat_id,
            participant: participant.clone(),
            name,
            text,
            sent_at_ms,
        };
        broadcast(r, None, &msg);
    }

    /// The SFU says the participant's media is gone. A detached seat is released
    /// (media_timeout): nobody is there to repair it. An attached session keeps its seat, its
    /// tracks are unpublished, and it is told `media_ended` so that it offers again.
    pub fn media_ended(
        &self,
        room: &RoomId,
        participant: &ParticipantId,
        reason: MediaEndReason,
    ) -> MediaEndOutcome {
        let attached = {
            let mut inner = self.lock();
            let Some(r) = inner.rooms.get_mut(room) else {
                return MediaEndOutcome::Unknown;
            };
            let Some(seat) = r.seats.get_mut(participant) else {
                return MediaEndOutcome::Unknown;
            };
            let attached = seat.outbox.is_some();
            if attached {
                seat.media_closed = reason == MediaEndReason::Closed;
                unpublish_all(r, participant);
                send_to(r, participant, ServerMessage::MediaEnded { reason });
            }
            attached
        };
        if attached {
            MediaEndOutcome::Reset
        } else if self.remove_if(participant, LeaveReason::MediaTimeout, |s| {
            s.outbox.is_none()
        }) {
            MediaEndOutcome::Released
        } else {
            MediaEndOutcome::Unknown
        }
    }

    /// The SFU says the participant's media is up (again): a reset seat is whole once more.
    pub fn media_connected(&self, participant: &ParticipantId) {
        if let Some(seat) = seat_mut(&mut self.lock(), participant) {
            seat.media_closed = false;
        }
    }

    /// Number of seats (attached or not) in `room`.
    #[cfg(test)]
    pub fn seats(&self, room: &RoomId) -> usize {
        self.lock().rooms.get(room).map_or(0, |r| r.seats.len())
    }
}

fn grant(room: &RoomId, r: &Room, me: &ParticipantId) -> SeatGrant {
    let seat = &r.seats[me];
    let mut others: Vec<&Seat> = r
        .seats
        .values()
        .filter(|s| &s.info.participant != me)
        .collect();
    others.sort_by_key(|s| s.joined_seq);
    SeatGrant {
        room: room.clone(),
        participant: me.clone(),
        name: seat.info.name.clone(),
        resume_token: seat.resume_token.clone(),
        epoch: seat.epoch,
        participants: others.into_iter().map(|s| s.info.clone()).collect(),
        tracks: r.tracks.clone(),
    }
}

fn room_mut<'a>(inner: &'a mut Inner, participant: &ParticipantId) -> Option<&'a mut Room> {
    let room = inner.room_of.get(participant)?;
    inner.rooms.get_mut(room)
}

fn seat_mut<'a>(inner: &'a mut Inner, participant: &ParticipantId) -> Option<&'a mut Seat> {
    room_mut(inner, participant)?.seats.get_mut(participant)
}

/// Removes `track` if `owner` (when given) published it, telling everyone else.
fn remove_track(r: &mut Room, owner: Option<&ParticipantId>, track: &TrackId) -> bool {
    let Some(pos) = r
        .tracks
        .iter()
        .position(|t| &t.track == track && owner.is_none_or(|o| &t.participant == o))
    else {
        return false;
    };
    let info = r.tracks.remove(pos);
    broadcast(
        r,
        Some(&info.participant),
        &ServerMessage::TrackUnpublished {
            track: info.track.clone(),
        },
    );
    true
}

fn unpublish_all(r: &mut Room, participant: &ParticipantId) {
    let mine: Vec<TrackId> = r
        .tracks
        .iter()
        .filter(|t| &t.participant == participant)
        .map(|t| t.track.clone())
        .collect();
    for track in mine {
        remove_track(r, Some(participant), &track);
    }
}

/// Sends to every attached seat but `except`.
fn broadcast(r: &mut Room, except: Option<&ParticipantId>, msg: &ServerMessage) {
    for seat in r.seats.values_mut() {
        if except != Some(&seat.info.participant) {
            deliver(seat, msg.clone());
        }
    }
}

fn send_to(r: &mut Room, participant: &ParticipantId, msg: ServerMessage) {
    if let Some(seat) = r.seats.get_mut(participant) {
        deliver(seat, msg);
    }
}

fn deliver(seat: &mut Seat, msg: ServerMessage) {
    let Some(outbox) = &seat.outbox else { return }; // Detached: `resumed` carries the state.
    if let Err(mpsc::error::TrySendError::Full(_)) = outbox.try_send(msg) {
        // Fallen behind: dropping the outbox closes the session, which detaches the seat.
        info!(participant = %seat.info.participant, "session fell behind; disconnecting it");
        seat.outbox = None;
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
#[path = "registry_tests.rs"]
mod tests;
