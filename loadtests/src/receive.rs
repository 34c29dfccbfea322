//! The subscriber side: one task per remote track reads its RTP, finds out which of the hub's
//! tracks it is (from the m-line it arrived on), and counts into the participant's stats.

use std::sync::Arc;

use rtc::peer_connection::event::RTCTrackEventInit;
use rtc::rtp_transceiver::RTCRtpTransceiverId;
use rtc::rtp_transceiver::rtp_sender::RtpCodecKind;
use sfu::TrackKind;
use webrtc::media_stream::track_remote::{TrackRemote, TrackRemoteEvent};

use crate::peer::Shared;
use crate::stats::{Arrival, ms_since};
use crate::synth::{self, now_us};

/// Reads one remote track until it ends.
pub(crate) async fn read_track(track: Arc<dyn TrackRemote>, shared: Arc<Shared>) {
    let kind = track.kind().await;
    // Until the OnOpen event names the m-line, packets count under a placeholder key.
    let mut key = String::from("mid:?");
    while let Some(event) = track.poll().await {
        match event {
            // Simulcast opens once per layer; the first names the track.
            TrackRemoteEvent::OnOpen(init) if key == "mid:?" => {
                key = identify(&shared, &init, kind).await;
            }
            TrackRemoteEvent::OnRtpPacket(packet) => {
                let parsed = match kind {
                    RtpCodecKind::Audio => synth::parse_audio(&packet.payload),
                    _ => synth::parse_vp8(&packet.payload),
                };
                let since = ms_since(shared.joined_at);
                let now = now_us();
                let keyframe = parsed.keyframe;
                let arrival = Arrival {
                    ssrc: packet.header.ssrc,
                    seq: packet.header.sequence_number,
                    payload_len: packet.payload.len(),
                    parsed,
                    since_join_ms: since,
                    now_us: now,
                    repaired: false,
                };
                shared.with_stats(|s| {
                    s.phases.first_rtp_ms.get_or_insert(since);
                    if keyframe {
                        s.phases.first_keyframe_ms.get_or_insert(since);
                    }
                    s.record(&key, arrival);
                });
            }
            TrackRemoteEvent::OnEnded | TrackRemoteEvent::OnError => break,
            _ => {}
        }
    }
    tracing::debug!(%key, "remote track ended");
}

/// The stats key of a newly opened track: the hub's track id when this m-line was set up
/// for a subscription, else `mid:<mid>`. Fills in what is known about the track.
async fn identify(shared: &Arc<Shared>, init: &RTCTrackEventInit, kind: RtpCodecKind) -> String {
    let mid = match mid_of(shared, init).await {
        Some(mid) => mid,
        None => return format!("ssrc:{}", init.ssrc),
    };
    let info = shared
        .subs
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get(&mid)
        .cloned();
    let key = match &info {
        Some(info) => info.track.0.clone(),
        None => format!("mid:{mid}"),
    };
    shared.with_stats(|s| {
        let entry = s.received.entry(key.clone()).or_default();
        entry.kind = Some(match kind {
            RtpCodecKind::Audio => TrackKind::Audio,
            _ => TrackKind::Video,
        });
        if let Some(info) = info {
            entry.track = Some(info.track);
            entry.publisher = Some(info.participant);
        }
    });
    key
}

async fn mid_of(shared: &Arc<Shared>, init: &RTCTrackEventInit) -> Option<String> {
    let pc = shared.pc.get()?;
    let wanted = RTCRtpTransceiverId::from(init.receiver_id);
    for t in pc.get_transceivers().await {
        if t.id() == wanted {
            return t.mid().await.ok().flatten();
        }
    }
    None
}
