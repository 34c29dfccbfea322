//! The `meeting` scenario: R rooms, each with N publishers (audio + VP8, simulcast by
//! default) and M receive-only participants. Publishers join first, spread over the first
//! half of the ramp-up; subscribers join over the second half once their room's tracks are
//! published (so their first offer already subscribes). After a warm-up that waits for every
//! expected track to flow, the measured window runs for the given duration; the report
//! compares snapshots taken at its two edges.

use std::time::{Duration, Instant};

use anyhow::Context;
use futures_util::future::join_all;
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use serde::Serialize;
use sfu::ParticipantId;

use crate::procfs::{Sample, Sampler};
use crate::stats::ParticipantStats;
use crate::{MediaOptions, Participant, ParticipantOptions};

/// How to run a meeting scenario.
#[derive(Debug, Clone, Serialize)]
pub struct MeetingConfig {
    /// The hub, e.g. `http://127.0.0.1:8080`.
    pub url: String,
    pub rooms: usize,
    /// Publishing participants per room.
    pub publishers: usize,
    /// Receive-only participants per room.
    pub subscribers: usize,
    /// Length of the measured window.
    pub duration_s: f64,
    /// Joins are spread evenly over this many seconds.
    pub ramp_s: f64,
    /// Longest wait for media to reach everyone before the window starts anyway.
    pub warmup_timeout_s: f64,
    /// Orders the joins and seeds payload sizes and RTP numbering.
    pub seed: u64,
    pub simulcast: bool,
    /// The hub's process id, to sample its CPU and RSS.
    pub hub_pid: Option<u32>,
    /// Room names are `<prefix>-<n>`.
    pub room_prefix: String,
}

impl Default for MeetingConfig {
    fn default() -> Self {
        MeetingConfig {
            url: "http://127.0.0.1:8080".into(),
            rooms: 1,
            publishers: 2,
            subscribers: 1,
            duration_s: 10.0,
            ramp_s: 2.0,
            warmup_timeout_s: 20.0,
            seed: 1,
            simulcast: true,
            hub_pid: None,
            room_prefix: "load".into(),
        }
    }
}

/// One planned participant.
#[derive(Debug, Clone)]
pub(crate) struct Member {
    pub name: String,
    pub room: String,
    pub publisher: bool,
    pub seed: u64,
}

/// A member after its join attempt.
pub(crate) struct Joined {
    pub member: Member,
    pub result: anyhow::Result<Participant>,
}

/// What the run collected for [`crate::meeting_report::assemble`].
pub(crate) struct Collected {
    pub members: Vec<Member>,
    /// Parallel to `members`: the error of a failed join, or the id of the seat.
    pub ids: Vec<Result<ParticipantId, String>>,
    pub start: Vec<Option<ParticipantStats>>,
    pub end: Vec<Option<ParticipantStats>>,
    pub idle: Sample,
    pub window: (Sample, Sample),
    pub window_s: f64,
    pub samples: Vec<Sample>,
    pub warmup_complete: bool,
}

fn plan(cfg: &MeetingConfig) -> Vec<Member> {
    let mut out = Vec::new();
    for r in 0..cfg.rooms {
        let room = format!("{}-{r}", cfg.room_prefix);
        let roles = (0..cfg.publishers)
            .map(|i| (format!("r{r}-pub{i}"), true))
            .chain((0..cfg.subscribers).map(|i| (format!("r{r}-sub{i}"), false)));
        for (name, publisher) in roles {
            let seed = cfg
                .seed
                .wrapping_mul(1_000_003)
                .wrapping_add(out.len() as u64);
            out.push(Member {
                name,
                room: room.clone(),
                publisher,
                seed,
            });
        }
    }
    out
}

fn options(m: &Member, simulcast: bool) -> ParticipantOptions {
    let media = MediaOptions {
        audio: m.publisher,
        video: m.publisher,
        simulcast,
        seed: m.seed,
        ..Default::default()
    };
    ParticipantOptions {
        media,
        ..Default::default()
    }
}

/// Joins `members` (already in join order) evenly spread over `ramp`, concurrently.
async fn join_spread(
    url: &str,
    members: Vec<Member>,
    ramp: Duration,
    simulcast: bool,
) -> Vec<Joined> {
    let n = members.len().max(1) as u32;
    let joins = members.into_iter().enumerate().map(|(i, m)| async move {
        tokio::time::sleep(ramp * i as u32 / n).await;
        let result = Participant::join(url, &m.room, &m.name, options(&m, simulcast))
            .await
            .with_context(|| format!("{} join", m.name));
        Joined { member: m, result }
    });
    join_all(joins).await
}

/// Polls `done` every 200 ms until it holds or `timeout` passes; returns whether it held.
async fn wait_until(timeout: Duration, mut done: impl FnMut() -> bool) -> bool {
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

/// Publishers of `room` other than `me` that joined.
pub(crate) fn expected_publishers(
    joined: &[Joined],
    room: &str,
    me: Option<&ParticipantId>,
) -> Vec<ParticipantId> {
    joined
        .iter()
        .filter(|j| j.member.publisher && j.member.room == room)
        .filter_map(|j| j.result.as_ref().ok().map(|p| p.id().clone()))
        .filter(|id| Some(id) != me)
        .collect()
}

/// True when every joined participant has received something on every expected track.
fn all_flowing(joined: &[Joined]) -> bool {
    joined.iter().all(|j| {
        let Ok(p) = &j.result else { return true };
        let stats = p.stats();
        expected_publishers(joined, &j.member.room, Some(p.id()))
            .iter()
            .all(|from| {
                [sfu::TrackKind::Audio, sfu::TrackKind::Video]
                    .iter()
                    .all(|k| stats.from_publisher(from, *k).iter().any(|t| t.packets > 0))
            })
    })
}

fn snapshot(joined: &[Joined]) -> Vec<Option<ParticipantStats>> {
    joined
        .iter()
        .map(|j| j.result.as_ref().ok().map(Participant::stats))
        .collect()
}

/// Runs the scenario against a running hub and returns its report.
pub async fn run_meeting(cfg: &MeetingConfig) -> anyhow::Result<crate::report::Report> {
    anyhow::ensure!(
        cfg.rooms > 0 && cfg.publishers > 0,
        "need at least one room and one publisher"
    );
    let t0 = Instant::now();
    let sampler = Sampler::start(cfg.hub_pid, t0);
    let idle = sampler.now();
    let mut rng = StdRng::seed_from_u64(cfg.seed);
    let (mut pubs, mut subs): (Vec<Member>, Vec<Member>) =
        plan(cfg).into_iter().partition(|m| m.publisher);
    pubs.shuffle(&mut rng);
    subs.shuffle(&mut rng);
    let half = Duration::from_secs_f64(cfg.ramp_s.max(0.0) / 2.0);
    let warmup = Duration::from_secs_f64(cfg.warmup_timeout_s.max(0.0));
    let mut joined = join_spread(&cfg.url, pubs, half, cfg.simulcast).await;
    let published = wait_until(warmup, || {
        joined.iter().all(|j| match &j.result {
            Ok(p) => p.stats().phases.answer_ms.is_some(),
            Err(_) => true,
        })
    })
    .await;
    if !published {
        tracing::warn!("not every publisher got an answer before subscribers join");
    }
    joined.extend(join_spread(&cfg.url, subs, half, cfg.simulcast).await);
    let warmup_complete = wait_until(warmup, || all_flowing(&joined)).await;

    let a = sampler.now();
    let start = snapshot(&joined);
    let window_started = Instant::now();
    tokio::time::sleep(Duration::from_secs_f64(cfg.duration_s.max(0.0))).await;
    let end = snapshot(&joined);
    let window_s = window_started.elapsed().as_secs_f64();
    let b = sampler.now();

    let ids = joined
        .iter()
        .map(|j| match &j.result {
            Ok(p) => Ok(p.id().clone()),
            Err(e) => Err(format!("{e:#}")),
        })
        .collect();
    let members = joined.iter().map(|j| j.member.clone()).collect();
    let leaving = joined
        .into_iter()
        .filter_map(|j| j.result.ok())
        .map(|p| async move {
            if let Err(e) = p.leave().await {
                tracing::warn!(error = %format!("{e:#}"), "leave");
            }
        });
    join_all(leaving).await;
    let collected = Collected {
        members,
        ids,
        start,
        end,
        idle,
        window: (a, b),
        window_s,
        samples: sampler.finish(),
        warmup_complete,
    };
    Ok(crate::meeting_report::assemble(cfg, collected))
}
