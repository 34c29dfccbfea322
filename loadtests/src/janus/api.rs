//! Janus's own API over its websocket transport (subprotocol `janus-protocol`): one session
//! per participant, handles attached to the VideoRoom plugin, each request matched to its
//! reply by `transaction`, everything else (plugin events nobody waits for, `webrtcup`,
//! `hangup`, ...) handed to the participant's loop, and a keepalive so the session outlives
//! Janus's 60-second timeout.
//!
//! Plugin requests are either synchronous (`create`: the reply is a `success` with the
//! plugin's data) or asynchronous (`join`, `publish`, `start`, ...: an `ack`, then an `event`
//! with the same transaction); [`Session::message`] waits for whichever is final.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio_tungstenite::connect_async;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;

/// The plugin every handle attaches to.
pub(crate) const VIDEOROOM: &str = "janus.plugin.videoroom";
/// Well inside Janus's default 60-second session timeout.
const KEEPALIVE_EVERY: Duration = Duration::from_secs(25);
/// Longest wait for any reply; Janus answers in milliseconds unless it is stuck.
const REPLY_TIMEOUT: Duration = Duration::from_secs(15);

/// What went wrong talking to Janus.
#[derive(Debug, thiserror::Error)]
pub(crate) enum JanusError {
    #[error("Janus error {code}: {reason}")]
    Core { code: i64, reason: String },
    #[error("VideoRoom error {code}: {reason}")]
    Plugin { code: i64, reason: String },
    #[error("no reply from Janus within {0:?}")]
    Timeout(Duration),
    #[error("the Janus websocket closed")]
    Closed,
    #[error("unexpected reply from Janus: {0}")]
    Unexpected(String),
}

impl JanusError {
    /// The VideoRoom's error code, when the plugin refused.
    pub fn plugin_code(&self) -> Option<i64> {
        match self {
            JanusError::Plugin { code, .. } => Some(*code),
            _ => None,
        }
    }
}

/// An SDP offer or answer as Janus carries it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Jsep {
    #[serde(rename = "type")]
    pub kind: String,
    pub sdp: String,
}

/// The plugin's answer to a request: its data and, when it negotiates, a JSEP.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    pub data: Value,
    pub jsep: Option<Jsep>,
}

/// Something Janus sent that no request was waiting for.
#[derive(Debug, Clone)]
pub(crate) struct Event {
    /// The handle it concerns (`sender`), when any.
    pub handle: Option<u64>,
    /// `event`, `webrtcup`, `media`, `hangup`, `slowlink`, `detached`, ...
    pub kind: String,
    /// The plugin's data of an `event`.
    pub data: Option<Value>,
    pub jsep: Option<Jsep>,
}

type Pending = Arc<Mutex<HashMap<String, (bool, oneshot::Sender<Value>)>>>;

/// One Janus session over its own websocket. Dropping it stops its tasks.
pub(crate) struct Session {
    id: u64,
    out: mpsc::UnboundedSender<Message>,
    pending: Pending,
    next: AtomicU64,
    tasks: Vec<JoinHandle<()>>,
}

impl Session {
    /// Opens the websocket at `url` (e.g. `ws://127.0.0.1:8188`) and creates a session.
    /// Events nobody waits for come out of the returned channel.
    pub async fn connect(url: &str) -> anyhow::Result<(Session, mpsc::UnboundedReceiver<Event>)> {
        let mut request = url.into_client_request()?;
        request.headers_mut().insert(
            "Sec-WebSocket-Protocol",
            HeaderValue::from_static("janus-protocol"),
        );
        let (ws, _) = connect_async(request)
            .await
            .map_err(|e| anyhow::anyhow!("Janus websocket {url}: {e}"))?;
        let (mut sink, mut stream) = ws.split();
        let (out, mut out_rx) = mpsc::unbounded_channel::<Message>();
        let writer = tokio::spawn(async move {
            while let Some(m) = out_rx.recv().await {
                let close = matches!(m, Message::Close(_));
                if sink.send(m).await.is_err() || close {
                    break;
                }
            }
        });
        let pending: Pending = Arc::default();
        let (events_tx, events) = mpsc::unbounded_channel();
        let reader_pending = Arc::clone(&pending);
        let reader = tokio::spawn(async move {
            while let Some(Ok(frame)) = stream.next().await {
                match frame {
                    Message::Text(t) => match serde_json::from_str::<Value>(t.as_str()) {
                        Ok(v) => route(v, &reader_pending, &events_tx),
                        Err(e) => tracing::warn!(error = %e, "unparsable frame from Janus"),
                    },
                    Message::Close(_) => break,
                    _ => {}
                }
            }
            // Every waiting request learns that no reply will come.
            reader_pending
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clear();
        });
        let mut session = Session {
            id: 0,
            out,
            pending,
            next: AtomicU64::new(1),
            tasks: vec![writer, reader],
        };
        let reply = session.call(json!({ "janus": "create" }), false).await?;
        session.id = reply["data"]["id"]
            .as_u64()
            .ok_or_else(|| JanusError::Unexpected(reply.to_string()))?;
        let keepalive = session.keepalive_task();
        session.tasks.push(keepalive);
        Ok((session, events))
    }

    fn keepalive_task(&self) -> JoinHandle<()> {
        let out = self.out.clone();
        let id = self.id;
        tokio::spawn(async move {
            let mut n = 0u64;
            loop {
                tokio::time::sleep(KEEPALIVE_EVERY).await;
                n += 1;
                let msg = json!({ "janus": "keepalive", "session_id": id, "transaction": format!("ka{n}") });
                if out.send(Message::text(msg.to_string())).is_err() {
                    break;
                }
            }
        })
    }

    /// Sends `msg` with a fresh transaction (and the session id) and waits for its final
    /// reply; for plugin messages an `ack` is not final.
    async fn call(&self, mut msg: Value, plugin_message: bool) -> Result<Value, JanusError> {
        let transaction = format!("t{}", self.next.fetch_add(1, Ordering::Relaxed));
        msg["transaction"] = json!(transaction);
        if self.id != 0 {
            msg["session_id"] = json!(self.id);
        }
        let (tx, rx) = oneshot::channel();
        self.pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(transaction.clone(), (plugin_message, tx));
        if self.out.send(Message::text(msg.to_string())).is_err() {
            return Err(JanusError::Closed);
        }
        let reply = match tokio::time::timeout(REPLY_TIMEOUT, rx).await {
            Ok(Ok(v)) => v,
            Ok(Err(_)) => return Err(JanusError::Closed),
            Err(_) => {
                self.pending
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .remove(&transaction);
                return Err(JanusError::Timeout(REPLY_TIMEOUT));
            }
        };
        if reply["janus"] == "error" {
            return Err(JanusError::Core {
                code: reply["error"]["code"].as_i64().unwrap_or(0),
                reason: reply["error"]["reason"].as_str().unwrap_or("").to_owned(),
            });
        }
        Ok(reply)
    }

    /// Attaches a new handle to the VideoRoom plugin.
    pub async fn attach(&self) -> Result<u64, JanusError> {
        let reply = self
            .call(json!({ "janus": "attach", "plugin": VIDEOROOM }), false)
            .await?;
        reply["data"]["id"]
            .as_u64()
            .ok_or_else(|| JanusError::Unexpected(reply.to_string()))
    }

    /// A VideoRoom request on `handle`, with a JSEP when it negotiates.
    pub async fn message(
        &self,
        handle: u64,
        body: Value,
        jsep: Option<Value>,
    ) -> Result<Reply, JanusError> {
        let mut msg = json!({ "janus": "message", "handle_id": handle, "body": body });
        if let Some(j) = jsep {
            msg["jsep"] = j;
        }
        let reply = self.call(msg, true).await?;
        let data = reply["plugindata"]["data"].clone();
        if let Some(code) = data["error_code"].as_i64() {
            return Err(JanusError::Plugin {
                code,
                reason: data["error"].as_str().unwrap_or("").to_owned(),
            });
        }
        if data.is_null() {
            return Err(JanusError::Unexpected(reply.to_string()));
        }
        let jsep = serde_json::from_value(reply["jsep"].clone()).ok();
        Ok(Reply { data, jsep })
    }

    /// Hands Janus one local ICE candidate of `handle`'s peer connection (`None`: all sent).
    /// Not waited for: Janus only acknowledges it.
    pub fn trickle(&self, handle: u64, candidate: Option<&str>) {
        let candidate = match candidate {
            Some(c) => json!({ "candidate": c, "sdpMid": "0", "sdpMLineIndex": 0 }),
            None => json!({ "completed": true }),
        };
        let msg = json!({
            "janus": "trickle", "session_id": self.id, "handle_id": handle,
            "transaction": format!("c{}", self.next.fetch_add(1, Ordering::Relaxed)),
            "candidate": candidate,
        });
        let _ = self.out.send(Message::text(msg.to_string()));
    }

    /// Destroys the session (Janus detaches its handles and hangs up their peer connections)
    /// and closes the websocket.
    pub async fn destroy(&self) {
        if let Err(e) = self.call(json!({ "janus": "destroy" }), false).await {
            tracing::debug!(error = %e, "Janus session destroy");
        }
        let _ = self.out.send(Message::Close(None));
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

/// One frame from Janus: the reply a request waits for, or an event for the loop.
fn route(v: Value, pending: &Pending, events: &mpsc::UnboundedSender<Event>) {
    let kind = v["janus"].as_str().unwrap_or("").to_owned();
    if let Some(t) = v["transaction"].as_str() {
        let mut map = pending.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((plugin_message, _)) = map.get(t) {
            if !(kind == "ack" && *plugin_message)
                && let Some((_, tx)) = map.remove(t)
            {
                let _ = tx.send(v);
            }
            return;
        }
    }
    if kind == "ack" || kind == "success" {
        return;
    }
    let _ = events.send(Event {
        handle: v["sender"].as_u64(),
        data: v.get("plugindata").map(|p| p["data"].clone()),
        jsep: serde_json::from_value(v["jsep"].clone()).ok(),
        kind,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_reach_their_request_and_the_rest_goes_to_the_loop() {
        let pending: Pending = Arc::default();
        let (tx, mut events) = mpsc::unbounded_channel();
        let (a_tx, mut a_rx) = oneshot::channel();
        pending.lock().unwrap().insert("t1".into(), (true, a_tx));
        // A plugin request's ack is not its reply; the event with its transaction is.
        route(json!({"janus": "ack", "transaction": "t1"}), &pending, &tx);
        assert!(a_rx.try_recv().is_err());
        route(
            json!({"janus": "event", "transaction": "t1", "plugindata": {"data": {"videoroom": "joined"}}}),
            &pending,
            &tx,
        );
        assert_eq!(
            a_rx.try_recv().unwrap()["plugindata"]["data"]["videoroom"],
            "joined"
        );
        // No one waits: a publishers event with an offer-free body goes to the loop.
        route(
            json!({"janus": "event", "sender": 7, "plugindata": {"data": {"publishers": []}}}),
            &pending,
            &tx,
        );
        let e = events.try_recv().unwrap();
        assert_eq!((e.handle, e.kind.as_str()), (Some(7), "event"));
        assert!(e.jsep.is_none());
        // Stray acks (trickle, keepalive) are dropped.
        route(json!({"janus": "ack", "transaction": "c9"}), &pending, &tx);
        assert!(events.try_recv().is_err());
    }
}
