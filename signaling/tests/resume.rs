//! Seats survive a dropped websocket for the grace period and no longer.

mod common;

use std::time::Duration;

use serde_json::json;
use sfu::ParticipantId;
use signaling::SignalingConfig;

#[tokio::test]
async fn resume_within_grace_keeps_the_seat_quietly() {
    // A grace far longer than the test can take: the resume is always within it.
    let config = SignalingConfig {
        resume_grace: Duration::from_secs(3600),
        ..common::config()
    };
    let hub = common::start(config).await;
    let (mut a, ja) = hub.join("r", "A").await;
    let (mut b, jb) = hub.join("r", "B").await;
    a.expect("participant_joined").await;
    a.send(json!({"type": "offer", "sdp": "v=0", "publish": [{"mid": "0", "source": "camera"}]}))
        .await;
    a.expect("answer").await;
    b.expect("track_published").await;
    a.drop_connection();

    // While A is away, B mutes; A will learn it from the snapshot.
    b.send(json!({"type": "mute", "source": "camera", "muted": true}))
        .await;
    b.expect("participant_updated").await;

    let mut a2 = hub.connect().await;
    a2.send(json!({"type": "resume", "participant": ja["participant"],
        "resume_token": ja["resume_token"]}))
        .await;
    let resumed = a2.expect("resumed").await;
    assert_eq!(resumed["participant"], ja["participant"]);
    assert_eq!(resumed["participants"][0]["participant"], jb["participant"]);
    assert_eq!(resumed["participants"][0]["camera_muted"], true);
    assert_eq!(
        resumed["tracks"].as_array().unwrap().len(),
        1,
        "A's track is still published"
    );

    // The resumed seat works, and B never saw A leave.
    a2.send(json!({"type": "chat", "text": "back"})).await;
    let (chat, skipped) = b.wait_for("chat").await;
    assert_eq!(chat["participant"], ja["participant"]);
    assert!(
        skipped.iter().all(|m| m["type"] != "participant_left"),
        "{skipped:?}"
    );
    assert!(hub.left().is_empty(), "the SFU peer was kept");
}

#[tokio::test]
async fn resume_takes_over_a_live_session() {
    let hub = common::start(common::config()).await;
    let (mut a, ja) = hub.join("r", "A").await;
    let mut a2 = hub.connect().await;
    a2.send(json!({"type": "resume", "participant": ja["participant"],
        "resume_token": ja["resume_token"]}))
        .await;
    a2.expect("resumed").await;
    // The old websocket is closed by the hub.
    assert!(a.until_closed().await.is_empty());
    a2.send(json!({"type": "ping"})).await;
    a2.expect("pong").await;
}

#[tokio::test]
async fn no_resume_means_leaving_after_grace() {
    // A short real grace; the test only waits for the event, it never times it.
    let config = SignalingConfig {
        resume_grace: Duration::from_millis(200),
        ..common::config()
    };
    let hub = common::start(config).await;
    let (a, ja) = hub.join("r", "A").await;
    let (mut b, _) = hub.join("r", "B").await;
    a.drop_connection();
    let left = b.expect("participant_left").await;
    assert_eq!(left["participant"], ja["participant"]);
    assert_eq!(left["reason"], "disconnected");
    let pa = ParticipantId(ja["participant"].as_str().unwrap().to_owned());
    hub.wait_left(&pa).await;

    // The seat is gone for good.
    let mut late = hub.connect().await;
    late.send(json!({"type": "resume", "participant": ja["participant"],
        "resume_token": ja["resume_token"]}))
        .await;
    late.expect_error("resume_failed").await;
}

#[tokio::test]
async fn closing_the_tab_leaves_at_once() {
    // Browsers close a page's websockets with 1001 "going away" when the tab closes or
    // navigates; nobody is coming back to resume, so the others must see the leave now, not
    // after the grace (which is an hour here, so waiting for it would hang the test).
    use tokio_tungstenite::tungstenite::Message;
    use tokio_tungstenite::tungstenite::protocol::CloseFrame;
    use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
    let config = SignalingConfig {
        resume_grace: Duration::from_secs(3600),
        ..common::config()
    };
    let hub = common::start(config).await;
    let (mut a, ja) = hub.join("r", "A").await;
    let (mut b, _) = hub.join("r", "B").await;
    a.expect("participant_joined").await;
    let frame = CloseFrame {
        code: CloseCode::Away,
        reason: "".into(),
    };
    a.send_raw(Message::Close(Some(frame))).await.unwrap();
    let left = b.expect("participant_left").await;
    assert_eq!(left["participant"], ja["participant"]);
    assert_eq!(left["reason"], "left");
    let pa = ParticipantId(ja["participant"].as_str().unwrap().to_owned());
    hub.wait_left(&pa).await;
}
