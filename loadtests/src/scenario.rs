//! Running a scenario: the one entry point [`run_scenario`]. `meeting`, `hearing` and
//! `audio-only` are the same run with different plans (their defaults live in
//! [`crate::config`]); `churn` adds visitors beside the window ([`crate::churn`]); `ramp`
//! repeats the window, adding viewers each step until a limit breaks ([`judge`]).

use std::time::Duration;

use crate::assemble::{Collected, assemble};
use crate::config::{RampConfig, Scenario, ScenarioConfig};
use crate::report::{RampReport, RampStep, Report};
use crate::run::{Run, plan_publishers, plan_viewers};

/// Runs `cfg.scenario` against the target and returns its report.
pub async fn run_scenario(cfg: &ScenarioConfig) -> anyhow::Result<Report> {
    if cfg.scenario == Scenario::Ramp {
        return Ok(ramp(cfg).await);
    }
    let mut run = Run::start(cfg);
    run.add(plan_publishers(cfg), plan_viewers(cfg, 0, cfg.subscribers))
        .await;
    let label = cfg.scenario.name();
    let (window, churn) = if cfg.scenario == Scenario::Churn {
        let duration = Duration::from_secs_f64(cfg.duration_s);
        let (w, c) = tokio::join!(run.measure(label), crate::churn::drive(cfg, duration));
        (w, Some(c))
    } else {
        (run.measure(label).await, None)
    };
    let collected = Collected::of(&run, window, Vec::new());
    let samples = run.finish().await;
    let mut report = assemble(
        cfg,
        Collected {
            samples,
            ..collected
        },
    );
    report.churn = churn;
    Ok(report)
}

/// Why a ramp step is not good: loss or p99 over the limits (end to end, and in the hub when
/// `max_hub_p99_ms` is set), an invalid run (an overloaded generator measures itself, not
/// the hub), or expected tracks that delivered nothing.
pub fn judge(r: &Report, limits: &RampConfig) -> Vec<String> {
    let mut out = Vec::new();
    let m = &r.media;
    if m.loss_fraction > limits.max_loss {
        out.push(format!(
            "loss {:.3}% > {:.3}%",
            m.loss_fraction * 100.0,
            limits.max_loss * 100.0
        ));
    }
    if let Some(p99) = m.latency_us.p99
        && f64::from(p99) > limits.max_p99_ms * 1000.0
    {
        out.push(format!(
            "p99 latency {:.1} ms > {} ms",
            f64::from(p99) / 1000.0,
            limits.max_p99_ms
        ));
    }
    if let Some(limit) = limits.max_hub_p99_ms {
        match r.hub_residence.as_ref().map(|h| h.p99_us_at_most) {
            Some(Some(p99)) if p99 as f64 <= limit * 1000.0 => {}
            Some(Some(p99)) => out.push(format!(
                "p99 in the hub ≤ {} ms > {limit} ms",
                p99 as f64 / 1000.0
            )),
            Some(None) => out.push(format!("p99 in the hub over 1 s > {limit} ms")),
            None => out.push("no time in the hub: the hub's metrics were not read".into()),
        }
    }
    if m.tracks_received < m.tracks_expected {
        out.push(format!(
            "{} expected tracks delivered nothing",
            m.tracks_expected - m.tracks_received
        ));
    }
    out.extend(r.invalid_reasons.iter().map(|e| format!("invalid: {e}")));
    out
}

fn step_of(step: usize, r: &Report, limits: &RampConfig) -> RampStep {
    RampStep {
        step,
        participants: r.join.joined,
        valid: r.valid,
        loss_fraction: r.media.loss_fraction,
        latency_p99_us: r.media.latency_us.p99,
        forwarded_packets_per_s: r.media.forwarded_packets_per_s,
        hub_cpu_cores: r.hub.as_ref().map(|h| h.cpu_cores),
        hub_cpu_us_per_packet: r.hub.as_ref().and_then(|h| h.cpu_us_per_packet),
        hub_residence_p99_us_at_most: r.hub_residence.as_ref().and_then(|h| h.p99_us_at_most),
        failed: judge(r, limits),
    }
}

/// Steps until one breaks a limit or `max_steps` are done; the report is the last step's,
/// with every step's figures and the last good one under `ramp`.
async fn ramp(cfg: &ScenarioConfig) -> Report {
    let mut run = Run::start(cfg);
    run.add(plan_publishers(cfg), plan_viewers(cfg, 0, cfg.subscribers))
        .await;
    let mut viewers = cfg.subscribers;
    let mut steps = Vec::new();
    let mut last = Report::default();
    let mut stopped = format!("all {} steps within the limits", cfg.ramp.max_steps);
    for step in 0..cfg.ramp.max_steps {
        if step > 0 {
            run.add(Vec::new(), plan_viewers(cfg, viewers, cfg.ramp.step))
                .await;
            viewers += cfg.ramp.step;
        }
        let window = run.measure(&format!("ramp {step}")).await;
        let series = run.sampler.series();
        last = assemble(cfg, Collected::of(&run, window, series));
        let s = step_of(step, &last, &cfg.ramp);
        let bad = !s.failed.is_empty();
        if bad {
            stopped = format!("step {step}: {}", s.failed.join("; "));
        }
        steps.push(s);
        if bad {
            break;
        }
    }
    last.samples = run.finish().await;
    last.ramp = Some(summarize(steps, stopped));
    last
}

/// The ramp's report from its steps: the last good one and what it says of a core.
fn summarize(steps: Vec<RampStep>, stopped: String) -> RampReport {
    let last_good = steps.iter().rposition(|s| s.failed.is_empty());
    RampReport {
        last_good,
        last_good_participants: last_good.map(|i| steps[i].participants),
        last_good_packets_per_core_s: last_good.and_then(|i| steps[i].packets_per_core_s()),
        steps,
        stopped,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Percentiles;

    fn limits() -> RampConfig {
        RampConfig {
            step: 4,
            max_steps: 10,
            max_loss: 0.01,
            max_p99_ms: 50.0,
            max_hub_p99_ms: None,
        }
    }

    fn report(loss: f64, p99_us: u32) -> Report {
        let mut r = Report {
            valid: true,
            ..Default::default()
        };
        r.media.loss_fraction = loss;
        r.media.latency_us = Percentiles {
            p99: Some(p99_us),
            ..Default::default()
        };
        r
    }

    #[test]
    fn a_step_is_good_within_both_limits() {
        assert!(judge(&report(0.01, 50_000), &limits()).is_empty());
        assert!(judge(&report(0.0, 1_000), &limits()).is_empty());
    }

    #[test]
    fn loss_latency_missing_tracks_and_invalid_runs_end_the_ramp() {
        assert!(judge(&report(0.011, 1_000), &limits())[0].starts_with("loss"));
        assert!(judge(&report(0.0, 50_001), &limits())[0].starts_with("p99"));
        let mut r = report(0.0, 1_000);
        r.media.tracks_expected = 4;
        r.media.tracks_received = 3;
        assert_eq!(
            judge(&r, &limits()),
            ["1 expected tracks delivered nothing"]
        );
        let mut r = report(0.0, 1_000);
        r.invalid_reasons = vec!["load generator used 0.95 cores".into()];
        assert!(judge(&r, &limits())[0].starts_with("invalid"));
        assert_eq!(judge(&report(0.5, 90_000), &limits()).len(), 2);
    }

    #[test]
    fn a_limit_on_the_time_in_the_hub_ends_the_ramp_when_set() {
        use crate::hub_metrics::ResidenceReport;
        let strict = RampConfig {
            max_hub_p99_ms: Some(10.0),
            ..limits()
        };
        let with = |p99: Option<u64>| {
            let mut r = report(0.0, 30_000);
            r.hub_residence = Some(ResidenceReport {
                p99_us_at_most: p99,
                ..Default::default()
            });
            r
        };
        assert!(judge(&with(Some(10_000)), &strict).is_empty());
        assert_eq!(
            judge(&with(Some(20_000)), &strict),
            ["p99 in the hub ≤ 20 ms > 10 ms"]
        );
        assert!(judge(&with(None), &strict)[0].contains("over 1 s"));
        assert!(judge(&report(0.0, 30_000), &strict)[0].starts_with("no time in the hub"));
        // Without the limit the time in the hub is reported, not judged.
        assert!(judge(&with(Some(20_000)), &limits()).is_empty());
    }

    fn step(participants: usize, pps: f64, cores: Option<f64>, failed: &[&str]) -> RampStep {
        RampStep {
            participants,
            forwarded_packets_per_s: pps,
            hub_cpu_cores: cores,
            failed: failed.iter().map(|f| f.to_string()).collect(),
            ..Default::default()
        }
    }

    #[test]
    fn a_core_is_read_from_the_last_good_step() {
        let r = summarize(
            vec![
                step(24, 11_000.0, Some(0.1), &[]),
                step(44, 40_000.0, Some(0.2), &[]),
                step(64, 60_000.0, Some(0.4), &["p99 latency 58.1 ms > 50 ms"]),
            ],
            "step 2".into(),
        );
        assert_eq!(r.last_good, Some(1));
        assert_eq!(r.last_good_participants, Some(44));
        assert_eq!(r.last_good_packets_per_core_s, Some(200_000.0));
        // Without the hub's CPU (no --hub-pid), or with none used, there is no reading.
        let r = summarize(vec![step(24, 11_000.0, None, &[])], String::new());
        assert_eq!(r.last_good_packets_per_core_s, None);
        assert_eq!(
            step(24, 11_000.0, Some(0.0), &[]).packets_per_core_s(),
            None
        );
        // Nothing good, nothing read.
        let r = summarize(
            vec![step(24, 11_000.0, Some(0.1), &["loss"])],
            String::new(),
        );
        assert_eq!((r.last_good, r.last_good_packets_per_core_s), (None, None));
    }
}
