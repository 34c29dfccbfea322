//! The real binary: start-up line, pages, the `token` subcommand's links being accepted by the
//! hub, and garbage on the media port not hurting anyone.

mod common;

use std::net::UdpSocket;
use std::process::Command;

use common::{govhub_bin, spawn_hub};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

/// A plain HTTP/1.1 GET, enough for pages and health checks.
fn get(url: &str) -> (u16, String, Vec<(String, String)>) {
    use std::io::{Read, Write};
    let (host, path) = split_url(url);
    let mut stream = std::net::TcpStream::connect(&host).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    parse_response(&raw)
}

fn split_url(url: &str) -> (String, String) {
    let rest = url.trim_start_matches("http://");
    match rest.split_once('/') {
        Some((host, path)) => (host.to_owned(), format!("/{path}")),
        None => (rest.to_owned(), "/".to_owned()),
    }
}

fn parse_response(raw: &[u8]) -> (u16, String, Vec<(String, String)>) {
    let text = String::from_utf8_lossy(raw);
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
    (status, body.to_owned(), headers)
}

#[test]
fn serves_pages_with_a_strict_csp() {
    let hub = spawn_hub(&[]);
    let (status, body, headers) = get(&format!("{}/m/%EA%B5%AD%ED%9A%8C", hub.http));
    assert_eq!(status, 200);
    assert!(body.contains("<html"), "meeting page is HTML");
    let csp = headers
        .iter()
        .find(|(k, _)| k == "content-security-policy")
        .map(|(_, v)| v.clone());
    let csp = csp.expect("a CSP header");
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    let (status, _, _) = get(&format!("{}/app/does-not-exist.js", hub.http));
    assert_eq!(status, 404);
}

/// Sends `join` with `token` and returns the first reply.
async fn join_with(ws_url: &str, room: &str, token: &str) -> Value {
    let (mut ws, _) = tokio_tungstenite::connect_async(ws_url)
        .await
        .expect("websocket");
    let join = json!({"type": "join", "v": 1, "room": room, "token": token, "name": "ops"});
    ws.send(Message::text(join.to_string())).await.unwrap();
    loop {
        match ws.next().await.expect("a reply").expect("a frame") {
            Message::Text(t) => return serde_json::from_str(&t).unwrap(),
            _ => continue,
        }
    }
}

fn token_link(data_dir: &std::path::Path, room: &str) -> String {
    let out = Command::new(govhub_bin())
        .args(["token", room, "--name", "회의실 1"])
        .arg("--data-dir")
        .arg(data_dir)
        .output()
        .expect("govhub token");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

#[test]
fn token_subcommand_links_are_accepted_without_open_join() {
    let hub = spawn_hub(&[]);
    let link = token_link(&hub.data_dir, "sejong");
    assert!(
        link.contains("/m/sejong?name=") && link.contains("autojoin=1&token="),
        "{link}"
    );
    let token = link.split("token=").nth(1).unwrap().to_owned();
    let ws_url = format!("{}/ws", hub.http.replace("http://", "ws://"));
    let rt = tokio::runtime::Runtime::new().unwrap();
    let reply = rt.block_on(join_with(&ws_url, "sejong", &token));
    assert_eq!(reply["type"], "joined", "{reply}");
    assert_eq!(reply["name"], "회의실 1");
    assert_eq!(reply["dev_mode"], false);
    let reply = rt.block_on(join_with(&ws_url, "other-room", &token));
    assert_eq!(reply["type"], "error");
    assert_eq!(reply["code"], "wrong_room");
    let reply = rt.block_on(join_with(&ws_url, "sejong", "not-a-token"));
    assert_eq!(reply["code"], "invalid_token");
}

#[test]
fn garbage_datagrams_do_not_hurt_the_hub() {
    let hub = spawn_hub(&[]);
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    let mut seed = 0x9e37_79b9_u32;
    for len in [0usize, 1, 2, 12, 20, 100, 1200, 1500, 2000] {
        let data: Vec<u8> = (0..len)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 17;
                seed ^= seed << 5;
                seed as u8
            })
            .collect();
        sock.send_to(&data, hub.media).unwrap();
        // RTP-, RTCP-, STUN- and DTLS-looking first bytes.
        for first in [0x80u8, 0x81, 0x00, 0x01, 0x16, 0x17] {
            let mut d = data.clone();
            if let Some(b) = d.first_mut() {
                *b = first;
            }
            sock.send_to(&d, hub.media).unwrap();
        }
    }
    let (status, body, _) = get(&format!("{}/healthz", hub.http));
    assert_eq!((status, body.as_str()), (200, "ok"));
    let ws_url = format!("{}/ws", hub.http.replace("http://", "ws://"));
    let link = token_link(&hub.data_dir, "after-garbage");
    let token = link.split("token=").nth(1).unwrap().to_owned();
    let rt = tokio::runtime::Runtime::new().unwrap();
    assert_eq!(
        rt.block_on(join_with(&ws_url, "after-garbage", &token))["type"],
        "joined"
    );
}

#[test]
fn a_new_hub_makes_the_first_administrator_with_the_given_password() {
    let hub = spawn_hub(&["--admin-password", "given-admin-password"]);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (status, body) = rt.block_on(post_json(
        &format!("{}/api/v1/auth/login", hub.http),
        &json!({"login": "admin", "password": "given-admin-password"}),
    ));
    assert_eq!(status, 200, "{body}");
    let (status, body) = rt.block_on(post_json(
        &format!("{}/api/v1/auth/login", hub.http),
        &json!({"login": "admin", "password": "wrong password"}),
    ));
    assert_eq!(status, 401, "{body}");
    assert!(body.contains("invalid_credentials"), "{body}");
}

/// POST a JSON body; returns status and body text.
async fn post_json(url: &str, body: &Value) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (host, path) = split_url(url);
    let mut stream = tokio::net::TcpStream::connect(&host).await.unwrap();
    let body = body.to_string();
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.unwrap();
    let (status, body, _) = parse_response(&raw);
    (status, body)
}
