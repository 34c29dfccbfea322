//! Simulcast layer choice: which of a publisher's layers (RIDs `q`, `h`, `f`; index 0 is
//! the lowest) a subscriber should receive, and which layers are arriving at all.
//!
//! The rule: the smallest layer that covers the size the subscriber shows the tile at
//! (no upscaling, no wasted bandwidth); if that layer is not arriving (the publisher's
//! encoder dropped it for bandwidth or CPU), the nearest arriving layer below, else
//! above. Sizes come from keyframe headers when known, otherwise from the conventional
//! ladder: the top layer 1280×720, each lower one half the size of the next.

use std::time::{Duration, Instant};

/// The most layers a [`LayerActivity`] tracks; higher indices are ignored.
pub const MAX_LAYERS: usize = 4;

/// A layer counts as active when a packet arrived within this window.
pub const ACTIVE_WINDOW: Duration = Duration::from_secs(1);

/// Assumed size of the top layer when the real size is not known.
pub const DEFAULT_TOP_SIZE: (u32, u32) = (1280, 720);

/// What the chooser knows of one simulcast layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LayerInfo {
    /// 0 = `q`, 1 = `h`, 2 = `f`: lowest first.
    pub rid_index: u8,
    /// Packets arrived in the last [`ACTIVE_WINDOW`].
    pub active: bool,
    /// Frame width, when known (e.g. from a keyframe header).
    pub width: Option<u32>,
    /// Frame height, when known.
    pub height: Option<u32>,
}

/// The layer to forward for a tile shown at `target_width`×`target_height`, or `None`
/// when the tile is not shown (a zero dimension) or there are no layers. When no layer
/// is active, the ideal layer is returned: nothing arrives either way, and the switch
/// will wait for its keyframe.
pub fn choose_layer(layers: &[LayerInfo], target_width: u32, target_height: u32) -> Option<u8> {
    if target_width == 0 || target_height == 0 {
        return None;
    }
    let top = layers.iter().map(|l| l.rid_index).max()?;
    let covers = |l: &LayerInfo| {
        let (w, h) = layer_size(l, top);
        w >= target_width && h >= target_height
    };
    let ideal = layers
        .iter()
        .filter(|l| covers(l))
        .map(|l| l.rid_index)
        .min()
        .unwrap_or(top);
    let active = |i: u8| layers.iter().any(|l| l.rid_index == i && l.active);
    if active(ideal) {
        return Some(ideal);
    }
    let below = layers
        .iter()
        .filter(|l| l.active && l.rid_index < ideal)
        .map(|l| l.rid_index)
        .max();
    let above = layers
        .iter()
        .filter(|l| l.active && l.rid_index > ideal)
        .map(|l| l.rid_index)
        .min();
    Some(below.or(above).unwrap_or(ideal))
}

/// A layer's size: its own when both dimensions are known, else the default ladder.
fn layer_size(l: &LayerInfo, top: u8) -> (u32, u32) {
    match (l.width, l.height) {
        (Some(w), Some(h)) => (w, h),
        _ => {
            let shift = u32::from(top.saturating_sub(l.rid_index)).min(31);
            (DEFAULT_TOP_SIZE.0 >> shift, DEFAULT_TOP_SIZE.1 >> shift)
        }
    }
}

/// Which layers are arriving: the last packet time per layer.
#[derive(Debug, Clone, Copy, Default)]
pub struct LayerActivity {
    last: [Option<Instant>; MAX_LAYERS],
}

impl LayerActivity {
    /// No layer seen yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// A packet of `layer` arrived at `now`.
    pub fn on_packet(&mut self, layer: u8, now: Instant) {
        if let Some(slot) = self.last.get_mut(usize::from(layer)) {
            *slot = Some(now);
        }
    }

    /// A packet of `layer` arrived within [`ACTIVE_WINDOW`] before `now`.
    pub fn is_active(&self, layer: u8, now: Instant) -> bool {
        self.last
            .get(usize::from(layer))
            .copied()
            .flatten()
            .is_some_and(|t| now.saturating_duration_since(t) < ACTIVE_WINDOW)
    }

    /// When the next active layer turns inactive (if no packet comes): the moment to
    /// choose layers again.
    pub fn next_change(&self, now: Instant) -> Option<Instant> {
        self.last
            .iter()
            .flatten()
            .map(|&t| t + ACTIVE_WINDOW)
            .filter(|&end| end > now)
            .min()
    }

    /// Sets `active` on each of `layers` from what arrived.
    pub fn fill(&self, layers: &mut [LayerInfo], now: Instant) {
        for l in layers {
            l.active = self.is_active(l.rid_index, now);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn three(active: [bool; 3]) -> Vec<LayerInfo> {
        (0..3)
            .map(|i| LayerInfo {
                rid_index: i,
                active: active[usize::from(i)],
                width: None,
                height: None,
            })
            .collect()
    }

    #[test]
    fn paused_and_empty() {
        assert_eq!(choose_layer(&three([true; 3]), 0, 0), None);
        assert_eq!(choose_layer(&three([true; 3]), 320, 0), None);
        assert_eq!(choose_layer(&[], 320, 180), None);
    }

    #[test]
    fn smallest_covering_layer_with_default_ladder() {
        let l = three([true; 3]);
        assert_eq!(choose_layer(&l, 160, 90), Some(0));
        assert_eq!(choose_layer(&l, 320, 180), Some(0));
        assert_eq!(choose_layer(&l, 321, 180), Some(1));
        assert_eq!(choose_layer(&l, 640, 360), Some(1));
        assert_eq!(choose_layer(&l, 640, 480), Some(2));
        assert_eq!(
            choose_layer(&l, 1920, 1080),
            Some(2),
            "nothing covers: the top"
        );
    }

    #[test]
    fn known_sizes_win_over_the_ladder() {
        let mut l = three([true; 3]);
        // A 640x480 camera: layers 160x120, 320x240, 640x480.
        for (i, (w, h)) in [(160, 120), (320, 240), (640, 480)].into_iter().enumerate() {
            l[i].width = Some(w);
            l[i].height = Some(h);
        }
        assert_eq!(choose_layer(&l, 300, 200), Some(1));
        assert_eq!(choose_layer(&l, 160, 120), Some(0));
    }

    #[test]
    fn two_layers_top_is_720p() {
        let l = &three([true; 3])[..2];
        assert_eq!(choose_layer(l, 640, 360), Some(0));
        assert_eq!(choose_layer(l, 1280, 720), Some(1));
    }

    #[test]
    fn inactive_ideal_falls_back_below_then_above() {
        assert_eq!(
            choose_layer(&three([true, true, false]), 1280, 720),
            Some(1)
        );
        assert_eq!(
            choose_layer(&three([true, false, false]), 1280, 720),
            Some(0)
        );
        assert_eq!(
            choose_layer(&three([false, false, true]), 320, 180),
            Some(2)
        );
        assert_eq!(choose_layer(&three([false, true, true]), 320, 180), Some(1));
        assert_eq!(choose_layer(&three([true, false, true]), 640, 360), Some(0));
        assert_eq!(
            choose_layer(&three([false; 3]), 640, 360),
            Some(1),
            "none active: ideal"
        );
    }

    #[test]
    fn activity_window() {
        let t = Instant::now();
        let mut a = LayerActivity::new();
        assert!(!a.is_active(0, t));
        a.on_packet(0, t);
        a.on_packet(2, t + Duration::from_millis(500));
        a.on_packet(200, t); // ignored, no panic
        assert!(a.is_active(0, t + Duration::from_millis(999)));
        assert!(!a.is_active(0, t + ACTIVE_WINDOW));
        assert!(!a.is_active(1, t));
        assert_eq!(a.next_change(t), Some(t + ACTIVE_WINDOW));
        assert_eq!(
            a.next_change(t + ACTIVE_WINDOW),
            Some(t + Duration::from_millis(1500))
        );
        assert_eq!(a.next_change(t + Duration::from_secs(2)), None);
        let mut l = three([false; 3]);
        a.fill(&mut l, t + Duration::from_millis(1200));
        assert_eq!(
            l.iter().map(|l| l.active).collect::<Vec<_>>(),
            vec![false, false, true]
        );
    }

    proptest! {
        #[test]
        fn choice_is_a_present_layer_and_active_when_possible(
            active in prop::collection::vec(any::<bool>(), 1..4), w in 1u32..2000, h in 1u32..1200,
        ) {
            let l: Vec<_> = active.iter().enumerate()
                .map(|(i, &a)| LayerInfo { rid_index: i as u8, active: a, width: None, height: None })
                .collect();
            let c = choose_layer(&l, w, h).unwrap();
            prop_assert!(usize::from(c) < l.len());
            if active.iter().any(|&a| a) {
                prop_assert!(active[usize::from(c)]);
            }
        }

        #[test]
        fn bigger_target_never_picks_lower_layer(w in 1u32..1500, h in 1u32..900, dw in 0u32..500, dh in 0u32..500) {
            let l = three([true; 3]);
            prop_assert!(choose_layer(&l, w + dw, h + dh) >= choose_layer(&l, w, h));
        }
    }
}
