//! `GET /metrics` on its own listener (`--metrics-listen`): the media runtime's counters and
//! latency histograms in the Prometheus text format, for a Prometheus server or
//! `govhub-load --hub-metrics`. A separate port, off unless asked for, so it can stay on an
//! operations network and never faces browsers.

use std::fmt::Write;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sfu::latency::{BOUNDS_US, LatencyHistogram};
use sfu::{MediaStats, SfuHandle};

pub fn router(media: SfuHandle) -> Router {
    Router::new()
        .route("/metrics", get(metrics))
        .with_state(media)
}

async fn metrics(State(media): State<SfuHandle>) -> Response {
    match media.stats().await {
        Ok(stats) => (
            [(
                header::CONTENT_TYPE,
                "text/plain; version=0.0.4; charset=utf-8",
            )],
            render(&stats),
        )
            .into_response(),
        Err(e) => (StatusCode::SERVICE_UNAVAILABLE, e.to_string()).into_response(),
    }
}

/// The exposition text of `stats`.
pub fn render(stats: &MediaStats) -> String {
    let c = &stats.core;
    let mut out = String::new();
    gauge(
        &mut out,
        "govhub_media_participants",
        "Participants seated in the media runtime.",
        stats.participants as u64,
    );
    for (name, help, value) in [
        (
            "datagrams_received",
            "UDP datagrams read from the media socket.",
            c.datagrams_in,
        ),
        (
            "garbage_datagrams",
            "Datagrams no participant accepted, or that were not STUN, DTLS, RTP or RTCP.",
            c.garbage_datagrams,
        ),
        (
            "rtp_received",
            "RTP packets received from publishers.",
            c.rtp_in,
        ),
        (
            "rtp_forwarded",
            "RTP packets forwarded, one per subscriber's copy.",
            c.rtp_forwarded,
        ),
        (
            "rtp_fast",
            "Of the forwarded packets, those sent by the hub's fast path.",
            c.rtp_fast,
        ),
        (
            "rtp_resent",
            "Packets resent by the fast path on a subscriber's NACK.",
            c.fast_resends,
        ),
        (
            "rtp_dropped",
            "Packets not forwarded to a subscriber that wanted the track (waiting for a keyframe, stale after a layer switch).",
            c.rtp_dropped,
        ),
        (
            "keyframe_requests",
            "Keyframe requests (PLI) sent to publishers.",
            c.keyframe_requests,
        ),
        (
            "datagrams_sent",
            "Datagrams sent on the media socket.",
            stats.datagrams_sent,
        ),
        (
            "send_calls",
            "Send system calls on the media socket (a GSO train is one).",
            stats.send_calls,
        ),
    ] {
        let _ = writeln!(out, "# HELP govhub_media_{name}_total {help}");
        let _ = writeln!(out, "# TYPE govhub_media_{name}_total counter");
        let _ = writeln!(out, "govhub_media_{name}_total {value}");
    }
    histogram(
        &mut out,
        "govhub_media_residence_seconds",
        "Time a forwarded RTP packet spends in the hub, one observation per copy: kernel receive timestamp to the end of the send.",
        &stats.residence,
    );
    histogram(
        &mut out,
        "govhub_media_batch_seconds",
        "Time the media loop takes to serve one wake: first datagram read to the end of the sends.",
        &stats.batches,
    );
    out
}

fn gauge(out: &mut String, name: &str, help: &str, value: u64) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} gauge");
    let _ = writeln!(out, "{name} {value}");
}

fn histogram(out: &mut String, name: &str, help: &str, h: &LatencyHistogram) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} histogram");
    let mut cumulative = 0;
    for (i, n) in h.counts().iter().enumerate() {
        cumulative += n;
        match BOUNDS_US.get(i) {
            Some(&us) => {
                let le = us as f64 / 1e6;
                let _ = writeln!(out, "{name}_bucket{{le=\"{le}\"}} {cumulative}");
            }
            None => {
                let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {cumulative}");
            }
        }
    }
    let _ = writeln!(out, "{name}_sum {}", h.sum().as_secs_f64());
    let _ = writeln!(out, "{name}_count {}", h.count());
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn value<'a>(text: &'a str, series: &str) -> &'a str {
        text.lines()
            .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
            .unwrap_or_else(|| panic!("no `{series}` in\n{text}"))
    }

    #[test]
    fn histograms_are_cumulative_and_end_in_their_count() {
        let mut stats = MediaStats::default();
        stats.core.rtp_forwarded = 123;
        stats.participants = 4;
        stats.residence.record_n(Duration::from_micros(40), 3);
        stats.residence.record(Duration::from_micros(6_500));
        stats.residence.record(Duration::from_secs(2));
        let text = render(&stats);
        let r = "govhub_media_residence_seconds";
        assert_eq!(value(&text, "govhub_media_rtp_forwarded_total"), "123");
        assert_eq!(value(&text, "govhub_media_participants"), "4");
        assert_eq!(value(&text, &format!("{r}_bucket{{le=\"0.00003\"}}")), "0");
        assert_eq!(value(&text, &format!("{r}_bucket{{le=\"0.00005\"}}")), "3");
        assert_eq!(value(&text, &format!("{r}_bucket{{le=\"0.005\"}}")), "3");
        assert_eq!(value(&text, &format!("{r}_bucket{{le=\"0.007\"}}")), "4");
        assert_eq!(value(&text, &format!("{r}_bucket{{le=\"1\"}}")), "4");
        assert_eq!(value(&text, &format!("{r}_bucket{{le=\"+Inf\"}}")), "5");
        assert_eq!(value(&text, &format!("{r}_count")), "5");
        assert_eq!(value(&text, &format!("{r}_sum")), "2.00662");
        assert_eq!(
            text.lines()
                .filter(|l| l.starts_with(&format!("{r}_bucket")))
                .count(),
            BOUNDS_US.len() + 1
        );
        assert_eq!(value(&text, "govhub_media_batch_seconds_count"), "0");
        assert!(text.contains("# TYPE govhub_media_residence_seconds histogram"));
    }
}
