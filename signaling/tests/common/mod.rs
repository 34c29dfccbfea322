//! Test harness: the signaling router on 127.0.0.1:0 with a fake SFU, and a small
//! websocket client speaking JSON.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use sfu::{
    Command, OfferOutcome, ParticipantId, SfuError, SfuEvent, SfuHandle, TrackId, TrackInfo,
};
use signaling::{Signaling, SignalingConfig, TokenIssuer};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async};

pub const SECRET: &[u8] = b"integration test secret of decent length";
/// Only there so that a broken test fails instead of hanging; no assertion depends on it.
const HANG_GUARD: Duration = Duration::from_secs(20);

pub struct Hub {
    pub addr: std::net::SocketAddr,
    pub issuer: TokenIssuer,
    /// Inject SFU events.
    pub events: mpsc::UnboundedSender<SfuEvent>,
    /// Participants the fake SFU was told to `leave`, in order.
    pub left: Arc<Mutex<Vec<ParticipantId>>>,
}

pub fn config() -> SignalingConfig {
    SignalingConfig {
        dev_mode: true,
        ..SignalingConfig::default()
    }
}

pub async fn start(config: SignalingConfig) -> Hub {
    let (tx, rx) = mpsc::channel(64);
    let left = Arc::new(Mutex::new(Vec::new()));
    tokio::spawn(fake_sfu(rx, Arc::clone(&left)));
    let (events, events_rx) = mpsc::unbounded_channel();
    let hub = Signaling::new(
        config,
        TokenIssuer::new(SECRET),
        SfuHandle::new(tx),
        events_rx,
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, signaling::router(hub)).await.unwrap() });
    Hub {
        addr,
        issuer: TokenIssuer::new(SECRET),
        events,
        left,
    }
}

/// Canned SFU: every join works; offers with sdp "garbage" are invalid, "glare" cannot be
/// negotiated; others publish one track per `publish` entry, id `<participant>-<mid>`.
async fn fake_sfu(mut rx: mpsc::Receiver<Command>, left: Arc<Mutex<Vec<ParticipantId>>>) {
    while let Some(cmd) = rx.recv().await {
        match cmd {
            Command::Join { reply, .. } => drop(reply.send(Ok(()))),
            Command::Offer {
                participant,
                sdp,
                publish,
                reply,
                ..
            } => {
                let result = match sdp.as_str() {
                    "garbage" => Err(SfuError::InvalidSdp("no v= line".into())),
                    "glare" => Err(SfuError::Negotiation("no common codec".into())),
                    _ => Ok(OfferOutcome {
                        answer_sdp: "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\n".into(),
                        published: publish
                            .into_iter()
                            .map(|p| TrackInfo {
                                track: TrackId(format!("{participant}-{}", p.mid)),
                                participant: participant.clone(),
                                source: p.source,
                                kind: p.source.kind(),
                                simulcast: false,
                            })
                            .collect(),
                        unpublished: vec![],
                    }),
                };
                let _ = reply.send(result);
            }
            Command::Candidate {
                candidate, reply, ..
            } => {
                let ok = candidate.starts_with("candidate:");
                let _ = reply.send(if ok {
                    Ok(())
                } else {
                    Err(SfuError::InvalidCandidate(candidate))
                });
            }
            Command::Unsubscribe { track, reply, .. } => {
                let _ = reply.send(Err(SfuError::UnknownTrack(track)));
            }
            Command::VideoSize { .. } => {}
            Command::Leave { participant } => left.lock().unwrap().push(participant),
            Command::Stats { reply } => {
                let _ = reply.send(Ok(Default::default()));
            }
        }
    }
}

pub struct Client {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

impl Hub {
    pub fn token(&self, room: &str, name: Option<&str>) -> String {
        self.issuer
            .issue(&room.into(), name, Duration::from_secs(60))
    }

    pub async fn connect(&self) -> Client {
        let (ws, _) = connect_async(format!("ws://{}/ws", self.addr))
            .await
            .unwrap();
        Client { ws }
    }

    /// Connects and joins `room`; returns the client and its `joined` frame.
    pub async fn join(&self, room: &str, name: &str) -> (Client, Value) {
        let mut c = self.connect().await;
        let token = self.token(room, Some(name));
        c.send(json!({"type": "join", "v": 1, "room": room, "token": token}))
            .await;
        let joined = c.expect("joined").await;
        (c, joined)
    }

    pub fn left(&self) -> Vec<ParticipantId> {
        self.left.lock().unwrap().clone()
    }

    /// Waits until the fake SFU has been told that `p` left (the command travels on its own
    /// channel, so it may trail the room's participant_left).
    pub async fn wait_left(&self, p: &ParticipantId) {
        let waited = tokio::time::timeout(HANG_GUARD, async {
            while !self.left().contains(p) {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        });
        waited.await.expect("the SFU never heard of the leave");
    }
}

impl Client {
    pub async fn send(&mut self, v: Value) {
        self.send_text(v.to_string()).await;
    }

    pub async fn send_text(&mut self, text: String) {
        self.ws.send(Message::Text(text.into())).await.unwrap();
    }

    pub async fn send_raw(
        &mut self,
        msg: Message,
    ) -> Result<(), tokio_tungstenite::tungstenite::Error> {
        self.ws.send(msg).await
    }

    /// The next JSON frame; `None` when the connection closed.
    pub async fn next(&mut self) -> Option<Value> {
        loop {
            let frame = tokio::time::timeout(HANG_GUARD, self.ws.next())
                .await
                .expect("hung");
            match frame {
                Some(Ok(Message::Text(t))) => return Some(serde_json::from_str(&t).unwrap()),
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return None,
                Some(Ok(_)) => continue,
            }
        }
    }

    /// The next frame, which must be of `kind`.
    pub async fn expect(&mut self, kind: &str) -> Value {
        let v = self
            .next()
            .await
            .unwrap_or_else(|| panic!("closed while waiting for {kind}"));
        assert_eq!(v["type"], kind, "expected {kind}, got {v}");
        v
    }

    /// Skips frames until one of `kind` arrives; returns it and what was skipped.
    pub async fn wait_for(&mut self, kind: &str) -> (Value, Vec<Value>) {
        let mut skipped = Vec::new();
        loop {
            let v = self
                .next()
                .await
                .unwrap_or_else(|| panic!("closed while waiting for {kind}"));
            if v["type"] == kind {
                return (v, skipped);
            }
            skipped.push(v);
        }
    }

    /// Expects an error frame with `code`, then proves the connection still answers.
    pub async fn expect_error(&mut self, code: &str) -> Value {
        let e = self.expect("error").await;
        assert_eq!(e["code"], code, "{e}");
        assert_eq!(e["fatal"], false, "{e}");
        self.send(json!({"type": "ping", "id": 7})).await;
        let (pong, _) = self.wait_for("pong").await;
        assert_eq!(pong["id"], 7);
        e
    }

    /// Reads until the connection closes; returns what arrived before.
    pub async fn until_closed(&mut self) -> Vec<Value> {
        let mut got = Vec::new();
        while let Some(v) = self.next().await {
            got.push(v);
        }
        got
    }

    /// Drops the TCP connection without a close handshake or `leave`.
    pub fn drop_connection(self) {
        drop(self.ws);
    }
}
