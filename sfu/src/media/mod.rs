//! Pure media algorithms of the SFU core: codec payload inspection, RTP rewriting on layer
//! switch, simulcast layer choice, keyframe-request throttling, speaking detection.
//! No str0m, no clock, no I/O: every function takes what it needs as arguments.
//!
//! Layout:
//! - [`codec`]: which video codec, and does this RTP payload start a keyframe.
//! - [`vp8`]: the VP8 payload descriptor: parse, rewrite in place, synthesize for tests.
//! - [`vp9`]: the VP9 payload descriptor's PictureID and TL0PICIDX: read, rewrite in place.
//! - [`rewrite`]: [`rewrite::SeqTsRewriter`] keeps one outgoing sequence/timestamp line
//!   across simulcast layer switches; [`rewrite::PictureIdRewriter`] does the same for
//!   VP8 and VP9 PictureID/TL0PICIDX ([`rewrite::PictureNumbers`]).
//! - [`layers`]: which simulcast layer a subscriber gets, and which layers are arriving.
//! - [`keyframe`]: coalescing and throttling of keyframe requests (PLI) upstream.
//! - [`speaker`]: per-participant speaking detection and the room's active speaker.
//!
//! Time is always an argument (`Instant`s stamped by the runtime); nothing here reads the
//! clock. Per-packet paths do not allocate.

pub mod codec;
pub mod keyframe;
pub mod layers;
pub mod rewrite;
pub mod speaker;
pub(crate) mod srtp;
pub mod vp8;
pub mod vp9;
