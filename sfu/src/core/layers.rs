//! Per-track layer bookkeeping: RID ↔ layer index, and receive-side state per layer.
//! The choice itself is `crate::media::layers::choose_layer`.

use std::time::Instant;

use str0m::media::Rid;

use crate::media::keyframe::KeyframeThrottle;
use crate::media::layers::{LayerActivity, LayerInfo};

/// Layers a track can have: `q`, `h`, `f`.
pub(crate) const LAYERS: usize = 3;

/// Layer index of a RID: `q` (¼), `h` (½), `f` (full); no RID is the single layer 0.
pub(crate) fn layer_of(rid: Option<Rid>) -> u8 {
    match rid.as_deref() {
        None | Some("q") => 0,
        Some("h") => 1,
        Some("f") => 2,
        Some(_) => 1,
    }
}

/// Receive-side state of one layer of a track.
#[derive(Debug, Clone, Default)]
pub(crate) struct LayerState {
    pub rid: Option<Rid>,
    /// str0m reported the stream paused (no packets for a while).
    pub paused: bool,
    pub keyframes: KeyframeThrottle,
}

/// What the layer chooser knows about a track's layers now.
pub(crate) fn layer_infos(
    simulcast: bool,
    activity: &LayerActivity,
    states: &[LayerState; LAYERS],
    now: Instant,
) -> ([LayerInfo; LAYERS], usize) {
    let mut infos = [LayerInfo {
        rid_index: 0,
        active: false,
        width: None,
        height: None,
    }; LAYERS];
    let n = if simulcast { LAYERS } else { 1 };
    for (i, info) in infos.iter_mut().enumerate().take(n) {
        info.rid_index = i as u8;
        info.active = activity.is_active(i as u8, now) && !states[i].paused;
    }
    (infos, n)
}
