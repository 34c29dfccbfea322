//! The signaling side of a participant: a development join token over plain HTTP, and the
//! hub's JSON protocol (`signaling::protocol`) over one websocket.

use anyhow::{Context, anyhow, bail};
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use signaling::protocol::{ClientMessage, ServerMessage};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async};

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// `http://host:port[/...]` → `host:port`. Only plain HTTP: load tests talk to loopback.
pub fn host_port(http_url: &str) -> anyhow::Result<&str> {
    let rest = http_url
        .strip_prefix("http://")
        .ok_or_else(|| anyhow!("only http:// URLs are supported, got {http_url}"))?;
    Ok(rest.split('/').next().unwrap_or(rest))
}

/// Asks a hub in development mode for a join token: `POST /api/v1/dev/tokens {room, name}`.
pub async fn fetch_dev_token(http_url: &str, room: &str, name: &str) -> anyhow::Result<String> {
    let host = host_port(http_url)?;
    let body = serde_json::json!({ "room": room, "name": name }).to_string();
    let request = format!(
        "POST /api/v1/dev/tokens HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut stream = TcpStream::connect(host)
        .await
        .with_context(|| format!("connect {host}"))?;
    stream.write_all(request.as_bytes()).await?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await?;
    let (status, body) = split_response(&response)?;
    if !(200..300).contains(&status) {
        bail!(
            "dev token request got HTTP {status}: {}",
            String::from_utf8_lossy(&body)
        );
    }
    let value: serde_json::Value =
        serde_json::from_slice(&body).context("dev token response is not JSON")?;
    value
        .get("token")
        .and_then(|t| t.as_str())
        .map(str::to_owned)
        .ok_or_else(|| anyhow!("dev token response has no `token`: {value}"))
}

/// Status code and (de-chunked) body of a raw HTTP/1.1 response.
fn split_response(raw: &[u8]) -> anyhow::Result<(u16, Vec<u8>)> {
    let text_end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| anyhow!("truncated HTTP response"))?;
    let head = String::from_utf8_lossy(&raw[..text_end]);
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| anyhow!("bad HTTP status line: {head}"))?;
    let body = &raw[text_end + 4..];
    let chunked = head.lines().any(|l| {
        let l = l.to_ascii_lowercase();
        l.starts_with("transfer-encoding:") && l.contains("chunked")
    });
    Ok((
        status,
        if chunked {
            dechunk(body)
        } else {
            body.to_vec()
        },
    ))
}

fn dechunk(mut body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = body.windows(2).position(|w| w == b"\r\n") {
        let size_text = String::from_utf8_lossy(&body[..eol]);
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
            .unwrap_or(0);
        let start = eol + 2;
        if size == 0 || body.len() < start + size {
            break;
        }
        out.extend_from_slice(&body[start..start + size]);
        body = &body[(start + size + 2).min(body.len())..];
    }
    out
}

/// The sending half of the signaling websocket.
pub struct SignalTx(SplitSink<Ws, Message>);
/// The receiving half of the signaling websocket.
pub struct SignalRx(SplitStream<Ws>);

/// Opens `ws://host/ws` for the hub at `http_url`.
pub async fn connect(http_url: &str) -> anyhow::Result<(SignalTx, SignalRx)> {
    let url = format!("ws://{}/ws", host_port(http_url)?);
    let (ws, _) = connect_async(url.as_str())
        .await
        .with_context(|| format!("websocket {url}"))?;
    let (tx, rx) = ws.split();
    Ok((SignalTx(tx), SignalRx(rx)))
}

impl SignalTx {
    pub async fn send(&mut self, msg: &ClientMessage) -> anyhow::Result<()> {
        let text = serde_json::to_string(msg)?;
        self.0
            .send(Message::text(text))
            .await
            .context("signaling send")
    }

    pub async fn close(&mut self) {
        let _ = self.0.close().await;
    }
}

impl SignalRx {
    /// The next protocol message; `None` when the websocket closed. Frames that do not parse
    /// are returned as errors so the caller can log them and go on.
    pub async fn recv(&mut self) -> Option<anyhow::Result<ServerMessage>> {
        loop {
            let frame = match self.0.next().await? {
                Ok(f) => f,
                Err(e) => return Some(Err(e.into())),
            };
            match frame {
                Message::Text(t) => {
                    return Some(
                        serde_json::from_str(t.as_str())
                            .with_context(|| format!("unparsable frame {t}")),
                    );
                }
                Message::Close(_) => return None,
                _ => continue,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_plain_and_chunked_responses() {
        let plain = b"HTTP/1.1 201 Created\r\ncontent-length: 13\r\n\r\n{\"token\":\"t\"}";
        let (status, body) = split_response(plain).unwrap();
        assert_eq!((status, body.as_slice()), (201, &b"{\"token\":\"t\"}"[..]));
        let chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"tok\r\n8\r\nen\":\"t\"}\r\n0\r\n\r\n";
        let (_, body) = split_response(chunked).unwrap();
        assert_eq!(body, b"{\"token\":\"t\"}");
        assert!(split_response(b"HTTP/1.1 200").is_err());
    }

    #[test]
    fn host_port_needs_http() {
        assert_eq!(
            host_port("http://127.0.0.1:8080/x").unwrap(),
            "127.0.0.1:8080"
        );
        assert!(host_port("https://h").is_err());
    }
}
