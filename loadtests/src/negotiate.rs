//! A participant's signaling loop and negotiation state: the client always offers, one offer
//! at a time; tracks published meanwhile are subscribed in the next offer, and their tile
//! sizes (`video_size`) go out once the hub has answered the subscription.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use anyhow::{Context, bail};
use rtc::peer_connection::sdp::RTCSessionDescription;
use rtc::rtp_transceiver::rtp_sender::RtpCodecKind;
use rtc::rtp_transceiver::{RTCRtpTransceiverDirection, RTCRtpTransceiverInit};
use sfu::{ParticipantId, SubscribeSpec, TrackId, TrackInfo, TrackKind};
use signaling::protocol::{ClientMessage, ServerMessage};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use webrtc::peer_connection::PeerConnection;

use crate::participant::ParticipantOptions;
use crate::peer::{PeerEvent, Shared};
use crate::publish::Publisher;
use crate::relay::{self, Relay};
use crate::signal::{SignalRx, SignalTx};
use crate::stats::ms_since;

/// What the [`Participant`] handle asks of its signaling loop.
pub(crate) enum Cmd {
    Send(ClientMessage),
    Leave,
}

/// The negotiation state: one offer in flight at a time.
pub(crate) struct Negotiator {
    pub(crate) me: ParticipantId,
    pub(crate) pc: Arc<dyn PeerConnection>,
    pub(crate) shared: Arc<Shared>,
    pub(crate) publisher: Publisher,
    pub(crate) opts: ParticipantOptions,
    pub(crate) in_flight: bool,
    pub(crate) first_sent: bool,
    pub(crate) media_started: bool,
    /// Tracks to subscribe in the next offer.
    pub(crate) pending: Vec<TrackInfo>,
    /// Tracks already subscribed or pending, so repeats are ignored.
    pub(crate) known: HashSet<TrackId>,
    /// Video tracks in the offer in flight: their `video_size` goes out once it is answered
    /// (the hub refuses a size for a subscription it does not have yet).
    pub(crate) unsized_tracks: Vec<TrackId>,
    /// With impairment: the relay whose address replaces the hub's in every answer.
    pub(crate) relay: Option<Relay>,
    pub(crate) media: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl Negotiator {
    pub(crate) fn queue(&mut self, tracks: Vec<TrackInfo>) {
        for t in tracks {
            if t.participant != self.me && self.known.insert(t.track.clone()) {
                self.pending.push(t);
            }
        }
    }

    /// Sends an offer with the publications (first time) and the pending subscriptions.
    pub(crate) async fn offer(&mut self, tx: &mut SignalTx) -> anyhow::Result<()> {
        let pending = std::mem::take(&mut self.pending);
        let mut added = Vec::new();
        for info in pending {
            let kind = match info.kind {
                TrackKind::Audio => RtpCodecKind::Audio,
                TrackKind::Video => RtpCodecKind::Video,
            };
            let init = RTCRtpTransceiverInit {
                direction: RTCRtpTransceiverDirection::Recvonly,
                ..Default::default()
            };
            added.push((
                self.pc.add_transceiver_from_kind(kind, Some(init)).await?,
                info,
            ));
        }
        let offer = self.pc.create_offer(None).await?;
        self.pc.set_local_description(offer).await?;
        let sdp = self
            .pc
            .local_description()
            .await
            .map(|d| d.sdp)
            .context("no local description")?;
        let mut subscribe = Vec::new();
        self.shared
            .with_stats(|s| s.subscribed += added.len() as u64);
        for (t, info) in added {
            let mid = t.mid().await?.context("subscription m-line has no mid")?;
            self.shared
                .subs
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(mid.clone(), info.clone());
            if info.kind == TrackKind::Video {
                self.unsized_tracks.push(info.track.clone());
            }
            subscribe.push(SubscribeSpec {
                mid,
                track: info.track,
            });
        }
        let publish = if self.first_sent {
            Vec::new()
        } else {
            self.publisher.specs().await?
        };
        tracing::debug!(
            publish = publish.len(),
            subscribe = subscribe.len(),
            "offer"
        );
        tx.send(&ClientMessage::Offer {
            sdp,
            publish,
            subscribe,
        })
        .await?;
        self.first_sent = true;
        self.in_flight = true;
        Ok(())
    }

    async fn on_answer(&mut self, sdp: String, tx: &mut SignalTx) -> anyhow::Result<()> {
        let sdp = relay::through(self.relay.as_ref(), sdp);
        self.pc
            .set_remote_description(RTCSessionDescription::answer(sdp)?)
            .await?;
        self.in_flight = false;
        let since = ms_since(self.shared.joined_at);
        self.shared.with_stats(|s| {
            s.negotiations += 1;
            s.phases.answer_ms.get_or_insert(since);
        });
        if !self.media_started {
            self.media_started = true;
            let tasks = self.publisher.start(&self.shared, &self.opts.media).await?;
            self.media
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .extend(tasks);
        }
        self.send_video_sizes(tx).await?;
        self.offer_if_due(tx).await
    }

    /// Tells the hub the tile size of each video subscribed by the answered offer.
    async fn send_video_sizes(&mut self, tx: &mut SignalTx) -> anyhow::Result<()> {
        let tracks = std::mem::take(&mut self.unsized_tracks);
        let Some((width, height)) = self.opts.video_size else {
            return Ok(());
        };
        for track in tracks {
            tx.send(&ClientMessage::VideoSize {
                track,
                width,
                height,
            })
            .await?;
        }
        Ok(())
    }

    async fn offer_if_due(&mut self, tx: &mut SignalTx) -> anyhow::Result<()> {
        if !self.in_flight && !self.pending.is_empty() {
            self.offer(tx).await?;
        }
        Ok(())
    }

    async fn on_message(&mut self, msg: ServerMessage, tx: &mut SignalTx) -> anyhow::Result<()> {
        match msg {
            ServerMessage::Answer { sdp, published } => {
                tracing::debug!(published = published.len(), "answer");
                self.on_answer(sdp, tx).await?;
            }
            ServerMessage::TrackPublished { track } if self.opts.subscribe => {
                self.queue(vec![track]);
                self.offer_if_due(tx).await?;
            }
            ServerMessage::Error {
                code,
                message,
                fatal,
                in_reply_to,
            } => {
                tracing::warn!(?code, %message, fatal, "hub error");
                self.shared
                    .with_stats(|s| s.hub_errors.push(format!("{code:?}: {message}")));
                // A refused offer gets no answer: take it back so the next one starts clean.
                // (`unknown_track` also refuses a late `video_size`, which must not.)
                let offer_refused = in_reply_to.as_deref() == Some("offer");
                if self.in_flight && offer_refused {
                    self.in_flight = false;
                    self.unsized_tracks.clear();
                    if let Ok(rollback) = RTCSessionDescription::rollback(None) {
                        let _ = self.pc.set_local_description(rollback).await;
                    }
                }
                if fatal {
                    bail!("fatal hub error {code:?}: {message}");
                }
            }
            other => tracing::trace!(?other, "event"),
        }
        Ok(())
    }
}

/// The participant's signaling loop: hub messages, local candidates, leave.
pub(crate) async fn run(
    mut neg: Negotiator,
    mut tx: SignalTx,
    mut rx: SignalRx,
    mut peer_events: mpsc::UnboundedReceiver<PeerEvent>,
    mut cmd_rx: mpsc::UnboundedReceiver<Cmd>,
) {
    loop {
        tokio::select! {
            msg = rx.recv() => match msg {
                Some(Ok(msg)) => {
                    if let Err(e) = neg.on_message(msg, &mut tx).await {
                        tracing::warn!(error = %format!("{e:#}"), "signaling");
                        neg.shared.with_stats(|s| s.hub_errors.push(format!("client: {e:#}")));
                    }
                }
                Some(Err(e)) => tracing::warn!(error = %format!("{e:#}"), "bad frame from hub"),
                None => {
                    tracing::info!("hub closed the websocket");
                    break;
                }
            },
            Some(event) = peer_events.recv() => match event {
                PeerEvent::Candidate(candidate) => {
                    let _ = tx.send(&ClientMessage::Candidate { candidate, mid: None }).await;
                }
                PeerEvent::Down(state) => tracing::info!(%state, "peer connection down"),
            },
            cmd = cmd_rx.recv() => match cmd {
                Some(Cmd::Send(msg)) => {
                    if let Err(e) = tx.send(&msg).await {
                        tracing::warn!(error = %format!("{e:#}"), "signaling send");
                    }
                }
                Some(Cmd::Leave) | None => {
                    let _ = tx.send(&ClientMessage::Leave).await;
                    tx.close().await;
                    break;
                }
            },
        }
    }
}
