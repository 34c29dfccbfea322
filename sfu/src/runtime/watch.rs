//! The loop's own timing: how long each wake takes to serve (first datagram read to the end
//! of its sends) and how long each forwarded packet stays in the hub (the kernel's receive
//! timestamp of the publisher's datagram to the end of the sends that carried its copies).
//! A datagram that arrives while a batch is served waits in the socket queue; residence
//! counts that wait, service time does not.
//!
//! Each stats interval's histograms are logged and then folded into the totals that
//! [`SfuHandle::stats`](crate::SfuHandle::stats) reports.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::latency::LatencyHistogram;

#[derive(Debug, Default)]
pub(crate) struct Watch {
    /// This interval's.
    residence: LatencyHistogram,
    batches: LatencyHistogram,
    /// Every earlier interval's.
    residence_before: LatencyHistogram,
    batches_before: LatencyHistogram,
    /// The batch being served: when its first datagram was read, and the receive
    /// timestamps of its forwarded datagrams with how many copies each made.
    serving: Option<Instant>,
    arrivals: Vec<(Duration, u64)>,
}

impl Watch {
    /// A wake starts reading datagrams.
    pub fn serving(&mut self, now: Instant) {
        self.serving = Some(now);
    }

    /// A datagram received at `received` (since the Unix epoch, from the kernel) made
    /// `copies` forwarded packets.
    pub fn forwarded(&mut self, received: Option<Duration>, copies: u64) {
        if let (Some(at), 1..) = (received, copies) {
            self.arrivals.push((at, copies));
        }
    }

    /// The batch's sends are done.
    pub fn served(&mut self) {
        if let Some(since) = self.serving.take() {
            self.batches.record(since.elapsed());
        }
        if self.arrivals.is_empty() {
            return;
        }
        // The receive timestamps are wall-clock (CLOCK_REALTIME); a clock stepped back
        // between receive and send reads as zero, never as a negative time.
        let sent = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        for (at, copies) in self.arrivals.drain(..) {
            self.residence.record_n(sent.saturating_sub(at), copies);
        }
    }

    /// This interval's residence and service histograms; the next interval starts empty.
    pub fn roll(&mut self) -> (LatencyHistogram, LatencyHistogram) {
        let residence = std::mem::take(&mut self.residence);
        let batches = std::mem::take(&mut self.batches);
        self.residence_before.merge(&residence);
        self.batches_before.merge(&batches);
        (residence, batches)
    }

    /// Residence and service histograms since the runtime started.
    pub fn totals(&self) -> (LatencyHistogram, LatencyHistogram) {
        let mut residence = self.residence_before.clone();
        residence.merge(&self.residence);
        let mut batches = self.batches_before.clone();
        batches.merge(&self.batches);
        (residence, batches)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn since_epoch(ago: Duration) -> Duration {
        SystemTime::now().duration_since(UNIX_EPOCH).unwrap() - ago
    }

    #[test]
    fn residence_counts_every_copy_from_the_receive_timestamp() {
        let mut w = Watch::default();
        w.serving(Instant::now());
        w.forwarded(Some(since_epoch(Duration::from_millis(40))), 30);
        w.forwarded(Some(since_epoch(Duration::ZERO)), 0);
        w.forwarded(None, 5);
        w.served();
        let (residence, batches) = w.totals();
        assert_eq!(
            residence.count(),
            30,
            "one per copy; none without a timestamp"
        );
        assert!(residence.quantile(0.0).unwrap() >= Duration::from_millis(40));
        assert_eq!(batches.count(), 1);
        // A wake that read nothing forwardable records its service time only.
        w.serving(Instant::now());
        w.served();
        assert_eq!(w.totals().0.count(), 30);
        assert_eq!(w.totals().1.count(), 2);
    }

    #[test]
    fn a_receive_time_after_the_send_reads_as_zero() {
        let mut w = Watch::default();
        let future = since_epoch(Duration::ZERO) + Duration::from_secs(60);
        w.forwarded(Some(future), 2);
        w.served();
        assert_eq!(w.totals().0.max(), Duration::ZERO);
    }

    #[test]
    fn rolling_starts_a_new_interval_and_keeps_the_totals() {
        let mut w = Watch::default();
        w.forwarded(Some(since_epoch(Duration::from_millis(1))), 4);
        w.served();
        let (residence, _) = w.roll();
        assert_eq!(residence.count(), 4);
        w.forwarded(Some(since_epoch(Duration::from_millis(1))), 6);
        w.served();
        let (residence, _) = w.roll();
        assert_eq!(residence.count(), 6);
        assert_eq!(w.totals().0.count(), 10);
        assert_eq!(w.roll().0.count(), 0);
        assert_eq!(w.totals().0.count(), 10);
    }
}
