//! Loss, reordering and keyframe handling through the SFU core on a fake clock.

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use common::{Impair, Sim, vp8_is_key, vp8_seq};
use sfu::TrackSource;
use str0m::media::MediaKind;

fn publisher_and_subscriber(seed: u64) -> (Sim, usize, usize, str0m::media::Mid) {
    publisher_and_subscriber_on(seed, true)
}

fn publisher_and_subscriber_on(
    seed: u64,
    fast_path: bool,
) -> (Sim, usize, usize, str0m::media::Mid) {
    let mut sim = Sim::with_config(seed, |c| c.fast_path = fast_path);
    let a = sim.join("room", "a");
    let b = sim.join("room", "b");
    let (out, _) = sim.negotiate(a, &[(TrackSource::Camera, false)], &[]);
    let (_, mids) = sim.negotiate(
        b,
        &[],
        &[(out.published[0].track.clone(), MediaKind::Video)],
    );
    sim.connect_all();
    (sim, a, b, mids[0])
}

/// (c) 5 % loss and up to 30 ms of jitter (reordering) on both links: every packet A sends
/// after the impairment starts still reaches B, repaired by NACK/RTX on each hop.
#[test]
fn loss_and_reordering_are_repaired_by_nack_rtx() {
    let sim = loss_and_reordering_repaired(true);
    // The hub's resends to B were the fast path's (str0m never saw those packets).
    assert!(sim.core.stats().fast_resends > 0, "{:?}", sim.core.stats());
}

/// The same with every packet through str0m, which then answers the NACKs with RTX.
#[test]
fn loss_and_reordering_are_repaired_through_str0m() {
    let sim = loss_and_reordering_repaired(false);
    assert_eq!(sim.core.stats().fast_resends, 0);
}

fn loss_and_reordering_repaired(fast_path: bool) -> Sim {
    let (mut sim, a, b, mid) = publisher_and_subscriber_on(11, fast_path);
    sim.media_for(Duration::from_millis(500), |_| -127);
    let first_impaired = sim.clients[a].out[0].seq as u32;
    let impair = Impair {
        loss: 0.05,
        delay: Duration::from_millis(5),
        jitter: Duration::from_millis(30),
    };
    sim.clients[a].impair = impair;
    sim.clients[b].impair = impair;
    sim.media_for(Duration::from_secs(3), |_| -127);
    let last_impaired = sim.clients[a].out[0].seq as u32;
    // Media goes on over a clean link: a lost last packet shows as a gap only once later
    // packets arrive, and then the last NACKs get answered.
    sim.clients[a].impair = Impair::default();
    sim.clients[b].impair = Impair::default();
    sim.media_for(Duration::from_secs(1), |_| -127);

    let sent: BTreeSet<u32> = sim.clients[a].out[0]
        .sent
        .iter()
        .map(|p| vp8_seq(p))
        .filter(|s| (first_impaired..last_impaired).contains(s))
        .collect();
    let got: BTreeSet<u32> = sim.clients[b]
        .received_on(mid)
        .iter()
        .map(|r| vp8_seq(&r.payload))
        .collect();
    assert!(sent.len() > 250, "sent {}", sent.len());
    let missing: Vec<u32> = sent.difference(&got).copied().collect();
    assert!(
        missing.is_empty(),
        "B misses {} of {}: {:?}",
        missing.len(),
        sent.len(),
        missing
    );
    // The link did lose packets (both ways: media and NACKs/RTX): without repair B would
    // have gaps. B saw packets out of
    // order at least once (reordering on the link).
    assert!(sim.dropped > 30, "the link dropped only {}", sim.dropped);
    let order: Vec<u32> = sim.clients[b]
        .received_on(mid)
        .iter()
        .map(|r| vp8_seq(&r.payload))
        .collect();
    assert!(
        order.windows(2).any(|w| w[1] < w[0]),
        "no reordering happened"
    );
    sim
}

/// A new subscriber's first forwarded video packet starts a keyframe, asked for at once.
#[test]
fn new_subscriber_starts_on_a_requested_keyframe() {
    let mut sim = Sim::new(12);
    let a = sim.join("room", "a");
    let b = sim.join("room", "b");
    let (out, _) = sim.negotiate(a, &[(TrackSource::Camera, false)], &[]);
    let track = out.published[0].track.clone();
    sim.connect_all();
    // A has been sending a while; its only keyframe so far was the first frame.
    sim.media_for(Duration::from_secs(1), |_| -127);
    let requests_before = sim.clients[a].keyframe_requests;
    let (_, mids) = sim.negotiate(b, &[], &[(track, MediaKind::Video)]);
    sim.connect_all();
    sim.media_for(Duration::from_secs(1), |_| -127);
    assert!(
        sim.clients[a].keyframe_requests > requests_before,
        "no keyframe request reached A"
    );
    let got = sim.clients[b].received_on(mids[0]);
    assert!(got.len() > 40, "B got {}", got.len());
    assert!(
        vp8_is_key(&got[0].payload),
        "B's first packet is not a keyframe start"
    );
    assert!(!vp8_is_key(&got[3].payload));
}

/// Many PLIs from a subscriber in a short time reach the publisher as few requests.
#[test]
fn keyframe_requests_are_throttled() {
    let (mut sim, a, b, mid) = publisher_and_subscriber(13);
    sim.media_for(Duration::from_millis(500), |_| -127);
    let before = sim.clients[a].keyframe_requests;
    // B asks for a keyframe every frame for one second.
    for _ in 0..30 {
        {
            let mut api = sim.clients[b].rtc.direct_api();
            if let Some(rx) = api.stream_rx_by_mid(mid, None) {
                rx.request_keyframe(str0m::media::KeyframeRequestKind::Pli);
            }
        }
        sim.media_for(Duration::from_millis(33), |_| -127);
    }
    let forwarded = sim.clients[a].keyframe_requests - before;
    assert!(forwarded >= 2, "only {forwarded} requests reached A");
    assert!(
        forwarded <= 5,
        "{forwarded} requests reached A in one second"
    );
}
