//! The signaling protocol, version 1: one JSON object per websocket text frame, tagged by
//! `type`. `docs/signaling.md` documents every message with an example; keep them in step.

use serde::{Deserialize, Serialize};
use sfu::{
    MediaEndReason, ParticipantId, PublishSpec, RoomId, SubscribeSpec, TrackId, TrackInfo,
    TrackSource,
};

/// The protocol version a client announces in `join`.
pub const PROTOCOL_VERSION: u32 = 1;

/// Messages from a client to the hub.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ClientMessage {
    /// Take a seat in the room the token is for.
    Join {
        /// Must equal [`PROTOCOL_VERSION`].
        v: u32,
        room: RoomId,
        /// The room-scoped join token (JWT signed by the hub).
        token: String,
        /// Display name; the token's name wins when it carries one.
        #[serde(default)]
        name: Option<String>,
    },
    /// Take back a seat after the websocket dropped, within the grace period.
    Resume {
        participant: ParticipantId,
        resume_token: String,
    },
    /// An SDP offer from the client (the client always offers; the hub always answers).
    Offer {
        sdp: String,
        /// Send-only m-lines of this offer that carry a new publication.
        #[serde(default)]
        publish: Vec<PublishSpec>,
        /// Receive-only m-lines of this offer that are to carry a subscribed track.
        #[serde(default)]
        subscribe: Vec<SubscribeSpec>,
    },
    /// A trickled ICE candidate (the `candidate` attribute line of `RTCIceCandidate`).
    Candidate {
        candidate: String,
        #[serde(default)]
        mid: Option<String>,
    },
    /// Stop publishing one of my tracks.
    Unpublish { track: TrackId },
    /// Stop receiving a track (the client may reuse the m-line in a later offer).
    Unsubscribe { track: TrackId },
    /// The size in device pixels at which a subscribed video is shown; 0×0 pauses it.
    VideoSize {
        track: TrackId,
        width: u32,
        height: u32,
    },
    /// Mute state of one of my sources, shown to the others.
    Mute { source: TrackSource, muted: bool },
    /// A chat message to everyone in the room.
    Chat { text: String },
    /// Application keepalive; answered with `pong`.
    Ping {
        #[serde(default)]
        id: Option<u64>,
    },
    /// Leave the room for good.
    Leave,
}

impl ClientMessage {
    /// The message's `type` on the wire.
    pub fn kind(&self) -> &'static str {
        match self {
            ClientMessage::Join { .. } => "join",
            ClientMessage::Resume { .. } => "resume",
            ClientMessage::Offer { .. } => "offer",
            ClientMessage::Candidate { .. } => "candidate",
            ClientMessage::Unpublish { .. } => "unpublish",
            ClientMessage::Unsubscribe { .. } => "unsubscribe",
            ClientMessage::VideoSize { .. } => "video_size",
            ClientMessage::Mute { .. } => "mute",
            ClientMessage::Chat { .. } => "chat",
            ClientMessage::Ping { .. } => "ping",
            ClientMessage::Leave => "leave",
        }
    }
}

/// One participant as the others see them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParticipantInfo {
    pub participant: ParticipantId,
    pub name: String,
    pub mic_muted: bool,
    pub camera_muted: bool,
    pub speaking: bool,
}

/// Messages from the hub to a client.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMessage {
    /// The seat is taken; everything the client needs to start.
    Joined {
        room: RoomId,
        participant: ParticipantId,
        name: String,
        /// Presented with `resume` to take this seat back after a websocket drop.
        resume_token: String,
        /// Seconds a dropped participant keeps their seat.
        resume_grace_secs: u64,
        /// Everyone already in the room (not including me).
        participants: Vec<ParticipantInfo>,
        /// Every track already published in the room.
        tracks: Vec<TrackInfo>,
        /// True on a hub that hands out tokens to anyone (development mode).
        dev_mode: bool,
    },
    /// The seat is back after `resume`; the lists are the room as it is now.
    Resumed {
        participant: ParticipantId,
        participants: Vec<ParticipantInfo>,
        tracks: Vec<TrackInfo>,
    },
    /// The answer to the client's last `offer`.
    Answer {
        sdp: String,
        published: Vec<TrackInfo>,
    },
    ParticipantJoined {
        participant: ParticipantInfo,
    },
    ParticipantUpdated {
        participant: ParticipantInfo,
    },
    ParticipantLeft {
        participant: ParticipantId,
        reason: LeaveReason,
    },
    TrackPublished {
        track: TrackInfo,
    },
    TrackUnpublished {
        track: TrackId,
    },
    ActiveSpeaker {
        participant: ParticipantId,
    },
    Chat {
        id: u64,
        participant: ParticipantId,
        name: String,
        text: String,
        sent_at_ms: u64,
    },
    Pong {
        #[serde(default)]
        id: Option<u64>,
    },
    /// My media transport died while this websocket stayed up (added in v1, additive): my
    /// tracks were unpublished and the hub made me a fresh media peer; create a new
    /// `RTCPeerConnection` and send a new `offer` (re-publishing and re-subscribing).
    MediaEnded {
        reason: MediaEndReason,
    },
    /// Something the client sent was refused; the connection stays open unless `fatal`.
    Error {
        code: ErrorCode,
        message: String,
        fatal: bool,
        /// The `type` of the client message refused (`offer`, `video_size`, …), so a client
        /// knows whether, say, its offer in flight will get no answer. Absent when the
        /// refusal is of no one message (unparseable input, limits of the connection).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        in_reply_to: Option<String>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeaveReason {
    Left,
    /// The websocket dropped and the grace period passed without a resume.
    Disconnected,
    /// The media transport died (ICE timeout).
    MediaTimeout,
}

/// Stable error codes; clients branch on these, never on `message`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// Not JSON, or not an object with a known `type` and the right fields.
    BadMessage,
    /// A frame over the size limit (fatal).
    TooLarge,
    /// Too many messages too fast (fatal).
    RateLimited,
    UnsupportedVersion,
    /// Any message but `join`/`resume`/`ping` before joining.
    NotJoined,
    AlreadyJoined,
    InvalidToken,
    TokenExpired,
    /// The token is for another room.
    WrongRoom,
    RoomFull,
    ResumeFailed,
    InvalidSdp,
    NegotiationFailed,
    InvalidCandidate,
    UnknownTrack,
    ChatTooLong,
    Internal,
}
