//! `sfu`: govhub's media routing.
//!
//! Layout:
//! - [`api`]: ids, commands' data, events and errors shared with signaling.
//! - [`handle`]: the async handle signaling uses to reach the media event loop.
//! - [`media`]: pure algorithms (codec inspection, rewriting, layers, throttling, speakers).
//! - [`core`]: the sans-IO engine — rooms, participants (one `str0m::Rtc` each),
//!   forwarding, simulcast layer choice, RTP rewriting, keyframe requests. Never reads the
//!   clock, never touches a socket.
//! - [`runtime`]: binds the UDP socket, stamps `now`, drives the core.
//! - [`latency`]: the histograms of the runtime's service and residence times.

pub mod api;
pub mod core;
pub mod handle;
pub mod latency;
pub mod media;
pub mod runtime;

pub use self::core::{CoreConfig, CoreStats, SfuCore, Transmit};
pub use api::*;
pub use handle::{Command, SfuHandle};
pub use latency::LatencyHistogram;
pub use runtime::{MediaConfig, MediaServer};
