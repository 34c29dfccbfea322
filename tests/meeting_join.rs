//! Meetings through the real binary: sign in over HTTP, schedule a meeting with an attendee,
//! ask the workspace API for a room token, and join the meeting's video room on the hub's
//! websocket with it. A signed-in account outside the meeting gets 404 and no token, and the
//! hub (without `--dev-open-join`) hands out no development tokens.

mod common;

use common::spawn_hub;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::tungstenite::Message;

const ADMIN_PASSWORD: &str = "first-admin-password";
const PASSWORD: &str = "member-password-1";

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Value,
}

/// One HTTP/1.1 request with a JSON body (or none), `Connection: close`.
async fn request(
    base: &str,
    method: &str,
    path: &str,
    cookie: Option<&str>,
    body: Option<&Value>,
) -> Reply {
    let host = base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(host).await.unwrap();
    let body = body.map(Value::to_string).unwrap_or_default();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    if !body.is_empty() {
        head.push_str("Content-Type: application/json\r\n");
    }
    if let Some(c) = cookie {
        head.push_str(&format!("Cookie: {c}\r\n"));
    }
    stream
        .write_all(format!("{head}\r\n{body}").as_bytes())
        .await
        .unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.unwrap();
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(": "))
        .map(|(k, v)| (k.to_ascii_lowercase(), v.to_owned()))
        .collect();
    Reply {
        status,
        headers,
        body: serde_json::from_str(body).unwrap_or(Value::Null),
    }
}

/// Signs in and returns the session cookie (`govhub_session=...`).
async fn sign_in(base: &str, login: &str, password: &str) -> String {
    let r = request(
        base,
        "POST",
        "/api/v1/auth/login",
        None,
        Some(&json!({"login": login, "password": password})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let set = r
        .headers
        .iter()
        .find(|(k, _)| k == "set-cookie")
        .expect("a session cookie");
    set.1.split(';').next().unwrap().to_owned()
}

async fn new_account(base: &str, admin: &str, login: &str) -> i64 {
    let body =
        json!({"login": login, "password": PASSWORD, "role": "member", "display_name": "김민수"});
    let r = request(base, "POST", "/api/v1/accounts", Some(admin), Some(&body)).await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.body["id"].as_i64().unwrap()
}

/// Opens `/ws`, sends `join`, returns the first reply.
async fn ws_join(base: &str, room: &str, token: &str) -> Value {
    let url = format!("{}/ws", base.replace("http://", "ws://"));
    let (mut ws, _) = tokio_tungstenite::connect_async(url)
        .await
        .expect("websocket");
    let join = json!({"type": "join", "v": 1, "room": room, "token": token, "name": "ignored"});
    ws.send(Message::text(join.to_string())).await.unwrap();
    loop {
        if let Message::Text(t) = ws.next().await.expect("a reply").expect("a frame") {
            return serde_json::from_str(&t).unwrap();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_attendee_joins_the_meeting_room_with_a_token_from_the_api() {
    let hub = spawn_hub(&["--admin-password", ADMIN_PASSWORD]);
    let base = hub.http.as_str();
    let admin = sign_in(base, "admin", ADMIN_PASSWORD).await;
    let kim = new_account(base, &admin, "kim").await;
    new_account(base, &admin, "park").await;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let body = json!({"title": "국회-세종 영상회의", "start_ms": now, "end_ms": now + 3_600_000, "attendees": [kim]});
    let made = request(base, "POST", "/api/v1/meetings", Some(&admin), Some(&body)).await;
    assert_eq!(made.status, 201, "{}", made.body);
    let join_path = format!("/api/v1/meetings/{}/join", made.body["id"]);
    let room = made.body["video_room"].as_str().unwrap().to_owned();

    let kim_session = sign_in(base, "kim", PASSWORD).await;
    let ticket = request(base, "POST", &join_path, Some(&kim_session), None).await;
    assert_eq!(ticket.status, 200, "{}", ticket.body);
    assert_eq!(ticket.body["room"], room.as_str());
    let token = ticket.body["token"].as_str().unwrap();
    let joined = ws_join(base, &room, token).await;
    assert_eq!(joined["type"], "joined", "{joined}");
    assert_eq!(joined["name"], "김민수", "the token's name wins");
    assert_eq!(joined["dev_mode"], false);
    let wrong = ws_join(base, "another-room", token).await;
    assert_eq!(wrong["code"], "wrong_room", "{wrong}");

    let park = sign_in(base, "park", PASSWORD).await;
    let refused = request(base, "POST", &join_path, Some(&park), None).await;
    assert_eq!(refused.status, 404, "{}", refused.body);
    assert_eq!(refused.body["code"], "meeting_not_found");
    let dev = request(
        base,
        "POST",
        "/api/v1/dev/tokens",
        None,
        Some(&json!({"room": room})),
    )
    .await;
    assert_eq!(
        (dev.status, dev.body["code"].as_str()),
        (404, Some("dev_mode_off"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dev_open_join_hands_out_development_tokens() {
    let hub = spawn_hub(&["--dev-open-join"]);
    let r = request(
        &hub.http,
        "POST",
        "/api/v1/dev/tokens",
        None,
        Some(&json!({"room": "dev-room"})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let joined = ws_join(&hub.http, "dev-room", r.body["token"].as_str().unwrap()).await;
    assert_eq!(
        (joined["type"].as_str(), joined["dev_mode"].as_bool()),
        (Some("joined"), Some(true))
    );
}
