//! Room tokens: the short-lived join tokens that signaling requires, issued by the meeting
//! routes (`POST /meetings/{id}/join`, `POST /guest/join`). The workspace API does not sign
//! them itself; the hub hands it a [`RoomTokenIssuer`] that uses signaling's secret and token
//! format, so this crate does not depend on signaling.

use std::time::Duration;

/// Signs join tokens for video rooms.
pub trait RoomTokenIssuer: Send + Sync + std::fmt::Debug {
    /// A token admitting one participant to `room` for `ttl`, shown as `display_name`.
    /// `identity` names the holder for the hub's logs (`account:<id>`, `guest:<link id>`).
    fn issue(
        &self,
        room: &str,
        identity: &str,
        display_name: &str,
        ttl: Duration,
    ) -> Result<String, RoomTokenError>;
}

/// Why a room token could not be issued (the hub's fault, never the caller's).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("room token not issued: {0}")]
pub struct RoomTokenError(pub String);
