//! webrtc-rs to webrtc-rs without a hub: one peer publishes with the participant's publisher,
//! the other answers and reads with the participant's track readers. Shows that what we send
//! is well-formed media another implementation receives, simulcast layers and PLI included.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::time::Duration;

use rtc::peer_connection::sdp::RTCSessionDescription;
use rtc::peer_connection::transport::RTCIceCandidateInit;
use rtc::rtcp::payload_feedbacks::picture_loss_indication::PictureLossIndication;
use rtc::rtp_transceiver::rtp_sender::RtpCodecKind;
use tokio::sync::mpsc;
use webrtc::peer_connection::PeerConnection;

use crate::peer::{self, PeerEvent, Shared};
use crate::publish::{MediaOptions, Publisher};
use crate::stats::ParticipantStats;

const LOOPBACK: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

/// Feeds one side's local candidates to the other side.
fn forward_candidates(mut events: mpsc::UnboundedReceiver<PeerEvent>, to: Arc<dyn PeerConnection>) {
    tokio::spawn(async move {
        while let Some(event) = events.recv().await {
            if let PeerEvent::Candidate(candidate) = event {
                let init = RTCIceCandidateInit {
                    candidate,
                    sdp_mid: Some("0".into()),
                    sdp_mline_index: Some(0),
                    ..Default::default()
                };
                if let Err(e) = to.add_ice_candidate(init).await {
                    tracing::warn!(error = %e, "add_ice_candidate");
                }
            }
        }
    });
}

/// Polls `cond` on `shared`'s stats every 100 ms for up to `limit` (a liveness bound).
async fn wait_for(
    shared: &Shared,
    limit: Duration,
    cond: impl Fn(&ParticipantStats) -> bool,
) -> ParticipantStats {
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        let snapshot = shared.with_stats(|s| s.clone());
        if cond(&snapshot) || tokio::time::Instant::now() > deadline {
            return snapshot;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn video_layers_seen(s: &ParticipantStats) -> bool {
    s.received.values().any(|t| {
        ["q", "h", "f"]
            .iter()
            .all(|l| t.packets_by_layer.get(*l).copied().unwrap_or(0) > 10)
    })
}

fn audio_packets(s: &ParticipantStats) -> u64 {
    s.received
        .values()
        .map(|t| t.packets_by_layer.get("audio").copied().unwrap_or(0))
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publisher_media_reaches_another_webrtc_rs_peer() {
    let (a, b) = (
        Shared::new("a", std::time::Instant::now()),
        Shared::new("b", std::time::Instant::now()),
    );
    let (pc_a, ev_a) = peer::build(&a, LOOPBACK).await.expect("build a");
    let (pc_b, ev_b) = peer::build(&b, LOOPBACK).await.expect("build b");
    let opts = MediaOptions {
        keyframe_interval: Duration::from_millis(500),
        ..Default::default()
    };
    let publisher = Publisher::add(&pc_a, &opts).await.expect("publisher");

    let offer = pc_a.create_offer(None).await.expect("offer");
    pc_a.set_local_description(offer)
        .await
        .expect("local offer");
    let offer_sdp = pc_a.local_description().await.expect("offer sdp").sdp;
    assert!(
        offer_sdp.contains("a=simulcast:send q;h;f"),
        "offer:\n{offer_sdp}"
    );
    assert_eq!(publisher.specs().await.expect("specs").len(), 2);
    pc_b.set_remote_description(RTCSessionDescription::offer(offer_sdp).expect("parse"))
        .await
        .expect("remote offer");
    let answer = pc_b.create_answer(None).await.expect("answer");
    pc_b.set_local_description(answer)
        .await
        .expect("local answer");
    let answer_sdp = pc_b.local_description().await.expect("answer sdp").sdp;
    pc_a.set_remote_description(RTCSessionDescription::answer(answer_sdp).expect("parse"))
        .await
        .expect("remote answer");
    forward_candidates(ev_a, Arc::clone(&pc_b));
    forward_candidates(ev_b, Arc::clone(&pc_a));
    let _tasks = publisher.start(&a, &opts).await.expect("start");

    let got = wait_for(&b, Duration::from_secs(30), |s| {
        video_layers_seen(s)
            && audio_packets(s) > 25
            && s.received.values().any(|t| t.keyframes > 0)
    })
    .await;
    assert!(audio_packets(&got) > 25, "audio: {got:#?}");
    assert!(
        video_layers_seen(&got),
        "all three simulcast layers: {got:#?}"
    );
    assert!(
        got.received.values().any(|t| t.keyframes > 0),
        "a keyframe: {got:#?}"
    );
    let video = got
        .received
        .values()
        .find(|t| t.packets_by_layer.contains_key("f"))
        .expect("video");
    assert!(video.latency_percentile_us(50.0).is_some());

    // A keyframe request from the receiver reaches the publisher's counters.
    for receiver in pc_b.get_receivers().await {
        let track = receiver.track();
        if track.kind().await != RtpCodecKind::Video {
            continue;
        }
        for ssrc in track.ssrcs().await {
            let pli = PictureLossIndication {
                sender_ssrc: 0,
                media_ssrc: ssrc,
            };
            track
                .write_rtcp(vec![Box::new(pli)])
                .await
                .expect("send PLI");
        }
    }
    let sent = wait_for(&a, Duration::from_secs(10), |s| {
        s.sent.values().any(|x| x.keyframe_requests > 0)
    })
    .await;
    assert!(
        sent.sent.values().any(|x| x.keyframe_requests > 0),
        "PLI seen: {sent:#?}"
    );

    pc_a.close().await.expect("close a");
    pc_b.close().await.expect("close b");
}
