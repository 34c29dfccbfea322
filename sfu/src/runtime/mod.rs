//! The I/O shell around one [`SfuCore`]: one UDP socket shared by every peer, one timer,
//! the command channel from [`SfuHandle`]s and the event channel to signaling, all driven by
//! a single tokio task.
//!
//! Each wake stamps `Instant::now()` once and hands it to the core. Datagrams are read in
//! batches (`recvmmsg`, [`udp`]); each is fed with [`SfuCore::receive_datagram`] and the
//! batch ends with one [`SfuCore::flush`], so a subscriber's packets of the batch leave back
//! to back and go out as GSO trains ([`trains`]). Whatever the core wants sent is sent before
//! the task sleeps again.
//!
//! Two histograms watch the loop: each wake's service time (first datagram read to last
//! send) and each forwarded packet's residence time — from the kernel's receive timestamp
//! of the publisher's datagram (`SO_TIMESTAMPNS`) to the end of the flush that sent its
//! copies, one observation per copy. Residence is what the hub adds to a packet's latency:
//! the wait in the socket queue while an earlier batch is served, the wake-up and the
//! service itself. Both are logged with the media stats and answered to
//! [`SfuHandle::stats`] (the hub's `/metrics`).

mod mmsg;
mod trains;
mod udp;
mod watch;

use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Instant;

use tokio::net::UdpSocket;
use tokio::sync::mpsc;
use tracing::{debug, info, warn};

use self::udp::MediaSocket;
use self::watch::Watch;
use crate::api::{MediaStats, SfuEvent};
use crate::core::{CoreConfig, SfuCore, Transmit};
use crate::handle::{Command, SfuHandle};

/// `recvmmsg` calls per wake (each up to `quinn_udp::BATCH_SIZE` datagrams) before the
/// batch is flushed and timers and commands get a turn.
const RECV_ROUNDS: usize = 4;
/// How often the loop logs the core's counters (at debug level).
const STATS_EVERY: std::time::Duration = std::time::Duration::from_secs(30);
/// Commands waiting for the loop before `SfuHandle` callers wait.
const COMMAND_QUEUE: usize = 1024;

/// Where the media runtime listens.
#[derive(Debug, Clone)]
pub struct MediaConfig {
    pub listen: SocketAddr,
    /// Advertised in the ICE candidate when `listen` is a wildcard (0.0.0.0 / ::).
    pub public_ip: Option<IpAddr>,
    /// `CoreConfig::fast_path`.
    pub fast_path: bool,
}

/// A bound media server, ready to [`run`](MediaServer::run).
pub struct MediaServer {
    socket: MediaSocket,
    local: SocketAddr,
    candidate: SocketAddr,
    fast_path: bool,
    commands_tx: mpsc::Sender<Command>,
    commands_rx: mpsc::Receiver<Command>,
    events_tx: mpsc::UnboundedSender<SfuEvent>,
    events_rx: Option<mpsc::UnboundedReceiver<SfuEvent>>,
}

impl MediaServer {
    pub async fn bind(config: MediaConfig) -> std::io::Result<MediaServer> {
        let socket = UdpSocket::bind(config.listen).await?;
        let local = socket.local_addr()?;
        let socket = MediaSocket::new(socket)?;
        let candidate = SocketAddr::new(candidate_ip(local.ip(), config.public_ip), local.port());
        info!(%local, %candidate, "media socket bound");
        let (commands_tx, commands_rx) = mpsc::channel(COMMAND_QUEUE);
        let (events_tx, events_rx) = mpsc::unbounded_channel();
        Ok(MediaServer {
            socket,
            local,
            candidate,
            fast_path: config.fast_path,
            commands_tx,
            commands_rx,
            events_tx,
            events_rx: Some(events_rx),
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// The address peers are told to send media to.
    pub fn candidate_addr(&self) -> SocketAddr {
        self.candidate
    }

    pub fn handle(&self) -> SfuHandle {
        SfuHandle::new(self.commands_tx.clone())
    }

    /// The event stream for signaling; `None` after the first call.
    pub fn take_events(&mut self) -> Option<mpsc::UnboundedReceiver<SfuEvent>> {
        self.events_rx.take()
    }

    /// Runs the loop until `shutdown` completes. Datagrams never stop it; only a failing
    /// socket send/receive is logged and skipped.
    pub async fn run(self, shutdown: impl Future<Output = ()> + Send) -> std::io::Result<()> {
        let MediaServer {
            socket,
            candidate,
            fast_path,
            commands_tx,
            mut commands_rx,
            events_tx,
            ..
        } = self;
        // Only handles keep the command channel open from here on.
        drop(commands_tx);
        let mut socket = socket;
        let config = CoreConfig {
            fast_path,
            ..CoreConfig::new(candidate)
        };
        let mut core = SfuCore::new(config, Instant::now());
        let mut outgoing = Vec::new();
        let mut commands_open = true;
        let mut next_stats = Instant::now() + STATS_EVERY;
        let mut watch = Watch::default();
        tokio::pin!(shutdown);
        loop {
            flush(&mut core, &mut socket, &mut outgoing, &events_tx).await;
            watch.served();
            if Instant::now() >= next_stats {
                next_stats += STATS_EVERY;
                let s = core.stats();
                let (residence, batches) = watch.roll();
                debug!(
                    batches = batches.count(),
                    batch_p50_us = batches.quantile_us(0.5),
                    batch_p99_us = batches.quantile_us(0.99),
                    batch_max_us = batches.max().as_micros() as u64,
                    residence_p50_us = residence.quantile_us(0.5),
                    residence_p99_us = residence.quantile_us(0.99),
                    residence_max_us = residence.max().as_micros() as u64,
                    participants = core.participant_count(),
                    rtp_in = s.rtp_in,
                    forwarded = s.rtp_forwarded,
                    fast = s.rtp_fast,
                    fast_resends = s.fast_resends,
                    dropped = s.rtp_dropped,
                    garbage = s.garbage_datagrams,
                    keyframe_requests = s.keyframe_requests,
                    datagrams_sent = socket.datagrams_sent,
                    send_calls = socket.sends,
                    "media stats"
                );
            }
            let deadline = tokio::time::Instant::from_std(core.poll_timeout());
            tokio::select! {
                _ = &mut shutdown => break,
                r = socket.readable() => {
                    if let Err(e) = r {
                        debug!(error = %e, "udp socket not readable");
                        continue;
                    }
                    let now = Instant::now();
                    watch.serving(now);
                    for _ in 0..RECV_ROUNDS {
                        let read = socket.try_recv(|source, data, received| {
                            let before = core.stats().rtp_forwarded;
                            core.receive_datagram(now, source, candidate, data);
                            watch.forwarded(received, core.stats().rtp_forwarded - before);
                        });
                        match read {
                            Ok(_) => {}
                            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                            Err(e) => {
                                debug!(error = %e, "udp receive failed");
                                break;
                            }
                        }
                    }
                    core.flush(now);
                }
                cmd = commands_rx.recv(), if commands_open => match cmd {
                    Some(cmd) => apply(&mut core, cmd, Instant::now(), &watch, &socket),
                    None => commands_open = false,
                },
                _ = tokio::time::sleep_until(deadline) => core.handle_timeout(Instant::now()),
            }
        }
        info!("media runtime stopped");
        Ok(())
    }
}

/// The IP for the host candidate: the bound one, else the configured public one, else
/// loopback (a wildcard cannot be advertised).
fn candidate_ip(bound: IpAddr, public_ip: Option<IpAddr>) -> IpAddr {
    if !bound.is_unspecified() {
        return bound;
    }
    if let Some(ip) = public_ip {
        return ip;
    }
    warn!("media listens on a wildcard address without public_ip; advertising loopback");
    match bound {
        IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::LOCALHOST),
    }
}

async fn flush(
    core: &mut SfuCore,
    socket: &mut MediaSocket,
    outgoing: &mut Vec<Transmit>,
    events: &mpsc::UnboundedSender<SfuEvent>,
) {
    outgoing.extend(std::iter::from_fn(|| core.poll_transmit()));
    if !outgoing.is_empty() {
        socket.send_all(outgoing).await;
        for t in outgoing.drain(..) {
            core.recycle(t.contents);
        }
    }
    while let Some(e) = core.poll_event() {
        // Nobody listening is fine: events are advisory.
        let _ = events.send(e);
    }
}

fn apply(core: &mut SfuCore, cmd: Command, now: Instant, watch: &Watch, socket: &MediaSocket) {
    match cmd {
        Command::Join {
            room,
            participant,
            reply,
        } => {
            let _ = reply.send(core.join(room, participant, now));
        }
        Command::Offer {
            participant,
            sdp,
            publish,
            subscribe,
            reply,
        } => {
            let _ = reply.send(core.offer(&participant, &sdp, &publish, &subscribe, now));
        }
        Command::Candidate {
            participant,
            candidate,
            reply,
        } => {
            let _ = reply.send(core.candidate(&participant, &candidate, now));
        }
        Command::Unsubscribe {
            participant,
            track,
            reply,
        } => {
            let _ = reply.send(core.unsubscribe(&participant, &track, now));
        }
        Command::VideoSize {
            participant,
            track,
            width,
            height,
        } => {
            if let Err(e) = core.video_size(&participant, &track, width, height, now) {
                debug!(error = %e, "video size ignored");
            }
        }
        Command::Leave { participant } => {
            if let Err(e) = core.leave(&participant, now) {
                debug!(error = %e, "leave ignored");
            }
        }
        Command::Stats { reply } => {
            let (residence, batches) = watch.totals();
            let _ = reply.send(Ok(MediaStats {
                core: core.stats(),
                participants: core.participant_count(),
                residence,
                batches,
                send_calls: socket.sends,
                datagrams_sent: socket.datagrams_sent,
            }));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidate_ip_prefers_bound_then_public_then_loopback() {
        let public: IpAddr = "203.0.113.7".parse().unwrap();
        let bound: IpAddr = "127.0.0.1".parse().unwrap();
        assert_eq!(candidate_ip(bound, Some(public)), bound);
        let any4: IpAddr = "0.0.0.0".parse().unwrap();
        assert_eq!(candidate_ip(any4, Some(public)), public);
        assert_eq!(candidate_ip(any4, None), IpAddr::V4(Ipv4Addr::LOCALHOST));
        let any6: IpAddr = "::".parse().unwrap();
        assert_eq!(candidate_ip(any6, None), IpAddr::V6(Ipv6Addr::LOCALHOST));
    }
}
