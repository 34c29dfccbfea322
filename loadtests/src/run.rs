//! The engine every scenario shares: plan the members of the rooms, join them through the
//! [`Target`], wait until media flows, measure windows (with a once-a-second timeline and
//! the live progress line), and leave. Scenarios differ only in what they plan and in what
//! runs beside the window (see [`crate::scenario`]).
//!
//! Joins: publishers first, spread over the first half of the ramp-up; subscribers over the
//! second half once their room's tracks are published (so their first offer subscribes).

use std::time::{Duration, Instant};

use anyhow::Context;
use futures_util::future::join_all;
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use sfu::{ParticipantId, TrackKind};

use crate::config::{ScenarioConfig, Target};
use crate::hub_metrics::{self, Scrape};
use crate::procfs::{Sample, Sampler};
use crate::progress::Progress;
use crate::report::TimelinePoint;
use crate::stats::{Interval, ParticipantStats};
use crate::{MediaOptions, Participant, ParticipantOptions};

/// One planned participant.
#[derive(Debug, Clone)]
pub(crate) struct Member {
    pub name: String,
    pub room: String,
    pub publisher: bool,
    pub seed: u64,
    /// The tile size it shows every video at, sent as `video_size`.
    pub tile: Option<(u32, u32)>,
}

/// A member after its join attempt.
pub(crate) struct Joined {
    pub member: Member,
    pub result: anyhow::Result<Participant>,
}

/// Publishers of every room.
pub(crate) fn plan_publishers(cfg: &ScenarioConfig) -> Vec<Member> {
    plan(cfg, "pub", 0, cfg.publishers, true)
}

/// Subscribers number `from..from + per_room` of every room.
pub(crate) fn plan_viewers(cfg: &ScenarioConfig, from: usize, per_room: usize) -> Vec<Member> {
    plan(cfg, "sub", from, per_room, false)
}

/// Room `r` of the run.
pub(crate) fn room_name(cfg: &ScenarioConfig, r: usize) -> String {
    format!("{}-{r}", cfg.room_prefix)
}

fn plan(
    cfg: &ScenarioConfig,
    role: &str,
    from: usize,
    per_room: usize,
    publisher: bool,
) -> Vec<Member> {
    let mut out = Vec::new();
    for r in 0..cfg.rooms {
        for i in from..from + per_room {
            // Distinct per member and stable when a ramp adds more.
            let ordinal = (r * 1_000_000 + i * 2 + usize::from(publisher)) as u64;
            out.push(Member {
                name: format!("r{r}-{role}{i}"),
                room: room_name(cfg, r),
                publisher,
                seed: cfg.seed.wrapping_mul(1_000_003).wrapping_add(ordinal),
                tile: if cfg.audio_only {
                    None
                } else {
                    cfg.tiles.size_for(i)
                },
            });
        }
    }
    out
}

fn options(m: &Member, cfg: &ScenarioConfig) -> ParticipantOptions {
    let media = MediaOptions {
        audio: m.publisher && !cfg.video_only,
        video: m.publisher && !cfg.audio_only,
        simulcast: cfg.simulcast,
        seed: m.seed,
        ..Default::default()
    };
    ParticipantOptions {
        media,
        video_size: m.tile,
        impair: cfg.impair,
        bind_ip: cfg.bind_ip,
        ..Default::default()
    }
}

/// Joins `m` on the configured target: the one place that knows how a participant joins.
pub(crate) async fn join(cfg: &ScenarioConfig, m: &Member) -> anyhow::Result<Participant> {
    match cfg.target {
        Target::Govhub => Participant::join(&cfg.url, &m.room, &m.name, options(m, cfg))
            .await
            .with_context(|| format!("{} join", m.name)),
        Target::Janus => crate::janus::join(&cfg.janus_url, &m.room, &m.name, options(m, cfg))
            .await
            .with_context(|| format!("{} join (Janus)", m.name)),
    }
}

/// Joins `members` (in the given order) evenly spread over `ramp`, concurrently.
async fn join_spread(cfg: &ScenarioConfig, members: Vec<Member>, ramp: Duration) -> Vec<Joined> {
    let n = members.len().max(1) as u32;
    let joins = members.into_iter().enumerate().map(|(i, m)| async move {
        tokio::time::sleep(ramp * i as u32 / n).await;
        let result = join(cfg, &m).await;
        Joined { member: m, result }
    });
    join_all(joins).await
}

/// Polls `done` every 200 ms until it holds or `timeout` passes; returns whether it held.
pub(crate) async fn wait_until(timeout: Duration, mut done: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if done() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The track kinds each publisher sends.
pub(crate) fn kinds(cfg: &ScenarioConfig) -> &'static [TrackKind] {
    if cfg.audio_only {
        &[TrackKind::Audio]
    } else if cfg.video_only {
        &[TrackKind::Video]
    } else {
        &[TrackKind::Audio, TrackKind::Video]
    }
}

/// True when every joined participant has received something on every expected track.
fn all_flowing(joined: &[Joined], kinds: &[TrackKind]) -> bool {
    joined.iter().all(|j| {
        let Ok(p) = &j.result else { return true };
        let publishers = joined
            .iter()
            .filter(|o| o.member.publisher && o.member.room == j.member.room)
            .filter_map(|o| o.result.as_ref().ok().map(|p| p.id().clone()))
            .filter(|id| id != p.id());
        let publishers: Vec<ParticipantId> = publishers.collect();
        p.with_stats(|stats| {
            publishers.iter().all(|from| {
                kinds
                    .iter()
                    .all(|k| stats.from_publisher(from, *k).iter().any(|t| t.packets > 0))
            })
        })
    })
}

/// The snapshots and `/proc` readings at the edges of one measured window.
pub(crate) struct Window {
    pub start: Vec<Option<ParticipantStats>>,
    pub end: Vec<Option<ParticipantStats>>,
    pub edges: (Sample, Sample),
    pub window_s: f64,
    pub timeline: Vec<TimelinePoint>,
    /// Longest a once-a-second timer of the generator fired late: how long its runtime
    /// waited for a CPU, which its own CPU time does not show.
    pub timer_lag_ms_max: f64,
    /// The hub's `/metrics` at the window's edges (`--hub-metrics`), or why not.
    pub hub_metrics: Option<Result<(Scrape, Scrape), String>>,
}

/// A scenario in progress: who joined, and the `/proc` sampler.
pub(crate) struct Run<'a> {
    pub cfg: &'a ScenarioConfig,
    pub sampler: Sampler,
    pub idle: Sample,
    pub joined: Vec<Joined>,
    pub warmup_complete: bool,
    t0: Instant,
    rng: StdRng,
    http: reqwest::Client,
}

impl<'a> Run<'a> {
    pub fn start(cfg: &'a ScenarioConfig) -> Run<'a> {
        let t0 = Instant::now();
        let sampler = Sampler::start(cfg.server_pid(), t0);
        let idle = sampler.now();
        Run {
            cfg,
            sampler,
            idle,
            joined: Vec::new(),
            warmup_complete: true,
            t0,
            rng: StdRng::seed_from_u64(cfg.seed),
            http: reqwest::Client::new(),
        }
    }

    /// Joins publishers, then subscribers, in a seeded order; then waits (up to the warm-up
    /// timeout) until everyone receives every expected track.
    pub async fn add(&mut self, mut pubs: Vec<Member>, mut subs: Vec<Member>) {
        pubs.shuffle(&mut self.rng);
        subs.shuffle(&mut self.rng);
        let half = Duration::from_secs_f64(self.cfg.ramp_s / 2.0);
        let warmup = Duration::from_secs_f64(self.cfg.warmup_timeout_s);
        let first = self.joined.len();
        self.joined.extend(join_spread(self.cfg, pubs, half).await);
        let new = &self.joined[first..];
        let published = wait_until(warmup, || {
            new.iter().all(|j| {
                j.result
                    .as_ref()
                    .map_or(true, |p| p.with_stats(|s| s.phases.answer_ms.is_some()))
            })
        })
        .await;
        if !published {
            tracing::warn!("not every publisher got an answer before subscribers join");
        }
        self.joined.extend(join_spread(self.cfg, subs, half).await);
        let kinds = kinds(self.cfg);
        self.warmup_complete = wait_until(warmup, || all_flowing(&self.joined, kinds)).await;
    }

    fn snapshot(&self) -> Vec<Option<ParticipantStats>> {
        self.joined
            .iter()
            .map(|j| j.result.as_ref().ok().map(Participant::stats))
            .collect()
    }

    fn intervals(&self) -> Vec<Interval> {
        self.joined
            .iter()
            .filter_map(|j| j.result.as_ref().ok().map(Participant::take_interval))
            .collect()
    }

    /// Measures one window of the configured duration; `label` leads the progress line.
    pub async fn measure(&mut self, label: &str) -> Window {
        let duration = Duration::from_secs_f64(self.cfg.duration_s);
        let progress = Progress::new(
            label,
            self.joined.iter().filter(|j| j.result.is_ok()).count(),
        );
        let metrics_a = self.scrape().await;
        let a = self.sampler.now();
        let mut prev = self.intervals();
        let start = self.snapshot();
        let started = Instant::now();
        let mut timeline = Vec::new();
        let mut timer_lag_ms_max: f64 = 0.0;
        while started.elapsed() < duration {
            let left = duration.saturating_sub(started.elapsed());
            let tick = Instant::now();
            let nap = left.min(Duration::from_secs(1));
            tokio::time::sleep(nap).await;
            let lag = tick.elapsed().saturating_sub(nap).as_secs_f64() * 1000.0;
            timer_lag_ms_max = timer_lag_ms_max.max(lag);
            let now = self.intervals();
            let dt = tick.elapsed().as_secs_f64();
            let point = TimelinePoint::between(self.t0.elapsed(), dt, &prev, &now);
            progress.show(started.elapsed(), duration, &point);
            timeline.push(point);
            prev = now;
        }
        progress.done();
        let end = self.snapshot();
        let window_s = started.elapsed().as_secs_f64();
        let b = self.sampler.now();
        let metrics_b = self.scrape().await;
        let hub_metrics = match (metrics_a, metrics_b) {
            (Some(a), Some(b)) => Some(a.and_then(|a| b.map(|b| (a, b)))),
            _ => None,
        };
        Window {
            start,
            end,
            edges: (a, b),
            window_s,
            timeline,
            timer_lag_ms_max,
            hub_metrics,
        }
    }

    /// The hub's metrics now, when the run reads them.
    async fn scrape(&self) -> Option<Result<Scrape, String>> {
        let url = self
            .cfg
            .hub_metrics
            .as_deref()
            .filter(|_| self.cfg.target == Target::Govhub)?;
        Some(hub_metrics::scrape(&self.http, url).await)
    }

    /// Everyone leaves; the `/proc` series of the whole run.
    pub async fn finish(self) -> Vec<Sample> {
        let leaving = self
            .joined
            .into_iter()
            .filter_map(|j| j.result.ok())
            .map(|p| async move {
                if let Err(e) = p.leave().await {
                    tracing::warn!(error = %format!("{e:#}"), "leave");
                }
            });
        join_all(leaving).await;
        self.sampler.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Options, Scenario};

    fn member(publisher: bool) -> Member {
        Member {
            name: "m".into(),
            room: "r".into(),
            publisher,
            seed: 1,
            tile: None,
        }
    }

    #[test]
    fn video_only_publishers_send_video_and_nothing_else() {
        let o = Options {
            video_only: Some(true),
            ..Options::default()
        };
        let cfg = ScenarioConfig::resolve(Scenario::Meeting, o).unwrap();
        assert_eq!(kinds(&cfg), &[TrackKind::Video]);
        let p = options(&member(true), &cfg).media;
        assert!(!p.audio && p.video);
        let s = options(&member(false), &cfg).media;
        assert!(!s.audio && !s.video);
        let both = ScenarioConfig::default();
        assert_eq!(kinds(&both), &[TrackKind::Audio, TrackKind::Video]);
        assert!(options(&member(true), &both).media.audio);
    }
}
