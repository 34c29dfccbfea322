//! Registry behaviour on a paused tokio clock, with a fake SFU that only records leaves.

use std::time::Duration;

use sfu::{Command, TrackKind};

use super::*;

struct Fixture {
    reg: Arc<Registry>,
    commands: mpsc::Receiver<Command>,
}

fn fixture(max: usize) -> Fixture {
    let (tx, commands) = mpsc::channel(16);
    Fixture {
        reg: Registry::new(SfuHandle::new(tx), Duration::from_secs(10), max),
        commands,
    }
}

fn room() -> RoomId {
    RoomId::from("r")
}

fn seat(reg: &Registry, id: &str) -> (SeatGrant, mpsc::Receiver<ServerMessage>) {
    let (tx, rx) = mpsc::channel(8);
    (
        reg.join(&room(), ParticipantId::from(id), id.to_owned(), tx)
            .expect("seat"),
        rx,
    )
}

fn drain(rx: &mut mpsc::Receiver<ServerMessage>) -> Vec<ServerMessage> {
    std::iter::from_fn(|| rx.try_recv().ok()).collect()
}

fn track(owner: &str, id: &str) -> TrackInfo {
    TrackInfo {
        track: TrackId::from(id),
        participant: ParticipantId::from(owner),
        source: TrackSource::Camera,
        kind: TrackKind::Video,
        simulcast: true,
    }
}

#[test]
fn room_limit_counts_seats() {
    let f = fixture(2);
    let (_a, _ra) = seat(&f.reg, "a");
    let (b, _rb) = seat(&f.reg, "b");
    assert_eq!(b.participants.len(), 1);
    assert!(!f.reg.has_room_for(&room()));
    let (tx, _rx) = mpsc::channel(8);
    assert!(
        f.reg
            .join(&room(), ParticipantId::from("c"), "c".into(), tx)
            .is_none()
    );
}

#[tokio::test(start_paused = true)]
async fn detached_seat_is_released_after_grace() {
    let mut f = fixture(10);
    let (a, _ra) = seat(&f.reg, "a");
    let (_b, mut rb) = seat(&f.reg, "b");
    f.reg.apply_offer(&a.participant, &[track("a", "t1")], &[]);
    drain(&mut rb);
    f.reg.detach(&a.participant, a.epoch);
    tokio::time::sleep(Duration::from_secs(9)).await;
    assert!(drain(&mut rb).is_empty(), "nothing before the grace ends");
    tokio::time::sleep(Duration::from_secs(2)).await;
    let got = drain(&mut rb);
    assert_eq!(
        got,
        vec![
            ServerMessage::TrackUnpublished {
                track: TrackId::from("t1")
            },
            ServerMessage::ParticipantLeft {
                participant: a.participant.clone(),
                reason: LeaveReason::Disconnected
            },
        ]
    );
    assert!(
        matches!(f.commands.recv().await, Some(Command::Leave { participant }) if participant == a.participant)
    );
    assert_eq!(f.reg.seats(&room()), 1);
}

#[tokio::test(start_paused = true)]
async fn resume_within_grace_keeps_the_seat() {
    let f = fixture(10);
    let (a, _ra) = seat(&f.reg, "a");
    let (_b, mut rb) = seat(&f.reg, "b");
    f.reg.detach(&a.participant, a.epoch);
    tokio::time::sleep(Duration::from_secs(5)).await;
    let (tx, _ra2) = mpsc::channel(8);
    assert!(f.reg.resume(&a.participant, "wrong", tx.clone()).is_none());
    let again = f
        .reg
        .resume(&a.participant, &a.resume_token, tx)
        .expect("resumed");
    assert_eq!(again.participants.len(), 1);
    assert_ne!(again.epoch, a.epoch);
    // The old session's late detach must not touch the resumed seat.
    f.reg.detach(&a.participant, a.epoch);
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert!(drain(&mut rb).is_empty());
    assert_eq!(f.reg.seats(&room()), 2);
}

#[tokio::test(start_paused = true)]
async fn media_end_releases_detached_and_resets_attached() {
    let f = fixture(10);
    let (a, mut ra) = seat(&f.reg, "a");
    let (b, mut rb) = seat(&f.reg, "b");
    f.reg.apply_offer(&a.participant, &[track("a", "t1")], &[]);
    drain(&mut ra);
    drain(&mut rb);
    let out = f
        .reg
        .media_ended(&room(), &a.participant, MediaEndReason::Timeout);
    assert_eq!(out, MediaEndOutcome::Reset);
    assert_eq!(
        drain(&mut ra),
        vec![ServerMessage::MediaEnded {
            reason: MediaEndReason::Timeout
        }]
    );
    assert_eq!(
        drain(&mut rb),
        vec![ServerMessage::TrackUnpublished {
            track: TrackId::from("t1")
        }]
    );

    f.reg.detach(&b.participant, b.epoch);
    let out = f
        .reg
        .media_ended(&room(), &b.participant, MediaEndReason::Closed);
    assert_eq!(out, MediaEndOutcome::Released);
    assert_eq!(
        drain(&mut ra),
        vec![ServerMessage::ParticipantLeft {
            participant: b.participant.clone(),
            reason: LeaveReason::MediaTimeout,
        }]
    );
    let unknown = ParticipantId::from("zz");
    assert_eq!(
        f.reg.media_ended(&room(), &unknown, MediaEndReason::Closed),
        MediaEndOutcome::Unknown
    );
}

#[test]
fn full_outbox_detaches_the_laggard_only() {
    let f = fixture(10);
    let (tx, _slow) = mpsc::channel(1);
    let slow = f
        .reg
        .join(&room(), ParticipantId::from("slow"), "s".into(), tx)
        .unwrap();
    let (a, mut ra) = seat(&f.reg, "a");
    f.reg.chat(&a.participant, "one".into());
    f.reg.chat(&a.participant, "two".into());
    assert_eq!(drain(&mut ra).len(), 2);
    // The slow seat lost its outbox but is still seated, waiting for a resume.
    assert_eq!(f.reg.seats(&room()), 2);
    assert!(f.reg.is_current(&slow.participant, slow.epoch));
}

#[test]
fn mute_and_speaking_broadcast_only_changes() {
    let f = fixture(10);
    let (a, mut ra) = seat(&f.reg, "a");
    assert!(
        f.reg
            .set_mute(&a.participant, TrackSource::Microphone, true)
    );
    assert!(
        f.reg
            .set_mute(&a.participant, TrackSource::Microphone, true)
    );
    assert!(!f.reg.set_mute(&a.participant, TrackSource::Screen, true));
    f.reg.set_speaking(&a.participant, true);
    let got = drain(&mut ra);
    assert_eq!(got.len(), 2, "{got:?}");
    assert!(
        matches!(&got[1], ServerMessage::ParticipantUpdated { participant } if participant.speaking && participant.mic_muted)
    );
}

/// A closing tab can lose the race between its transports: the peer connection's close
/// reaches the SFU first (the seat is still attached, so its media is reset and its tracks
/// go), then the websocket drops without `leave` or a 1001 close. With neither transport
/// left, the seat goes at once, as when the two go the other way round.
#[tokio::test(start_paused = true)]
async fn a_seat_whose_client_closed_its_media_goes_with_its_websocket() {
    let mut f = fixture(10);
    let (a, _ra) = seat(&f.reg, "a");
    let (_b, mut rb) = seat(&f.reg, "b");
    let out = f
        .reg
        .media_ended(&room(), &a.participant, MediaEndReason::Closed);
    assert_eq!(out, MediaEndOutcome::Reset);
    drain(&mut rb);
    f.reg.detach(&a.participant, a.epoch);
    tokio::task::yield_now().await;
    assert_eq!(
        drain(&mut rb),
        vec![ServerMessage::ParticipantLeft {
            participant: a.participant.clone(),
            reason: LeaveReason::Disconnected
        }],
        "released without waiting for the grace"
    );
    assert!(
        matches!(f.commands.recv().await, Some(Command::Leave { participant }) if participant == a.participant)
    );
    assert_eq!(f.reg.seats(&room()), 1);
}

/// A media *timeout* is a network outage, and media that came back after a close makes the
/// seat an ordinary one again: in both cases a dropped websocket keeps the seat for the grace.
#[tokio::test(start_paused = true)]
async fn timed_out_or_restored_media_keeps_the_grace() {
    let f = fixture(10);
    let (a, _ra) = seat(&f.reg, "a");
    let (c, _rc) = seat(&f.reg, "c");
    let (_b, mut rb) = seat(&f.reg, "b");
    f.reg
        .media_ended(&room(), &a.participant, MediaEndReason::Timeout);
    f.reg
        .media_ended(&room(), &c.participant, MediaEndReason::Closed);
    f.reg.media_connected(&c.participant);
    drain(&mut rb);
    f.reg.detach(&a.participant, a.epoch);
    f.reg.detach(&c.participant, c.epoch);
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert!(drain(&mut rb).is_empty(), "both kept for resume");
    assert_eq!(f.reg.seats(&room()), 3);
}
