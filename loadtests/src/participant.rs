//! One synthetic participant in a hub room: signaling client, peer connection, publisher,
//! auto-subscriber. Joining and leaving live here; the signaling loop that negotiates (the
//! client always offers, one offer at a time) is in `crate::negotiate`.

use std::collections::HashSet;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use sfu::{ParticipantId, RoomId, TrackId, TrackInfo};
use signaling::protocol::{ClientMessage, PROTOCOL_VERSION, ServerMessage};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tracing::Instrument;
use webrtc::peer_connection::PeerConnection;

use crate::impair::Impairment;
use crate::negotiate::{Cmd, Negotiator, run};
use crate::peer::{self, Shared};
use crate::publish::{MediaOptions, Publisher};
use crate::relay::Relay;
use crate::signal::{self, SignalRx};
use crate::stats::{ParticipantStats, ms_since};

/// How a participant joins and what it sends.
#[derive(Debug, Clone)]
pub struct ParticipantOptions {
    pub media: MediaOptions,
    /// Subscribe to every other participant's tracks (existing and new).
    pub subscribe: bool,
    /// Local address for the UDP socket; host candidates are on it only.
    pub bind_ip: IpAddr,
    /// A join token; when `None`, one is fetched from the hub's development endpoint.
    pub token: Option<String>,
    /// How long to wait for `joined`.
    pub join_timeout: Duration,
    /// The tile size (width, height) every subscribed video is shown at: sent as `video_size`
    /// once the hub has the subscription, so the hub picks the simulcast layer from it.
    /// `None` sends nothing and the hub keeps its default (the top layer).
    pub video_size: Option<(u32, u32)>,
    /// Send and receive through a relay of our own that drops and delays datagrams
    /// (seeded from `media.seed`).
    pub impair: Option<Impairment>,
}

impl Default for ParticipantOptions {
    fn default() -> Self {
        ParticipantOptions {
            media: MediaOptions::default(),
            subscribe: true,
            bind_ip: IpAddr::V4(Ipv4Addr::LOCALHOST),
            token: None,
            join_timeout: Duration::from_secs(10),
            video_size: None,
            impair: None,
        }
    }
}

/// A synthetic participant. Dropping it stops its tasks; [`Participant::leave`] also says
/// goodbye to the hub and closes the peer connection.
pub struct Participant {
    id: ParticipantId,
    room: RoomId,
    shared: Arc<Shared>,
    pc: Arc<dyn PeerConnection>,
    cmd_tx: mpsc::UnboundedSender<Cmd>,
    signaling: Option<JoinHandle<()>>,
    media: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl Participant {
    /// Joins `room` on the hub at `http_url` (e.g. `http://127.0.0.1:8080`), publishes what
    /// `opts.media` asks for and subscribes to everyone else. Returns once the first offer is
    /// sent; media starts when the answer arrives.
    pub async fn join(
        http_url: &str,
        room: &str,
        name: &str,
        opts: ParticipantOptions,
    ) -> anyhow::Result<Participant> {
        // Every join phase is timed from here, so a report's join time includes the token.
        let started = Instant::now();
        let token = match &opts.token {
            Some(t) => t.clone(),
            None => signal::fetch_dev_token(http_url, room, name)
                .await
                .context("dev token")?,
        };
        let (mut tx, mut rx) = signal::connect(http_url).await?;
        let ws_open_ms = ms_since(started);
        let join = ClientMessage::Join {
            v: PROTOCOL_VERSION,
            room: room.into(),
            token,
            name: Some(name.to_owned()),
        };
        tx.send(&join).await?;
        let (id, tracks) = tokio::time::timeout(opts.join_timeout, wait_joined(&mut rx))
            .await
            .context("no `joined` from the hub in time")??;
        let span = tracing::info_span!("participant", %name, participant = %id);
        tracing::debug!(parent: &span, tracks = tracks.len(), "joined");

        let shared = Shared::new(name, started);
        shared.with_stats(|s| {
            s.participant = Some(id.clone());
            s.phases.ws_open_ms = Some(ws_open_ms);
            s.phases.joined_ms = Some(ms_since(started));
        });
        let (pc, peer_events) = peer::build(&shared, opts.bind_ip).await?;
        let mut tasks = Vec::new();
        let relay = Relay::for_connection(&opts, 17, &mut tasks).await?;
        let publisher = Publisher::add(&pc, &opts.media).await?;
        let mut neg = Negotiator {
            me: id.clone(),
            pc: Arc::clone(&pc),
            shared: Arc::clone(&shared),
            publisher,
            opts: opts.clone(),
            in_flight: false,
            first_sent: false,
            media_started: false,
            pending: Vec::new(),
            known: HashSet::new(),
            unsized_tracks: Vec::new(),
            relay,
            media: Arc::new(Mutex::new(tasks)),
        };
        if opts.subscribe {
            neg.queue(tracks);
        }
        neg.offer(&mut tx).await?;
        let media = Arc::clone(&neg.media);
        let (cmd_tx, cmd_rx) = mpsc::unbounded_channel();
        let signaling = tokio::spawn(run(neg, tx, rx, peer_events, cmd_rx).instrument(span));
        Ok(Participant {
            id,
            room: room.into(),
            shared,
            pc,
            cmd_tx,
            signaling: Some(signaling),
            media,
        })
    }

    /// A participant whose signaling loop is not the hub's own (a peer SFU's, see
    /// `crate::janus`): `signaling` answers the same [`Cmd`]s and closes what it opened
    /// besides `pc` on `Cmd::Leave`.
    pub(crate) fn from_parts(
        id: ParticipantId,
        room: RoomId,
        shared: Arc<Shared>,
        pc: Arc<dyn PeerConnection>,
        cmd_tx: mpsc::UnboundedSender<Cmd>,
        signaling: JoinHandle<()>,
        media: Arc<Mutex<Vec<JoinHandle<()>>>>,
    ) -> Participant {
        Participant {
            id,
            room,
            shared,
            pc,
            cmd_tx,
            signaling: Some(signaling),
            media,
        }
    }

    /// The seat the hub gave us.
    pub fn id(&self) -> &ParticipantId {
        &self.id
    }

    pub fn room(&self) -> &RoomId {
        &self.room
    }

    /// Reads the stats in place: cheaper than [`Self::stats`] when only a little is needed
    /// (the snapshot clones every latency sample).
    pub fn with_stats<R>(&self, f: impl FnOnce(&ParticipantStats) -> R) -> R {
        self.shared.with_stats(|s| f(s))
    }

    /// A snapshot of everything measured so far.
    pub fn stats(&self) -> ParticipantStats {
        self.shared.with_stats(|s| s.clone())
    }

    /// Totals so far and the latency samples since the previous call (the timeline's input).
    pub fn take_interval(&self) -> crate::stats::Interval {
        self.shared.with_stats(|s| s.take_interval())
    }

    /// Tells the hub the size a subscribed video is shown at (it picks the simulcast layer
    /// from it); 0×0 pauses the track.
    pub fn set_video_size(&self, track: &TrackId, width: u32, height: u32) {
        let msg = ClientMessage::VideoSize {
            track: track.clone(),
            width,
            height,
        };
        let _ = self.cmd_tx.send(Cmd::Send(msg));
    }

    /// Sends `leave`, stops media and closes the peer connection.
    pub async fn leave(mut self) -> anyhow::Result<()> {
        let _ = self.cmd_tx.send(Cmd::Leave);
        if let Some(task) = self.signaling.take() {
            let _ = tokio::time::timeout(Duration::from_secs(5), task).await;
        }
        self.stop_media();
        self.pc.close().await?;
        Ok(())
    }

    fn stop_media(&self) {
        for task in self
            .media
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .drain(..)
        {
            task.abort();
        }
    }
}

impl Drop for Participant {
    fn drop(&mut self) {
        self.stop_media();
        if let Some(task) = self.signaling.take() {
            task.abort();
        }
    }
}

async fn wait_joined(rx: &mut SignalRx) -> anyhow::Result<(ParticipantId, Vec<TrackInfo>)> {
    while let Some(msg) = rx.recv().await {
        match msg? {
            ServerMessage::Joined {
                participant,
                tracks,
                ..
            } => return Ok((participant, tracks)),
            ServerMessage::Error { code, message, .. } => {
                bail!("join refused: {code:?}: {message}")
            }
            other => tracing::debug!(?other, "before joined"),
        }
    }
    bail!("the hub closed the websocket before `joined`")
}
