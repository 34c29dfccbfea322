//! Happy paths over a real websocket: join, presence, offer/answer, mute, chat, SFU events.

mod common;

use serde_json::json;
use sfu::{ParticipantId, SfuEvent};

#[tokio::test]
async fn join_gets_a_snapshot() {
    let hub = common::start(common::config()).await;
    let (_a, joined) = hub.join("standup", "Alice").await;
    assert_eq!(joined["room"], "standup");
    assert_eq!(joined["name"], "Alice");
    assert_eq!(joined["participants"], json!([]));
    assert_eq!(joined["tracks"], json!([]));
    assert_eq!(joined["resume_grace_secs"], 10);
    assert_eq!(joined["dev_mode"], true);
    assert_eq!(joined["resume_token"].as_str().unwrap().len(), 32);
    assert!(joined["participant"].as_str().unwrap().starts_with("p-"));
}

#[tokio::test]
async fn participants_see_each_other_come_and_go() {
    let hub = common::start(common::config()).await;
    let (mut a, ja) = hub.join("r", "Alice").await;
    let (mut b, jb) = hub.join("r", "밥").await;
    assert_eq!(jb["participants"][0]["participant"], ja["participant"]);
    assert_eq!(jb["participants"][0]["name"], "Alice");
    let seen = a.expect("participant_joined").await;
    assert_eq!(seen["participant"]["participant"], jb["participant"]);
    assert_eq!(seen["participant"]["name"], "밥");
    assert_eq!(seen["participant"]["mic_muted"], false);

    b.send(json!({"type": "leave"})).await;
    assert!(b.until_closed().await.is_empty());
    let left = a.expect("participant_left").await;
    assert_eq!(left["participant"], jb["participant"]);
    assert_eq!(left["reason"], "left");
    let b_id = ParticipantId(jb["participant"].as_str().unwrap().to_owned());
    hub.wait_left(&b_id).await;
}

#[tokio::test]
async fn rooms_are_separate() {
    let hub = common::start(common::config()).await;
    let (mut a, _) = hub.join("one", "A").await;
    let (_b, jb) = hub.join("two", "B").await;
    assert_eq!(jb["participants"], json!([]));
    a.send(json!({"type": "ping"})).await;
    a.expect("pong").await;
}

#[tokio::test]
async fn offer_is_answered_and_tracks_are_announced() {
    let hub = common::start(common::config()).await;
    let (mut a, ja) = hub.join("r", "A").await;
    let (mut b, _) = hub.join("r", "B").await;
    a.expect("participant_joined").await;
    a.send(json!({"type": "offer", "sdp": "v=0 fake offer",
        "publish": [{"mid": "0", "source": "microphone"}, {"mid": "1", "source": "camera"}]}))
        .await;
    let answer = a.expect("answer").await;
    assert!(answer["sdp"].as_str().unwrap().starts_with("v=0"));
    assert_eq!(answer["published"].as_array().unwrap().len(), 2);
    let me = ja["participant"].as_str().unwrap();
    for (mid, kind) in [("0", "audio"), ("1", "video")] {
        let t = b.expect("track_published").await;
        assert_eq!(t["track"]["track"], format!("{me}-{mid}"));
        assert_eq!(t["track"]["participant"], me);
        assert_eq!(t["track"]["kind"], kind);
    }
    // A newcomer gets them in the snapshot and may subscribe.
    let (mut c, jc) = hub.join("r", "C").await;
    assert_eq!(jc["tracks"].as_array().unwrap().len(), 2);
    c.send(json!({"type": "offer", "sdp": "v=0 sub",
        "subscribe": [{"mid": "0", "track": format!("{me}-1")}]}))
        .await;
    c.expect("answer").await;
    c.send(json!({"type": "video_size", "track": format!("{me}-1"), "width": 320, "height": 180}))
        .await;
    c.send(json!({"type": "ping"})).await;
    c.expect("pong").await;

    a.send(json!({"type": "unpublish", "track": format!("{me}-1")}))
        .await;
    let (gone, _) = b.wait_for("track_unpublished").await;
    assert_eq!(gone["track"], format!("{me}-1"));
}

#[tokio::test]
async fn mute_is_broadcast() {
    let hub = common::start(common::config()).await;
    let (mut a, ja) = hub.join("r", "A").await;
    let (mut b, _) = hub.join("r", "B").await;
    a.expect("participant_joined").await;
    a.send(json!({"type": "mute", "source": "microphone", "muted": true}))
        .await;
    for c in [&mut a, &mut b] {
        let u = c.expect("participant_updated").await;
        assert_eq!(u["participant"]["participant"], ja["participant"]);
        assert_eq!(u["participant"]["mic_muted"], true);
        assert_eq!(u["participant"]["camera_muted"], false);
    }
}

#[tokio::test]
async fn chat_reaches_everyone_cleaned() {
    let hub = common::start(common::config()).await;
    let (mut a, ja) = hub.join("r", "A").await;
    let (mut b, _) = hub.join("r", "B").await;
    a.expect("participant_joined").await;
    a.send(json!({"type": "chat", "text": "안녕하세요\u{7}\u{1b}[31m\nbye "}))
        .await;
    for c in [&mut a, &mut b] {
        let m = c.expect("chat").await;
        assert_eq!(m["text"], "안녕하세요[31m\nbye");
        assert_eq!(m["participant"], ja["participant"]);
        assert_eq!(m["name"], "A");
        assert_eq!(m["id"], 1);
        assert!(m["sent_at_ms"].as_u64().unwrap() > 0);
    }
}

#[tokio::test]
async fn sfu_events_become_room_messages() {
    let hub = common::start(common::config()).await;
    let (mut a, ja) = hub.join("r", "A").await;
    let (mut b, _) = hub.join("r", "B").await;
    a.expect("participant_joined").await;
    let room = sfu::RoomId::from("r");
    let pa = ParticipantId(ja["participant"].as_str().unwrap().to_owned());
    let send = |e| hub.events.send(e).unwrap();
    send(SfuEvent::Speaking {
        room: room.clone(),
        participant: pa.clone(),
        speaking: true,
    });
    let u = b.expect("participant_updated").await;
    assert_eq!(u["participant"]["speaking"], true);
    send(SfuEvent::ActiveSpeaker {
        room: room.clone(),
        participant: pa.clone(),
    });
    assert_eq!(
        b.expect("active_speaker").await["participant"],
        ja["participant"]
    );

    // Media gone while the websocket is up: the seat stays, the client is told to re-offer.
    send(SfuEvent::MediaEnded {
        room,
        participant: pa.clone(),
        reason: sfu::MediaEndReason::Timeout,
    });
    let (ended, _) = a.wait_for("media_ended").await;
    assert_eq!(ended["reason"], "timeout");
    b.send(json!({"type": "ping"})).await;
    let (_, skipped) = b.wait_for("pong").await;
    assert!(
        skipped.iter().all(|m| m["type"] != "participant_left"),
        "{skipped:?}"
    );
}
