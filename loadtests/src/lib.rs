//! `loadtests`: synthetic WebRTC participants for govhub, built on webrtc-rs (the `webrtc`
//! crate), so every test has an implementation other than the hub's str0m on the far end.
//!
//! A [`Participant`] joins a room through the hub's signaling protocol, publishes synthetic
//! Opus-sized audio and VP8 video (one layer or three RID simulcast layers, keyframes every
//! couple of seconds and on PLI/FIR) and subscribes to everyone else, counting what arrives:
//! packets, bytes, keyframes, loss and one-way latency from probes embedded in the payloads.
//!
//! Layout:
//! - [`participant`]: join, negotiate (the client always offers, one offer at a time), leave.
//! - [`signal`]: development join tokens over HTTP and the JSON protocol over a websocket.
//! - `peer`: the webrtc-rs peer connection (codecs, interceptors, loopback-only socket).
//! - `publish`: send-only transceivers and the tasks that pace synthetic packets.
//! - `receive`: per remote track readers.
//! - [`synth`]: payload generator and parser (VP8 descriptor, keyframe header, probe).
//! - [`stats`]: the counters, serialisable into reports.
//! - [`meeting`]: the `meeting` scenario (rooms of publishers and receive-only viewers);
//!   `meeting_report` turns what it collected into a [`Report`].
//! - [`report`]: the report types and the window arithmetic; `table` prints it as text.
//! - [`procfs`]: CPU time and RSS of the hub and the generator from `/proc`.

pub mod meeting;
mod meeting_report;
pub mod participant;
mod peer;
pub mod procfs;
mod publish;
mod receive;
pub mod report;
pub mod signal;
pub mod stats;
pub mod synth;
mod table;

#[cfg(test)]
mod direct_tests;

pub use meeting::{MeetingConfig, run_meeting};
pub use participant::{Participant, ParticipantOptions};
pub use publish::MediaOptions;
pub use report::Report;
pub use stats::{JoinPhases, ParticipantStats, SendStats, TrackRecvStats};
