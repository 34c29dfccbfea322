//! The load report: what one scenario run measured, as plain serialisable data, and the pure
//! functions that build it from participant snapshots at the edges of the measured window
//! and from the `/proc` samples. Every field is documented in `docs/benchmarks.md`.

use std::collections::BTreeMap;

use serde::Serialize;
use sfu::{ParticipantId, TrackKind};

use crate::procfs::Sample;
use crate::stats::{Feedback, Interval, ParticipantStats, TrackRecvStats, percentile};

/// The generator may use this much of one core on average over the window; above it the
/// run is invalid (its own scheduling delays would show up as the hub's latency and loss).
pub const GENERATOR_CORE_LIMIT: f64 = 0.9;

/// Latency percentiles in microseconds.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Percentiles {
    pub samples: usize,
    pub p50: Option<u32>,
    pub p95: Option<u32>,
    pub p99: Option<u32>,
    pub max: Option<u32>,
}

impl Percentiles {
    pub fn of(samples: &[u32]) -> Percentiles {
        Percentiles {
            samples: samples.len(),
            p50: percentile(samples, 50.0),
            p95: percentile(samples, 95.0),
            p99: percentile(samples, 99.0),
            max: samples.iter().copied().max(),
        }
    }
}

/// A distribution of join phase times in milliseconds over the participants that got there.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct MsDist {
    pub count: usize,
    pub p50: Option<u64>,
    pub p95: Option<u64>,
    pub max: Option<u64>,
}

impl MsDist {
    pub fn of(values: impl Iterator<Item = Option<u64>>) -> MsDist {
        let v: Vec<u32> = values
            .flatten()
            .map(|x| x.min(u64::from(u32::MAX)) as u32)
            .collect();
        MsDist {
            count: v.len(),
            p50: percentile(&v, 50.0).map(u64::from),
            p95: percentile(&v, 95.0).map(u64::from),
            max: v.iter().copied().max().map(u64::from),
        }
    }
}

/// Join time by phase, from the `join` call, over all participants that joined.
#[derive(Debug, Clone, Default, Serialize)]
pub struct JoinReport {
    pub attempted: usize,
    pub joined: usize,
    /// `name: error` of each participant that could not join.
    pub failures: Vec<String>,
    pub ws_open_ms: MsDist,
    pub joined_ms: MsDist,
    pub answer_ms: MsDist,
    pub connected_ms: MsDist,
    pub first_rtp_ms: MsDist,
    pub first_keyframe_ms: MsDist,
}

/// What reached the subscribers during the measured window, over every participant.
#[derive(Debug, Clone, Default, Serialize)]
pub struct MediaReport {
    /// Packets received by all participants: each is one packet the hub forwarded.
    pub forwarded_packets: u64,
    /// RTP payload bytes of those packets.
    pub forwarded_bytes: u64,
    pub forwarded_packets_per_s: f64,
    /// Received payload bit rate, all participants together.
    pub received_kbps_total: f64,
    pub received_kbps_per_participant: f64,
    /// RFC 3550: packets expected from the RTP sequence numbers, and those never received.
    pub expected_packets: u64,
    pub lost_packets: u64,
    pub loss_fraction: f64,
    /// Packets missing on first transmission: those never received plus those received only
    /// after we NACKed them (`repaired_packets`), over `expected_packets`.
    pub lost_before_rtx_packets: u64,
    pub repaired_packets: u64,
    pub loss_before_rtx_fraction: f64,
    /// RFC 3550 interarrival jitter at the window's end, mean and max over received tracks.
    pub jitter_us_mean: f64,
    pub jitter_us_max: f64,
    /// RTCP feedback during the window, all participants together.
    pub feedback: Feedback,
    /// One-way latency, publisher's send call to subscriber's read, from the probes.
    pub latency_us: Percentiles,
    pub audio_latency_us: Percentiles,
    pub video_latency_us: Percentiles,
    /// Received video packets per simulcast layer (`q`, `h`, `f`) and audio packets.
    pub packets_by_layer: BTreeMap<String, u64>,
    /// Remote tracks every participant should receive, summed (2 per other publisher).
    pub tracks_expected: u64,
    /// Those that delivered at least one packet during the window.
    pub tracks_received: u64,
    /// Receive-only m-lines the participants offered.
    pub tracks_subscribed: u64,
}

/// The server process over the measured window (with `--hub-pid`, or Janus's pid when
/// Janus is the target).
#[derive(Debug, Clone, Default, Serialize)]
pub struct HubReport {
    pub pid: u32,
    /// User + system CPU seconds during the window.
    pub cpu_s: f64,
    /// Mean cores used (`cpu_s` / window).
    pub cpu_cores: f64,
    /// Hub CPU microseconds per forwarded packet (audio and video together).
    pub cpu_us_per_packet: Option<f64>,
    /// RSS before anyone joined.
    pub rss_idle_kib: Option<u64>,
    /// Highest RSS seen during the window.
    pub rss_peak_kib: Option<u64>,
    /// (`rss_peak_kib` − `rss_idle_kib`) / participants joined.
    pub rss_per_participant_kib: Option<f64>,
}

/// The load generator itself over the measured window.
#[derive(Debug, Clone, Default, Serialize)]
pub struct GeneratorReport {
    pub cpu_s: f64,
    pub cpu_cores: f64,
    /// Highest one-second CPU use in cores between consecutive samples.
    pub cpu_cores_peak: f64,
    /// Longest lateness of the generator's once-a-second timer in the window (ms): time its
    /// runtime waited for a CPU that other processes held.
    pub timer_lag_ms_max: f64,
    /// The machine's 1-minute load average at the window's end (`/proc/loadavg`).
    pub load_avg_1m: Option<f64>,
}

/// A timer this late means the generator was starved: latency and loss include its waiting
/// (a warning).
pub const TIMER_LAG_WARN_MS: f64 = 20.0;
/// This late, the run is invalid: the generator, not the hub, is what was measured.
pub const TIMER_LAG_INVALID_MS: f64 = 50.0;

/// One participant's view of the window.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ParticipantReport {
    pub name: String,
    pub room: String,
    /// `publisher` or `subscriber`.
    pub role: String,
    pub id: Option<ParticipantId>,
    pub connected_ms: Option<u64>,
    pub first_rtp_ms: Option<u64>,
    pub tracks_expected: u64,
    pub tracks_received: u64,
    pub tracks_subscribed: u64,
    pub packets: u64,
    pub bytes: u64,
    pub expected_packets: u64,
    pub lost_packets: u64,
    pub lost_before_rtx_packets: u64,
    /// Highest RFC 3550 jitter among its received tracks at the window's end.
    pub jitter_us_max: f64,
    pub feedback: Feedback,
    /// The tile size it asked for (`video_size`), when any.
    pub tile: Option<(u32, u32)>,
    /// What it received per layer (`audio`, `q`, `h`, `f`): shows the tile size at work.
    pub packets_by_layer: BTreeMap<String, u64>,
    pub latency_p50_us: Option<u32>,
    pub latency_p99_us: Option<u32>,
    pub hub_errors: Vec<String>,
}

/// One second of the window, all participants together (the HTML plots draw these).
#[derive(Debug, Clone, Default, Serialize)]
pub struct TimelinePoint {
    /// Milliseconds since the run started, at the end of this interval.
    pub t_ms: u64,
    pub packets_per_s: f64,
    pub kbps: f64,
    pub loss_fraction: f64,
    pub loss_before_rtx_fraction: f64,
    pub latency_us: Percentiles,
}

impl TimelinePoint {
    /// The interval of `dt_s` seconds between two readings of the same participants.
    pub fn between(
        t: std::time::Duration,
        dt_s: f64,
        prev: &[Interval],
        now: &[Interval],
    ) -> TimelinePoint {
        let (mut packets, mut bytes, mut lost, mut repaired) = (0u64, 0u64, 0u64, 0u64);
        let mut latency = Vec::new();
        for (i, n) in now.iter().enumerate() {
            let p = prev.get(i).cloned().unwrap_or_default();
            packets += n.packets.saturating_sub(p.packets);
            bytes += n.bytes.saturating_sub(p.bytes);
            lost += n.lost.saturating_sub(p.lost);
            repaired += n.repaired.saturating_sub(p.repaired);
            latency.extend_from_slice(&n.latency_us);
        }
        let expected = packets + lost;
        let dt = dt_s.max(1e-3);
        TimelinePoint {
            t_ms: t.as_millis() as u64,
            packets_per_s: packets as f64 / dt,
            kbps: bytes as f64 * 8.0 / 1000.0 / dt,
            loss_fraction: fraction(lost, expected),
            loss_before_rtx_fraction: fraction(lost + repaired, expected),
            latency_us: Percentiles::of(&latency),
        }
    }
}

/// `part / whole`, 0 when there is no whole.
pub fn fraction(part: u64, whole: u64) -> f64 {
    if whole > 0 {
        part as f64 / whole as f64
    } else {
        0.0
    }
}

/// Joins and leaves beside the base meeting (`churn` scenario).
#[derive(Debug, Clone, Default, Serialize)]
pub struct ChurnReport {
    pub rate_per_s: f64,
    pub attempted: usize,
    pub joined: usize,
    /// Joined but never received an RTP packet during their stay.
    pub no_media: usize,
    pub left: usize,
    /// `name: error` of the first failures (at most 20).
    pub failures: Vec<String>,
    pub failures_total: usize,
    pub connected_ms: MsDist,
    pub first_rtp_ms: MsDist,
}

/// One step of a `ramp`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RampStep {
    pub step: usize,
    pub participants: usize,
    pub valid: bool,
    pub loss_fraction: f64,
    pub latency_p99_us: Option<u32>,
    pub forwarded_packets_per_s: f64,
    pub hub_cpu_cores: Option<f64>,
    pub hub_cpu_us_per_packet: Option<f64>,
    /// [`ResidenceReport::p99_us_at_most`](crate::hub_metrics::ResidenceReport) of the
    /// step, with `--hub-metrics`.
    pub hub_residence_p99_us_at_most: Option<u64>,
    /// Why the step is not good; empty when it is.
    pub failed: Vec<String>,
}

impl RampStep {
    /// Forwarded packets per second one core of the hub would carry at this step's cost per
    /// packet (`forwarded_packets_per_s` ÷ `hub_cpu_cores`): a linear reading, an estimate
    /// and not a bound. Below saturation the cost per packet still falls as the hub gets
    /// busier (bigger batches, longer GSO trains), so such a step tends to read low.
    /// `None` without the hub's CPU.
    pub fn packets_per_core_s(&self) -> Option<f64> {
        self.hub_cpu_cores
            .filter(|&c| c > 0.0)
            .map(|c| self.forwarded_packets_per_s / c)
    }
}

/// The steps of a `ramp` and the last one within the limits.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RampReport {
    pub steps: Vec<RampStep>,
    /// Index into `steps`; `None` when even the first step broke a limit.
    pub last_good: Option<usize>,
    pub last_good_participants: Option<usize>,
    /// [`RampStep::packets_per_core_s`] of the last good step: what a core of the hub holds,
    /// read from the busiest load that stayed within the limits.
    pub last_good_packets_per_core_s: Option<f64>,
    /// Why the ramp stopped.
    pub stopped: String,
}

/// The whole run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    /// `meeting`, `hearing`, `audio-only`, `churn` or `ramp`.
    pub scenario: String,
    /// The server measured: `govhub` or `janus` (`hub` then holds that server's process).
    pub target: String,
    pub config: serde_json::Value,
    /// False when the figures cannot be trusted; `invalid_reasons` says why.
    pub valid: bool,
    pub invalid_reasons: Vec<String>,
    /// Conditions worth knowing that do not invalidate the run.
    pub warnings: Vec<String>,
    /// Processors the kernel reports (`nproc`).
    pub cores: usize,
    /// Length of the measured window in seconds.
    pub window_s: f64,
    pub join: JoinReport,
    pub media: MediaReport,
    pub hub: Option<HubReport>,
    /// How long packets stayed inside the hub, from its `/metrics` (`--hub-metrics`).
    pub hub_residence: Option<crate::hub_metrics::ResidenceReport>,
    pub generator: GeneratorReport,
    pub participants: Vec<ParticipantReport>,
    /// Once a second during the (last) window: rates, loss and latency percentiles.
    pub timeline: Vec<TimelinePoint>,
    /// The `churn` scenario's joins and leaves.
    pub churn: Option<ChurnReport>,
    /// The `ramp` scenario's steps.
    pub ramp: Option<RampReport>,
    /// The once-a-second `/proc` series of the whole run.
    pub samples: Vec<Sample>,
}

/// One received track over the window: `end` minus `start`.
#[derive(Debug, Clone, Default)]
pub struct TrackWindow {
    pub kind: Option<TrackKind>,
    pub publisher: Option<ParticipantId>,
    pub packets: u64,
    pub bytes: u64,
    pub expected: u64,
    pub lost: u64,
    pub repaired: u64,
    /// The running estimate at the window's end.
    pub jitter_us: f64,
    pub latency_us: Vec<u32>,
    pub packets_by_layer: BTreeMap<String, u64>,
}

/// The per-track difference between two snapshots of one participant.
pub fn track_windows(start: Option<&ParticipantStats>, end: &ParticipantStats) -> Vec<TrackWindow> {
    let empty = TrackRecvStats::default();
    end.received
        .iter()
        .map(|(key, e)| {
            let s = start.and_then(|s| s.received.get(key)).unwrap_or(&empty);
            let layers = e
                .packets_by_layer
                .iter()
                .map(|(l, n)| {
                    let before = s.packets_by_layer.get(l).copied().unwrap_or(0);
                    (l.clone(), n.saturating_sub(before))
                })
                .collect();
            TrackWindow {
                kind: e.kind,
                publisher: e.publisher.clone(),
                packets: e.packets.saturating_sub(s.packets),
                bytes: e.bytes.saturating_sub(s.bytes),
                expected: (e.packets + e.lost).saturating_sub(s.packets + s.lost),
                lost: e.lost.saturating_sub(s.lost),
                repaired: e.repaired.saturating_sub(s.repaired),
                jitter_us: e.jitter_us,
                latency_us: e
                    .latency_us
                    .get(s.latency_us.len()..)
                    .unwrap_or(&[])
                    .to_vec(),
                packets_by_layer: layers,
            }
        })
        .collect()
}

/// Packets per layer summed over `windows`.
pub fn layers_of(windows: &[TrackWindow]) -> BTreeMap<String, u64> {
    let mut out: BTreeMap<String, u64> = BTreeMap::new();
    for t in windows {
        for (l, n) in &t.packets_by_layer {
            *out.entry(l.clone()).or_default() += n;
        }
    }
    out
}

/// Distinct (publisher, kind) pairs among `expected` publishers that delivered packets.
pub fn tracks_received(windows: &[TrackWindow], expected: &[ParticipantId]) -> u64 {
    let mut seen = std::collections::BTreeSet::new();
    for w in windows.iter().filter(|w| w.packets > 0) {
        if let (Some(p), Some(k)) = (&w.publisher, w.kind)
            && expected.contains(p)
        {
            seen.insert((p.0.clone(), k == TrackKind::Video));
        }
    }
    seen.len() as u64
}

/// CPU seconds between two tick readings.
pub fn cpu_seconds(a: Option<u64>, b: Option<u64>, ticks_per_s: u64) -> Option<f64> {
    Some(b?.saturating_sub(a?) as f64 / ticks_per_s as f64)
}

/// Highest CPU use in cores between consecutive generator samples at least 0.5 s apart.
pub fn peak_cores(samples: &[Sample], ticks_per_s: u64) -> f64 {
    let mut peak: f64 = 0.0;
    let mut prev: Option<&Sample> = None;
    for s in samples {
        if let Some(p) = prev {
            let dt = s.t_ms.saturating_sub(p.t_ms) as f64 / 1000.0;
            if dt < 0.5 {
                continue;
            }
            if let Some(cpu) = cpu_seconds(p.gen_cpu_ticks, s.gen_cpu_ticks, ticks_per_s) {
                peak = peak.max(cpu / dt);
            }
        }
        prev = Some(s);
    }
    peak
}

/// The validity rule: the generator's mean CPU over the window must stay at or under
/// [`GENERATOR_CORE_LIMIT`] cores, its timer must not fire more than
/// [`TIMER_LAG_INVALID_MS`] late, and everyone must have joined.
pub fn invalid_reasons(generator: &GeneratorReport, join: &JoinReport) -> Vec<String> {
    let mut out = Vec::new();
    if generator.cpu_cores > GENERATOR_CORE_LIMIT {
        out.push(format!(
            "load generator used {:.2} cores on average over the window (limit {GENERATOR_CORE_LIMIT})",
            generator.cpu_cores
        ));
    }
    if generator.timer_lag_ms_max > TIMER_LAG_INVALID_MS {
        out.push(format!(
            "load generator starved: its timer fired {:.0} ms late (limit {TIMER_LAG_INVALID_MS} ms)",
            generator.timer_lag_ms_max
        ));
    }
    if join.joined < join.attempted {
        out.push(format!(
            "{} of {} participants failed to join",
            join.attempted - join.joined,
            join.attempted
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeline_point_is_the_difference_of_two_readings() {
        let at = |packets, bytes, lost, repaired, lat: &[u32]| Interval {
            packets,
            bytes,
            lost,
            repaired,
            latency_us: lat.to_vec(),
        };
        let prev = [at(100, 10_000, 1, 0, &[]), at(50, 5_000, 0, 0, &[])];
        let now = [
            at(190, 19_000, 3, 4, &[1_000, 3_000]),
            at(100, 10_000, 0, 0, &[2_000]),
        ];
        let p = TimelinePoint::between(std::time::Duration::from_secs(7), 0.5, &prev, &now);
        assert_eq!(p.t_ms, 7_000);
        // 140 packets and 14,000 bytes in half a second.
        assert_eq!((p.packets_per_s, p.kbps), (280.0, 224.0));
        // 2 lost and 4 repaired of 142 expected.
        assert!((p.loss_fraction - 2.0 / 142.0).abs() < 1e-12);
        assert!((p.loss_before_rtx_fraction - 6.0 / 142.0).abs() < 1e-12);
        assert_eq!((p.latency_us.samples, p.latency_us.p50), (3, Some(2_000)));
        // A participant that was not there before counts from zero.
        let p = TimelinePoint::between(std::time::Duration::ZERO, 1.0, &[], &now[..1]);
        assert_eq!(p.packets_per_s, 190.0);
    }

    #[test]
    fn a_busy_or_starved_generator_invalidates_the_run() {
        let join = JoinReport {
            attempted: 2,
            joined: 2,
            ..Default::default()
        };
        let fine = GeneratorReport {
            cpu_cores: 0.5,
            timer_lag_ms_max: 10.0,
            ..Default::default()
        };
        assert!(invalid_reasons(&fine, &join).is_empty());
        let busy = GeneratorReport {
            cpu_cores: 0.95,
            ..fine.clone()
        };
        assert!(invalid_reasons(&busy, &join)[0].contains("0.95 cores"));
        let starved = GeneratorReport {
            timer_lag_ms_max: 120.0,
            ..fine.clone()
        };
        assert!(invalid_reasons(&starved, &join)[0].contains("120 ms late"));
        let short = JoinReport { joined: 1, ..join };
        assert!(invalid_reasons(&fine, &short)[0].contains("1 of 2"));
    }
}
