//! The hub's own view of a window (`--hub-metrics`): `GET /metrics` of `govhub serve
//! --metrics-listen` is read at the window's edges, and the difference of its residence
//! histogram says how long the packets forwarded in the window stayed inside the hub —
//! from the kernel's receive timestamp to the end of the send — apart from what the
//! generator's own receive path adds to the end-to-end latency it measures.

use std::time::Duration;

use serde::Serialize;

const RESIDENCE: &str = "govhub_media_residence_seconds";
const FORWARDED: &str = "govhub_media_rtp_forwarded_total";
/// The latency bound of the target, reported as the share of packets beyond it.
const SLOW_S: f64 = 0.010;

/// The figures read from one scrape.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Scrape {
    /// Cumulative `(le in seconds, count)` of the residence histogram, in order; the last
    /// is `+Inf`.
    pub buckets: Vec<(f64, u64)>,
    pub sum_s: f64,
    pub forwarded: u64,
}

/// Reads the hub's metrics once.
pub async fn scrape(client: &reqwest::Client, url: &str) -> Result<Scrape, String> {
    let response = client
        .get(url)
        .timeout(Duration::from_secs(5))
        .send()
        .await
        .map_err(|e| format!("GET {url}: {e}"))?;
    let status = response.status();
    let text = response
        .text()
        .await
        .map_err(|e| format!("GET {url}: {e}"))?;
    if !status.is_success() {
        return Err(format!("GET {url}: {status}: {}", text.trim()));
    }
    parse(&text)
}

/// The residence histogram and the forwarded counter out of the exposition text.
pub fn parse(text: &str) -> Result<Scrape, String> {
    let mut s = Scrape::default();
    let mut seen_sum = false;
    let mut seen_forwarded = false;
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let Some((series, value)) = line.rsplit_once(' ') else {
            continue;
        };
        let bad = || format!("bad metrics line `{line}`");
        if let Some(labels) = series.strip_prefix(&format!("{RESIDENCE}_bucket")) {
            let le = labels
                .strip_prefix("{le=\"")
                .and_then(|l| l.strip_suffix("\"}"))
                .ok_or_else(bad)?;
            let le = if le == "+Inf" {
                f64::INFINITY
            } else {
                le.parse().map_err(|_| bad())?
            };
            s.buckets.push((le, value.parse().map_err(|_| bad())?));
        } else if series == format!("{RESIDENCE}_sum") {
            s.sum_s = value.parse().map_err(|_| bad())?;
            seen_sum = true;
        } else if series == FORWARDED {
            s.forwarded = value.parse().map_err(|_| bad())?;
            seen_forwarded = true;
        }
    }
    let ordered = s
        .buckets
        .windows(2)
        .all(|w| w[0].0 < w[1].0 && w[0].1 <= w[1].1);
    if s.buckets.last().is_none_or(|b| b.0.is_finite()) || !ordered || !seen_sum {
        return Err(format!(
            "the metrics hold no well-formed `{RESIDENCE}` histogram"
        ));
    }
    if !seen_forwarded {
        return Err(format!("the metrics hold no `{FORWARDED}`"));
    }
    Ok(s)
}

/// How long the packets forwarded in a window stayed in the hub.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ResidenceReport {
    /// Forwarded copies the hub timed (every copy, where the kernel gives receive
    /// timestamps).
    pub packets: u64,
    /// RTP packets the hub counts as forwarded in the window.
    pub forwarded: u64,
    pub mean_us: Option<f64>,
    /// Upper bounds of the quantiles: the bound of the histogram bucket that holds each
    /// (`None` for the unbounded bucket beyond its last bound).
    pub p50_us_at_most: Option<u64>,
    pub p99_us_at_most: Option<u64>,
    pub p999_us_at_most: Option<u64>,
    /// Share of the timed packets that stayed longer than 10 ms.
    pub over_10ms_fraction: f64,
}

/// The window between two scrapes; `None` when the histograms do not line up (a hub
/// restarted in between, or a different one).
pub fn between(a: &Scrape, b: &Scrape) -> Option<ResidenceReport> {
    if a.buckets.len() != b.buckets.len()
        || a.buckets
            .iter()
            .zip(&b.buckets)
            .any(|(x, y)| x.0 != y.0 || x.1 > y.1)
        || a.forwarded > b.forwarded
    {
        return None;
    }
    let cumulative: Vec<(f64, u64)> = a
        .buckets
        .iter()
        .zip(&b.buckets)
        .map(|(x, y)| (y.0, y.1 - x.1))
        .collect();
    let packets = cumulative.last().map_or(0, |c| c.1);
    let quantile = |q: f64| -> Option<u64> {
        if packets == 0 {
            return None;
        }
        let rank = ((q * packets as f64).ceil() as u64).clamp(1, packets);
        let (le, _) = cumulative.iter().find(|c| c.1 >= rank)?;
        le.is_finite().then(|| (le * 1e6).round() as u64)
    };
    let fast = cumulative
        .iter()
        .take_while(|c| c.0 <= SLOW_S + 1e-12)
        .last()
        .map_or(0, |c| c.1);
    Some(ResidenceReport {
        packets,
        forwarded: b.forwarded - a.forwarded,
        mean_us: (packets > 0).then(|| (b.sum_s - a.sum_s) * 1e6 / packets as f64),
        p50_us_at_most: quantile(0.5),
        p99_us_at_most: quantile(0.99),
        p999_us_at_most: quantile(0.999),
        over_10ms_fraction: if packets == 0 {
            0.0
        } else {
            (packets - fast) as f64 / packets as f64
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(buckets: &[(&str, u64)], sum: f64, forwarded: u64) -> String {
        let mut t = format!(
            "# HELP {FORWARDED} x\n# TYPE {FORWARDED} counter\n{FORWARDED} {forwarded}\n\
             # TYPE {RESIDENCE} histogram\n"
        );
        for (le, n) in buckets {
            t += &format!("{RESIDENCE}_bucket{{le=\"{le}\"}} {n}\n");
        }
        let count = buckets.last().map_or(0, |b| b.1);
        t += &format!("{RESIDENCE}_sum {sum}\n{RESIDENCE}_count {count}\n");
        t += "govhub_media_batch_seconds_bucket{le=\"+Inf\"} 9\n";
        t
    }

    #[test]
    fn a_window_is_the_difference_of_its_edges() {
        let a = parse(&text(
            &[("0.001", 10), ("0.005", 10), ("0.01", 10), ("+Inf", 10)],
            0.005,
            10,
        ))
        .unwrap();
        let b = parse(&text(
            &[
                ("0.001", 890),
                ("0.005", 1000),
                ("0.01", 1005),
                ("+Inf", 1010),
            ],
            1.505,
            1011,
        ))
        .unwrap();
        assert_eq!(b.buckets.len(), 4);
        assert!(b.buckets[3].0.is_infinite());
        let r = between(&a, &b).unwrap();
        assert_eq!((r.packets, r.forwarded), (1000, 1001));
        assert_eq!(r.p50_us_at_most, Some(1_000));
        // 880 ≤ 1 ms, 990 ≤ 5 ms, 995 ≤ 10 ms: the 99th is in the 5 ms bucket.
        assert_eq!(r.p99_us_at_most, Some(5_000));
        assert_eq!(r.p999_us_at_most, None, "beyond the last bound");
        assert!((r.over_10ms_fraction - 0.005).abs() < 1e-9);
        assert!((r.mean_us.unwrap() - 1_500.0).abs() < 1e-6);
    }

    #[test]
    fn an_empty_window_has_no_quantiles() {
        let a = parse(&text(&[("0.001", 5), ("+Inf", 5)], 0.001, 3)).unwrap();
        let r = between(&a, &a).unwrap();
        assert_eq!(r.packets, 0);
        assert_eq!((r.p99_us_at_most, r.mean_us), (None, None));
        assert_eq!(r.over_10ms_fraction, 0.0);
    }

    #[test]
    fn edges_that_do_not_line_up_give_no_window() {
        let a = parse(&text(&[("0.001", 5), ("+Inf", 9)], 0.1, 3)).unwrap();
        let restarted = parse(&text(&[("0.001", 1), ("+Inf", 1)], 0.0, 1)).unwrap();
        assert_eq!(between(&a, &restarted), None);
        let other = parse(&text(&[("0.002", 5), ("+Inf", 9)], 0.1, 3)).unwrap();
        assert_eq!(between(&a, &other), None);
    }

    #[test]
    fn text_without_the_histogram_or_with_bad_lines_is_refused() {
        assert!(parse("").unwrap_err().contains(RESIDENCE));
        let no_inf = text(&[("0.001", 5)], 0.1, 3);
        assert!(parse(&no_inf).is_err());
        let bad_le = text(&[("soon", 5), ("+Inf", 5)], 0.1, 3);
        assert!(parse(&bad_le).unwrap_err().contains("soon"));
        let shrinking = text(&[("0.001", 5), ("+Inf", 4)], 0.1, 3);
        assert!(parse(&shrinking).is_err());
        let no_forwarded = text(&[("+Inf", 4)], 0.1, 3).replace(FORWARDED, "other_total");
        assert!(parse(&no_forwarded).unwrap_err().contains(FORWARDED));
    }
}
