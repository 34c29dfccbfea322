//! Building a webrtc-rs peer connection the way a load participant needs it: Opus and VP8
//! only, the simulcast and audio-level header extensions, NACK and RTCP reports, keyframe
//! requests delivered to the application, mDNS off, one UDP socket on a loopback address.
//! Events the participant acts on (local candidates, connection state) come out of a channel;
//! remote tracks are read by [`crate::receive`].

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use rtc::ice::mdns::MulticastDnsMode;
use rtc::interceptor::{Attribute, Interceptor, Packet, Slot, StreamInfo, TaggedPacket};
use rtc::peer_connection::configuration::RTCConfigurationBuilder;
use rtc::peer_connection::configuration::interceptor_registry::register_default_interceptors;
use rtc::peer_connection::configuration::media_engine::{
    MIME_TYPE_OPUS, MIME_TYPE_RTX, MIME_TYPE_VP8, MediaEngine,
};
use rtc::peer_connection::configuration::setting_engine::SettingEngineBuilder;
use rtc::rtcp::payload_feedbacks::full_intra_request::FullIntraRequest;
use rtc::rtcp::payload_feedbacks::picture_loss_indication::PictureLossIndication;
use rtc::rtcp::transport_feedbacks::transport_layer_nack::TransportLayerNack;
use rtc::rtp_transceiver::rtp_sender::{
    RTCPFeedback, RTCRtpCodec, RTCRtpCodecParameters, RTCRtpHeaderExtensionCapability, RtpCodecKind,
};
use rtc::sansio::Protocol;
use sfu::TrackInfo;
use tokio::sync::{mpsc, watch};
use webrtc::media_stream::track_remote::TrackRemote;
use webrtc::peer_connection::{
    PeerConnection, PeerConnectionBuilder, PeerConnectionEventHandler, RTCPeerConnectionIceEvent,
    RTCPeerConnectionState, Registry,
};

use crate::stats::{ParticipantStats, ms_since};

/// Between two ICE connectivity checks of one candidate pair (browsers pace at 50 ms).
const ICE_CHECK_INTERVAL: Duration = Duration::from_millis(50);

/// RTP payload types we offer; the hub may answer others, senders read the negotiated ones.
pub const OPUS_PT: u8 = 111;
pub const VP8_PT: u8 = 96;
/// RTX (RFC 4588) for VP8: without it the hub (str0m) does not retransmit what we NACK.
pub const VP8_RTX_PT: u8 = 97;
pub const AUDIO_LEVEL_URI: &str = "urn:ietf:params:rtp-hdrext:ssrc-audio-level";
pub const MID_URI: &str = "urn:ietf:params:rtp-hdrext:sdes:mid";
pub const RID_URI: &str = "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id";

/// State shared between a participant's signaling loop, its media tasks and its handler.
pub(crate) struct Shared {
    pub stats: Mutex<ParticipantStats>,
    /// Receive-only m-line → the hub's track it was set up to carry.
    pub subs: Mutex<HashMap<String, TrackInfo>>,
    /// When `Participant::join` was called; every `*_ms` in the stats counts from it.
    pub joined_at: Instant,
    /// Filled once the connection is built; remote-track readers look up m-lines through it.
    pub pc: OnceLock<Arc<dyn PeerConnection>>,
    /// True while ICE and DTLS are up; senders wait for it (SRTP keys exist only then).
    pub connected: watch::Sender<bool>,
}

impl Shared {
    pub fn new(name: &str, joined_at: Instant) -> Arc<Shared> {
        let stats = ParticipantStats {
            name: name.to_owned(),
            ..Default::default()
        };
        Arc::new(Shared {
            stats: Mutex::new(stats),
            subs: Mutex::new(HashMap::new()),
            joined_at,
            pc: OnceLock::new(),
            connected: watch::Sender::new(false),
        })
    }

    /// Resolves once the peer connection is connected (at once when it already is).
    pub async fn wait_connected(&self) {
        let mut rx = self.connected.subscribe();
        let _ = rx.wait_for(|up| *up).await;
    }

    /// Runs `f` on the stats; a poisoned lock (a panicked task) still yields the data.
    pub fn with_stats<R>(&self, f: impl FnOnce(&mut ParticipantStats) -> R) -> R {
        let mut guard = self.stats.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut guard)
    }
}

/// What the peer connection tells the participant's loop.
#[derive(Debug)]
pub(crate) enum PeerEvent {
    /// A local ICE candidate, as the `candidate:` attribute line.
    Candidate(String),
    /// The connection failed or closed.
    Down(RTCPeerConnectionState),
}

struct Handler {
    shared: Arc<Shared>,
    events: mpsc::UnboundedSender<PeerEvent>,
}

#[async_trait::async_trait]
impl PeerConnectionEventHandler for Handler {
    async fn on_ice_candidate(&self, event: RTCPeerConnectionIceEvent) {
        match event.candidate.to_json() {
            Ok(init) => {
                let _ = self.events.send(PeerEvent::Candidate(init.candidate));
            }
            Err(e) => tracing::warn!(error = %e, "local candidate could not be written"),
        }
    }

    async fn on_connection_state_change(&self, state: RTCPeerConnectionState) {
        tracing::debug!(%state, "peer connection state");
        match state {
            RTCPeerConnectionState::Connected => {
                self.shared.with_stats(|s| {
                    s.connected = true;
                    s.connected_ms
                        .get_or_insert(ms_since(self.shared.joined_at));
                });
                self.shared.connected.send_replace(true);
            }
            RTCPeerConnectionState::Failed | RTCPeerConnectionState::Closed => {
                self.shared.with_stats(|s| s.connected = false);
                self.shared.connected.send_replace(false);
                let _ = self.events.send(PeerEvent::Down(state));
            }
            _ => {}
        }
    }

    async fn on_track(&self, track: Arc<dyn TrackRemote>) {
        tokio::spawn(crate::receive::read_track(track, Arc::clone(&self.shared)));
    }
}

/// Builds the peer connection bound to `bind_ip` (port chosen by the OS) and stores it in
/// `shared.pc`.
pub(crate) async fn build(
    shared: &Arc<Shared>,
    bind_ip: IpAddr,
) -> anyhow::Result<(Arc<dyn PeerConnection>, mpsc::UnboundedReceiver<PeerEvent>)> {
    let mut media_engine = media_engine()?;
    let registry = register_default_interceptors(Registry::new(), &mut media_engine)?
        // Last in the chain, so every interceptor has seen the RTCP before it is marked.
        .with(Slot::from(14_000), Tap::application_side())
        // First from the wire: sees the NACKs and PLIs the generators emit and every inbound
        // feedback before anything consumes it.
        .with(Slot::from(100), Tap::wire_side(Arc::clone(shared)));
    let settings = SettingEngineBuilder::new()
        .with_multicast_dns_mode(MulticastDnsMode::Disabled)
        // Check pacing like a browser's (RFC 8445's Ta of 50 ms) rather than webrtc-rs's
        // 200 ms, over the same 1.4 s: as the offerer this client nominates, so its pacing
        // alone would otherwise set the ICE phase of every join it measures.
        .with_ice_connection_attempts(Some(ICE_CHECK_INTERVAL), Some(28))
        .build();
    let (tx, rx) = mpsc::unbounded_channel();
    let handler = Arc::new(Handler {
        shared: Arc::clone(shared),
        events: tx,
    });
    let pc = PeerConnectionBuilder::new()
        .with_configuration(RTCConfigurationBuilder::new().build())
        .with_media_engine(media_engine)
        .with_interceptor_registry(registry)
        .with_setting_engine(settings)
        .with_handler(handler)
        .with_udp_addrs(vec![std::net::SocketAddr::new(bind_ip, 0)])
        .build()
        .await?;
    let pc: Arc<dyn PeerConnection> = Arc::new(pc);
    let _ = shared.pc.set(Arc::clone(&pc));
    Ok((pc, rx))
}

fn media_engine() -> anyhow::Result<MediaEngine> {
    let mut me = MediaEngine::default();
    let opus = RTCRtpCodec {
        mime_type: MIME_TYPE_OPUS.to_owned(),
        clock_rate: 48_000,
        channels: 2,
        sdp_fmtp_line: "minptime=10;useinbandfec=1".to_owned(),
        rtcp_feedback: vec![],
    };
    me.register_codec(
        RTCRtpCodecParameters {
            rtp_codec: opus,
            payload_type: OPUS_PT,
        },
        RtpCodecKind::Audio,
    )?;
    let fir = RTCPFeedback {
        typ: "ccm".to_owned(),
        parameter: "fir".to_owned(),
    };
    let vp8 = RTCRtpCodec {
        mime_type: MIME_TYPE_VP8.to_owned(),
        clock_rate: 90_000,
        channels: 0,
        sdp_fmtp_line: String::new(),
        rtcp_feedback: vec![fir],
    };
    me.register_codec(
        RTCRtpCodecParameters {
            rtp_codec: vp8,
            payload_type: VP8_PT,
        },
        RtpCodecKind::Video,
    )?;
    let rtx = RTCRtpCodec {
        mime_type: MIME_TYPE_RTX.to_owned(),
        clock_rate: 90_000,
        channels: 0,
        sdp_fmtp_line: format!("apt={VP8_PT}"),
        rtcp_feedback: vec![],
    };
    me.register_codec(
        RTCRtpCodecParameters {
            rtp_codec: rtx,
            payload_type: VP8_RTX_PT,
        },
        RtpCodecKind::Video,
    )?;
    for uri in [MID_URI, AUDIO_LEVEL_URI] {
        let cap = RTCRtpHeaderExtensionCapability {
            uri: uri.to_owned(),
        };
        me.register_header_extension(cap, RtpCodecKind::Audio, None)?;
    }
    Ok(me)
}

/// An interceptor that lets everything through. On the application side it marks inbound
/// RTCP that carries a keyframe request (PLI or FIR) for delivery to the application (the
/// rest ends in the interceptor chain as usual); on the wire side it counts the feedback that
/// goes out and comes in, into the participant's [`Feedback`](crate::stats::Feedback).
struct Tap {
    reads: VecDeque<TaggedPacket>,
    writes: VecDeque<TaggedPacket>,
    wire: Option<Arc<Shared>>,
}

impl Tap {
    fn application_side() -> Tap {
        Tap {
            reads: VecDeque::new(),
            writes: VecDeque::new(),
            wire: None,
        }
    }

    fn wire_side(shared: Arc<Shared>) -> Tap {
        Tap {
            wire: Some(shared),
            ..Tap::application_side()
        }
    }
}

/// Counts one RTCP batch: `outbound` ones are ours (a subscriber's NACKs and PLIs).
fn count_feedback(shared: &Shared, packets: &[Box<dyn rtc::rtcp::Packet>], outbound: bool) {
    for p in packets {
        let any = p.as_any();
        let pli = any.is::<PictureLossIndication>() || any.is::<FullIntraRequest>();
        let nack = any.downcast_ref::<TransportLayerNack>();
        if !pli && nack.is_none() {
            continue;
        }
        shared.with_stats(|s| match (outbound, nack) {
            (true, Some(n)) => {
                s.feedback.nacks_sent += 1;
                for pair in &n.nacks {
                    let seqs = pair.packet_list();
                    s.feedback.nacked_seqs_sent += seqs.len() as u64;
                    s.note_nacked(n.media_ssrc, seqs);
                }
            }
            (true, None) => s.feedback.plis_sent += 1,
            (false, Some(_)) => s.feedback.nacks_received += 1,
            (false, None) => s.feedback.plis_received += 1,
        });
    }
}

impl Protocol<TaggedPacket, TaggedPacket, ()> for Tap {
    type Rout = TaggedPacket;
    type Wout = TaggedPacket;
    type Eout = ();
    type Error = rtc::shared::error::Error;
    type Time = Instant;

    fn handle_read(&mut self, mut msg: TaggedPacket) -> Result<(), Self::Error> {
        if let Packet::Rtcp(packets) = &msg.message.packet {
            match &self.wire {
                Some(shared) => count_feedback(shared, packets, false),
                None if wants_keyframe(packets) => {
                    msg.message.add(Attribute::DeliverToApplication);
                }
                None => {}
            }
        }
        self.reads.push_back(msg);
        Ok(())
    }

    fn poll_read(&mut self) -> Option<TaggedPacket> {
        self.reads.pop_front()
    }

    fn handle_write(&mut self, msg: TaggedPacket) -> Result<(), Self::Error> {
        if let (Some(shared), Packet::Rtcp(packets)) = (&self.wire, &msg.message.packet) {
            count_feedback(shared, packets, true);
        }
        self.writes.push_back(msg);
        Ok(())
    }

    fn poll_write(&mut self) -> Option<TaggedPacket> {
        self.writes.pop_front()
    }
}

impl Interceptor for Tap {
    fn bind_local_stream(&mut self, _info: &StreamInfo) {}
    fn unbind_local_stream(&mut self, _info: &StreamInfo) {}
    fn bind_remote_stream(&mut self, _info: &StreamInfo) {}
    fn unbind_remote_stream(&mut self, _info: &StreamInfo) {}
}

/// Whether an RTCP batch asks for a keyframe.
pub(crate) fn wants_keyframe(packets: &[Box<dyn rtc::rtcp::Packet>]) -> bool {
    packets.iter().any(|p| {
        let any = p.as_any();
        any.is::<PictureLossIndication>() || any.is::<FullIntraRequest>()
    })
}
