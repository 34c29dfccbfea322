//! Interop: webrtc-rs participants (the `loadtests` crate) join the real `govhub` binary and
//! exchange media through its str0m SFU. Every participant must receive audio and video
//! (with a keyframe) from every other one. The waits are liveness bounds, not speed checks.

mod common;

use std::time::Duration;

use loadtests::{MediaOptions, Participant, ParticipantOptions, ParticipantStats};
use sfu::TrackKind;

/// Upper bound for media to start flowing everywhere; generous because CI machines are slow.
const LIVENESS: Duration = Duration::from_secs(30);
const MIN_AUDIO: u64 = 25;
const MIN_VIDEO: u64 = 30;

async fn join_all(http: &str, room: &str, n: usize, simulcast: bool) -> Vec<Participant> {
    let mut out = Vec::new();
    for i in 0..n {
        let media = MediaOptions {
            simulcast,
            seed: i as u64 + 1,
            ..Default::default()
        };
        let opts = ParticipantOptions {
            media,
            ..Default::default()
        };
        let p = Participant::join(http, room, &format!("interop-{i}"), opts)
            .await
            .unwrap_or_else(|e| panic!("participant {i} failed to join: {e:#}"));
        out.push(p);
    }
    out
}

/// What `stats` lacks from publisher `from`, or `None` when it has enough of everything.
fn missing(stats: &ParticipantStats, from: &sfu::ParticipantId) -> Option<String> {
    let audio: u64 = stats
        .from_publisher(from, TrackKind::Audio)
        .iter()
        .map(|t| t.packets)
        .sum();
    let video = stats.from_publisher(from, TrackKind::Video);
    let video_packets: u64 = video.iter().map(|t| t.packets).sum();
    let keyframes: u64 = video.iter().map(|t| t.keyframes).sum();
    let ok = audio > MIN_AUDIO && video_packets > MIN_VIDEO && keyframes > 0;
    (!ok).then(|| {
        format!(
            "{} from {from}: audio {audio}, video {video_packets}, keyframes {keyframes}",
            stats.name
        )
    })
}

/// Polls until everyone receives everyone else, or the liveness bound passes.
async fn assert_full_mesh(parts: &[Participant]) {
    let deadline = tokio::time::Instant::now() + LIVENESS;
    loop {
        let snapshots: Vec<ParticipantStats> = parts.iter().map(Participant::stats).collect();
        let gaps: Vec<String> = snapshots
            .iter()
            .zip(parts)
            .flat_map(|(s, me)| {
                parts
                    .iter()
                    .filter(move |p| p.id() != me.id())
                    .filter_map(move |other| missing(s, other.id()))
            })
            .collect();
        if gaps.is_empty() {
            return;
        }
        if tokio::time::Instant::now() > deadline {
            panic!(
                "media did not reach everyone within {LIVENESS:?}:\n{}\n\n{snapshots:#?}",
                gaps.join("\n")
            );
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn run_room(n: usize, simulcast: bool) {
    // The webrtc-rs participants fetch development tokens.
    let hub = common::spawn_hub(&["--dev-open-join"]);
    let room = format!("interop-{n}-{simulcast}");
    let parts = join_all(&hub.http, &room, n, simulcast).await;
    assert_full_mesh(&parts).await;
    for p in &parts {
        let s = p.stats();
        assert!(s.connected, "{} never connected: {s:#?}", s.name);
        assert!(
            s.hub_errors.is_empty(),
            "{} got errors: {:?}",
            s.name,
            s.hub_errors
        );
    }
    for p in parts {
        p.leave().await.expect("leave");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_participants_exchange_audio_and_video() {
    run_room(2, false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_simulcast_participants_receive_each_other() {
    run_room(3, true).await;
}
