//! `POST /api/v1/dev/tokens`: only in development mode, with validated room names.

mod common;

use serde_json::{Value, json};
use signaling::SignalingConfig;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A minimal HTTP/1.1 POST (no HTTP client in the dependency tree); returns status,
/// content type and JSON body.
async fn post(addr: std::net::SocketAddr, path: &str, body: &str) -> (u16, String, Value) {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let req = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).await.unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    let ctype = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-type: ")
                .map(str::to_owned)
        })
        .unwrap_or_default();
    (status, ctype, serde_json::from_str(body).unwrap())
}

#[tokio::test]
async fn issues_tokens_that_join() {
    let hub = common::start(common::config()).await;
    let (status, ctype, body) = post(
        hub.addr,
        "/api/v1/dev/tokens",
        r#"{"room": "세종-회의실.1", "name": "김민수"}"#,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(ctype, "application/json");
    assert_eq!(body["room"], "세종-회의실.1");
    assert_eq!(body["name"], "김민수");
    assert_eq!(body["expires_in"], 600);
    let mut c = hub.connect().await;
    c.send(
        json!({"type": "join", "v": 1, "room": "세종-회의실.1", "token": body["token"],
        "name": "ignored"}),
    )
    .await;
    let joined = c.expect("joined").await;
    assert_eq!(joined["name"], "김민수", "the token's name wins");
}

#[tokio::test]
async fn refuses_bad_room_names() {
    let hub = common::start(common::config()).await;
    for body in [
        r#"{"room": ""}"#,
        r#"{"room": "a/b"}"#,
        r#"{"room": "a b"}"#,
        r#"{"nope": 1}"#,
        "{",
    ] {
        let (status, ctype, problem) = post(hub.addr, "/api/v1/dev/tokens", body).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(ctype, "application/problem+json");
        assert_eq!(problem["status"], 400);
        assert!(
            problem["code"] == "invalid_room" || problem["code"] == "bad_request",
            "{problem}"
        );
    }
}

#[tokio::test]
async fn off_without_dev_mode() {
    let hub = common::start(SignalingConfig {
        dev_mode: false,
        ..common::config()
    })
    .await;
    let (status, ctype, problem) = post(hub.addr, "/api/v1/dev/tokens", r#"{"room": "r"}"#).await;
    assert_eq!(status, 404);
    assert_eq!(ctype, "application/problem+json");
    assert_eq!(
        problem,
        json!({"type": "about:blank", "title": "development tokens are turned off",
        "status": 404, "code": "dev_mode_off"})
    );
}
