//! Keyframe requests towards publishers, coalesced and throttled per publisher layer with
//! `crate::media::keyframe::KeyframeThrottle`.
//!
//! Every reason to want a keyframe (a subscriber's PLI/FIR, a new subscriber, a layer
//! switch, a subscriber still waiting) lands in [`request`]. A request the throttle holds
//! back is released by [`tick`]; a keyframe that arrives anyway clears it.

use std::time::Instant;

use str0m::media::KeyframeRequestKind;
use tracing::trace;

use super::layers::LAYERS;
use super::{SfuCore, TKey};

pub(crate) fn request(core: &mut SfuCore, tk: TKey, layer: u8, now: Instant) {
    let Some(track) = core.tracks[tk].as_mut() else {
        return;
    };
    let state = &mut track.layers[layer as usize];
    if state.keyframes.request(now) {
        send(core, tk, layer);
    }
}

/// A keyframe arrived on this layer: pending requests are answered.
pub(crate) fn on_keyframe(core: &mut SfuCore, tk: TKey, layer: u8) {
    if let Some(track) = core.tracks[tk].as_mut() {
        track.layers[layer as usize].keyframes.on_keyframe();
    }
}

fn send(core: &mut SfuCore, tk: TKey, layer: u8) {
    let SfuCore {
        participants,
        tracks,
        stats,
        dirty,
        ..
    } = core;
    let Some(track) = tracks[tk].as_mut() else {
        return;
    };
    let state = &track.layers[layer as usize];
    let Some(p) = participants[track.publisher].as_mut() else {
        return;
    };
    let mut api = p.rtc.direct_api();
    // Before the publisher's first packet there is no stream to ask; subscribers still
    // waiting ask again on the next tick.
    let Some(rx) = api.stream_rx_by_mid(track.mid, state.rid) else {
        return;
    };
    rx.request_keyframe(KeyframeRequestKind::Pli);
    trace!(track = %track.info.track, layer, "keyframe requested");
    stats.keyframe_requests += 1;
    if !p.dirty {
        p.dirty = true;
        dirty.push(track.publisher);
    }
}

/// Sends the requests that were held back by the throttle.
pub(crate) fn tick(core: &mut SfuCore, now: Instant) {
    for tk in 0..core.tracks.len() {
        for layer in 0..LAYERS as u8 {
            let due = core.tracks[tk]
                .as_mut()
                .is_some_and(|t| t.layers[layer as usize].keyframes.poll(now));
            if due {
                send(core, tk, layer);
            }
        }
    }
}
