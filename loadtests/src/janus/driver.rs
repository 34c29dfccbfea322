//! A Janus participant's loop: it subscribes to every feed of the room as it appears (one
//! subscriber handle; the first feeds `join` it, later ones `subscribe`), answers each offer
//! Janus makes on it (also the ones Janus sends by itself when a feed goes away), trickles
//! both connections' candidates, turns tile sizes into substream `configure`s, and leaves.
//!
//! A publisher subscribes only once its publishing connection is up: both connections share
//! the participant's "connected" signal, which the synthetic senders wait for.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use rtc::peer_connection::sdp::RTCSessionDescription;
use serde_json::{Value, json};
use sfu::{ParticipantId, TrackId, TrackInfo, TrackKind, TrackSource};
use signaling::protocol::ClientMessage;
use tokio::sync::mpsc;
use webrtc::peer_connection::PeerConnection;

use super::api::{Event, Jsep, Session};
use super::substream_for;
use crate::negotiate::Cmd;
use crate::participant::ParticipantOptions;
use crate::peer::{PeerEvent, Shared};
use crate::relay::{self, Relay};
use crate::stats::ms_since;

/// One peer connection and its local candidates.
pub(crate) struct Side {
    pub pc: Arc<dyn PeerConnection>,
    pub candidates: mpsc::UnboundedReceiver<PeerEvent>,
    /// With impairment: the relay between this connection and Janus.
    pub relay: Option<Relay>,
}

pub(crate) struct Driver {
    pub session: Session,
    pub room: u64,
    pub me: u64,
    pub private_id: Option<u64>,
    /// The publisher handle: in the room, and publishing when `publisher` is set.
    pub handle: u64,
    pub sub_handle: Option<u64>,
    pub publisher: Option<Side>,
    pub sub: Option<Side>,
    pub shared: Arc<Shared>,
    pub opts: ParticipantOptions,
    pub created_room: bool,
    /// Feeds subscribed or waiting to be.
    pub known: HashSet<u64>,
    pub pending: Vec<u64>,
    /// A subscription change whose offer has not been answered yet.
    pub sub_in_flight: bool,
}

/// Next local candidate of an optional connection (never, when there is none).
async fn next_candidate(side: &mut Option<Side>) -> Option<PeerEvent> {
    match side {
        Some(s) => s.candidates.recv().await,
        None => std::future::pending().await,
    }
}

impl Driver {
    /// Notes the feeds of a `publishers` list to subscribe to.
    pub fn queue_publishers(&mut self, list: &Value) {
        if self.sub.is_none() {
            return;
        }
        for feed in list.as_array().into_iter().flatten() {
            let Some(id) = feed["id"].as_u64() else {
                continue;
            };
            if id != self.me && self.known.insert(id) {
                self.pending.push(id);
            }
        }
    }

    /// The loop: Janus events, local candidates, the participant's commands.
    pub async fn run(
        mut self,
        mut events: mpsc::UnboundedReceiver<Event>,
        mut cmds: mpsc::UnboundedReceiver<Cmd>,
    ) {
        let mut connected = self.shared.connected.subscribe();
        // A publisher whose connection never comes up still subscribes after this long.
        let gate = tokio::time::sleep(self.opts.join_timeout);
        tokio::pin!(gate);
        let mut gate_open = self.publisher.is_none();
        loop {
            gate_open |= *connected.borrow();
            if gate_open
                && !self.sub_in_flight
                && !self.pending.is_empty()
                && let Err(e) = self.subscribe().await
            {
                self.note_error(format!("subscribe: {e:#}"));
            }
            tokio::select! {
                e = events.recv() => match e {
                    Some(e) => if let Err(err) = self.on_event(e).await {
                        self.note_error(format!("{err:#}"));
                    },
                    None => {
                        tracing::info!("Janus closed the websocket");
                        break;
                    }
                },
                Some(c) = next_candidate(&mut self.publisher) => self.trickle(self.handle, c),
                // Before the subscriber handle exists its connection has no candidates yet;
                // `subscribe` sends any that came first.
                Some(c) = next_candidate(&mut self.sub), if self.sub_handle.is_some() => {
                    if let Some(h) = self.sub_handle {
                        self.trickle(h, c);
                    }
                }
                cmd = cmds.recv() => match cmd {
                    Some(Cmd::Send(ClientMessage::VideoSize { track, width, height })) => {
                        if let Err(e) = self.video_size(&track, width, height).await {
                            self.note_error(format!("configure: {e:#}"));
                        }
                    }
                    Some(Cmd::Send(other)) => tracing::debug!(?other, "not for Janus"),
                    Some(Cmd::Leave) | None => {
                        self.leave().await;
                        break;
                    }
                },
                changed = connected.changed(), if !gate_open => {
                    if changed.is_err() {
                        gate_open = true;
                    }
                }
                () = &mut gate, if !gate_open => gate_open = true,
            }
        }
    }

    fn note_error(&self, e: String) {
        tracing::warn!(error = %e, "janus");
        self.shared.with_stats(|s| s.hub_errors.push(e));
    }

    fn trickle(&self, handle: u64, event: PeerEvent) {
        match event {
            // Through a relay, Janus must not learn our own addresses: as the offerer of the
            // subscribing connection it is the controlling agent and would nominate the
            // direct pair, so its media would bypass the impairment. It learns the relay's
            // address from our checks (peer-reflexive) instead.
            PeerEvent::Candidate(_) if self.opts.impair.is_some() => {}
            PeerEvent::Candidate(c) => self.session.trickle(handle, Some(&c)),
            PeerEvent::Down(state) => tracing::info!(%state, "peer connection down"),
        }
    }

    /// The stream entries for `feeds`, each video at the substream of our tile size.
    fn streams(&self, feeds: &[u64]) -> Value {
        let substream = self.opts.video_size.map(substream_for);
        let list: Vec<Value> = feeds
            .iter()
            .map(|f| match substream {
                Some(s) => json!({ "feed": f, "substream": s }),
                None => json!({ "feed": f }),
            })
            .collect();
        Value::Array(list)
    }

    /// Subscribes to the pending feeds: `join` the first time, `subscribe` after.
    async fn subscribe(&mut self) -> anyhow::Result<()> {
        let feeds = std::mem::take(&mut self.pending);
        let streams = self.streams(&feeds);
        let (handle, body) = match self.sub_handle {
            Some(h) => (h, json!({ "request": "subscribe", "streams": streams })),
            None => {
                let h = self.session.attach().await?;
                self.sub_handle = Some(h);
                let mut body = json!({
                    "request": "join", "ptype": "subscriber", "room": self.room,
                    "streams": streams,
                });
                if let Some(p) = self.private_id {
                    body["private_id"] = json!(p);
                }
                (h, body)
            }
        };
        // Candidates gathered before the handle existed go out now.
        self.flush_sub_candidates();
        self.sub_in_flight = true;
        let joining = body["request"] == "join";
        let reply = match self.session.message(handle, body, None).await {
            Ok(r) => r,
            Err(e) => {
                // Refused: nothing is in flight, and a refused join leaves no subscription.
                self.sub_in_flight = false;
                if joining {
                    self.sub_handle = None;
                }
                return Err(e.into());
            }
        };
        self.map_streams(&reply.data);
        if let Some(offer) = reply.jsep {
            let answered = self.answer(handle, offer).await;
            self.sub_in_flight = false;
            answered?;
        }
        // Otherwise (`updating`) the offer comes later as an event.
        Ok(())
    }

    fn flush_sub_candidates(&mut self) {
        let (Some(h), Some(side)) = (self.sub_handle, self.sub.as_mut()) else {
            return;
        };
        let mut early = Vec::new();
        while let Ok(c) = side.candidates.try_recv() {
            early.push(c);
        }
        for c in early {
            self.trickle(h, c);
        }
    }

    /// Records which feed each subscriber m-line carries (`attached`/`updated` streams).
    fn map_streams(&self, data: &Value) {
        let Some(streams) = data["streams"].as_array() else {
            return;
        };
        let mut subs = self.shared.subs.lock().unwrap_or_else(|p| p.into_inner());
        let before = subs.len();
        for s in streams {
            let (Some(mid), Some(feed)) = (s["mid"].as_str(), s["feed_id"].as_u64()) else {
                continue;
            };
            let (kind, source) = match s["type"].as_str() {
                Some("audio") => (TrackKind::Audio, TrackSource::Microphone),
                Some("video") => (TrackKind::Video, TrackSource::Camera),
                _ => continue,
            };
            let feed_mid = s["feed_mid"].as_str().unwrap_or("");
            subs.insert(
                mid.to_owned(),
                TrackInfo {
                    track: TrackId(format!("janus-{feed}-{feed_mid}")),
                    participant: ParticipantId(feed.to_string()),
                    source,
                    kind,
                    simulcast: kind == TrackKind::Video && self.opts.video_size.is_some(),
                },
            );
        }
        let added = subs.len().saturating_sub(before) as u64;
        drop(subs);
        self.shared.with_stats(|s| s.subscribed += added);
    }

    /// Answers an offer Janus made on the subscriber handle and starts the media.
    async fn answer(&mut self, handle: u64, offer: Jsep) -> anyhow::Result<()> {
        let side = self.sub.as_ref().context("no subscribing connection")?;
        let pc = &side.pc;
        let sdp = relay::through(side.relay.as_ref(), offer.sdp);
        pc.set_remote_description(RTCSessionDescription::offer(sdp)?)
            .await?;
        let answer = pc.create_answer(None).await?;
        pc.set_local_description(answer).await?;
        let sdp = pc
            .local_description()
            .await
            .map(|d| d.sdp)
            .context("no local description")?;
        let jsep = json!({ "type": "answer", "sdp": sdp });
        self.session
            .message(handle, json!({ "request": "start" }), Some(jsep))
            .await?;
        self.sub_in_flight = false;
        let since = ms_since(self.shared.joined_at);
        self.shared.with_stats(|s| {
            s.negotiations += 1;
            s.phases.answer_ms.get_or_insert(since);
        });
        Ok(())
    }

    async fn on_event(&mut self, e: Event) -> anyhow::Result<()> {
        let data = e.data.unwrap_or(Value::Null);
        if e.handle == Some(self.handle) {
            // The room's news: new feeds to subscribe to (leaving ones Janus drops itself).
            self.queue_publishers(&data["publishers"]);
            if e.kind == "hangup" {
                tracing::warn!(?data, "Janus hung up the publishing connection");
            }
            return Ok(());
        }
        if e.handle.is_some() && e.handle == self.sub_handle {
            self.map_streams(&data);
            if let (Some(h), Some(offer)) = (self.sub_handle, e.jsep) {
                self.answer(h, offer).await?;
            }
            return Ok(());
        }
        tracing::trace!(kind = %e.kind, ?data, "Janus event");
        Ok(())
    }

    /// A tile size for one subscribed video: its substream, or no media at 0×0.
    async fn video_size(&mut self, track: &TrackId, width: u32, height: u32) -> anyhow::Result<()> {
        let Some(handle) = self.sub_handle else {
            return Ok(());
        };
        let mid = self
            .shared
            .subs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .find(|(_, info)| &info.track == track)
            .map(|(mid, _)| mid.clone());
        let Some(mid) = mid else { return Ok(()) };
        let stream = if width == 0 || height == 0 {
            json!({ "mid": mid, "send": false })
        } else {
            json!({ "mid": mid, "send": true, "substream": substream_for((width, height)) })
        };
        let body = json!({ "request": "configure", "streams": [stream] });
        self.session.message(handle, body, None).await?;
        Ok(())
    }

    /// Leaves the room (and destroys it when we created it), ends the session, closes the
    /// publishing connection; the participant closes the other.
    async fn leave(&mut self) {
        let leave = json!({ "request": "leave" });
        let bounded = Duration::from_secs(3);
        if let Some(h) = self.sub_handle {
            let _ =
                tokio::time::timeout(bounded, self.session.message(h, leave.clone(), None)).await;
        }
        let _ = tokio::time::timeout(bounded, self.session.message(self.handle, leave, None)).await;
        if self.created_room {
            let destroy = json!({ "request": "destroy", "room": self.room });
            let _ = tokio::time::timeout(bounded, self.session.message(self.handle, destroy, None))
                .await;
        }
        let _ = tokio::time::timeout(bounded, self.session.destroy()).await;
        if let (Some(p), Some(_)) = (&self.publisher, &self.sub) {
            let _ = p.pc.close().await;
        }
    }
}
