//! What each client message does. Handlers check input against the session state and the
//! registry, call the SFU, and either queue replies or return a [`Refusal`] (an error frame;
//! the connection stays up).

use rand::Rng;
use sfu::{ParticipantId, PublishSpec, RoomId, SfuError, SubscribeSpec, TrackId, TrackSource};
use tokio::sync::mpsc;
use tracing::{info, warn};

use crate::input::{ChatRejection, MAX_CHAT_CHARS, clean_chat, clean_display_name};
use crate::protocol::{ClientMessage, ErrorCode, LeaveReason, PROTOCOL_VERSION, ServerMessage};
use crate::registry::SeatGrant;
use crate::session::{Flow, Refusal, SeatRef, Session};
use crate::token::TokenError;

/// Shown when neither the token nor `join` names the participant.
const DEFAULT_NAME: &str = "Guest";

type Handled = Result<Flow, Refusal>;

impl Session {
    pub(crate) async fn handle(&mut self, msg: ClientMessage) -> Handled {
        let seat = match (&msg, &self.seat) {
            (
                ClientMessage::Join {
                    v,
                    room,
                    token,
                    name,
                },
                None,
            ) => {
                return self.join(*v, room, token, name.as_deref()).await;
            }
            (
                ClientMessage::Resume {
                    participant,
                    resume_token,
                },
                None,
            ) => {
                return self.resume(participant, resume_token);
            }
            (ClientMessage::Join { .. } | ClientMessage::Resume { .. }, Some(_)) => {
                return Err(Refusal::new(
                    ErrorCode::AlreadyJoined,
                    "this connection already has a seat",
                ));
            }
            (ClientMessage::Ping { id }, _) => {
                self.reply(ServerMessage::Pong { id: *id });
                return Ok(Flow::Continue);
            }
            (_, None) => {
                return Err(Refusal::new(
                    ErrorCode::NotJoined,
                    "send join (or resume) first",
                ));
            }
            (_, Some(seat)) => seat.clone(),
        };
        self.handle_joined(seat, msg).await
    }

    async fn handle_joined(&mut self, seat: SeatRef, msg: ClientMessage) -> Handled {
        let me = &seat.participant;
        let registry = &self.hub.registry;
        match msg {
            ClientMessage::Offer {
                sdp,
                publish,
                subscribe,
            } => {
                return self.offer(me, sdp, publish, subscribe).await;
            }
            ClientMessage::Candidate { candidate, .. } => {
                self.hub
                    .sfu
                    .candidate(me.clone(), candidate)
                    .await
                    .map_err(sfu_refusal)?;
            }
            ClientMessage::Unpublish { track } => {
                if !registry.unpublish(me, &track) {
                    return Err(unknown_track(&track, "you publish no such track"));
                }
            }
            ClientMessage::Unsubscribe { track } => {
                self.hub
                    .sfu
                    .unsubscribe(me.clone(), track)
                    .await
                    .map_err(sfu_refusal)?;
            }
            ClientMessage::VideoSize {
                track,
                width,
                height,
            } => {
                if !registry.track_visible(me, &track) {
                    return Err(unknown_track(&track, "no such track in this room"));
                }
                self.hub.sfu.video_size(me.clone(), track, width, height);
            }
            ClientMessage::Mute { source, muted } => self.mute(me, source, muted)?,
            ClientMessage::Chat { text } => match clean_chat(&text) {
                Ok(text) => registry.chat(me, text),
                Err(ChatRejection::TooLong) => {
                    let m = format!("chat messages are limited to {MAX_CHAT_CHARS} characters");
                    return Err(Refusal::new(ErrorCode::ChatTooLong, m));
                }
                Err(ChatRejection::Empty) => {
                    return Err(Refusal::new(ErrorCode::BadMessage, "chat text is empty"));
                }
            },
            ClientMessage::Leave => {
                info!("left");
                registry.release(me, seat.epoch, LeaveReason::Left).await;
                self.seat = None;
                self.outbox = None;
                return Ok(Flow::Leave);
            }
            // Answered in `handle` whatever the state.
            ClientMessage::Join { .. }
            | ClientMessage::Resume { .. }
            | ClientMessage::Ping { .. } => {}
        }
        Ok(Flow::Continue)
    }

    async fn join(&mut self, v: u32, room: &RoomId, token: &str, name: Option<&str>) -> Handled {
        if v != PROTOCOL_VERSION {
            let m = format!("this hub speaks protocol version {PROTOCOL_VERSION}, not {v}");
            return Err(Refusal::new(ErrorCode::UnsupportedVersion, m));
        }
        let claims = self
            .hub
            .issuer
            .verify_for_room(token, room)
            .map_err(token_refusal)?;
        let name = claims
            .name
            .as_deref()
            .and_then(clean_display_name)
            .or_else(|| name.and_then(clean_display_name))
            .unwrap_or_else(|| DEFAULT_NAME.to_owned());
        let registry = &self.hub.registry;
        if !registry.has_room_for(room) {
            return Err(room_full());
        }
        let participant = ParticipantId(format!("p-{:016x}", rand::rng().random::<u64>()));
        self.hub
            .sfu
            .join(room.clone(), participant.clone())
            .await
            .map_err(sfu_refusal)?;
        let (tx, rx) = mpsc::channel(self.hub.config.outbox_capacity.max(1));
        let Some(grant) = registry.join(room, participant.clone(), name, tx) else {
            // Someone took the last seat while the SFU was answering.
            self.hub.sfu.leave(participant).await;
            return Err(room_full());
        };
        self.attach(&grant, rx);
        info!(token_sub = %claims.sub, "joined");
        self.reply(ServerMessage::Joined {
            room: grant.room,
            participant: grant.participant,
            name: grant.name,
            resume_token: grant.resume_token,
            resume_grace_secs: self.hub.config.resume_grace.as_secs(),
            participants: grant.participants,
            tracks: grant.tracks,
            dev_mode: self.hub.config.dev_mode,
        });
        Ok(Flow::Continue)
    }

    fn resume(&mut self, participant: &ParticipantId, resume_token: &str) -> Handled {
        let (tx, rx) = mpsc::channel(self.hub.config.outbox_capacity.max(1));
        let Some(grant) = self.hub.registry.resume(participant, resume_token, tx) else {
            let m = "no seat to resume: the grace period is over or the resume token is wrong";
            return Err(Refusal::new(ErrorCode::ResumeFailed, m));
        };
        self.attach(&grant, rx);
        info!("resumed");
        self.reply(ServerMessage::Resumed {
            participant: grant.participant,
            participants: grant.participants,
            tracks: grant.tracks,
        });
        Ok(Flow::Continue)
    }

    fn attach(&mut self, grant: &SeatGrant, rx: mpsc::Receiver<ServerMessage>) {
        let seat = SeatRef {
            participant: grant.participant.clone(),
            room: grant.room.clone(),
            epoch: grant.epoch,
        };
        self.attached(seat, rx);
    }

    async fn offer(
        &mut self,
        me: &ParticipantId,
        sdp: String,
        publish: Vec<PublishSpec>,
        subscribe: Vec<SubscribeSpec>,
    ) -> Handled {
        let registry = &self.hub.registry;
        if let Some(s) = subscribe
            .iter()
            .find(|s| !registry.track_visible(me, &s.track))
        {
            return Err(unknown_track(
                &s.track,
                "cannot subscribe: no such track in this room",
            ));
        }
        let outcome = self
            .hub
            .sfu
            .offer(me.clone(), sdp, publish, subscribe)
            .await
            .map_err(sfu_refusal)?;
        registry.apply_offer(me, &outcome.published, &outcome.unpublished);
        self.reply(ServerMessage::Answer {
            sdp: outcome.answer_sdp,
            published: outcome.published,
        });
        Ok(Flow::Continue)
    }

    fn mute(
        &mut self,
        me: &ParticipantId,
        source: TrackSource,
        muted: bool,
    ) -> Result<(), Refusal> {
        if self.hub.registry.set_mute(me, source, muted) {
            Ok(())
        } else {
            let m = "only microphone and camera have a shared mute state";
            Err(Refusal::new(ErrorCode::BadMessage, m))
        }
    }
}

fn room_full() -> Refusal {
    Refusal::new(ErrorCode::RoomFull, "the room has no free seat")
}

fn unknown_track(track: &TrackId, why: &str) -> Refusal {
    let id: String = track.0.chars().take(64).collect();
    Refusal::new(ErrorCode::UnknownTrack, format!("{why}: {id}"))
}

fn token_refusal(e: TokenError) -> Refusal {
    let code = match e {
        TokenError::Expired => ErrorCode::TokenExpired,
        TokenError::Invalid(_) => ErrorCode::InvalidToken,
        TokenError::WrongRoom => ErrorCode::WrongRoom,
    };
    Refusal::new(code, e.to_string())
}

/// The SFU's refusals of client input keep their meaning; the rest are the hub's problem.
fn sfu_refusal(e: SfuError) -> Refusal {
    let code = match &e {
        SfuError::UnknownTrack(_) => ErrorCode::UnknownTrack,
        SfuError::InvalidSdp(_) => ErrorCode::InvalidSdp,
        SfuError::Negotiation(_) => ErrorCode::NegotiationFailed,
        SfuError::InvalidCandidate(_) => ErrorCode::InvalidCandidate,
        SfuError::UnknownParticipant(_) | SfuError::AlreadyJoined(_) | SfuError::ShuttingDown => {
            warn!(error = %e, "the SFU refused a seated participant");
            ErrorCode::Internal
        }
    };
    Refusal::new(code, e.to_string())
}
