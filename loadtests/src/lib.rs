//! `loadtests`: synthetic WebRTC participants for govhub, built on webrtc-rs (the `webrtc`
//! crate), so every test has an implementation other than the hub's str0m on the far end.
//!
//! A [`Participant`] joins a room through the hub's signaling protocol, publishes synthetic
//! Opus-sized audio and VP8 video (one layer or three RID simulcast layers, keyframes every
//! couple of seconds and on PLI/FIR) and subscribes to everyone else, counting what arrives:
//! packets, bytes, keyframes, loss and one-way latency from probes embedded in the payloads.
//!
//! Layout:
//! - [`participant`]: join and leave; `negotiate`: its signaling loop (the client always
//!   offers, one offer at a time) and `video_size`.
//! - [`signal`]: development join tokens over HTTP and the JSON protocol over a websocket.
//! - `peer`: the webrtc-rs peer connection (codecs, interceptors, loopback-only socket).
//! - `publish`: send-only transceivers and the tasks that pace synthetic packets.
//! - `receive`: per remote track readers.
//! - [`synth`]: payload generator and parser (VP8 descriptor, keyframe header, probe).
//! - [`stats`]: the counters, serialisable into reports.
//! - [`config`]: one [`ScenarioConfig`] for every scenario, from flags and a TOML file;
//!   `tiles` (subscribers' tile sizes → `video_size`), `impair` (drop/delay/jitter).
//! - `run`: the engine every scenario shares (plan, join through the target, warm up,
//!   measure windows with a timeline and a progress line, leave); `assemble` turns a window
//!   into a [`Report`]; [`scenario`] dispatches, with `churn` beside the window and the ramp.
//! - `relay`: the UDP relay that applies the impairment between a participant and the hub.
//! - [`report`]: the report types and the window arithmetic; `table` prints it as text,
//!   [`html`] renders it as one self-contained page with inline SVG plots.
//! - [`procfs`]: CPU time and RSS of the hub and the generator from `/proc`.
//! - [`api_load`]: `govhub-load api`, the workspace API at a target request rate.
//! - [`janus`]: `--target janus`, the same participants through Janus's VideoRoom API;
//!   [`compare`]: `--compare`, one scenario against two targets, side by side.

pub mod api_load;
mod assemble;
mod churn;
pub mod compare;
pub mod config;
pub mod html;
pub mod hub_metrics;
pub mod impair;
pub mod janus;
mod negotiate;
pub mod participant;
mod peer;
pub mod procfs;
mod progress;
mod publish;
mod receive;
mod relay;
pub mod report;
mod run;
pub mod scenario;
pub mod signal;
pub mod stats;
mod svg;
pub mod synth;
mod table;
pub mod tiles;

#[cfg(test)]
mod direct_tests;

pub use config::{Options, Scenario, ScenarioConfig, Target};
pub use participant::{Participant, ParticipantOptions};
pub use publish::MediaOptions;
pub use report::Report;
pub use scenario::run_scenario;
pub use stats::{JoinPhases, ParticipantStats, SendStats, TrackRecvStats};
