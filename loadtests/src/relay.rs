//! A UDP relay between one participant's socket and the hub that applies an [`Impairment`]
//! to every datagram in both directions — STUN, DTLS, RTP and RTCP alike — so NACK and RTX
//! do real work. The participant is pointed at the relay by rewriting the server's
//! candidates in its SDP; the server (govhub or Janus) sees the relay's second socket as a
//! peer-reflexive address.
//!
//! Layout: `front` faces the participant, `back` faces the hub; datagrams wait in one queue
//! ordered by delivery time (jitter lets them overtake each other, as on a real path).

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, OnceLock};

use tokio::net::UdpSocket;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::impair::{Impairer, Impairment};
use crate::participant::ParticipantOptions;

/// A relay's addresses; its task (returned by [`Relay::start`]) ends when aborted.
pub(crate) struct Relay {
    front: SocketAddr,
    hub: Arc<OnceLock<SocketAddr>>,
}

/// Which way a datagram goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Way {
    ToHub,
    ToClient,
}

/// A held datagram: due time, arrival order (FIFO among equal times), direction, bytes.
type Held = Reverse<(Instant, u64, Way, Vec<u8>)>;

impl Relay {
    /// Binds both sockets on `ip`; directions get seeds `seed` and `seed + 1`.
    pub async fn start(
        ip: IpAddr,
        impair: Impairment,
        seed: u64,
    ) -> anyhow::Result<(Relay, JoinHandle<()>)> {
        let front = UdpSocket::bind(SocketAddr::new(ip, 0)).await?;
        let back = UdpSocket::bind(SocketAddr::new(ip, 0)).await?;
        let front_addr = front.local_addr()?;
        let hub = Arc::new(OnceLock::new());
        let impairers = (
            Impairer::new(impair, seed),
            Impairer::new(impair, seed.wrapping_add(1)),
        );
        let task = tokio::spawn(pump(front, back, Arc::clone(&hub), impairers));
        Ok((
            Relay {
                front: front_addr,
                hub,
            },
            task,
        ))
    }

    /// The relay of one of a participant's connections when `opts` impair the network
    /// (`None` otherwise); its task is pushed onto `tasks`, which stop with the participant.
    /// `salt` keeps the connections of one participant on different random sequences.
    pub async fn for_connection(
        opts: &ParticipantOptions,
        salt: u64,
        tasks: &mut Vec<JoinHandle<()>>,
    ) -> anyhow::Result<Option<Relay>> {
        let Some(impair) = opts.impair else {
            return Ok(None);
        };
        let seed = opts.media.seed.wrapping_mul(0x9e37_79b9).wrapping_add(salt);
        let (relay, task) = Relay::start(opts.bind_ip, impair, seed).await?;
        tasks.push(task);
        Ok(Some(relay))
    }

    /// The server's SDP (govhub's answer, or Janus's answer or offer) with every UDP
    /// candidate replaced by the relay's address; the first such candidate becomes where the
    /// relay sends.
    pub fn rewrite_sdp(&self, sdp: &str) -> String {
        let mut out = String::with_capacity(sdp.len());
        for line in sdp.split_inclusive('\n') {
            match rewrite_candidate(line, self.front) {
                Some((hub, rewritten)) => {
                    let target = *self.hub.get_or_init(|| hub);
                    // A second, different hub address cannot go through this relay: drop it
                    // so every packet is impaired.
                    if target == hub {
                        out.push_str(&rewritten);
                    }
                }
                None => out.push_str(line),
            }
        }
        out
    }
}

/// The server's `sdp` as a connection through `relay` (if any) must see it.
pub(crate) fn through(relay: Option<&Relay>, sdp: String) -> String {
    match relay {
        Some(relay) => relay.rewrite_sdp(&sdp),
        None => sdp,
    }
}

/// `a=candidate:<foundation> <component> udp <priority> <ip> <port> typ …` with the address
/// replaced by `to`; returns the original address too. `None` for other lines.
fn rewrite_candidate(line: &str, to: SocketAddr) -> Option<(SocketAddr, String)> {
    let body = line.trim_end().strip_prefix("a=candidate:")?;
    let mut fields: Vec<String> = body.split(' ').map(str::to_owned).collect();
    if fields.len() < 6 || !fields[2].eq_ignore_ascii_case("udp") {
        return None;
    }
    let ip: IpAddr = fields[4].parse().ok()?;
    let port: u16 = fields[5].parse().ok()?;
    fields[4] = to.ip().to_string();
    fields[5] = to.port().to_string();
    let ending = &line[line.trim_end().len()..];
    Some((
        SocketAddr::new(ip, port),
        format!("a=candidate:{}{ending}", fields.join(" ")),
    ))
}

async fn pump(
    front: UdpSocket,
    back: UdpSocket,
    hub: Arc<OnceLock<SocketAddr>>,
    (mut up, mut down): (Impairer, Impairer),
) {
    let mut client: Option<SocketAddr> = None;
    let mut queue: BinaryHeap<Held> = BinaryHeap::new();
    let mut order = 0u64;
    let (mut buf_f, mut buf_b) = (vec![0u8; 2048], vec![0u8; 2048]);
    loop {
        let next_due = queue.peek().map(|Reverse((at, ..))| *at);
        tokio::select! {
            r = front.recv_from(&mut buf_f) => {
                let Ok((n, from)) = r else { continue };
                client = Some(from);
                if let Some(d) = up.schedule() {
                    order += 1;
                    queue.push(Reverse((Instant::now() + d, order, Way::ToHub, buf_f[..n].to_vec())));
                }
            }
            r = back.recv_from(&mut buf_b) => {
                let Ok((n, _)) = r else { continue };
                if let Some(d) = down.schedule() {
                    order += 1;
                    queue.push(Reverse((Instant::now() + d, order, Way::ToClient, buf_b[..n].to_vec())));
                }
            }
            _ = sleep_until(next_due) => {
                let now = Instant::now();
                while let Some(Reverse((at, ..))) = queue.peek() {
                    if *at > now {
                        break;
                    }
                    let Some(Reverse((_, _, way, bytes))) = queue.pop() else { break };
                    // A send error (the peer went away) only loses this datagram.
                    let _ = match (way, hub.get(), client) {
                        (Way::ToHub, Some(h), _) => back.send_to(&bytes, h).await,
                        (Way::ToClient, _, Some(c)) => front.send_to(&bytes, c).await,
                        _ => Ok(0),
                    };
                }
            }
        }
    }
}

/// Sleeps until `at`, or forever when nothing is queued.
async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites_udp_candidates_only() {
        let to: SocketAddr = "127.0.0.1:4000".parse().unwrap();
        let line = "a=candidate:1 1 udp 2130706431 127.0.0.1 50000 typ host\r\n";
        let (hub, out) = rewrite_candidate(line, to).unwrap();
        assert_eq!(hub, "127.0.0.1:50000".parse::<SocketAddr>().unwrap());
        assert_eq!(
            out,
            "a=candidate:1 1 udp 2130706431 127.0.0.1 4000 typ host\r\n"
        );
        assert!(rewrite_candidate("a=candidate:1 1 tcp 1 127.0.0.1 9 typ host\r\n", to).is_none());
        assert!(rewrite_candidate("a=mid:0\r\n", to).is_none());
        assert!(rewrite_candidate("a=candidate:1 1 udp 1 nowhere 9 typ host", to).is_none());
    }

    #[tokio::test]
    async fn relays_both_ways_and_drops_everything_at_full_loss() {
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        let hub = UdpSocket::bind((ip, 0)).await.unwrap();
        let client = UdpSocket::bind((ip, 0)).await.unwrap();
        let (relay, task) = Relay::start(ip, "delay=5ms".parse().unwrap(), 1)
            .await
            .unwrap();
        let sdp = format!(
            "v=0\r\na=candidate:1 1 udp 1 {} {} typ host\r\n",
            ip,
            hub.local_addr().unwrap().port()
        );
        assert!(
            relay
                .rewrite_sdp(&sdp)
                .contains(&format!(" {} typ", relay.front.port()))
        );
        client.send_to(b"ping", relay.front).await.unwrap();
        let mut buf = [0u8; 16];
        let (n, from) = hub.recv_from(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"ping");
        hub.send_to(b"pong", from).await.unwrap();
        let (n, _) = client.recv_from(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"pong");
        task.abort();

        let (lossy, task) = Relay::start(ip, "drop=100%".parse().unwrap(), 1)
            .await
            .unwrap();
        lossy.rewrite_sdp(&sdp);
        client.send_to(b"lost", lossy.front).await.unwrap();
        let got = tokio::time::timeout(
            std::time::Duration::from_millis(200),
            hub.recv_from(&mut buf),
        )
        .await;
        assert!(
            got.is_err(),
            "a datagram got through a relay dropping everything"
        );
        task.abort();
    }
}
