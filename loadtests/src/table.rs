//! The terminal summary of a [`Report`]: a key/value block for the run and an aligned
//! table with one row per participant. Plain text, no colours, so it pastes into docs.

use std::fmt::Write;

use crate::report::{MsDist, Percentiles, Report};

fn opt<T: std::fmt::Display>(v: Option<T>) -> String {
    v.map_or_else(|| "-".into(), |v| v.to_string())
}

fn ms(d: &MsDist) -> String {
    format!(
        "p50 {} / p95 {} / max {} ms (n={})",
        opt(d.p50),
        opt(d.p95),
        opt(d.max),
        d.count
    )
}

fn us(p: &Percentiles) -> String {
    format!(
        "p50 {} / p95 {} / p99 {} / max {} µs (n={})",
        opt(p.p50),
        opt(p.p95),
        opt(p.p99),
        opt(p.max),
        p.samples
    )
}

/// Columns padded to their widest cell; the first column left-aligned, the rest right.
pub(crate) fn aligned(rows: &[Vec<String>]) -> String {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let width: Vec<usize> = (0..cols)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in rows {
        let cells: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(c, s)| {
                let pad = " ".repeat(width[c] - s.chars().count());
                if c == 0 {
                    format!("{s}{pad}")
                } else {
                    format!("{pad}{s}")
                }
            })
            .collect();
        let _ = writeln!(out, "{}", cells.join("  ").trim_end());
    }
    out
}

fn layers(by_layer: &std::collections::BTreeMap<String, u64>) -> String {
    let parts: Vec<String> = by_layer.iter().map(|(l, n)| format!("{l} {n}")).collect();
    if parts.is_empty() {
        "-".into()
    } else {
        parts.join(", ")
    }
}

impl Report {
    /// Rows of the churn and ramp sections, when the scenario has them.
    fn extra_rows(&self, kv: &mut Vec<Vec<String>>) {
        if let Some(c) = &self.churn {
            kv.push(vec![
                "churn visits".into(),
                format!(
                    "{} at {}/s: {} joined, {} failed, {} without media, {} left",
                    c.attempted, c.rate_per_s, c.joined, c.failures_total, c.no_media, c.left
                ),
            ]);
            kv.push(vec!["churn: ICE+DTLS".into(), ms(&c.connected_ms)]);
            kv.push(vec!["churn: first RTP".into(), ms(&c.first_rtp_ms)]);
        }
        if let Some(r) = &self.ramp {
            for s in &r.steps {
                kv.push(vec![
                    format!("ramp step {}", s.step),
                    format!(
                        "{} participants, loss {:.3}%, p99 {} µs{}, {:.0} pkt/s{}",
                        s.participants,
                        s.loss_fraction * 100.0,
                        opt(s.latency_p99_us),
                        s.hub_residence_p99_us_at_most
                            .map_or(String::new(), |r| format!(" (in the hub ≤ {r} µs)")),
                        s.forwarded_packets_per_s,
                        if s.failed.is_empty() {
                            String::new()
                        } else {
                            format!(" — {}", s.failed.join("; "))
                        }
                    ),
                ]);
            }
            kv.push(vec![
                "ramp: last good".into(),
                format!(
                    "{} participants ({})",
                    opt(r.last_good_participants),
                    r.stopped
                ),
            ]);
            if let Some(per_core) = r.last_good_packets_per_core_s {
                kv.push(vec![
                    "ramp: one hub core holds".into(),
                    format!(
                        "~{per_core:.0} forwarded packets/s (read linearly from the last good step)"
                    ),
                ]);
            }
        }
    }

    /// The human summary printed at the end of a run.
    pub fn table(&self) -> String {
        let m = &self.media;
        let mut kv: Vec<Vec<String>> = vec![
            vec!["scenario".into(), self.scenario.clone()],
            vec![
                "valid".into(),
                if self.valid {
                    "yes".into()
                } else {
                    format!("NO: {}", self.invalid_reasons.join("; "))
                },
            ],
            vec!["window".into(), format!("{:.1} s", self.window_s)],
            vec![
                "joined".into(),
                format!("{} / {}", self.join.joined, self.join.attempted),
            ],
            vec!["join: ws open".into(), ms(&self.join.ws_open_ms)],
            vec!["join: joined".into(), ms(&self.join.joined_ms)],
            vec!["join: answer".into(), ms(&self.join.answer_ms)],
            vec!["join: ICE+DTLS".into(), ms(&self.join.connected_ms)],
            vec!["join: first RTP".into(), ms(&self.join.first_rtp_ms)],
            vec![
                "join: first keyframe".into(),
                ms(&self.join.first_keyframe_ms),
            ],
            vec![
                "tracks received/expected".into(),
                format!(
                    "{} / {} (subscribed {})",
                    m.tracks_received, m.tracks_expected, m.tracks_subscribed
                ),
            ],
            vec![
                "forwarded packets".into(),
                format!(
                    "{} ({:.0}/s)",
                    m.forwarded_packets, m.forwarded_packets_per_s
                ),
            ],
            vec![
                "received bitrate".into(),
                format!(
                    "{:.0} kbit/s total, {:.0} per participant",
                    m.received_kbps_total, m.received_kbps_per_participant
                ),
            ],
            vec![
                "loss".into(),
                format!(
                    "{} of {} ({:.3}%)",
                    m.lost_packets,
                    m.expected_packets,
                    m.loss_fraction * 100.0
                ),
            ],
            vec![
                "loss before RTX".into(),
                format!(
                    "{} ({:.3}%), {} repaired by retransmission",
                    m.lost_before_rtx_packets,
                    m.loss_before_rtx_fraction * 100.0,
                    m.repaired_packets
                ),
            ],
            vec![
                "jitter (RFC 3550)".into(),
                format!(
                    "mean {:.0} / max {:.0} µs",
                    m.jitter_us_mean, m.jitter_us_max
                ),
            ],
            vec![
                "feedback".into(),
                format!(
                    "NACK sent {} ({} seqs), PLI sent {}; to publishers: NACK {}, PLI {}",
                    m.feedback.nacks_sent,
                    m.feedback.nacked_seqs_sent,
                    m.feedback.plis_sent,
                    m.feedback.nacks_received,
                    m.feedback.plis_received
                ),
            ],
            vec!["packets by layer".into(), layers(&m.packets_by_layer)],
            vec!["latency all".into(), us(&m.latency_us)],
            vec!["latency audio".into(), us(&m.audio_latency_us)],
            vec!["latency video".into(), us(&m.video_latency_us)],
        ];
        if let Some(h) = &self.hub {
            kv.push(vec![
                "hub CPU".into(),
                format!("{:.2} s = {:.2} cores", h.cpu_s, h.cpu_cores),
            ]);
            kv.push(vec![
                "hub CPU per packet".into(),
                format!(
                    "{} µs",
                    h.cpu_us_per_packet
                        .map_or("-".into(), |v| format!("{v:.1}"))
                ),
            ]);
            kv.push(vec![
                "hub RSS idle/peak".into(),
                format!("{} / {} KiB", opt(h.rss_idle_kib), opt(h.rss_peak_kib)),
            ]);
            kv.push(vec![
                "hub RSS per participant".into(),
                format!(
                    "{} KiB",
                    h.rss_per_participant_kib
                        .map_or("-".into(), |v| format!("{v:.0}"))
                ),
            ]);
        }
        if let Some(r) = &self.hub_residence {
            kv.push(vec![
                "time in the hub".into(),
                format!(
                    "p50 ≤ {} / p99 ≤ {} / p99.9 ≤ {} µs, mean {} µs; {:.3}% over 10 ms ({} packets timed, {} forwarded)",
                    opt(r.p50_us_at_most),
                    opt(r.p99_us_at_most),
                    opt(r.p999_us_at_most),
                    r.mean_us.map_or("-".into(), |v| format!("{v:.0}")),
                    r.over_10ms_fraction * 100.0,
                    r.packets,
                    r.forwarded
                ),
            ]);
        }
        let g = &self.generator;
        kv.push(vec![
            "generator CPU".into(),
            format!(
                "{:.2} cores mean, {:.2} peak; timer late by up to {:.0} ms; load average {}",
                g.cpu_cores,
                g.cpu_cores_peak,
                g.timer_lag_ms_max,
                opt(g.load_avg_1m)
            ),
        ]);
        self.extra_rows(&mut kv);
        for w in &self.warnings {
            kv.push(vec!["warning".into(), w.clone()]);
        }
        let mut rows = vec![
            [
                "participant",
                "role",
                "tracks",
                "packets",
                "kbit/s",
                "lost",
                "lost<RTX",
                "jitter µs",
                "NACK",
                "p50 µs",
                "p99 µs",
                "joined→RTP ms",
            ]
            .map(String::from)
            .to_vec(),
        ];
        for p in &self.participants {
            rows.push(vec![
                p.name.clone(),
                p.role.clone(),
                format!("{}/{}", p.tracks_received, p.tracks_expected),
                p.packets.to_string(),
                format!(
                    "{:.0}",
                    p.bytes as f64 * 8.0 / 1000.0 / self.window_s.max(1e-3)
                ),
                p.lost_packets.to_string(),
                p.lost_before_rtx_packets.to_string(),
                format!("{:.0}", p.jitter_us_max),
                p.feedback.nacks_sent.to_string(),
                opt(p.latency_p50_us),
                opt(p.latency_p99_us),
                opt(p.first_rtp_ms),
            ]);
        }
        format!("{}\n{}", aligned(&kv), aligned(&rows))
    }
}
