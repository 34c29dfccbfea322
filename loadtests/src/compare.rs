//! `--compare <target>`: one scenario run against two targets, one after the other (the
//! target measured first, then the reference, each in rooms of its own, with the same seed
//! and plan), reported side by side: a row per figure with both values and their ratio
//! (first ÷ second), as a terminal table, JSON and one HTML page with both runs' plots.

use std::fmt::Write;
use std::time::Duration;

use anyhow::Context;
use serde::Serialize;

use crate::config::ScenarioConfig;
use crate::html::{charts, head, ramp_table};
use crate::report::{Percentiles, Report};
use crate::scenario::run_scenario;
use crate::svg::esc as esc_text;

/// Pause between the two runs, so the first server's leftovers (timeouts, freed rooms)
/// settle before the second is measured.
const BETWEEN_RUNS: Duration = Duration::from_secs(2);

/// One figure of both runs.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub metric: &'static str,
    pub unit: &'static str,
    /// In the order of [`Comparison::targets`].
    pub values: [Option<f64>; 2],
    /// `values[0] / values[1]`, when both exist and the second is not 0.
    pub ratio: Option<f64>,
}

/// The ratios that decide the comparison (first ÷ second; below 1 means the first is
/// cheaper, faster or loses less).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Ratios {
    pub cpu_us_per_packet: Option<f64>,
    pub latency_p50: Option<f64>,
    pub latency_p99: Option<f64>,
    pub loss: Option<f64>,
    pub loss_before_rtx: Option<f64>,
    pub rss_per_participant: Option<f64>,
}

/// A side-by-side run.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    pub scenario: String,
    /// The target measured and its reference, e.g. `["govhub", "janus"]`.
    pub targets: [String; 2],
    /// Both runs valid.
    pub valid: bool,
    pub ratios: Ratios,
    pub rows: Vec<Row>,
    /// The two full reports, in the order of `targets`.
    pub reports: [Report; 2],
}

/// Runs `cfg` against `cfg.target`, then against `cfg.compare`.
pub async fn run(cfg: &ScenarioConfig) -> anyhow::Result<Comparison> {
    let other = cfg
        .compare
        .context("a side-by-side run needs a target to compare with")?;
    let first = run_scenario(&cfg.for_target(cfg.target))
        .await
        .with_context(|| format!("the run against {}", cfg.target.name()))?;
    tokio::time::sleep(BETWEEN_RUNS).await;
    let second = run_scenario(&cfg.for_target(other))
        .await
        .with_context(|| format!("the run against {}", other.name()))?;
    Ok(Comparison::of(first, second))
}

fn ratio(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) if b != 0.0 => Some(a / b),
        _ => None,
    }
}

fn ms(p: Option<u32>) -> Option<f64> {
    p.map(|us| f64::from(us) / 1000.0)
}

type Getter = fn(&Report) -> Option<f64>;

/// Every row of the comparison: metric, unit, how to read it from a report.
const ROWS: &[(&str, &str, Getter)] = &[
    ("forwarded packets", "pkt/s", |r| {
        Some(r.media.forwarded_packets_per_s)
    }),
    ("received bit rate", "kbit/s", |r| {
        Some(r.media.received_kbps_total)
    }),
    ("server CPU", "cores", |r| {
        r.hub.as_ref().map(|h| h.cpu_cores)
    }),
    ("server CPU per forwarded packet", "µs", |r| {
        r.hub.as_ref().and_then(|h| h.cpu_us_per_packet)
    }),
    ("server RSS per participant", "KiB", |r| {
        r.hub.as_ref().and_then(|h| h.rss_per_participant_kib)
    }),
    ("latency p50", "ms", |r| ms(r.media.latency_us.p50)),
    ("latency p95", "ms", |r| ms(r.media.latency_us.p95)),
    ("latency p99", "ms", |r| ms(r.media.latency_us.p99)),
    ("time in the hub p99 ≤", "ms", |r| {
        r.hub_residence
            .as_ref()
            .and_then(|h| h.p99_us_at_most)
            .map(|us| us as f64 / 1000.0)
    }),
    ("audio latency p99", "ms", |r| {
        ms(r.media.audio_latency_us.p99)
    }),
    ("video latency p99", "ms", |r| {
        ms(r.media.video_latency_us.p99)
    }),
    ("loss after RTX", "%", |r| {
        Some(r.media.loss_fraction * 100.0)
    }),
    ("loss before RTX", "%", |r| {
        Some(r.media.loss_before_rtx_fraction * 100.0)
    }),
    ("jitter mean", "µs", |r| Some(r.media.jitter_us_mean)),
    ("NACKs sent", "", |r| {
        Some(r.media.feedback.nacks_sent as f64)
    }),
    ("PLIs sent", "", |r| Some(r.media.feedback.plis_sent as f64)),
    ("tracks received", "", |r| {
        Some(r.media.tracks_received as f64)
    }),
    ("tracks expected", "", |r| {
        Some(r.media.tracks_expected as f64)
    }),
    ("join: ICE+DTLS p50", "ms", |r| {
        r.join.connected_ms.p50.map(|v| v as f64)
    }),
    ("join: first RTP p50", "ms", |r| {
        r.join.first_rtp_ms.p50.map(|v| v as f64)
    }),
    ("generator CPU", "cores", |r| Some(r.generator.cpu_cores)),
];

impl Comparison {
    /// The side-by-side view of two reports of the same scenario.
    pub fn of(first: Report, second: Report) -> Comparison {
        let rows = ROWS
            .iter()
            .map(|(metric, unit, get)| {
                let values = [get(&first), get(&second)];
                Row {
                    metric,
                    unit,
                    values,
                    ratio: ratio(values[0], values[1]),
                }
            })
            .collect();
        let both = |f: Getter| ratio(f(&first), f(&second));
        let p = |f: fn(&Percentiles) -> Option<u32>, r: &Report| ms(f(&r.media.latency_us));
        let ratios = Ratios {
            cpu_us_per_packet: both(|r| r.hub.as_ref().and_then(|h| h.cpu_us_per_packet)),
            latency_p50: ratio(p(|l| l.p50, &first), p(|l| l.p50, &second)),
            latency_p99: ratio(p(|l| l.p99, &first), p(|l| l.p99, &second)),
            loss: both(|r| Some(r.media.loss_fraction)),
            loss_before_rtx: both(|r| Some(r.media.loss_before_rtx_fraction)),
            rss_per_participant: both(|r| r.hub.as_ref().and_then(|h| h.rss_per_participant_kib)),
        };
        Comparison {
            scenario: first.scenario.clone(),
            targets: [first.target.clone(), second.target.clone()],
            valid: first.valid && second.valid,
            ratios,
            rows,
            reports: [first, second],
        }
    }

    fn cells(&self) -> Vec<Vec<String>> {
        let fmt = |v: Option<f64>| match v {
            None => "-".to_owned(),
            Some(v) if v.abs() >= 100.0 || v == v.trunc() => format!("{v:.0}"),
            Some(v) if v.abs() >= 1.0 => format!("{v:.2}"),
            Some(v) => format!("{v:.3}"),
        };
        let [a, b] = &self.targets;
        let mut rows = vec![vec![
            "metric".to_owned(),
            a.clone(),
            b.clone(),
            format!("{a} ÷ {b}"),
        ]];
        for r in &self.rows {
            let metric = if r.unit.is_empty() {
                r.metric.to_owned()
            } else {
                format!("{} ({})", r.metric, r.unit)
            };
            rows.push(vec![
                metric,
                fmt(r.values[0]),
                fmt(r.values[1]),
                r.ratio.map_or("-".into(), |x| format!("{x:.2}")),
            ]);
        }
        let valid = |r: &Report| {
            if r.valid {
                "yes".to_owned()
            } else {
                "NO".to_owned()
            }
        };
        rows.push(vec![
            "valid".into(),
            valid(&self.reports[0]),
            valid(&self.reports[1]),
            String::new(),
        ]);
        rows
    }

    /// The terminal view: each run's own summary, then the side-by-side table.
    pub fn table(&self) -> String {
        let mut out = String::new();
        for r in &self.reports {
            let _ = writeln!(out, "=== {} ===\n{}", r.target, r.table());
        }
        let _ = writeln!(
            out,
            "=== side by side: {} ({} then {}) ===",
            self.scenario, self.targets[0], self.targets[1]
        );
        out.push_str(&crate::table::aligned(&self.cells()));
        for r in &self.reports {
            for why in &r.invalid_reasons {
                let _ = writeln!(out, "{} invalid: {why}", r.target);
            }
            for w in &r.warnings {
                let _ = writeln!(out, "{} warning: {w}", r.target);
            }
        }
        out
    }

    /// One self-contained page: the side-by-side table, then each run's plots and summary.
    pub fn html(&self) -> String {
        let title = format!(
            "{}: {} and {}",
            self.scenario, self.targets[0], self.targets[1]
        );
        let mut out = head(&title);
        out.push_str("<h2>Side by side</h2><table>");
        for (i, row) in self.cells().iter().enumerate() {
            out.push_str("<tr>");
            for (j, cell) in row.iter().enumerate() {
                let tag = if i == 0 { "th" } else { "td" };
                let class = if i > 0 && j > 0 { " class=\"n\"" } else { "" };
                let _ = write!(out, "<{tag}{class}>{}</{tag}>", esc_text(cell));
            }
            out.push_str("</tr>");
        }
        out.push_str("</table>");
        for r in &self.reports {
            let _ = write!(out, "<h2>{}</h2>", esc_text(&r.target));
            if !r.valid {
                let _ = write!(
                    out,
                    "<p class=\"bad\">Invalid run: {}</p>",
                    esc_text(&r.invalid_reasons.join("; "))
                );
            }
            for c in charts(r) {
                out.push_str(&c);
            }
            ramp_table(r, &mut out);
            let _ = write!(out, "<pre>{}</pre>", esc_text(&r.table()));
        }
        out.push_str("</body></html>\n");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::HubReport;

    fn report(target: &str, cpu_us: f64, p50_us: u32, loss: f64) -> Report {
        let mut r = Report {
            scenario: "meeting".into(),
            target: target.into(),
            valid: true,
            ..Default::default()
        };
        r.hub = Some(HubReport {
            cpu_us_per_packet: Some(cpu_us),
            ..Default::default()
        });
        r.media.latency_us = Percentiles {
            samples: 10,
            p50: Some(p50_us),
            p99: Some(p50_us * 4),
            ..Default::default()
        };
        r.media.loss_fraction = loss;
        r
    }

    #[test]
    fn ratios_are_first_over_second() {
        let c = Comparison::of(
            report("govhub", 4.0, 500, 0.0),
            report("janus", 16.0, 1000, 0.01),
        );
        assert_eq!(c.targets, ["govhub".to_owned(), "janus".to_owned()]);
        assert_eq!(c.ratios.cpu_us_per_packet, Some(0.25));
        assert_eq!(c.ratios.latency_p50, Some(0.5));
        assert_eq!(c.ratios.latency_p99, Some(0.5));
        assert_eq!(c.ratios.loss, Some(0.0));
        // No loss on the reference: no ratio rather than a division by zero.
        let c2 = Comparison::of(
            report("govhub", 4.0, 500, 0.01),
            report("janus", 8.0, 500, 0.0),
        );
        assert_eq!(c2.ratios.loss, None);
        let row = c
            .rows
            .iter()
            .find(|r| r.metric == "server CPU per forwarded packet");
        assert_eq!(
            row.map(|r| (r.values, r.ratio)),
            Some(([Some(4.0), Some(16.0)], Some(0.25)))
        );
    }

    #[test]
    fn every_view_shows_both_columns() {
        let mut janus = report("janus", 16.0, 1000, 0.0);
        janus.valid = false;
        janus.invalid_reasons = vec!["load generator used 0.95 cores".into()];
        let c = Comparison::of(report("govhub", 4.0, 500, 0.0), janus);
        assert!(!c.valid);
        let text = c.table();
        assert!(
            text.contains("govhub ÷ janus") && text.contains("0.25"),
            "{text}"
        );
        assert!(text.contains("janus invalid: load generator"));
        let page = c.html();
        assert!(page.contains("<th>govhub ÷ janus</th>") && page.contains("<h2>janus</h2>"));
        assert_eq!(page.matches("<svg").count(), 8, "four plots per run");
        assert!(!page.contains("<script"));
        let json = serde_json::to_value(&c).unwrap();
        assert_eq!(json["reports"][1]["target"], "janus");
        assert_eq!(json["ratios"]["cpu_us_per_packet"], 0.25);
    }
}
