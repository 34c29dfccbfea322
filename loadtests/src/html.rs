//! The HTML report: one self-contained file a person opens offline. The summary is the
//! terminal table; the plots (latency percentiles, loss, bit rate, hub and generator CPU
//! over time) are inline SVG drawn by [`crate::svg`]. No script, no font, no external link.

use std::fmt::Write;

use crate::procfs::{Sample, clock_ticks_per_s};
use crate::report::{Report, TimelinePoint};
use crate::svg::{Series, esc, line_chart};

/// (x, y) of the timeline, x in seconds since the run started.
fn series(t: &[TimelinePoint], f: impl Fn(&TimelinePoint) -> Option<f64>) -> Vec<(f64, f64)> {
    t.iter()
        .filter_map(|p| Some((p.t_ms as f64 / 1000.0, f(p)?)))
        .collect()
}

/// CPU in cores between consecutive samples, for the process `ticks` reads.
pub(crate) fn cpu_series(
    samples: &[Sample],
    ticks: impl Fn(&Sample) -> Option<u64>,
) -> Vec<(f64, f64)> {
    let per_s = clock_ticks_per_s() as f64;
    samples
        .windows(2)
        .filter_map(|w| {
            let dt = w[1].t_ms.saturating_sub(w[0].t_ms) as f64 / 1000.0;
            let used = ticks(&w[1])?.checked_sub(ticks(&w[0])?)? as f64 / per_s;
            (dt >= 0.5).then(|| (w[1].t_ms as f64 / 1000.0, used / dt))
        })
        .collect()
}

pub(crate) fn charts(r: &Report) -> Vec<String> {
    let t = &r.timeline;
    let ms = |v: Option<u32>| v.map(|v| f64::from(v) / 1000.0);
    let latency = [
        Series {
            name: "p50",
            colour: "#1b7837",
            points: series(t, |p| ms(p.latency_us.p50)),
        },
        Series {
            name: "p95",
            colour: "#e08214",
            points: series(t, |p| ms(p.latency_us.p95)),
        },
        Series {
            name: "p99",
            colour: "#b2182b",
            points: series(t, |p| ms(p.latency_us.p99)),
        },
    ];
    let loss = [
        Series {
            name: "after RTX",
            colour: "#b2182b",
            points: series(t, |p| Some(p.loss_fraction * 100.0)),
        },
        Series {
            name: "before RTX",
            colour: "#2166ac",
            points: series(t, |p| Some(p.loss_before_rtx_fraction * 100.0)),
        },
    ];
    let rate = [Series {
        name: "received",
        colour: "#2166ac",
        points: series(t, |p| Some(p.kbps / 1000.0)),
    }];
    let cpu = [
        Series {
            name: "hub",
            colour: "#b2182b",
            points: cpu_series(&r.samples, |s| s.hub_cpu_ticks),
        },
        Series {
            name: "generator",
            colour: "#777",
            points: cpu_series(&r.samples, |s| s.gen_cpu_ticks),
        },
    ];
    vec![
        line_chart("One-way latency", "ms", &latency),
        line_chart("Loss", "%", &loss),
        line_chart("Received bit rate", "Mbit/s", &rate),
        line_chart("CPU", "cores", &cpu),
    ]
}

pub(crate) fn ramp_table(r: &Report, out: &mut String) {
    let Some(ramp) = &r.ramp else { return };
    let _ = write!(
        out,
        "<h2>Ramp</h2><p>Stopped: {}. Last good step: {}{}.</p><table><tr><th>step</th><th>participants</th><th>loss %</th><th>p99 ms</th><th>p99 in hub ≤ ms</th><th>pkt/s</th><th>hub cores</th><th>verdict</th></tr>",
        esc(&ramp.stopped),
        ramp.last_good_participants
            .map_or("none".into(), |n| format!("{n} participants")),
        ramp.last_good_packets_per_core_s
            .map_or(String::new(), |p| format!(
                "; read linearly from it, one hub core holds ~{p:.0} forwarded packets/s"
            ))
    );
    for s in &ramp.steps {
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{:.3}</td><td>{}</td><td>{}</td><td>{:.0}</td><td>{}</td><td>{}</td></tr>",
            s.step,
            s.participants,
            s.loss_fraction * 100.0,
            s.latency_p99_us
                .map_or("-".into(), |v| format!("{:.1}", f64::from(v) / 1000.0)),
            s.hub_residence_p99_us_at_most
                .map_or("-".into(), |v| format!("{}", v as f64 / 1000.0)),
            s.forwarded_packets_per_s,
            s.hub_cpu_cores.map_or("-".into(), |v| format!("{v:.2}")),
            if s.failed.is_empty() {
                "good".into()
            } else {
                esc(&s.failed.join("; "))
            }
        );
    }
    out.push_str("</table>");
}

/// The page's head and title heading, with the one style sheet every report uses.
pub(crate) fn head(title: &str) -> String {
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>govhub-load {s}</title>\
         <style>body{{font-family:sans-serif;margin:1.5em;max-width:60em}}pre{{background:#f6f6f6;padding:1em;overflow-x:auto}}\
         svg{{display:block;margin:1em 0;max-width:100%;height:auto}}table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:2px 6px}}\
         td.n{{text-align:right}}.bad{{color:#b2182b}}</style></head><body><h1>govhub-load: {s}</h1>",
        s = esc(title)
    )
}

/// The whole page.
pub fn render(r: &Report) -> String {
    let mut out = head(&r.scenario);
    if !r.valid {
        let _ = write!(
            out,
            "<p class=\"bad\">Invalid run: {}</p>",
            esc(&r.invalid_reasons.join("; "))
        );
    }
    out.push_str("<h2>Over time</h2>");
    for c in charts(r) {
        out.push_str(&c);
    }
    ramp_table(r, &mut out);
    let _ = write!(out, "<h2>Summary</h2><pre>{}</pre>", esc(&r.table()));
    let config = serde_json::to_string_pretty(&r.config).unwrap_or_default();
    let _ = writeln!(
        out,
        "<h2>Configuration</h2><pre>{}</pre></body></html>",
        esc(&config)
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Percentiles;

    #[test]
    fn one_offline_page_with_every_plot() {
        let mut r = Report {
            scenario: "meeting <x>".into(),
            ..Default::default()
        };
        r.timeline = (1..=5)
            .map(|i| TimelinePoint {
                t_ms: i * 1000,
                kbps: 1000.0 * i as f64,
                latency_us: Percentiles {
                    p50: Some(1000),
                    p95: Some(2000),
                    p99: Some(3000),
                    ..Default::default()
                },
                ..Default::default()
            })
            .collect();
        r.samples = (0..5)
            .map(|i| Sample {
                t_ms: i * 1000,
                hub_cpu_ticks: Some(i * 10),
                hub_rss_kib: None,
                gen_cpu_ticks: Some(i * 5),
            })
            .collect();
        let page = render(&r);
        assert!(page.starts_with("<!DOCTYPE html>") && page.trim_end().ends_with("</html>"));
        assert_eq!(page.matches("<svg").count(), 4);
        assert_eq!(page.matches("<polyline").count(), 8);
        assert!(page.contains("meeting &lt;x&gt;"));
        for forbidden in ["<script", "src=", "href=", "@import", "url(", "https://"] {
            assert!(
                !page.contains(forbidden),
                "the page must stand alone: found {forbidden}"
            );
        }
        let cpu = cpu_series(&r.samples, |s| s.hub_cpu_ticks);
        assert_eq!(cpu.len(), 4);
    }
}
