//! How long the runtime takes to serve one wake: from reading its first datagram to the
//! last send of the flush that follows. A datagram that arrives while a batch is served
//! waits for it and is then served in the next, so twice the longest service time bounds
//! what the hub adds to a packet's latency beyond the kernel and the scheduler. Logged with
//! the media stats, as percentiles over the stats interval.

use std::time::Duration;

/// Power-of-two buckets from 1 µs: bucket `i` holds times in [2^(i-1), 2^i) µs (bucket 0:
/// under 1 µs); the last one everything from ~0.5 s.
const BUCKETS: usize = 21;

#[derive(Debug, Default, Clone)]
pub(crate) struct ServiceTimes {
    counts: [u64; BUCKETS],
    max: Duration,
    total: u64,
}

impl ServiceTimes {
    pub fn record(&mut self, took: Duration) {
        let us = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
        let bucket = (u64::BITS - us.leading_zeros()) as usize;
        self.counts[bucket.min(BUCKETS - 1)] += 1;
        self.max = self.max.max(took);
        self.total += 1;
    }

    /// The upper bound (µs) of the bucket that holds the `q` quantile; `None` before any
    /// batch. An upper bound, so a reading is never better than the truth.
    pub fn quantile_us(&self, q: f64) -> Option<u64> {
        if self.total == 0 {
            return None;
        }
        let rank = ((q * self.total as f64).ceil() as u64).clamp(1, self.total);
        let mut seen = 0;
        for (i, &n) in self.counts.iter().enumerate() {
            seen += n;
            if seen >= rank {
                return Some(1u64 << i);
            }
        }
        None
    }

    pub fn max(&self) -> Duration {
        self.max
    }

    pub fn batches(&self) -> u64 {
        self.total
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn us(n: u64) -> Duration {
        Duration::from_micros(n)
    }

    #[test]
    fn quantiles_are_the_upper_bounds_of_their_buckets() {
        let mut t = ServiceTimes::default();
        assert_eq!(t.quantile_us(0.99), None);
        // One of 5 ms, one of 300 µs and 98 quick batches (20 µs: bucket [16, 32)); the
        // longest first, so the max is not simply the last.
        t.record(us(5_000));
        t.record(us(300));
        for _ in 0..98 {
            t.record(us(20));
        }
        assert_eq!(t.batches(), 100);
        assert_eq!(t.quantile_us(0.5), Some(32));
        assert_eq!(t.quantile_us(0.99), Some(512));
        assert_eq!(t.quantile_us(1.0), Some(8192));
        assert_eq!(t.max(), us(5_000));
    }

    #[test]
    fn sub_microsecond_and_huge_times_stay_in_range() {
        let mut t = ServiceTimes::default();
        t.record(Duration::from_nanos(300));
        assert_eq!(t.quantile_us(1.0), Some(1));
        t.record(Duration::from_secs(10_000));
        assert_eq!(t.quantile_us(1.0), Some(1 << (BUCKETS - 1)));
    }
}
