//! The signaling hub: configuration, the shared state every session and route uses, and the
//! task that turns SFU events into room messages.

use std::sync::Arc;
use std::time::Duration;

use sfu::{SfuEvent, SfuHandle};
use tokio::sync::mpsc::UnboundedReceiver;
use tracing::{debug, warn};

use crate::registry::{MediaEndOutcome, Registry};
use crate::token::TokenIssuer;

/// Everything signaling can be tuned by. Libraries take values; the binary maps flags and
/// environment onto this.
#[derive(Debug, Clone)]
pub struct SignalingConfig {
    /// Hand out join tokens to anyone at `POST /api/v1/dev/tokens`. Never in production.
    pub dev_mode: bool,
    /// Seats per room, attached or waiting for a resume.
    pub max_participants: usize,
    /// How long a dropped websocket's seat waits for `resume`.
    pub resume_grace: Duration,
    /// Largest websocket message (and frame) accepted; larger ones close the connection.
    pub max_frame_bytes: usize,
    /// Lifetime of tokens from the development endpoint.
    pub token_ttl: Duration,
    /// Sustained client messages per second per connection.
    pub rate_per_sec: u32,
    /// Messages a connection may send in a burst above the sustained rate.
    pub rate_burst: u32,
    /// Messages queued for one session before it counts as fallen behind and is closed.
    pub outbox_capacity: usize,
}

impl Default for SignalingConfig {
    fn default() -> Self {
        Self {
            dev_mode: false,
            max_participants: 100,
            resume_grace: Duration::from_secs(10),
            max_frame_bytes: 64 * 1024,
            token_ttl: Duration::from_secs(10 * 60),
            rate_per_sec: 50,
            rate_burst: 100,
            outbox_capacity: 512,
        }
    }
}

/// The shared signaling state: one per hub, behind an `Arc`.
pub struct Signaling {
    pub(crate) config: SignalingConfig,
    pub(crate) issuer: TokenIssuer,
    pub(crate) sfu: SfuHandle,
    pub(crate) registry: Arc<Registry>,
}

impl std::fmt::Debug for Signaling {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signaling")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Signaling {
    /// Builds the hub and spawns the task consuming `events`; call inside a tokio runtime.
    pub fn new(
        config: SignalingConfig,
        issuer: TokenIssuer,
        sfu: SfuHandle,
        events: UnboundedReceiver<SfuEvent>,
    ) -> Arc<Self> {
        if config.dev_mode {
            warn!(
                "signaling DEV MODE is ON: anyone can get a join token for any room at \
                 POST /api/v1/dev/tokens; never run this in production"
            );
        }
        let registry = Registry::new(
            sfu.clone(),
            config.resume_grace,
            config.max_participants.max(1),
        );
        let hub = Arc::new(Self {
            config,
            issuer,
            sfu,
            registry,
        });
        tokio::spawn(consume_events(
            Arc::clone(&hub.registry),
            hub.sfu.clone(),
            events,
        ));
        hub
    }

    pub fn config(&self) -> &SignalingConfig {
        &self.config
    }

    /// The issuer join tokens are checked with (for `govhub token` and the workspace API).
    pub fn issuer(&self) -> &TokenIssuer {
        &self.issuer
    }
}

/// Ends when the SFU drops its sender (hub shutdown).
async fn consume_events(
    registry: Arc<Registry>,
    sfu: SfuHandle,
    mut events: UnboundedReceiver<SfuEvent>,
) {
    while let Some(event) = events.recv().await {
        debug!(?event, "sfu event");
        match event {
            SfuEvent::MediaConnected { participant, .. } => registry.media_connected(&participant),
            SfuEvent::Speaking {
                participant,
                speaking,
                ..
            } => {
                registry.set_speaking(&participant, speaking);
            }
            SfuEvent::ActiveSpeaker { room, participant } => {
                registry.active_speaker(&room, &participant);
            }
            SfuEvent::MediaEnded {
                room,
                participant,
                reason,
            } => match registry.media_ended(&room, &participant, reason) {
                MediaEndOutcome::Unknown => {}
                MediaEndOutcome::Released => sfu.leave(participant).await,
                MediaEndOutcome::Reset => reset_media(&sfu, room, participant).await,
            },
        }
    }
    debug!("sfu event stream ended");
}

/// Gives an attached participant a fresh SFU peer so that its next offer starts clean.
async fn reset_media(sfu: &SfuHandle, room: sfu::RoomId, participant: sfu::ParticipantId) {
    sfu.leave(participant.clone()).await;
    if let Err(e) = sfu.join(room, participant.clone()).await {
        warn!(%participant, error = %e, "could not re-create the media peer");
    }
}
