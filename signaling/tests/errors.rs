//! Every bad input gets a typed error frame; the connection survives unless it is abuse.

mod common;

use std::time::Duration;

use serde_json::json;
use signaling::SignalingConfig;
use tokio_tungstenite::tungstenite::Message;

#[tokio::test]
async fn not_json() {
    let hub = common::start(common::config()).await;
    let mut c = hub.connect().await;
    c.send_text("{\"type\": \"join\",".into()).await;
    let e = c.expect_error("bad_message").await;
    assert!(
        e["message"].as_str().unwrap().starts_with("not JSON"),
        "{e}"
    );
}

#[tokio::test]
async fn unknown_type() {
    let hub = common::start(common::config()).await;
    let mut c = hub.connect().await;
    c.send(json!({"type": "dance"})).await;
    let e = c.expect_error("bad_message").await;
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("unknown variant `dance`"),
        "{e}"
    );
}

#[tokio::test]
async fn wrong_fields() {
    let hub = common::start(common::config()).await;
    let (mut c, _) = hub.join("r", "A").await;
    c.send(json!({"type": "chat", "txt": "hi"})).await;
    let e = c.expect_error("bad_message").await;
    assert!(e["message"].as_str().unwrap().contains("chat"), "{e}");
    c.send(json!({"type": "video_size", "track": "t", "width": -1, "height": 2}))
        .await;
    c.expect_error("bad_message").await;
}

#[tokio::test]
async fn binary_frame() {
    let hub = common::start(common::config()).await;
    let mut c = hub.connect().await;
    c.send_raw(Message::Binary(vec![1, 2, 3].into()))
        .await
        .unwrap();
    c.expect_error("bad_message").await;
}

#[tokio::test]
async fn wrong_version() {
    let hub = common::start(common::config()).await;
    let mut c = hub.connect().await;
    let token = hub.token("r", None);
    c.send(json!({"type": "join", "v": 2, "room": "r", "token": token}))
        .await;
    c.expect_error("unsupported_version").await;
    // Still able to join properly afterwards.
    c.send(json!({"type": "join", "v": 1, "room": "r", "token": token}))
        .await;
    c.expect("joined").await;
}

#[tokio::test]
async fn before_join() {
    let hub = common::start(common::config()).await;
    let mut c = hub.connect().await;
    c.send(json!({"type": "chat", "text": "hi"})).await;
    c.expect_error("not_joined").await;
}

#[tokio::test]
async fn second_join() {
    let hub = common::start(common::config()).await;
    let (mut c, _) = hub.join("r", "A").await;
    let token = hub.token("r", None);
    c.send(json!({"type": "join", "v": 1, "room": "r", "token": token}))
        .await;
    c.expect_error("already_joined").await;
}

#[tokio::test]
async fn bad_token() {
    let hub = common::start(common::config()).await;
    let mut c = hub.connect().await;
    c.send(json!({"type": "join", "v": 1, "room": "r", "token": "not.a.jwt"}))
        .await;
    c.expect_error("invalid_token").await;
    let foreign = signaling::TokenIssuer::new(b"some other hub's secret, 32+ bytes").issue(
        &"r".into(),
        None,
        Duration::from_secs(60),
    );
    c.send(json!({"type": "join", "v": 1, "room": "r", "token": foreign}))
        .await;
    c.expect_error("invalid_token").await;
}

#[tokio::test]
async fn expired_token() {
    let hub = common::start(common::config()).await;
    let mut c = hub.connect().await;
    let token = hub.issuer.issue(&"r".into(), None, Duration::ZERO);
    // exp == now is already past for a validator without leeway once the second turns.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    c.send(json!({"type": "join", "v": 1, "room": "r", "token": token}))
        .await;
    c.expect_error("token_expired").await;
}

#[tokio::test]
async fn wrong_room_token() {
    let hub = common::start(common::config()).await;
    let mut c = hub.connect().await;
    let token = hub.token("other", None);
    c.send(json!({"type": "join", "v": 1, "room": "r", "token": token}))
        .await;
    c.expect_error("wrong_room").await;
}

#[tokio::test]
async fn room_full() {
    let hub = common::start(SignalingConfig {
        max_participants: 2,
        ..common::config()
    })
    .await;
    let (_a, _) = hub.join("r", "A").await;
    let (_b, _) = hub.join("r", "B").await;
    let mut c = hub.connect().await;
    c.send(json!({"type": "join", "v": 1, "room": "r", "token": hub.token("r", None)}))
        .await;
    c.expect_error("room_full").await;
    // Another room still has space.
    c.send(json!({"type": "join", "v": 1, "room": "s", "token": hub.token("s", None)}))
        .await;
    c.expect("joined").await;
}

#[tokio::test]
async fn invalid_sdp() {
    let hub = common::start(common::config()).await;
    let (mut c, _) = hub.join("r", "A").await;
    c.send(json!({"type": "offer", "sdp": "garbage"})).await;
    c.expect_error("invalid_sdp").await;
}

#[tokio::test]
async fn negotiation_failed() {
    let hub = common::start(common::config()).await;
    let (mut c, _) = hub.join("r", "A").await;
    c.send(json!({"type": "offer", "sdp": "glare"})).await;
    c.expect_error("negotiation_failed").await;
}

#[tokio::test]
async fn invalid_candidate() {
    let hub = common::start(common::config()).await;
    let (mut c, _) = hub.join("r", "A").await;
    c.send(json!({"type": "candidate", "candidate": "nonsense"}))
        .await;
    c.expect_error("invalid_candidate").await;
}

#[tokio::test]
async fn unknown_track() {
    let hub = common::start(common::config()).await;
    let (mut c, _) = hub.join("r", "A").await;
    // The same code answers four kinds of message; `in_reply_to` says which was refused,
    // so a client knows whether its offer in flight will get no answer.
    c.send(json!({"type": "offer", "sdp": "v=0", "subscribe": [{"mid": "0", "track": "nope"}]}))
        .await;
    assert_eq!(
        c.expect_error("unknown_track").await["in_reply_to"],
        "offer"
    );
    c.send(json!({"type": "unpublish", "track": "nope"})).await;
    assert_eq!(
        c.expect_error("unknown_track").await["in_reply_to"],
        "unpublish"
    );
    c.send(json!({"type": "video_size", "track": "nope", "width": 1, "height": 1}))
        .await;
    assert_eq!(
        c.expect_error("unknown_track").await["in_reply_to"],
        "video_size"
    );
    c.send(json!({"type": "unsubscribe", "track": "nope"}))
        .await;
    assert_eq!(
        c.expect_error("unknown_track").await["in_reply_to"],
        "unsubscribe"
    );
    // A message that does not parse is no one type: no `in_reply_to`.
    c.send(json!({"type": "no_such_type"})).await;
    let e = c.expect_error("bad_message").await;
    assert!(e.get("in_reply_to").is_none(), "{e}");
}

#[tokio::test]
async fn chat_too_long() {
    let hub = common::start(common::config()).await;
    let (mut c, _) = hub.join("r", "A").await;
    c.send(json!({"type": "chat", "text": "가".repeat(2001)}))
        .await;
    c.expect_error("chat_too_long").await;
    c.send(json!({"type": "chat", "text": "가".repeat(2000)}))
        .await;
    c.expect("chat").await;
}

#[tokio::test]
async fn bad_resume() {
    let hub = common::start(common::config()).await;
    let (_a, ja) = hub.join("r", "A").await;
    let mut c = hub.connect().await;
    c.send(json!({"type": "resume", "participant": ja["participant"], "resume_token": "guess"}))
        .await;
    c.expect_error("resume_failed").await;
}

#[tokio::test]
async fn oversize_frame_is_fatal() {
    let config = SignalingConfig {
        max_frame_bytes: 1024,
        ..common::config()
    };
    let hub = common::start(config).await;
    let (mut c, jc) = hub.join("r", "A").await;
    let (mut watcher, _) = hub.join("r", "W").await;
    c.expect("participant_joined").await;
    c.send(json!({"type": "chat", "text": "x".repeat(1100)}))
        .await;
    let got = c.until_closed().await;
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0]["code"], "too_large");
    assert_eq!(got[0]["fatal"], true);
    // Abuse gives up the seat at once: no resume grace.
    let left = watcher.expect("participant_left").await;
    assert_eq!(left["participant"], jc["participant"]);
    assert_eq!(left["reason"], "disconnected");
}

#[tokio::test]
async fn huge_frame_is_cut_off() {
    let config = SignalingConfig {
        max_frame_bytes: 1024,
        ..common::config()
    };
    let hub = common::start(config).await;
    let (mut c, jc) = hub.join("r", "A").await;
    let (mut watcher, _) = hub.join("r", "W").await;
    let huge = json!({"type": "chat", "text": "x".repeat(100_000)}).to_string();
    // The hub stops reading at the transport limit, so this write may fail midway.
    let _ = c.send_raw(Message::Text(huge.into())).await;
    let got = c.until_closed().await;
    // The error frame may be lost when the hub closes with unread input (TCP reset).
    for m in got.iter().filter(|m| m["type"] == "error") {
        assert_eq!(m["code"], "too_large", "{m}");
    }
    let left = watcher.expect("participant_left").await;
    assert_eq!(left["participant"], jc["participant"]);
    assert_eq!(left["reason"], "disconnected");
}

#[tokio::test]
async fn flood_is_fatal() {
    let config = SignalingConfig {
        rate_per_sec: 1,
        rate_burst: 10,
        ..common::config()
    };
    let hub = common::start(config).await;
    let mut c = hub.connect().await;
    for i in 0..200 {
        if c.send_raw(Message::Text(
            json!({"type": "ping", "id": i}).to_string().into(),
        ))
        .await
        .is_err()
        {
            break;
        }
    }
    let got = c.until_closed().await;
    let pongs = got.iter().filter(|m| m["type"] == "pong").count();
    assert!((10..200).contains(&pongs), "{pongs} pongs");
    let last = got.last().expect("an error before the close");
    assert_eq!(last["code"], "rate_limited", "{last}");
    assert_eq!(last["fatal"], true);
}
