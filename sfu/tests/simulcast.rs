//! (d) Simulcast: the layer follows the subscriber's tile size, and a switch lands on a
//! keyframe with continuous sequence numbers.

mod common;

use std::time::Duration;

use common::{Sim, vp8_is_key, vp8_layer};
use sfu::TrackSource;
use str0m::media::MediaKind;

#[test]
fn layer_follows_tile_size_and_switches_on_keyframe() {
    let mut sim = Sim::new(21);
    let a = sim.join("room", "a");
    let b = sim.join("room", "b");
    let (out, _) = sim.negotiate(a, &[(TrackSource::Camera, true)], &[]);
    let info = out.published[0].clone();
    assert!(info.simulcast);
    let (_, mids) = sim.negotiate(b, &[], &[(info.track.clone(), MediaKind::Video)]);
    let mid = mids[0];
    let b_id = sim.clients[b].id.clone();
    let now = sim.now;
    sim.core
        .video_size(&b_id, &info.track, 320, 180, now)
        .unwrap();
    sim.connect_all();
    sim.media_for(Duration::from_secs(1), |_| -127);

    let small = sim.clients[b].received_on(mid).len();
    assert!(small > 40, "B got {small}");
    assert!(
        sim.clients[b]
            .received_on(mid)
            .iter()
            .all(|r| vp8_layer(&r.payload) == b'q')
    );

    let now = sim.now;
    sim.core
        .video_size(&b_id, &info.track, 1280, 720, now)
        .unwrap();
    sim.media_for(Duration::from_secs(1), |_| -127);

    let got = sim.clients[b].received_on(mid);
    let switch = got
        .iter()
        .position(|r| vp8_layer(&r.payload) == b'f')
        .expect("switched to f");
    assert!(switch >= small, "switched before the size change");
    assert!(
        vp8_is_key(&got[switch].payload),
        "switch did not land on a keyframe"
    );
    assert!(
        got[switch..].iter().all(|r| vp8_layer(&r.payload) == b'f'),
        "layers mixed after switch"
    );
    assert!(got.len() - switch > 40);
    // One continuous outgoing line: +1 per packet, timestamps never go back.
    assert!(
        got.windows(2).all(|w| w[1].seq == w[0].seq + 1),
        "sequence gap or jump"
    );
    assert!(
        got.windows(2)
            .all(|w| w[1].ts.wrapping_sub(w[0].ts) < 1 << 31),
        "timestamp went back"
    );
    // VP8 PictureID continues across the switch too (str0m applies the core's patch).
    let pid = |i: usize| {
        sfu::media::vp8::parse(&got[i].payload)
            .unwrap()
            .picture_id
            .unwrap()
    };
    let before = (0..switch)
        .rev()
        .find(|&i| vp8_is_key(&got[i].payload) || got[i].payload[0] & 0x10 != 0)
        .unwrap();
    assert_eq!(pid(switch), (pid(before) + 1) & 0x7fff);

    // Smaller again: back down to q, again on a keyframe.
    let now = sim.now;
    sim.core
        .video_size(&b_id, &info.track, 160, 90, now)
        .unwrap();
    sim.media_for(Duration::from_secs(1), |_| -127);
    let got = sim.clients[b].received_on(mid);
    let back = got
        .iter()
        .rposition(|r| vp8_layer(&r.payload) == b'f')
        .unwrap()
        + 1;
    assert!(back < got.len() && vp8_is_key(&got[back].payload));
    assert!(got.windows(2).all(|w| w[1].seq == w[0].seq + 1));
}

#[test]
fn zero_size_pauses_and_resumes_on_keyframe() {
    let mut sim = Sim::new(22);
    let a = sim.join("room", "a");
    let b = sim.join("room", "b");
    let (out, _) = sim.negotiate(a, &[(TrackSource::Camera, true)], &[]);
    let track = out.published[0].track.clone();
    let (_, mids) = sim.negotiate(b, &[], &[(track.clone(), MediaKind::Video)]);
    let b_id = sim.clients[b].id.clone();
    sim.connect_all();
    sim.media_for(Duration::from_millis(500), |_| -127);
    let now = sim.now;
    sim.core.video_size(&b_id, &track, 0, 0, now).unwrap();
    sim.media_for(Duration::from_millis(100), |_| -127);
    let paused_at = sim.clients[b].received_on(mids[0]).len();
    sim.media_for(Duration::from_millis(500), |_| -127);
    assert_eq!(sim.clients[b].received_on(mids[0]).len(), paused_at);
    let now = sim.now;
    sim.core.video_size(&b_id, &track, 640, 360, now).unwrap();
    sim.media_for(Duration::from_millis(500), |_| -127);
    let got = sim.clients[b].received_on(mids[0]);
    assert!(got.len() > paused_at + 10);
    assert!(vp8_is_key(&got[paused_at].payload));
    assert_eq!(vp8_layer(&got[paused_at].payload), b'h');
}

/// A layer the publisher stops sending is left for the nearest one still arriving.
#[test]
fn vanished_layer_falls_back_to_the_next_lower() {
    let mut sim = Sim::new(23);
    let a = sim.join("room", "a");
    let b = sim.join("room", "b");
    let (out, _) = sim.negotiate(a, &[(TrackSource::Camera, true)], &[]);
    let track = out.published[0].track.clone();
    let (_, mids) = sim.negotiate(b, &[], &[(track, MediaKind::Video)]);
    sim.connect_all();
    sim.media_for(Duration::from_millis(800), |_| -127);
    let got = sim.clients[b].received_on(mids[0]);
    assert_eq!(got.last().map(|r| vp8_layer(&r.payload)), Some(b'f'));
    let before = got.len();
    // The encoder drops the full layer (as browsers do under CPU or bandwidth limits).
    let f = sim.clients[a]
        .out
        .iter_mut()
        .find(|s| s.rid.as_deref() == Some("f"))
        .unwrap();
    f.muted = true;
    sim.media_for(Duration::from_secs(3), |_| -127);
    let got = sim.clients[b].received_on(mids[0]);
    let fallback = got[before..]
        .iter()
        .position(|r| vp8_layer(&r.payload) == b'h')
        .expect("fell back to h")
        + before;
    assert!(vp8_is_key(&got[fallback].payload));
    assert!(
        got[fallback..]
            .iter()
            .all(|r| vp8_layer(&r.payload) == b'h')
    );
    assert!(got.windows(2).all(|w| w[1].seq == w[0].seq + 1));
}
