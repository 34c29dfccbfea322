//! The async face of the media runtime: a cheap, cloneable handle that signaling sessions
//! use to send [`Command`]s to the event loop that owns their room.

use tokio::sync::{mpsc, oneshot};

use crate::api::{
    MediaStats, OfferOutcome, ParticipantId, PublishSpec, RoomId, SfuError, SubscribeSpec, TrackId,
};

/// One request to the media event loop. Replies travel back on the oneshot.
#[derive(Debug)]
pub enum Command {
    Join {
        room: RoomId,
        participant: ParticipantId,
        reply: oneshot::Sender<Result<(), SfuError>>,
    },
    Offer {
        participant: ParticipantId,
        sdp: String,
        publish: Vec<PublishSpec>,
        subscribe: Vec<SubscribeSpec>,
        reply: oneshot::Sender<Result<OfferOutcome, SfuError>>,
    },
    Candidate {
        participant: ParticipantId,
        candidate: String,
        reply: oneshot::Sender<Result<(), SfuError>>,
    },
    Unsubscribe {
        participant: ParticipantId,
        track: TrackId,
        reply: oneshot::Sender<Result<(), SfuError>>,
    },
    /// The size (in device pixels) at which the subscriber shows `track`; 0×0 pauses it.
    VideoSize {
        participant: ParticipantId,
        track: TrackId,
        width: u32,
        height: u32,
    },
    Leave {
        participant: ParticipantId,
    },
    Stats {
        reply: oneshot::Sender<Result<MediaStats, SfuError>>,
    },
}

/// Cloneable handle to the media runtime.
#[derive(Debug, Clone)]
pub struct SfuHandle {
    tx: mpsc::Sender<Command>,
}

impl SfuHandle {
    pub fn new(tx: mpsc::Sender<Command>) -> Self {
        Self { tx }
    }

    async fn request<T>(
        &self,
        make: impl FnOnce(oneshot::Sender<Result<T, SfuError>>) -> Command,
    ) -> Result<T, SfuError> {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(make(reply))
            .await
            .map_err(|_| SfuError::ShuttingDown)?;
        rx.await.map_err(|_| SfuError::ShuttingDown)?
    }

    /// The runtime's counters and histograms since it started.
    pub async fn stats(&self) -> Result<MediaStats, SfuError> {
        self.request(|reply| Command::Stats { reply }).await
    }

    pub async fn join(&self, room: RoomId, participant: ParticipantId) -> Result<(), SfuError> {
        self.request(|reply| Command::Join {
            room,
            participant,
            reply,
        })
        .await
    }

    pub async fn offer(
        &self,
        participant: ParticipantId,
        sdp: String,
        publish: Vec<PublishSpec>,
        subscribe: Vec<SubscribeSpec>,
    ) -> Result<OfferOutcome, SfuError> {
        self.request(|reply| Command::Offer {
            participant,
            sdp,
            publish,
            subscribe,
            reply,
        })
        .await
    }

    pub async fn candidate(
        &self,
        participant: ParticipantId,
        candidate: String,
    ) -> Result<(), SfuError> {
        self.request(|reply| Command::Candidate {
            participant,
            candidate,
            reply,
        })
        .await
    }

    pub async fn unsubscribe(
        &self,
        participant: ParticipantId,
        track: TrackId,
    ) -> Result<(), SfuError> {
        self.request(|reply| Command::Unsubscribe {
            participant,
            track,
            reply,
        })
        .await
    }

    /// Fire-and-forget: layer choice follows the latest size; a lost update is harmless.
    pub fn video_size(&self, participant: ParticipantId, track: TrackId, width: u32, height: u32) {
        let _ = self.tx.try_send(Command::VideoSize {
            participant,
            track,
            width,
            height,
        });
    }

    /// Fire-and-forget: leaving during shutdown needs no reply.
    pub async fn leave(&self, participant: ParticipantId) {
        let _ = self.tx.send(Command::Leave { participant }).await;
    }
}
