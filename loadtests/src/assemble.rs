//! Turns what a run collected over one window into its [`Report`]: per-participant windows,
//! the media totals (loss after and before retransmission, jitter, feedback), the hub's CPU
//! per forwarded packet and RSS per participant, and the generator's own CPU with the
//! validity rule. Every scenario goes through here.

use sfu::{ParticipantId, TrackKind};

use crate::config::ScenarioConfig;
use crate::procfs::{Sample, clock_ticks_per_s};
use crate::report::{
    GeneratorReport, HubReport, JoinReport, MediaReport, MsDist, ParticipantReport, Percentiles,
    Report, TIMER_LAG_WARN_MS, TrackWindow, cpu_seconds, fraction, invalid_reasons, layers_of,
    peak_cores, track_windows, tracks_received,
};
use crate::run::{Member, Run, Window, kinds};
use crate::stats::{Feedback, ParticipantStats};

/// What one window of a run collected.
pub(crate) struct Collected {
    pub members: Vec<Member>,
    /// Parallel to `members`: the error of a failed join, or the id of the seat.
    pub ids: Vec<Result<ParticipantId, String>>,
    pub window: Window,
    pub idle: Sample,
    pub samples: Vec<Sample>,
    pub warmup_complete: bool,
}

impl Collected {
    /// Takes the window out of `run` as it stands; `samples` is the `/proc` series so far.
    pub fn of(run: &Run<'_>, window: Window, samples: Vec<Sample>) -> Collected {
        Collected {
            members: run.joined.iter().map(|j| j.member.clone()).collect(),
            ids: run
                .joined
                .iter()
                .map(|j| match &j.result {
                    Ok(p) => Ok(p.id().clone()),
                    Err(e) => Err(format!("{e:#}")),
                })
                .collect(),
            window,
            idle: run.idle,
            samples,
            warmup_complete: run.warmup_complete,
        }
    }
}

/// Builds the report of one window.
pub(crate) fn assemble(cfg: &ScenarioConfig, c: Collected) -> Report {
    let ticks = clock_ticks_per_s();
    let window_s = c.window.window_s.max(1e-3);
    let per_publisher = kinds(cfg).len() as u64;
    let mut participants = Vec::new();
    let mut all_windows: Vec<TrackWindow> = Vec::new();
    let mut feedback = Feedback::default();
    for (i, m) in c.members.iter().enumerate() {
        let me = c.ids[i].as_ref().ok();
        let expected = publishers_of(&c, &m.room, me);
        let (windows, report) = match (&c.window.end[i], me) {
            (Some(end), Some(_)) => {
                let start = c.window.start[i].as_ref();
                let w = track_windows(start, end);
                let r = participant(me.cloned(), start, end, &w, &expected);
                (w, r)
            }
            _ => (Vec::new(), ParticipantReport::default()),
        };
        feedback.add(&report.feedback);
        participants.push(ParticipantReport {
            name: m.name.clone(),
            room: m.room.clone(),
            role: if m.publisher {
                "publisher"
            } else {
                "subscriber"
            }
            .into(),
            tracks_expected: per_publisher * expected.len() as u64,
            tile: m.tile,
            ..report
        });
        all_windows.extend(windows);
    }
    let join = join_report(&c);
    let mut media = media_report(&all_windows, &participants, window_s);
    media.feedback = feedback;
    let hub = cfg
        .server_pid()
        .map(|pid| hub_report(pid, &c, &join, &media, ticks));
    let (a, b) = &c.window.edges;
    let gen_cpu = cpu_seconds(a.gen_cpu_ticks, b.gen_cpu_ticks, ticks).unwrap_or(0.0);
    let generator = GeneratorReport {
        cpu_s: gen_cpu,
        cpu_cores: gen_cpu / window_s,
        cpu_cores_peak: peak_cores(&c.samples, ticks),
        timer_lag_ms_max: c.window.timer_lag_ms_max,
        load_avg_1m: crate::procfs::load_avg_1m(),
    };
    let invalid = invalid_reasons(&generator, &join);
    let cores = crate::procfs::machine_cpus();
    let mut warnings = warnings(&c, &media, hub.as_ref(), &generator, cores);
    let hub_residence = match &c.window.hub_metrics {
        None => None,
        Some(Err(e)) => {
            warnings.push(format!("the hub's metrics could not be read: {e}"));
            None
        }
        Some(Ok((a, b))) => {
            let r = crate::hub_metrics::between(a, b);
            if r.is_none() {
                warnings
                    .push("the hub's metrics went backwards during the window (restarted?)".into());
            }
            r
        }
    };
    Report {
        scenario: cfg.scenario.name().into(),
        target: cfg.target.name().into(),
        config: serde_json::to_value(cfg).unwrap_or_default(),
        valid: invalid.is_empty(),
        invalid_reasons: invalid,
        warnings,
        cores,
        window_s: c.window.window_s,
        join,
        media,
        hub,
        hub_residence,
        generator,
        participants,
        timeline: c.window.timeline,
        churn: None,
        ramp: None,
        samples: c.samples,
    }
}

fn publishers_of(c: &Collected, room: &str, me: Option<&ParticipantId>) -> Vec<ParticipantId> {
    c.members
        .iter()
        .zip(&c.ids)
        .filter(|(m, _)| m.publisher && m.room == room)
        .filter_map(|(_, id)| id.as_ref().ok().cloned())
        .filter(|id| Some(id) != me)
        .collect()
}

fn participant(
    id: Option<ParticipantId>,
    start: Option<&ParticipantStats>,
    end: &ParticipantStats,
    w: &[TrackWindow],
    expected: &[ParticipantId],
) -> ParticipantReport {
    let lat: Vec<u32> = w
        .iter()
        .flat_map(|t| t.latency_us.iter().copied())
        .collect();
    let lat = Percentiles::of(&lat);
    let lost: u64 = w.iter().map(|t| t.lost).sum();
    let feedback = match start {
        Some(s) => end.feedback.since(&s.feedback),
        None => end.feedback,
    };
    ParticipantReport {
        id,
        connected_ms: end.connected_ms,
        first_rtp_ms: end.phases.first_rtp_ms,
        tracks_received: tracks_received(w, expected),
        tracks_subscribed: end.subscribed,
        packets: w.iter().map(|t| t.packets).sum(),
        bytes: w.iter().map(|t| t.bytes).sum(),
        expected_packets: w.iter().map(|t| t.expected).sum(),
        lost_packets: lost,
        lost_before_rtx_packets: lost + w.iter().map(|t| t.repaired).sum::<u64>(),
        jitter_us_max: w.iter().map(|t| t.jitter_us).fold(0.0, f64::max),
        packets_by_layer: layers_of(w),
        feedback,
        latency_p50_us: lat.p50,
        latency_p99_us: lat.p99,
        hub_errors: end.hub_errors.clone(),
        ..Default::default()
    }
}

fn join_report(c: &Collected) -> JoinReport {
    let ends: Vec<&ParticipantStats> = c.window.end.iter().flatten().collect();
    let dist = |f: fn(&ParticipantStats) -> Option<u64>| MsDist::of(ends.iter().map(|s| f(s)));
    JoinReport {
        attempted: c.members.len(),
        joined: c.ids.iter().filter(|r| r.is_ok()).count(),
        failures: c
            .members
            .iter()
            .zip(&c.ids)
            .filter_map(|(m, r)| r.as_ref().err().map(|e| format!("{}: {e}", m.name)))
            .collect(),
        ws_open_ms: dist(|s| s.phases.ws_open_ms),
        joined_ms: dist(|s| s.phases.joined_ms),
        answer_ms: dist(|s| s.phases.answer_ms),
        connected_ms: dist(|s| s.connected_ms),
        first_rtp_ms: dist(|s| s.phases.first_rtp_ms),
        first_keyframe_ms: dist(|s| s.phases.first_keyframe_ms),
    }
}

fn media_report(w: &[TrackWindow], parts: &[ParticipantReport], window_s: f64) -> MediaReport {
    let lat = |kind: Option<TrackKind>| -> Vec<u32> {
        w.iter()
            .filter(|t| kind.is_none() || t.kind == kind)
            .flat_map(|t| t.latency_us.iter().copied())
            .collect()
    };
    let packets: u64 = w.iter().map(|t| t.packets).sum();
    let bytes: u64 = w.iter().map(|t| t.bytes).sum();
    let expected: u64 = w.iter().map(|t| t.expected).sum();
    let lost: u64 = w.iter().map(|t| t.lost).sum();
    let repaired: u64 = w.iter().map(|t| t.repaired).sum();
    let kbps = bytes as f64 * 8.0 / 1000.0 / window_s;
    let joined = parts.iter().filter(|p| p.id.is_some()).count().max(1);
    let flowing: Vec<f64> = w
        .iter()
        .filter(|t| t.packets > 0)
        .map(|t| t.jitter_us)
        .collect();
    MediaReport {
        forwarded_packets: packets,
        forwarded_bytes: bytes,
        forwarded_packets_per_s: packets as f64 / window_s,
        received_kbps_total: kbps,
        received_kbps_per_participant: kbps / joined as f64,
        expected_packets: expected,
        lost_packets: lost,
        loss_fraction: fraction(lost, expected),
        lost_before_rtx_packets: lost + repaired,
        repaired_packets: repaired,
        loss_before_rtx_fraction: fraction(lost + repaired, expected),
        jitter_us_mean: flowing.iter().sum::<f64>() / flowing.len().max(1) as f64,
        jitter_us_max: flowing.iter().copied().fold(0.0, f64::max),
        feedback: Feedback::default(),
        latency_us: Percentiles::of(&lat(None)),
        audio_latency_us: Percentiles::of(&lat(Some(TrackKind::Audio))),
        video_latency_us: Percentiles::of(&lat(Some(TrackKind::Video))),
        packets_by_layer: layers_of(w),
        tracks_expected: parts.iter().map(|p| p.tracks_expected).sum(),
        tracks_received: parts.iter().map(|p| p.tracks_received).sum(),
        tracks_subscribed: parts.iter().map(|p| p.tracks_subscribed).sum(),
    }
}

fn hub_report(
    pid: u32,
    c: &Collected,
    join: &JoinReport,
    media: &MediaReport,
    ticks: u64,
) -> HubReport {
    let (a, b) = &c.window.edges;
    let cpu_s = cpu_seconds(a.hub_cpu_ticks, b.hub_cpu_ticks, ticks).unwrap_or(0.0);
    let in_window = c
        .samples
        .iter()
        .filter(|s| s.t_ms >= a.t_ms && s.t_ms <= b.t_ms);
    let rss_peak = in_window.filter_map(|s| s.hub_rss_kib).max();
    let rss_idle = c.idle.hub_rss_kib;
    let per_participant = match (rss_idle, rss_peak) {
        (Some(idle), Some(peak)) if join.joined > 0 => {
            Some(peak.saturating_sub(idle) as f64 / join.joined as f64)
        }
        _ => None,
    };
    HubReport {
        pid,
        cpu_s,
        cpu_cores: cpu_s / c.window.window_s.max(1e-3),
        cpu_us_per_packet: (media.forwarded_packets > 0)
            .then(|| cpu_s * 1e6 / media.forwarded_packets as f64),
        rss_idle_kib: rss_idle,
        rss_peak_kib: rss_peak,
        rss_per_participant_kib: per_participant,
    }
}

fn warnings(
    c: &Collected,
    media: &MediaReport,
    hub: Option<&HubReport>,
    generator: &GeneratorReport,
    cores: usize,
) -> Vec<String> {
    let mut out = Vec::new();
    if !c.warmup_complete {
        out.push(
            "warm-up timed out: some expected tracks had not started when the window began".into(),
        );
    }
    if media.tracks_received < media.tracks_expected {
        out.push(format!(
            "{} of {} expected tracks delivered nothing during the window",
            media.tracks_expected - media.tracks_received,
            media.tracks_expected
        ));
    }
    if generator.timer_lag_ms_max > TIMER_LAG_WARN_MS {
        out.push(format!(
            "the generator's timer fired up to {:.0} ms late (load average {}): it waited for a CPU, so latency, jitter and loss include its own delay",
            generator.timer_lag_ms_max,
            generator.load_avg_1m.map_or("-".into(), |l| format!("{l:.1}"))
        ));
    }
    if let Some(h) = hub
        && h.cpu_cores + generator.cpu_cores > 0.9 * cores as f64
    {
        out.push(format!(
            "hub ({:.2}) and generator ({:.2}) together used over 90% of the {cores} cores: figures include contention",
            h.cpu_cores, generator.cpu_cores
        ));
    }
    out
}
