//! `signaling`: the websocket protocol between browsers (or room systems) and the hub.
//!
//! A client opens `GET /ws`, sends `join` with a room-scoped token, and from then on
//! negotiates media (it always offers; the SFU answers), sees who comes and goes, mutes,
//! chats, and can `resume` its seat on a new websocket after a drop. `docs/signaling.md`
//! is the protocol reference.
//!
//! Layout:
//! - [`protocol`]: every message type, versioned, documented in `docs/signaling.md`.
//! - [`token`]: join tokens (JWT HS256) — [`TokenIssuer`].
//! - [`hub`]: [`SignalingConfig`] and [`Signaling`], the shared state, and the task that
//!   turns SFU events into room messages.
//! - [`http`]: the axum routes ([`router`]): `/ws` and the development token endpoint.
//! - `session`: one websocket — limits, parsing, the read/write loop, seat settlement.
//! - `handlers`: what each client message does.
//! - `registry`: rooms, seats, tracks, broadcasts, the resume grace timer.
//! - [`input`]: validation and clean-up of untrusted text, and the rate limiter.

pub mod http;
pub mod hub;
pub mod input;
pub mod protocol;
pub mod token;

mod handlers;
mod registry;
mod session;

pub use http::router;
pub use hub::{Signaling, SignalingConfig};
pub use token::{JoinClaims, TokenError, TokenIssuer};
