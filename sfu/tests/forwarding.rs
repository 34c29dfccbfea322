//! Forwarding through the SFU core on a fake clock with simulated str0m peers.

mod common;

use std::time::Duration;

use common::{Sim, vp8_seq};
use sfu::{MediaEndReason, SfuEvent, TrackKind, TrackSource};
use str0m::media::Direction;
use str0m::media::MediaKind;

/// (a) A publishes VP8 + Opus; B subscribes and receives A's packets.
#[test]
fn two_peers_forward_video_and_audio() {
    two_peers_forward(true);
}

/// The same through str0m's send path alone (`CoreConfig::fast_path` off).
#[test]
fn two_peers_forward_video_and_audio_through_str0m() {
    two_peers_forward(false);
}

fn two_peers_forward(fast_path: bool) {
    let mut sim = Sim::with_config(1, |c| c.fast_path = fast_path);
    let a = sim.join("room", "a");
    let b = sim.join("room", "b");
    let (out, _) = sim.negotiate(
        a,
        &[
            (TrackSource::Camera, false),
            (TrackSource::Microphone, false),
        ],
        &[],
    );
    assert_eq!(out.published.len(), 2);
    // The client offered `actpass`: the hub takes the DTLS client role (RFC 8842 §5.3), so
    // it starts the handshake as soon as ICE is nominated; media flowing below shows the
    // roles fit together.
    assert!(
        out.answer_sdp.contains("a=setup:active") && !out.answer_sdp.contains("a=setup:passive"),
        "{}",
        out.answer_sdp
    );
    let video = out
        .published
        .iter()
        .find(|t| t.source == TrackSource::Camera)
        .unwrap()
        .track
        .clone();
    let audio = out
        .published
        .iter()
        .find(|t| t.source == TrackSource::Microphone)
        .unwrap()
        .track
        .clone();
    let (_, mids) = sim.negotiate(
        b,
        &[],
        &[(video, MediaKind::Video), (audio, MediaKind::Audio)],
    );
    sim.connect_all();
    sim.media_for(Duration::from_secs(2), |_| -30);

    let sent_video: Vec<u32> = sim.clients[a].out[0]
        .sent
        .iter()
        .map(|p| vp8_seq(p))
        .collect();
    let got_video: Vec<u32> = sim.clients[b]
        .received_on(mids[0])
        .iter()
        .map(|r| vp8_seq(&r.payload))
        .collect();
    assert!(sent_video.len() >= 170, "A sent {}", sent_video.len());
    // Everything from the first forwarded keyframe on arrives, in order, nothing invented.
    let first = got_video[0];
    let expected: Vec<u32> = sent_video.iter().copied().filter(|s| *s >= first).collect();
    assert_eq!(got_video, expected);
    assert!(
        got_video.len() + 10 >= sent_video.len(),
        "B got {} of {}",
        got_video.len(),
        sent_video.len()
    );

    let got_audio = sim.clients[b].received_on(mids[1]);
    let sent_audio = sim.clients[a].out[1].sent.len();
    assert!(
        got_audio.len() + 3 >= sent_audio,
        "audio {} of {}",
        got_audio.len(),
        sent_audio
    );
    assert!(got_audio.iter().all(|r| r.audio_level == Some(-30)));

    // Outgoing sequence numbers are continuous on B's m-line.
    let seqs: Vec<u64> = sim.clients[b]
        .received_on(mids[0])
        .iter()
        .map(|r| r.seq)
        .collect();
    assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1));
    let stats = sim.core.stats();
    assert!(stats.rtp_forwarded as usize >= got_video.len() + got_audio.len());
    if fast_path {
        // All but a stream's first packet and one every `ANCHOR_INTERVAL` (500 ms).
        let anchors = stats.rtp_forwarded - stats.rtp_fast;
        assert!((2..=12).contains(&anchors), "{stats:?}");
    } else {
        assert_eq!(stats.rtp_fast, 0);
    }
    assert!(sim.events.iter().any(
        |e| matches!(e, SfuEvent::MediaConnected { participant, .. } if participant.0 == "b")
    ));
}

/// (b) Three peers each publish and subscribe to the other two.
#[test]
fn three_peers_all_see_each_other() {
    let mut sim = Sim::new(2);
    let peers: Vec<usize> = ["a", "b", "c"]
        .iter()
        .map(|n| sim.join("room", n))
        .collect();
    let mut tracks = Vec::new();
    for &p in &peers {
        let (out, _) = sim.negotiate(p, &[(TrackSource::Camera, false)], &[]);
        tracks.push(out.published[0].track.clone());
    }
    let mut sub_mids = vec![Vec::new(); 3];
    for &p in &peers {
        let others: Vec<_> = peers
            .iter()
            .filter(|&&o| o != p)
            .map(|&o| (tracks[o].clone(), MediaKind::Video))
            .collect();
        let (_, mids) = sim.negotiate(p, &[], &others);
        sub_mids[p] = mids;
    }
    sim.connect_all();
    sim.media_for(Duration::from_secs(2), |_| -127);
    for &p in &peers {
        for &mid in &sub_mids[p] {
            let got = sim.clients[p].received_on(mid).len();
            assert!(got > 150, "peer {p} mid {mid} got {got}");
        }
    }
}

/// The publisher leaving stops its track for subscribers; the subscriber's session lives on.
#[test]
fn leaving_publisher_stops_its_tracks() {
    let mut sim = Sim::new(3);
    let a = sim.join("room", "a");
    let b = sim.join("room", "b");
    let (out, _) = sim.negotiate(a, &[(TrackSource::Camera, false)], &[]);
    let track = out.published[0].track.clone();
    let (_, mids) = sim.negotiate(b, &[], &[(track.clone(), MediaKind::Video)]);
    sim.connect_all();
    sim.media_for(Duration::from_millis(500), |_| -127);
    let before = sim.clients[b].received_on(mids[0]).len();
    assert!(before > 20);
    let id = sim.clients[a].id.clone();
    let now = sim.now;
    sim.core.leave(&id, now).unwrap();
    sim.media_for(Duration::from_millis(500), |_| -127);
    let after = sim.clients[b].received_on(mids[0]).len();
    assert!(after <= before + 3, "{before} then {after}");
    let b_id = sim.clients[b].id.clone();
    assert_eq!(
        sim.core.unsubscribe(&b_id, &track, now),
        Err(sfu::SfuError::UnknownTrack(track))
    );
    assert_eq!(sim.core.participant_count(), 1);
}

/// A receive m-line made inactive stops carrying its track; made active again with a new
/// `SubscribeSpec` it carries another track, continuing the same sequence line.
#[test]
fn inactive_m_line_is_idle_and_can_be_reused_for_another_track() {
    let mut sim = Sim::new(4);
    let a = sim.join("room", "a");
    let c = sim.join("room", "c");
    let b = sim.join("room", "b");
    let (out_a, _) = sim.negotiate(a, &[(TrackSource::Camera, false)], &[]);
    let (out_c, _) = sim.negotiate(c, &[(TrackSource::Screen, false)], &[]);
    let (_, mids) = sim.negotiate(
        b,
        &[],
        &[(out_a.published[0].track.clone(), MediaKind::Video)],
    );
    let mid = mids[0];
    sim.connect_all();
    sim.media_for(Duration::from_millis(500), |_| -127);
    let first = sim.clients[b].received_on(mid).len();
    assert!(first > 20);

    sim.redirect(b, mid, Direction::Inactive, &[]);
    sim.media_for(Duration::from_millis(500), |_| -127);
    let idle = sim.clients[b].received_on(mid).len();
    assert!(idle <= first + 3, "{first} then {idle}");

    sim.redirect(
        b,
        mid,
        Direction::RecvOnly,
        &[(mid, out_c.published[0].track.clone())],
    );
    sim.media_for(Duration::from_millis(800), |_| -127);
    let got = sim.clients[b].received_on(mid);
    assert!(got.len() > idle + 20, "reuse: {idle} then {}", got.len());
    let c_seqs: Vec<u32> = sim.clients[c].out[0]
        .sent
        .iter()
        .map(|p| vp8_seq(p))
        .collect();
    // What arrives now is C's screen, from a keyframe on, numbered right after A's packets.
    let switch = got.len()
        - got
            .iter()
            .rev()
            .take_while(|r| c_seqs.contains(&vp8_seq(&r.payload)))
            .count();
    assert!(switch <= idle);
    assert!(common::vp8_is_key(&got[switch].payload));
    assert!(got.windows(2).all(|w| w[1].seq == w[0].seq + 1));
}

/// A peer that goes silent ends with `MediaEnded { Timeout }`; others keep going.
#[test]
fn silent_peer_ends_with_timeout() {
    let mut sim = Sim::new(5);
    let a = sim.join("room", "a");
    let b = sim.join("room", "b");
    let (out, _) = sim.negotiate(a, &[(TrackSource::Camera, false)], &[]);
    sim.negotiate(
        b,
        &[],
        &[(out.published[0].track.clone(), MediaKind::Video)],
    );
    sim.connect_all();
    sim.media_for(Duration::from_millis(300), |_| -127);
    sim.clients[b].impair = common::Impair {
        loss: 1.0,
        ..Default::default()
    };
    sim.media_for(Duration::from_secs(60), |_| -127);
    let ended: Vec<_> = sim
        .events
        .iter()
        .filter_map(|e| match e {
            SfuEvent::MediaEnded {
                participant,
                reason,
                ..
            } => Some((participant.0.clone(), *reason)),
            _ => None,
        })
        .collect();
    assert_eq!(ended, [("b".to_string(), MediaEndReason::Timeout)]);
}

/// A publishing m-line made inactive unpublishes its track; subscribers stop getting it.
#[test]
fn inactive_publishing_m_line_unpublishes() {
    let mut sim = Sim::new(6);
    let a = sim.join("room", "a");
    let b = sim.join("room", "b");
    let (out, _) = sim.negotiate(a, &[(TrackSource::Camera, false)], &[]);
    let track = out.published[0].track.clone();
    let (_, mids) = sim.negotiate(b, &[], &[(track.clone(), MediaKind::Video)]);
    sim.connect_all();
    sim.media_for(Duration::from_millis(300), |_| -127);
    let pub_mid = *sim.clients[a]
        .tracks
        .iter()
        .find(|(_, t)| **t == track)
        .unwrap()
        .0;
    let outcome = sim.redirect(a, pub_mid, Direction::Inactive, &[]);
    assert_eq!(outcome.unpublished, std::slice::from_ref(&track));
    assert!(outcome.published.is_empty());
    let before = sim.clients[b].received_on(mids[0]).len();
    sim.media_for(Duration::from_millis(300), |_| -127);
    assert!(sim.clients[b].received_on(mids[0]).len() <= before + 3);
    let b_id = sim.clients[b].id.clone();
    let now = sim.now;
    assert!(sim.core.video_size(&b_id, &track, 640, 360, now).is_err());
}

/// The hub's first ClientHello lost (as when it reaches a peer whose ICE is not done yet):
/// the hub sends it again after ~100 ms, not after the 1 s of RFC 6347's suggestion.
#[test]
fn a_lost_client_hello_is_sent_again_soon() {
    let mut sim = Sim::new(21);
    let a = sim.join("room", "a");
    sim.clients[a].drop_hub_dtls = 1;
    sim.negotiate(a, &[(TrackSource::Camera, false)], &[]);
    let start = sim.now;
    sim.connect_all();
    assert_eq!(
        sim.clients[a].drop_hub_dtls, 0,
        "the ClientHello was dropped"
    );
    let took = sim.now - start;
    // 100 ms ± 25 % jitter, then the handshake's few simulated milliseconds; with a 1 s
    // first retransmission it would take at least 750 ms.
    assert!(
        took < Duration::from_millis(300),
        "connected after {took:?}"
    );
}

/// A participant whose offer was answered but whose media never connects ends too.
#[test]
fn never_connecting_peer_ends_with_timeout() {
    let mut sim = Sim::new(7);
    let a = sim.join("room", "a");
    sim.clients[a].impair = common::Impair {
        loss: 1.0,
        ..Default::default()
    };
    sim.negotiate(a, &[(TrackSource::Camera, false)], &[]);
    // str0m's ICE gives up on the peer's offered candidate first; the core's connect
    // deadline (30 s) covers peers that never name one.
    let end = sim.now + Duration::from_secs(31);
    sim.run_until(end);
    assert!(matches!(
        sim.events.as_slice(),
        [SfuEvent::MediaEnded {
            reason: MediaEndReason::Timeout,
            ..
        }]
    ));
}

/// The core's own connect deadline ends a peer that never gets through.
#[test]
fn connect_deadline_ends_unconnected_peer() {
    let mut sim = Sim::with_config(8, |c| c.connect_timeout = Duration::from_secs(5));
    let a = sim.join("room", "a");
    sim.clients[a].impair = common::Impair {
        loss: 1.0,
        ..Default::default()
    };
    sim.negotiate(a, &[(TrackSource::Camera, false)], &[]);
    let end = sim.now + Duration::from_millis(4900);
    sim.run_until(end);
    assert!(sim.events.is_empty(), "{:?}", sim.events);
    let end = sim.now + Duration::from_millis(300);
    sim.run_until(end);
    assert!(matches!(
        sim.events.as_slice(),
        [SfuEvent::MediaEnded {
            reason: MediaEndReason::Timeout,
            ..
        }]
    ));
}

/// Datagrams that arrive together are one batch for the core (`receive_datagram` each, one
/// `flush`): a receive-only subscriber's packets of the batch leave back to back — one run
/// per drain, which the runtime sends as one GSO train — and nothing is held back or lost.
#[test]
fn a_batch_leaves_as_one_run_per_subscriber() {
    let mut sim = Sim::new(11);
    let a = sim.join("room", "a");
    let b = sim.join("room", "b");
    let c = sim.join("room", "c");
    let (out, _) = sim.negotiate(
        a,
        &[
            (TrackSource::Camera, false),
            (TrackSource::Microphone, false),
        ],
        &[],
    );
    let subscribe: Vec<_> = out
        .published
        .iter()
        .map(|t| {
            let kind = match t.kind {
                TrackKind::Video => MediaKind::Video,
                TrackKind::Audio => MediaKind::Audio,
            };
            (t.track.clone(), kind)
        })
        .collect();
    let (_, b_mids) = sim.negotiate(b, &[], &subscribe);
    sim.negotiate(c, &[], &subscribe);
    sim.connect_all();
    sim.core_drains.clear();
    sim.media_for(Duration::from_secs(2), |_| -30);

    for sub in [b, c] {
        let addr = sim.clients[sub].addr;
        let mut longest = 0;
        for drain in &sim.core_drains {
            let runs: Vec<usize> = drain
                .iter()
                .filter(|(to, _)| *to == addr)
                .map(|r| r.1)
                .collect();
            assert!(runs.len() <= 1, "subscriber {sub} split over runs {runs:?}");
            longest = longest.max(runs.first().copied().unwrap_or(0));
        }
        // A frame's three packets arrive together and leave together.
        assert!(longest >= 3, "subscriber {sub}: longest run {longest}");
    }
    // And the batching loses nothing: B got every video packet from its first keyframe.
    let sent = sim.clients[a].out[0].sent.len();
    let got = sim.clients[b].received_on(b_mids[0]).len();
    assert!(got + 10 >= sent, "B got {got} of {sent}");
}
