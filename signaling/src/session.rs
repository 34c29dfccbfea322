//! One websocket connection: reads frames, enforces the limits, parses messages and hands
//! them to [`handlers`](crate::handlers), and writes replies and room messages back.
//!
//! The session owns the socket. Room messages reach it through the outbox channel that the
//! registry holds while the session is attached to a seat. How a session ends decides the
//! seat's fate: a dropped socket detaches it (kept for the resume grace), `leave` releases
//! it, abuse (oversize frames, floods) releases it at once, and a closed outbox means the
//! seat moved to a newer session (resume) or this one fell behind.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, close_code};
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use sfu::{ParticipantId, RoomId};
use tokio::sync::mpsc;
use tokio::time::Instant;
use tracing::{Instrument, debug, field, info, info_span, warn};

use crate::hub::Signaling;
use crate::input::RateLimiter;
use crate::protocol::{ClientMessage, ErrorCode, LeaveReason, ServerMessage};

/// How long a closing socket waits for the client's close reply before it is dropped.
const CLOSE_WAIT: Duration = Duration::from_secs(2);
/// Longest piece of client input echoed back in an error message.
const ECHO_LIMIT: usize = 64;

/// A refused message: the error frame to send (non-fatal).
#[derive(Debug)]
pub(crate) struct Refusal {
    pub code: ErrorCode,
    pub message: String,
}

impl Refusal {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

/// The seat this session is attached to.
#[derive(Debug, Clone)]
pub(crate) struct SeatRef {
    pub participant: ParticipantId,
    pub room: RoomId,
    pub epoch: u64,
}

/// What the loop does after a message.
pub(crate) enum Flow {
    Continue,
    /// The client left for good: close the socket.
    Leave,
}

/// Why the loop ended.
enum End {
    /// The socket closed or failed without `leave`.
    Dropped,
    /// The client closed with 1001 "going away": browsers do that when the tab closes or
    /// navigates, and nobody will resume, so the seat goes at once instead of after the grace.
    GoingAway,
    /// The client said `leave` (the seat is already released).
    Left,
    /// The outbox closed: the seat moved to another session, or this one fell behind.
    OutboxClosed,
    /// Abuse: an error frame was sent and the socket closed.
    Fatal,
}

/// The per-connection state that handlers see.
pub(crate) struct Session {
    pub hub: Arc<Signaling>,
    pub seat: Option<SeatRef>,
    /// Room messages, while attached.
    pub outbox: Option<mpsc::Receiver<ServerMessage>>,
    /// Replies produced by a handler, written after it returns.
    pub replies: Vec<ServerMessage>,
    limiter: RateLimiter,
}

type Sink = SplitSink<WebSocket, Message>;

/// Runs one websocket until it ends, then settles the seat.
pub(crate) async fn run(hub: Arc<Signaling>, socket: WebSocket) {
    let span = info_span!("session", participant = field::Empty, room = field::Empty);
    async move {
        debug!("websocket open");
        let limiter = RateLimiter::new(
            hub.config.rate_per_sec,
            hub.config.rate_burst,
            Instant::now(),
        );
        let mut session = Session {
            hub,
            seat: None,
            outbox: None,
            replies: Vec::new(),
            limiter,
        };
        let (mut sink, stream) = socket.split();
        let end = session.pump(&mut sink, stream).await;
        session.settle(end).await;
        // A client that never answers our close frame must not pin the task.
        let _ = tokio::time::timeout(CLOSE_WAIT, sink.close()).await;
    }
    .instrument(span)
    .await
}

impl Session {
    async fn pump(&mut self, sink: &mut Sink, mut stream: SplitStream<WebSocket>) -> End {
        loop {
            tokio::select! {
                frame = stream.next() => {
                    let Some(end) = self.on_frame(sink, frame).await else { continue };
                    return end;
                }
                msg = next_outbox(&mut self.outbox) => {
                    let Some(msg) = msg else {
                        close(sink, close_code::AWAY, "seat taken over or session fell behind").await;
                        return End::OutboxClosed;
                    };
                    if send(sink, &msg).await.is_err() {
                        return End::Dropped;
                    }
                }
            }
        }
    }

    /// Handles one incoming frame; `Some` ends the session.
    async fn on_frame(
        &mut self,
        sink: &mut Sink,
        frame: Option<Result<Message, axum::Error>>,
    ) -> Option<End> {
        let msg = match frame {
            Some(Ok(Message::Close(Some(close)))) if close.code == close_code::AWAY => {
                return Some(End::GoingAway);
            }
            None | Some(Ok(Message::Close(_))) => return Some(End::Dropped),
            Some(Ok(msg)) => msg,
            Some(Err(e)) if is_too_large(&e) => {
                return Some(
                    self.fatal(sink, ErrorCode::TooLarge, close_code::SIZE)
                        .await,
                );
            }
            Some(Err(_)) => return Some(End::Dropped),
        };
        if !self.limiter.allow(Instant::now()) {
            return Some(
                self.fatal(sink, ErrorCode::RateLimited, close_code::POLICY)
                    .await,
            );
        }
        let flow = match msg {
            Message::Text(text) if text.len() > self.hub.config.max_frame_bytes => {
                return Some(
                    self.fatal(sink, ErrorCode::TooLarge, close_code::SIZE)
                        .await,
                );
            }
            Message::Text(text) => self.on_text(text.as_str()).await,
            Message::Binary(_) => {
                self.refuse(
                    Refusal::new(
                        ErrorCode::BadMessage,
                        "binary frames are not used; send JSON text",
                    ),
                    None,
                );
                Flow::Continue
            }
            Message::Ping(_) | Message::Pong(_) | Message::Close(_) => Flow::Continue,
        };
        for reply in std::mem::take(&mut self.replies) {
            if send(sink, &reply).await.is_err() {
                return Some(if matches!(flow, Flow::Leave) {
                    End::Left
                } else {
                    End::Dropped
                });
            }
        }
        match flow {
            Flow::Continue => None,
            Flow::Leave => {
                close(sink, close_code::NORMAL, "left").await;
                Some(End::Left)
            }
        }
    }

    async fn on_text(&mut self, text: &str) -> Flow {
        let (kind, outcome) = match parse(text) {
            Ok(msg) => (Some(msg.kind()), self.handle(msg).await),
            Err(refusal) => (None, Err(refusal)),
        };
        outcome.unwrap_or_else(|refusal| {
            self.refuse(refusal, kind);
            Flow::Continue
        })
    }

    pub fn reply(&mut self, msg: ServerMessage) {
        self.replies.push(msg);
    }

    /// Answers a refused message (of type `kind`, when it parsed) with a non-fatal error.
    fn refuse(&mut self, refusal: Refusal, kind: Option<&'static str>) {
        debug!(code = ?refusal.code, message = %refusal.message, kind, "refused a message");
        self.reply(ServerMessage::Error {
            code: refusal.code,
            message: refusal.message,
            fatal: false,
            in_reply_to: kind.map(str::to_owned),
        });
    }

    async fn fatal(&mut self, sink: &mut Sink, code: ErrorCode, close_with: u16) -> End {
        warn!(?code, "closing the connection for abuse");
        let message = match code {
            ErrorCode::TooLarge => format!(
                "frames are limited to {} bytes",
                self.hub.config.max_frame_bytes
            ),
            _ => format!(
                "more than {} messages a second",
                self.hub.config.rate_per_sec
            ),
        };
        let _ = send(
            sink,
            &ServerMessage::Error {
                code,
                message,
                fatal: true,
                in_reply_to: None,
            },
        )
        .await;
        close(sink, close_with, "fatal error").await;
        End::Fatal
    }

    /// Records the seat in the span once joined.
    pub fn attached(&mut self, seat: SeatRef, outbox: mpsc::Receiver<ServerMessage>) {
        let span = tracing::Span::current();
        span.record("participant", field::display(&seat.participant));
        span.record("room", field::display(&seat.room));
        self.seat = Some(seat);
        self.outbox = Some(outbox);
    }

    async fn settle(&mut self, end: End) {
        let Some(seat) = self.seat.take() else { return };
        let registry = &self.hub.registry;
        match end {
            End::Left => {}
            End::Dropped | End::OutboxClosed => registry.detach(&seat.participant, seat.epoch),
            End::Fatal => {
                registry
                    .release(&seat.participant, seat.epoch, LeaveReason::Disconnected)
                    .await
            }
            End::GoingAway => {
                registry
                    .release(&seat.participant, seat.epoch, LeaveReason::Left)
                    .await
            }
        }
        info!("session ended");
    }
}

/// Parses one text frame, telling apart "not JSON", "no type" and "bad fields".
pub(crate) fn parse(text: &str) -> Result<ClientMessage, Refusal> {
    let bad = |m: String| Refusal::new(ErrorCode::BadMessage, m);
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| bad(format!("not JSON: {e}")))?;
    let Some(kind) = value.get("type").and_then(|t| t.as_str()) else {
        return Err(bad(
            "expected a JSON object with a string \"type\"".to_owned()
        ));
    };
    let kind: String = kind.chars().take(ECHO_LIMIT).collect();
    serde_json::from_value(value).map_err(|e| bad(format!("bad \"{kind}\" message: {e}")))
}

async fn next_outbox(outbox: &mut Option<mpsc::Receiver<ServerMessage>>) -> Option<ServerMessage> {
    match outbox {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

async fn send(sink: &mut Sink, msg: &ServerMessage) -> Result<(), axum::Error> {
    let text = serde_json::to_string(msg).expect("server messages always serialize");
    sink.send(Message::Text(Utf8Bytes::from(text))).await
}

async fn close(sink: &mut Sink, code: u16, reason: &str) {
    let frame = CloseFrame {
        code,
        reason: Utf8Bytes::from(reason),
    };
    let _ = sink.send(Message::Close(Some(frame))).await;
}

/// tungstenite refuses a frame or message over axum's maximum with a capacity error. axum
/// does not re-export tungstenite's error type (and may use another tungstenite version than
/// ours), so the error is recognised by its stable wording.
fn is_too_large(e: &axum::Error) -> bool {
    let text = e.to_string();
    text.contains("Space limit exceeded") || text.contains("too long")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_tells_errors_apart() {
        let msg = |t: &str| parse(t).unwrap_err().message;
        assert!(msg("{nope").starts_with("not JSON"));
        assert!(msg("[1,2]").contains("\"type\""));
        assert!(msg(r#"{"type":"dance"}"#).contains("unknown variant"));
        assert!(msg(r#"{"type":"chat"}"#).contains("missing field `text`"));
        assert!(msg(r#"{"type":"chat","text":"x","extra":1}"#).contains("unknown field"));
        assert_eq!(parse(r#"{"type":"leave"}"#).unwrap(), ClientMessage::Leave);
    }
}
