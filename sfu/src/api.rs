//! The contract between the SFU and its callers (signaling, tests, load tools).
//!
//! Everything signaling needs from media routing goes through [`Command`] and comes back as
//! [`SfuEvent`]. These types are plain data: no I/O, no clock.

use std::fmt;

use serde::{Deserialize, Serialize};

macro_rules! string_id {
    ($(#[$m:meta])* $name:ident) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                Self(s.to_owned())
            }
        }
    };
}

string_id!(
    /// A meeting room's name as it appears in `/m/<room>`.
    RoomId
);
string_id!(
    /// One participant's seat in a room; stable across a websocket resume.
    ParticipantId
);
string_id!(
    /// One published track (camera, microphone, screen, ...), unique within the hub.
    TrackId
);

/// Audio or video.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrackKind {
    Audio,
    Video,
}

/// What a track carries; the client shows screen shares large.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrackSource {
    Microphone,
    Camera,
    Screen,
    ScreenAudio,
}

impl TrackSource {
    pub fn kind(self) -> TrackKind {
        match self {
            TrackSource::Microphone | TrackSource::ScreenAudio => TrackKind::Audio,
            TrackSource::Camera | TrackSource::Screen => TrackKind::Video,
        }
    }
}

/// A track the client publishes in the offer that accompanies it: the offer's m-line `mid`
/// carries media of `source`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishSpec {
    pub mid: String,
    pub source: TrackSource,
}

/// A subscription the client sets up in the offer that accompanies it: the offer's
/// receive-only m-line `mid` is to carry `track`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscribeSpec {
    pub mid: String,
    pub track: TrackId,
}

/// A published track as the rest of the room learns of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrackInfo {
    pub track: TrackId,
    pub participant: ParticipantId,
    pub source: TrackSource,
    pub kind: TrackKind,
    /// The publisher sends simulcast layers (RIDs); subscribers get one layer at a time.
    pub simulcast: bool,
}

/// The SFU's reply to an offer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfferOutcome {
    /// The SDP answer to send back to the client.
    pub answer_sdp: String,
    /// The tracks this offer published (new ones only).
    pub published: Vec<TrackInfo>,
    /// Tracks whose publishing m-line was dropped or made inactive by this offer.
    pub unpublished: Vec<TrackId>,
}

/// Why a participant's media ended without a `Leave`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MediaEndReason {
    /// No ICE consent / traffic for the configured timeout.
    Timeout,
    /// The peer closed DTLS or str0m failed the connection.
    Closed,
}

/// Something the SFU tells signaling about.
#[derive(Debug, Clone, PartialEq)]
pub enum SfuEvent {
    /// ICE and DTLS are up: media can flow for this participant.
    MediaConnected {
        room: RoomId,
        participant: ParticipantId,
    },
    /// The participant's media transport is gone; signaling decides about the seat.
    MediaEnded {
        room: RoomId,
        participant: ParticipantId,
        reason: MediaEndReason,
    },
    /// A participant's speaking state changed (from the RFC 6464 audio level extension).
    Speaking {
        room: RoomId,
        participant: ParticipantId,
        speaking: bool,
    },
    /// The room's dominant speaker changed.
    ActiveSpeaker {
        room: RoomId,
        participant: ParticipantId,
    },
}

/// Why the SFU refused a command. Every variant is the caller's input being wrong or the
/// hub shutting down; none of them is a reason to take the hub down.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SfuError {
    #[error("unknown participant {0}")]
    UnknownParticipant(ParticipantId),
    #[error("participant {0} has already joined")]
    AlreadyJoined(ParticipantId),
    #[error("unknown track {0}")]
    UnknownTrack(TrackId),
    #[error("the SDP could not be parsed: {0}")]
    InvalidSdp(String),
    #[error("the offer could not be negotiated: {0}")]
    Negotiation(String),
    #[error("the ICE candidate could not be parsed: {0}")]
    InvalidCandidate(String),
    #[error("the media server is shutting down")]
    ShuttingDown,
}

/// What the media runtime has done since it started, for monitoring (`GET /metrics`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MediaStats {
    pub core: crate::core::CoreStats,
    /// Participants seated in the core now.
    pub participants: usize,
    /// Per forwarded RTP packet (one observation per subscriber's copy): from the kernel's
    /// receive timestamp of the publisher's datagram to the end of the send that carried
    /// the copy out. Empty where the kernel gives no receive timestamps.
    pub residence: crate::latency::LatencyHistogram,
    /// Per wake that read datagrams: from reading the first to the end of the sends.
    pub batches: crate::latency::LatencyHistogram,
    /// Send system calls (`sendmmsg`, each up to 64 datagrams and GSO trains) and the
    /// datagrams they carried.
    pub send_calls: u64,
    pub datagrams_sent: u64,
}
