//! The publisher side: send-only transceivers for a microphone (Opus-sized audio) and a
//! camera (VP8, one layer or three RID simulcast layers), and the tasks that pace synthetic
//! packets onto them once negotiation is done. A PLI or FIR from the hub makes the next frame
//! of every layer a keyframe.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use bytes::Bytes;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rtc::media_stream::MediaStreamTrack;
use rtc::peer_connection::configuration::media_engine::{MIME_TYPE_OPUS, MIME_TYPE_VP8};
use rtc::rtp;
use rtc::rtp_transceiver::rtp_sender::{
    RTCRtpCodec, RTCRtpCodingParameters, RTCRtpEncodingParameters, RtpCodecKind,
};
use rtc::rtp_transceiver::{RTCRtpTransceiverDirection, RTCRtpTransceiverInit};
use sfu::{PublishSpec, TrackSource};
use tokio::task::JoinHandle;
use tokio::time::MissedTickBehavior;
use webrtc::media_stream::track_local::static_rtp::TrackLocalStaticRTP;
use webrtc::media_stream::track_local::{TrackLocal, TrackLocalEvent};
use webrtc::peer_connection::PeerConnection;
use webrtc::rtp_transceiver::RtpTransceiver;

use crate::peer::{AUDIO_LEVEL_URI, MID_URI, RID_URI, Shared, wants_keyframe};
use crate::synth::{self, Layer, Probe, now_us};

/// Largest RTP payload we make; keeps packets under a typical path MTU with SRTP overhead.
pub const MAX_PAYLOAD: usize = 1100;

/// What a participant publishes and how.
#[derive(Debug, Clone)]
pub struct MediaOptions {
    pub audio: bool,
    pub video: bool,
    /// Three RID layers `q`, `h`, `f`; otherwise one layer at the `q` rate.
    pub simulcast: bool,
    /// Target bit rates of `q`, `h`, `f` in kbit/s.
    pub video_kbps: [u32; 3],
    pub fps: u32,
    pub keyframe_interval: Duration,
    /// Seeds payload sizes and initial RTP numbers.
    pub seed: u64,
}

impl Default for MediaOptions {
    fn default() -> Self {
        MediaOptions {
            audio: true,
            video: true,
            simulcast: true,
            video_kbps: [150, 500, 1500],
            fps: 30,
            keyframe_interval: Duration::from_secs(2),
            seed: 1,
        }
    }
}

struct PubTrack {
    source: TrackSource,
    local: Arc<TrackLocalStaticRTP>,
    transceiver: Arc<dyn RtpTransceiver>,
    /// (layer, ssrc) of each RTP stream of this track.
    streams: Vec<(Layer, u32)>,
}

/// The send-only transceivers of one participant.
pub(crate) struct Publisher {
    tracks: Vec<PubTrack>,
}

/// Where a sender writes: negotiated payload type and header extension ids.
#[derive(Debug, Clone)]
struct Wire {
    pt: u8,
    mid: Option<(u8, Bytes)>,
    rid_id: Option<u8>,
    audio_level_id: Option<u8>,
}

impl Publisher {
    /// Adds the send-only transceivers `opts` asks for; nothing is sent until [`Self::start`].
    pub async fn add(
        pc: &Arc<dyn PeerConnection>,
        opts: &MediaOptions,
    ) -> anyhow::Result<Publisher> {
        let mut tracks = Vec::new();
        if opts.audio {
            let layers = [Layer::Audio];
            tracks.push(add_track(pc, TrackSource::Microphone, &layers, false).await?);
        }
        if opts.video {
            let layers: &[Layer] = if opts.simulcast {
                &[Layer::Q, Layer::H, Layer::F]
            } else {
                &[Layer::Q]
            };
            tracks.push(add_track(pc, TrackSource::Camera, layers, opts.simulcast).await?);
        }
        Ok(Publisher { tracks })
    }

    /// The `publish` list of the offer; call after `set_local_description` (mids exist then).
    pub async fn specs(&self) -> anyhow::Result<Vec<PublishSpec>> {
        let mut specs = Vec::new();
        for t in &self.tracks {
            let mid = t
                .transceiver
                .mid()
                .await?
                .ok_or_else(|| anyhow::anyhow!("publish m-line has no mid"))?;
            specs.push(PublishSpec {
                mid,
                source: t.source,
            });
        }
        Ok(specs)
    }

    /// Starts pacing media on every track (call once the answer is applied).
    pub async fn start(
        &self,
        shared: &Arc<Shared>,
        opts: &MediaOptions,
    ) -> anyhow::Result<Vec<JoinHandle<()>>> {
        let mut tasks = Vec::new();
        for (i, t) in self.tracks.iter().enumerate() {
            let wire = wire(t).await?;
            let keyframe = Arc::new(AtomicBool::new(false));
            let names: Vec<String> = t
                .streams
                .iter()
                .map(|(l, _)| stream_name(*l, opts.simulcast))
                .collect();
            tasks.push(tokio::spawn(watch_rtcp(
                Arc::clone(&t.local),
                Arc::clone(&keyframe),
                Arc::clone(shared),
                names,
            )));
            let seed = opts.seed.wrapping_mul(31).wrapping_add(i as u64);
            let sender = Sender {
                local: Arc::clone(&t.local),
                wire,
                shared: Arc::clone(shared),
                rng: StdRng::seed_from_u64(seed),
            };
            tasks.push(match t.source.kind() {
                sfu::TrackKind::Audio => tokio::spawn(sender.audio(t.streams[0].1)),
                sfu::TrackKind::Video => {
                    tokio::spawn(sender.video(t.streams.clone(), keyframe, opts.clone()))
                }
            });
        }
        Ok(tasks)
    }
}

fn stream_name(layer: Layer, simulcast: bool) -> String {
    match layer {
        Layer::Audio => "audio".to_owned(),
        l if simulcast => format!("video/{}", l.rid()),
        _ => "video".to_owned(),
    }
}

async fn add_track(
    pc: &Arc<dyn PeerConnection>,
    source: TrackSource,
    layers: &[Layer],
    simulcast: bool,
) -> anyhow::Result<PubTrack> {
    let (kind, codec) = match source.kind() {
        sfu::TrackKind::Audio => (RtpCodecKind::Audio, codec(MIME_TYPE_OPUS, 48_000, 2)),
        sfu::TrackKind::Video => (RtpCodecKind::Video, codec(MIME_TYPE_VP8, 90_000, 0)),
    };
    let streams: Vec<(Layer, u32)> = layers.iter().map(|l| (*l, rand::random::<u32>())).collect();
    let codings = streams
        .iter()
        .map(|(layer, ssrc)| RTCRtpEncodingParameters {
            rtp_coding_parameters: RTCRtpCodingParameters {
                rid: if simulcast {
                    layer.rid().to_owned()
                } else {
                    Default::default()
                },
                ssrc: Some(*ssrc),
                ..Default::default()
            },
            codec: codec.clone(),
            ..Default::default()
        })
        .collect();
    let tag: u32 = rand::random();
    let track = MediaStreamTrack::new(
        format!("ghl-{tag:08x}"),
        format!("ghl-{tag:08x}-{}", stream_name(layers[0], false)),
        format!("{source:?}"),
        kind,
        codings,
    );
    let local = Arc::new(TrackLocalStaticRTP::new(track));
    let init = RTCRtpTransceiverInit {
        direction: RTCRtpTransceiverDirection::Sendonly,
        streams: vec![],
        send_encodings: vec![],
    };
    let transceiver = pc
        .add_transceiver_from_track(Arc::clone(&local) as Arc<dyn TrackLocal>, Some(init))
        .await?;
    Ok(PubTrack {
        source,
        local,
        transceiver,
        streams,
    })
}

fn codec(mime: &str, clock_rate: u32, channels: u16) -> RTCRtpCodec {
    RTCRtpCodec {
        mime_type: mime.to_owned(),
        clock_rate,
        channels,
        sdp_fmtp_line: String::new(),
        rtcp_feedback: vec![],
    }
}

async fn wire(t: &PubTrack) -> anyhow::Result<Wire> {
    let sender = t
        .transceiver
        .sender()
        .await?
        .ok_or_else(|| anyhow::anyhow!("publish transceiver has no sender"))?;
    let params = sender.get_parameters().await?;
    let pt = params
        .rtp_parameters
        .codecs
        .first()
        .map(|c| c.payload_type)
        .ok_or_else(|| anyhow::anyhow!("no codec negotiated"))?;
    let ext = |uri: &str| {
        params
            .rtp_parameters
            .header_extensions
            .iter()
            .find(|e| e.uri == uri)
            .map(|e| e.id as u8)
    };
    let mid = t.transceiver.mid().await?;
    Ok(Wire {
        pt,
        mid: ext(MID_URI).zip(mid.map(Bytes::from)),
        rid_id: ext(RID_URI),
        audio_level_id: ext(AUDIO_LEVEL_URI),
    })
}

/// Counts keyframe requests from the hub and raises the flag the video sender reads.
async fn watch_rtcp(
    local: Arc<TrackLocalStaticRTP>,
    keyframe: Arc<AtomicBool>,
    shared: Arc<Shared>,
    names: Vec<String>,
) {
    while let Some(event) = local.poll().await {
        let TrackLocalEvent::OnRtcpPacket(packets) = event else {
            continue;
        };
        if wants_keyframe(&packets) {
            keyframe.store(true, Ordering::Relaxed);
            shared.with_stats(|s| {
                for n in &names {
                    s.sent.entry(n.clone()).or_default().keyframe_requests += 1;
                }
            });
        }
    }
}

/// One track's packet writer.
struct Sender {
    local: Arc<TrackLocalStaticRTP>,
    wire: Wire,
    shared: Arc<Shared>,
    rng: StdRng,
}

/// Per-stream RTP numbering.
struct StreamState {
    layer: Layer,
    ssrc: u32,
    seq: u16,
    ts: u32,
    probe_seq: u32,
    picture_id: u16,
    name: String,
}

impl Sender {
    async fn audio(mut self, ssrc: u32) {
        let mut st = self.stream(Layer::Audio, ssrc, false);
        self.shared.wait_connected().await;
        let mut tick = tokio::time::interval(Duration::from_millis(20));
        tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let len = self.rng.random_range(60..=120);
            let probe = Probe {
                layer: Layer::Audio,
                seq: st.probe_seq,
                sent_us: now_us(),
            };
            let payload = synth::audio_payload(probe, len);
            self.write(&mut st, payload, false, false).await;
            st.ts = st.ts.wrapping_add(960);
        }
    }

    async fn video(
        mut self,
        streams: Vec<(Layer, u32)>,
        keyframe: Arc<AtomicBool>,
        opts: MediaOptions,
    ) {
        let fps = opts.fps.max(1);
        let mut states: Vec<StreamState> = streams
            .iter()
            .map(|(l, s)| self.stream(*l, *s, opts.simulcast))
            .collect();
        let kf_every = (opts.keyframe_interval.as_secs_f64() * f64::from(fps))
            .round()
            .max(1.0) as u64;
        self.shared.wait_connected().await;
        let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / f64::from(fps)));
        tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
        for frame in 0u64.. {
            tick.tick().await;
            let is_key = frame % kf_every == 0 || keyframe.swap(false, Ordering::Relaxed);
            for st in &mut states {
                let idx = match st.layer {
                    Layer::H => 1,
                    Layer::F => 2,
                    _ => 0,
                };
                let mut bytes = (opts.video_kbps[idx] as usize * 1000 / 8) / fps as usize;
                if is_key {
                    bytes *= 3;
                }
                self.frame(st, is_key, bytes.max(64)).await;
                st.ts = st.ts.wrapping_add(90_000 / fps);
                st.picture_id = st.picture_id.wrapping_add(1) & 0x7fff;
            }
        }
    }

    /// Sends one video frame of about `bytes` bytes, split into packets.
    async fn frame(&mut self, st: &mut StreamState, keyframe: bool, bytes: usize) {
        let packets = bytes.div_ceil(MAX_PAYLOAD).max(1);
        let per = bytes / packets;
        for i in 0..packets {
            let probe = Probe {
                layer: st.layer,
                seq: st.probe_seq,
                sent_us: now_us(),
            };
            let payload = synth::vp8_payload(st.picture_id, keyframe, i == 0, probe, per);
            self.write(st, payload, i + 1 == packets, keyframe && i == 0)
                .await;
        }
    }

    fn stream(&mut self, layer: Layer, ssrc: u32, simulcast: bool) -> StreamState {
        StreamState {
            layer,
            ssrc,
            seq: self.rng.random(),
            ts: self.rng.random(),
            probe_seq: 0,
            picture_id: self.rng.random::<u16>() & 0x7fff,
            name: stream_name(layer, simulcast),
        }
    }

    async fn write(
        &mut self,
        st: &mut StreamState,
        payload: Vec<u8>,
        marker: bool,
        keyframe: bool,
    ) {
        let mut header = rtp::header::Header {
            version: 2,
            marker,
            payload_type: self.wire.pt,
            sequence_number: st.seq,
            timestamp: st.ts,
            ssrc: st.ssrc,
            ..Default::default()
        };
        if let Some((id, mid)) = &self.wire.mid {
            let _ = header.set_extension(*id, mid.clone());
        }
        if let (Some(id), true) = (
            self.wire.rid_id,
            !st.layer.rid().is_empty() && st.name.contains('/'),
        ) {
            let _ = header.set_extension(id, Bytes::from_static(st.layer.rid().as_bytes()));
        }
        if let (Some(id), Layer::Audio) = (self.wire.audio_level_id, st.layer) {
            // Voice activity on, level −30 dBov: a speaking participant.
            let _ = header.set_extension(id, Bytes::from_static(&[0x80 | 30]));
        }
        let len = payload.len() as u64;
        let result = self
            .local
            .write_rtp(rtp::Packet {
                header,
                payload: Bytes::from(payload),
            })
            .await;
        st.seq = st.seq.wrapping_add(1);
        st.probe_seq = st.probe_seq.wrapping_add(1);
        self.shared.with_stats(|s| {
            let e = s.sent.entry(st.name.clone()).or_default();
            match result {
                Ok(()) => {
                    e.packets += 1;
                    e.bytes += len;
                    e.keyframes += u64::from(keyframe);
                }
                Err(_) => e.write_errors += 1,
            }
        });
    }
}
