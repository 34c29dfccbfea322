//! Latency histograms with fixed bucket bounds, shared by the runtime's service times, the
//! hub's per-packet residence time and the Prometheus exposition: 1, 2, 3, 5 and 7 × 10^k µs
//! from 1 µs to 1 s, then one bucket for everything longer. A bucket holds the times up to
//! and including its bound (Prometheus' `le`), so a quantile read as its bucket's bound is
//! never better than the truth.

use std::time::Duration;

/// Upper bounds of the buckets in microseconds; a last, unbounded bucket follows.
pub const BOUNDS_US: [u64; 31] = [
    1, 2, 3, 5, 7, //
    10, 20, 30, 50, 70, //
    100, 200, 300, 500, 700, //
    1_000, 2_000, 3_000, 5_000, 7_000, //
    10_000, 20_000, 30_000, 50_000, 70_000, //
    100_000, 200_000, 300_000, 500_000, 700_000, //
    1_000_000,
];

const BUCKETS: usize = BOUNDS_US.len() + 1;

/// Counts of durations by bucket, their sum and the longest.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LatencyHistogram {
    counts: [u64; BUCKETS],
    sum_ns: u64,
    max: Duration,
}

impl LatencyHistogram {
    pub fn record(&mut self, took: Duration) {
        self.record_n(took, 1);
    }

    /// Records `n` observations of the same duration (one per forwarded copy of a packet).
    pub fn record_n(&mut self, took: Duration, n: u64) {
        if n == 0 {
            return;
        }
        let ns = u64::try_from(took.as_nanos()).unwrap_or(u64::MAX);
        let bucket = BOUNDS_US.partition_point(|&b| b.saturating_mul(1_000) < ns);
        self.counts[bucket] += n;
        self.sum_ns = self.sum_ns.saturating_add(ns.saturating_mul(n));
        self.max = self.max.max(took);
    }

    /// Adds what `other` counted.
    pub fn merge(&mut self, other: &LatencyHistogram) {
        for (a, b) in self.counts.iter_mut().zip(other.counts) {
            *a += b;
        }
        self.sum_ns = self.sum_ns.saturating_add(other.sum_ns);
        self.max = self.max.max(other.max);
    }

    pub fn count(&self) -> u64 {
        self.counts.iter().sum()
    }

    pub fn sum(&self) -> Duration {
        Duration::from_nanos(self.sum_ns)
    }

    pub fn max(&self) -> Duration {
        self.max
    }

    /// Observations per bucket, parallel to [`BOUNDS_US`] plus the unbounded last one.
    pub fn counts(&self) -> &[u64] {
        &self.counts
    }

    /// An upper bound on the `q` quantile: the bound of the bucket that holds it, or the
    /// longest time seen if that is shorter (always, for the unbounded bucket). `None`
    /// before anything was recorded.
    pub fn quantile(&self, q: f64) -> Option<Duration> {
        let total = self.count();
        if total == 0 {
            return None;
        }
        let rank = ((q * total as f64).ceil() as u64).clamp(1, total);
        let mut seen = 0;
        for (i, &n) in self.counts.iter().enumerate() {
            seen += n;
            if seen >= rank {
                let bound = BOUNDS_US
                    .get(i)
                    .map_or(Duration::MAX, |&us| Duration::from_micros(us));
                return Some(bound.min(self.max));
            }
        }
        Some(self.max)
    }

    /// [`quantile`](Self::quantile) in whole microseconds, for logs.
    pub fn quantile_us(&self, q: f64) -> Option<u64> {
        self.quantile(q)
            .map(|d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn us(n: u64) -> Duration {
        Duration::from_micros(n)
    }

    #[test]
    fn quantiles_are_the_bounds_of_their_buckets() {
        let mut h = LatencyHistogram::default();
        assert_eq!(h.quantile(0.99), None);
        // The longest first, so the max is not simply the last recorded.
        h.record(us(5_600));
        h.record(us(260));
        h.record_n(us(15), 98);
        assert_eq!(h.count(), 100);
        assert_eq!(h.quantile_us(0.5), Some(20));
        assert_eq!(h.quantile_us(0.99), Some(300));
        // The last bucket's bound (7 ms) is above the longest time seen: the max is the bound.
        assert_eq!(h.quantile_us(1.0), Some(5_600));
        assert_eq!(h.max(), us(5_600));
        assert_eq!(h.sum(), us(5_600 + 260 + 98 * 15));
    }

    #[test]
    fn a_bucket_holds_its_bound_and_not_beyond() {
        let mut h = LatencyHistogram::default();
        h.record(us(10));
        h.record(us(10) + Duration::from_nanos(1));
        let i = BOUNDS_US.iter().position(|&b| b == 10).unwrap();
        assert_eq!(h.counts()[i], 1, "10 µs is in the `le 10 µs` bucket");
        assert_eq!(h.counts()[i + 1], 1, "10.001 µs is in the next");
    }

    #[test]
    fn zero_sub_microsecond_and_huge_times_stay_in_range() {
        let mut h = LatencyHistogram::default();
        h.record(Duration::ZERO);
        h.record(Duration::from_nanos(300));
        assert_eq!(h.counts()[0], 2);
        assert_eq!(h.quantile(1.0), Some(Duration::from_nanos(300)));
        h.record(Duration::from_secs(10_000));
        assert_eq!(h.counts()[BUCKETS - 1], 1);
        assert_eq!(h.quantile(1.0), Some(Duration::from_secs(10_000)));
        h.record_n(us(3), 0);
        assert_eq!(h.count(), 3, "zero observations change nothing");
    }

    #[test]
    fn merging_adds_counts_sums_and_keeps_the_longest() {
        let mut a = LatencyHistogram::default();
        a.record_n(us(40), 3);
        let mut b = LatencyHistogram::default();
        b.record(us(900));
        a.merge(&b);
        assert_eq!(a.count(), 4);
        assert_eq!(a.sum(), us(1_020));
        assert_eq!(a.max(), us(900));
        assert_eq!(a.quantile_us(0.75), Some(50));
        assert_eq!(a.quantile_us(1.0), Some(900));
    }
}
