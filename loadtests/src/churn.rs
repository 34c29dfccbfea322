//! The churn beside a `churn` scenario's base meeting: receive-only visitors join at a steady
//! rate during the measured window, stay a while and leave. What each visit saw is reduced
//! to a [`ChurnReport`]: join-time percentiles and the failures while the room is busy.

use std::time::Duration;

use futures_util::future::join_all;
use tokio::time::Instant;

use crate::config::ScenarioConfig;
use crate::report::{ChurnReport, MsDist};
use crate::run::{Member, join, room_name, wait_until};

/// How one visit went.
#[derive(Debug, Clone, Default)]
pub(crate) struct Visit {
    pub name: String,
    pub error: Option<String>,
    pub connected_ms: Option<u64>,
    pub first_rtp_ms: Option<u64>,
    pub left: bool,
}

/// Starts a visit every 1/rate seconds for `duration`, then waits for all of them to end.
pub(crate) async fn drive(cfg: &ScenarioConfig, duration: Duration) -> ChurnReport {
    let every = Duration::from_secs_f64(1.0 / cfg.churn.rate_per_s);
    let stay = Duration::from_secs_f64(cfg.churn.stay_s);
    let started = Instant::now();
    let mut visits = Vec::new();
    for k in 0usize.. {
        let at = started + every * k as u32;
        if at >= started + duration {
            break;
        }
        tokio::time::sleep_until(at).await;
        let member = Member {
            name: format!("churn{k}"),
            room: room_name(cfg, k % cfg.rooms),
            publisher: false,
            seed: cfg.seed.wrapping_mul(7_000_003).wrapping_add(k as u64),
            tile: if cfg.audio_only {
                None
            } else {
                cfg.tiles.size_for(k)
            },
        };
        visits.push(tokio::spawn(visit(cfg.clone(), member, stay)));
    }
    let visits = join_all(visits)
        .await
        .into_iter()
        .map(|r| {
            r.unwrap_or_else(|e| Visit {
                error: Some(format!("visit task: {e}")),
                ..Default::default()
            })
        })
        .collect::<Vec<_>>();
    summarize(cfg.churn.rate_per_s, &visits)
}

/// Joins, waits for media (at most `stay`), stays `stay` in all, leaves.
async fn visit(cfg: ScenarioConfig, m: Member, stay: Duration) -> Visit {
    let arrived = Instant::now();
    let p = match join(&cfg, &m).await {
        Ok(p) => p,
        Err(e) => {
            return Visit {
                name: m.name,
                error: Some(format!("{e:#}")),
                ..Default::default()
            };
        }
    };
    wait_until(stay, || p.with_stats(|s| s.phases.first_rtp_ms.is_some())).await;
    tokio::time::sleep_until(arrived + stay).await;
    let (connected_ms, first_rtp_ms) = p.with_stats(|s| (s.connected_ms, s.phases.first_rtp_ms));
    let left = p.leave().await.is_ok();
    Visit {
        name: m.name,
        error: None,
        connected_ms,
        first_rtp_ms,
        left,
    }
}

/// The report of a set of visits.
pub(crate) fn summarize(rate_per_s: f64, visits: &[Visit]) -> ChurnReport {
    let ok: Vec<&Visit> = visits.iter().filter(|v| v.error.is_none()).collect();
    let failures: Vec<String> = visits
        .iter()
        .filter_map(|v| v.error.as_ref().map(|e| format!("{}: {e}", v.name)))
        .collect();
    ChurnReport {
        rate_per_s,
        attempted: visits.len(),
        joined: ok.len(),
        no_media: ok.iter().filter(|v| v.first_rtp_ms.is_none()).count(),
        left: ok.iter().filter(|v| v.left).count(),
        failures_total: failures.len(),
        failures: failures.into_iter().take(20).collect(),
        connected_ms: MsDist::of(ok.iter().map(|v| v.connected_ms)),
        first_rtp_ms: MsDist::of(ok.iter().map(|v| v.first_rtp_ms)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_counts_failures_and_silent_visits() {
        let ok = |ms| Visit {
            name: "v".into(),
            connected_ms: Some(ms),
            first_rtp_ms: Some(ms + 10),
            left: true,
            ..Default::default()
        };
        let mut visits: Vec<Visit> = (1..=4).map(|i| ok(i * 100)).collect();
        visits.push(Visit {
            first_rtp_ms: None,
            ..ok(50)
        });
        visits.extend((0..25).map(|i| Visit {
            name: format!("f{i}"),
            error: Some("refused".into()),
            ..Default::default()
        }));
        let r = summarize(2.0, &visits);
        assert_eq!((r.attempted, r.joined, r.no_media, r.left), (30, 5, 1, 5));
        assert_eq!((r.failures_total, r.failures.len()), (25, 20));
        assert_eq!(r.failures[0], "f0: refused");
        assert_eq!((r.connected_ms.count, r.connected_ms.max), (5, Some(400)));
        assert_eq!(r.first_rtp_ms.count, 4);
    }
}
