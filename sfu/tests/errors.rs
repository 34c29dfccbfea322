//! (e) Bad input never hurts the core: garbage datagrams, bad SDP, unknown participants.

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use common::Sim;
use sfu::{ParticipantId, RoomId, SfuError, TrackId, TrackSource};
use str0m::media::MediaKind;

#[test]
fn garbage_datagrams_are_counted_and_ignored() {
    let mut sim = Sim::new(7);
    let a = sim.join("room", "a");
    let b = sim.join("room", "b");
    let (out, _) = sim.negotiate(a, &[(TrackSource::Camera, false)], &[]);
    let (_, mids) = sim.negotiate(
        b,
        &[],
        &[(out.published[0].track.clone(), MediaKind::Video)],
    );
    sim.connect_all();
    let stranger: SocketAddr = "127.0.0.1:9".parse().unwrap();
    let a_addr = sim.clients[a].addr;
    let mut rng = common::Rng::new(99);
    let mut injected = 0;
    for len in [0usize, 1, 2, 12, 13, 20, 100, 1500, 3000] {
        let data: Vec<u8> = (0..len).map(|_| rng.next_u64() as u8).collect();
        sim.inject(stranger, &data);
        sim.inject(a_addr, &data);
        injected += 2;
    }
    // Plausible-looking headers: RTP v2, RTCP, STUN, DTLS first bytes with random rest.
    for first in [0x80u8, 0x81, 0xc8, 0x00, 0x01, 0x16, 0x17, 0x14] {
        for len in [4usize, 24, 60, 300] {
            let mut data: Vec<u8> = (0..len).map(|_| rng.next_u64() as u8).collect();
            data[0] = first;
            sim.inject(stranger, &data);
            sim.inject(a_addr, &data);
            injected += 2;
        }
    }
    let stats = sim.core.stats();
    assert!(stats.garbage_datagrams >= injected / 2, "{stats:?}");
    // Media still flows afterwards.
    sim.media_for(Duration::from_secs(1), |_| -127);
    assert!(sim.clients[b].received_on(mids[0]).len() > 60);
}

#[test]
fn bad_sdp_is_invalid_sdp() {
    let mut sim = Sim::new(8);
    let a = sim.join("room", "a");
    let err = sim.raw_offer(a, "this is not sdp").unwrap_err();
    assert!(matches!(err, SfuError::InvalidSdp(_)), "{err:?}");
    let err = sim.raw_offer(a, "v=0\r\nm=video\r\n").unwrap_err();
    assert!(matches!(err, SfuError::InvalidSdp(_)), "{err:?}");
}

#[test]
fn unknown_participant_and_track_are_errors() {
    let mut sim = Sim::new(9);
    let now = sim.now;
    let ghost = ParticipantId::from("ghost");
    let e = sim.core.offer(&ghost, "v=0", &[], &[], now).unwrap_err();
    assert_eq!(e, SfuError::UnknownParticipant(ghost.clone()));
    assert_eq!(
        sim.core.leave(&ghost, now),
        Err(SfuError::UnknownParticipant(ghost.clone()))
    );
    assert!(
        sim.core
            .candidate(&ghost, "candidate:1 1 udp 1 127.0.0.1 1 typ host", now)
            .is_err()
    );
    let a = sim.join("room", "a");
    let a_id = sim.clients[a].id.clone();
    assert_eq!(
        sim.core.join(RoomId::from("room"), a_id.clone(), now),
        Err(SfuError::AlreadyJoined(a_id.clone()))
    );
    let t = TrackId::from("nope");
    assert_eq!(
        sim.core.unsubscribe(&a_id, &t, now),
        Err(SfuError::UnknownTrack(t.clone()))
    );
    assert_eq!(
        sim.core.video_size(&a_id, &t, 1, 1, now),
        Err(SfuError::UnknownTrack(t))
    );
    let e = sim
        .core
        .candidate(&a_id, "candidate:garbage", now)
        .unwrap_err();
    assert!(matches!(e, SfuError::InvalidCandidate(_)), "{e:?}");
    assert_eq!(sim.core.candidate(&a_id, "", now), Ok(()));
}

/// A track of another room cannot be subscribed to, even by its exact id.
#[test]
fn tracks_of_other_rooms_are_unknown() {
    let mut sim = Sim::new(10);
    let a = sim.join("room-1", "a");
    let b = sim.join("room-2", "b");
    let (out, _) = sim.negotiate(a, &[(TrackSource::Camera, false)], &[]);
    let track = out.published[0].track.clone();
    let mut api = sim.clients[b].rtc.sdp_api();
    let mid = api.add_media(
        MediaKind::Video,
        str0m::media::Direction::RecvOnly,
        None,
        None,
        None,
    );
    let (offer, _pending) = api.apply().unwrap();
    let id = sim.clients[b].id.clone();
    let spec = sfu::SubscribeSpec {
        mid: mid.to_string(),
        track: track.clone(),
    };
    let now = sim.now;
    let e = sim
        .core
        .offer(&id, &offer.to_sdp_string(), &[], &[spec], now)
        .unwrap_err();
    assert_eq!(e, SfuError::UnknownTrack(track));
}

/// Mangled versions of a real offer never panic the core; each is refused or answered.
#[test]
fn mangled_offers_never_panic() {
    let mut sim = Sim::new(11);
    let a = sim.join("room", "a");
    let mut api = sim.clients[a].rtc.sdp_api();
    api.add_media(
        MediaKind::Video,
        str0m::media::Direction::SendOnly,
        None,
        None,
        None,
    );
    api.add_media(
        MediaKind::Audio,
        str0m::media::Direction::RecvOnly,
        None,
        None,
        None,
    );
    let (offer, _pending) = api.apply().unwrap();
    let good = offer.to_sdp_string();
    let lines: Vec<&str> = good.split("\r\n").collect();
    let mut rng = common::Rng::new(5);
    let mut refused = 0;
    for round in 0..300 {
        let mut kept: Vec<String> = Vec::new();
        for line in &lines {
            match rng.next_u64() % 10 {
                0 => {}
                1 => kept.push(line.chars().rev().collect()),
                2 => {
                    let cut = (rng.next_u64() as usize) % (line.len() + 1);
                    kept.push(line.get(..cut).unwrap_or(line).to_string());
                }
                3 => kept.push(format!("{line} {}", rng.next_u64())),
                _ => kept.push(line.to_string()),
            }
        }
        let sdp = kept.join("\r\n");
        let id = ParticipantId(format!("p{round}"));
        let now = sim.now;
        sim.core
            .join(RoomId::from("room"), id.clone(), now)
            .unwrap();
        if sim.core.offer(&id, &sdp, &[], &[], now).is_err() {
            refused += 1;
        }
        sim.core.leave(&id, now).unwrap();
    }
    assert!(refused > 100, "only {refused} refused");
}
