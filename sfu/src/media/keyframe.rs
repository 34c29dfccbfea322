//! Keyframe request (PLI/FIR) coalescing and throttling, one [`KeyframeThrottle`] per
//! publisher stream.
//!
//! Every subscriber that joins, loses packets or switches layer wants a keyframe, and a
//! big room turns that into a storm of requests upstream. A keyframe is several times the
//! size of a delta frame, so an encoder asked too often sends little but keyframes. The
//! throttle sends the first request at once, folds everything within `min_interval` of
//! the last sent request into one pending request, and drops that pending request when a
//! keyframe arrives anyway (it satisfies everyone who asked).

use std::time::{Duration, Instant};

/// Default minimum gap between two keyframe requests sent upstream.
///
/// An encoder needs about one frame time (33 ms at 30 fps) plus the upstream round trip
/// to answer a request; asking again sooner only produces a second keyframe nobody needs.
/// LiveKit and mediasoup throttle in the 100–1000 ms range; 300 ms keeps a switching
/// subscriber's wait well under half a second while capping keyframe load at ~3/s even
/// under constant loss.
pub const DEFAULT_MIN_INTERVAL: Duration = Duration::from_millis(300);

/// Coalesces and rate-limits keyframe requests for one publisher stream.
#[derive(Debug, Clone)]
pub struct KeyframeThrottle {
    min_interval: Duration,
    last_sent: Option<Instant>,
    pending: bool,
}

impl Default for KeyframeThrottle {
    fn default() -> Self {
        Self::new(DEFAULT_MIN_INTERVAL)
    }
}

impl KeyframeThrottle {
    /// A throttle sending at most one request per `min_interval`.
    pub fn new(min_interval: Duration) -> Self {
        Self {
            min_interval,
            last_sent: None,
            pending: false,
        }
    }

    /// Someone wants a keyframe. True: send a request upstream now. False: it is folded
    /// into a pending request that [`poll`](Self::poll) releases later.
    pub fn request(&mut self, now: Instant) -> bool {
        if self.may_send(now) {
            self.sent(now);
            true
        } else {
            self.pending = true;
            false
        }
    }

    /// True when a pending request is due now (then it counts as sent).
    pub fn poll(&mut self, now: Instant) -> bool {
        if self.pending && self.may_send(now) {
            self.sent(now);
            true
        } else {
            false
        }
    }

    /// When [`poll`](Self::poll) will next return true, if a request is pending.
    pub fn poll_timeout(&self) -> Option<Instant> {
        if !self.pending {
            return None;
        }
        // Pending implies a request was sent (that is what made it wait).
        self.last_sent.map(|t| t + self.min_interval)
    }

    /// A keyframe arrived: it answers every pending request.
    pub fn on_keyframe(&mut self) {
        self.pending = false;
    }

    /// A request waits to be sent.
    pub fn is_pending(&self) -> bool {
        self.pending
    }

    fn may_send(&self, now: Instant) -> bool {
        self.last_sent
            .is_none_or(|t| now.saturating_duration_since(t) >= self.min_interval)
    }

    fn sent(&mut self, now: Instant) {
        self.last_sent = Some(now);
        self.pending = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn first_request_goes_at_once_then_coalesces() {
        let t = Instant::now();
        let mut k = KeyframeThrottle::default();
        assert!(k.request(t));
        assert_eq!(k.poll_timeout(), None);
        assert!(!k.request(t + 10 * MS));
        assert!(!k.request(t + 20 * MS));
        assert!(k.is_pending());
        assert_eq!(k.poll_timeout(), Some(t + DEFAULT_MIN_INTERVAL));
        assert!(!k.poll(t + 299 * MS));
        assert!(k.poll(t + 300 * MS), "one coalesced request released");
        assert!(!k.poll(t + 301 * MS), "only once");
        assert_eq!(k.poll_timeout(), None);
        // The released request restarts the interval.
        assert!(!k.request(t + 500 * MS));
        assert!(k.request(t + 600 * MS));
    }

    #[test]
    fn keyframe_satisfies_pending() {
        let t = Instant::now();
        let mut k = KeyframeThrottle::new(100 * MS);
        assert!(k.request(t));
        assert!(!k.request(t + MS));
        k.on_keyframe();
        assert!(!k.is_pending());
        assert_eq!(k.poll_timeout(), None);
        assert!(!k.poll(t + 20 * MS));
        // A keyframe does not reset the interval: a request right after it waits.
        assert!(!k.request(t + 50 * MS));
        assert!(k.poll(t + 100 * MS));
    }

    #[test]
    fn spaced_requests_all_go() {
        let t = Instant::now();
        let mut k = KeyframeThrottle::new(100 * MS);
        for i in 0..5 {
            assert!(k.request(t + i * 100 * MS));
        }
    }

    #[test]
    fn clock_going_backwards_does_not_panic() {
        let t = Instant::now() + Duration::from_secs(1);
        let mut k = KeyframeThrottle::new(100 * MS);
        assert!(k.request(t));
        assert!(!k.request(t - 500 * MS));
        assert!(!k.poll(t - 500 * MS));
    }
}
