//! What a participant measured: per received track counters, latency samples and loss, and
//! per published stream counters. Plain data, serialisable into the load report.

use std::collections::BTreeMap;
use std::time::Instant;

use serde::Serialize;
use sfu::{ParticipantId, TrackId, TrackKind};

use crate::synth::{Layer, Parsed};

/// Latency samples kept per track; later ones are dropped (the counters keep counting).
pub const MAX_LATENCY_SAMPLES: usize = 50_000;

/// Counters for one track this participant receives.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TrackRecvStats {
    pub track: Option<TrackId>,
    /// Who publishes it, when the hub told us.
    pub publisher: Option<ParticipantId>,
    pub kind: Option<TrackKind>,
    pub packets: u64,
    /// RTP payload bytes.
    pub bytes: u64,
    /// Milliseconds from the `join` call to the first packet of this track.
    pub first_packet_ms: Option<u64>,
    /// Packets that started a VP8 keyframe.
    pub keyframes: u64,
    /// Packets missing by RTP sequence number, summed over the SSRCs the track arrived on
    /// (the hub sends one SSRC and keeps numbers continuous across layer switches).
    pub lost: u64,
    /// Packets that carried a probe, per simulcast layer (`audio`, `q`, `h`, `f`).
    pub packets_by_layer: BTreeMap<String, u64>,
    /// One-way latency samples in microseconds (probe send time to arrival).
    #[serde(skip)]
    pub latency_us: Vec<u32>,
    #[serde(skip)]
    seq: BTreeMap<u32, SeqTracker>,
}

impl TrackRecvStats {
    /// Accounts one received packet. `since_join_ms` is the time from join to now.
    pub fn record(
        &mut self,
        rtp: (u32, u16),
        payload_len: usize,
        parsed: Parsed,
        since_join_ms: u64,
        now_us: u64,
    ) {
        self.packets += 1;
        self.bytes += payload_len as u64;
        self.first_packet_ms.get_or_insert(since_join_ms);
        if parsed.keyframe {
            self.keyframes += 1;
        }
        let (ssrc, seq) = rtp;
        self.seq.entry(ssrc).or_default().push(seq);
        self.lost = self.seq.values().map(SeqTracker::lost).sum();
        if let Some(probe) = parsed.probe {
            let name = match probe.layer {
                Layer::Audio => "audio",
                l => l.rid(),
            };
            *self.packets_by_layer.entry(name.to_owned()).or_default() += 1;
            if self.latency_us.len() < MAX_LATENCY_SAMPLES {
                let lat = now_us
                    .saturating_sub(probe.sent_us)
                    .min(u64::from(u32::MAX));
                self.latency_us.push(lat as u32);
            }
        }
    }

    /// Latency percentile `p` in 0..=100, in microseconds; `None` without samples.
    pub fn latency_percentile_us(&self, p: f64) -> Option<u32> {
        percentile(&self.latency_us, p)
    }
}

/// `p`-th percentile (nearest rank) of unsorted samples.
pub fn percentile(samples: &[u32], p: f64) -> Option<u32> {
    if samples.is_empty() {
        return None;
    }
    let mut v = samples.to_vec();
    v.sort_unstable();
    let rank = ((p.clamp(0.0, 100.0) / 100.0) * (v.len() - 1) as f64).round() as usize;
    Some(v[rank])
}

/// Loss from RTP sequence numbers: expected (extended max − first + 1) minus received,
/// as RFC 3550 counts it; reordering and duplicates do not count as loss for long.
#[derive(Debug, Clone, Default)]
struct SeqTracker {
    first: Option<i64>,
    max_ext: i64,
    received: i64,
}

impl SeqTracker {
    fn push(&mut self, seq: u16) {
        let seq = i64::from(seq);
        if self.first.is_none() {
            self.first = Some(seq);
            self.max_ext = seq;
        } else {
            // Unwrap around the max seen: the extended value closest to it.
            let base = self.max_ext - (self.max_ext & 0xffff);
            let ext = [base + seq - 0x1_0000, base + seq, base + seq + 0x1_0000]
                .into_iter()
                .min_by_key(|c| (c - self.max_ext).abs())
                .unwrap_or(seq);
            self.max_ext = self.max_ext.max(ext);
        }
        self.received += 1;
    }

    fn lost(&self) -> u64 {
        let expected = self.max_ext - self.first.unwrap_or(self.max_ext) + 1;
        (expected - self.received).max(0) as u64
    }
}

/// Counters for one stream this participant sends.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SendStats {
    pub packets: u64,
    pub bytes: u64,
    pub keyframes: u64,
    /// Keyframe requests (PLI/FIR) the hub sent us.
    pub keyframe_requests: u64,
    /// `write_rtp` refusals (e.g. before negotiation finished).
    pub write_errors: u64,
}

/// When each step of joining finished, in milliseconds from the `join` call (the token
/// fetch included). `None` until it happens.
#[derive(Debug, Clone, Default, Serialize)]
pub struct JoinPhases {
    /// The signaling websocket is open.
    pub ws_open_ms: Option<u64>,
    /// The hub's `joined` arrived.
    pub joined_ms: Option<u64>,
    /// The first answer was applied.
    pub answer_ms: Option<u64>,
    /// The first RTP packet of any track arrived.
    pub first_rtp_ms: Option<u64>,
    /// The first packet that starts a VP8 keyframe arrived.
    pub first_keyframe_ms: Option<u64>,
}

/// A snapshot of everything one participant measured.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ParticipantStats {
    pub participant: Option<ParticipantId>,
    pub name: String,
    /// ICE+DTLS came up.
    pub connected: bool,
    /// Milliseconds from the `join` call to the peer connection being connected (ICE + DTLS).
    pub connected_ms: Option<u64>,
    /// The other join steps, on the same clock as `connected_ms`.
    pub phases: JoinPhases,
    /// Receive-only m-lines offered for other participants' tracks.
    pub subscribed: u64,
    /// Offers sent / answers applied.
    pub negotiations: u64,
    /// Error frames the hub sent us, as `code: message`.
    pub hub_errors: Vec<String>,
    /// Keyed by the hub's track id (or `mid:<mid>` before it is known).
    pub received: BTreeMap<String, TrackRecvStats>,
    /// Keyed by `audio`, `video` or `video/<rid>`.
    pub sent: BTreeMap<String, SendStats>,
}

impl ParticipantStats {
    /// Received tracks of `kind` published by `publisher`.
    pub fn from_publisher(
        &self,
        publisher: &ParticipantId,
        kind: TrackKind,
    ) -> Vec<&TrackRecvStats> {
        self.received
            .values()
            .filter(|t| t.publisher.as_ref() == Some(publisher) && t.kind == Some(kind))
            .collect()
    }
}

/// Milliseconds elapsed since `start`.
pub fn ms_since(start: Instant) -> u64 {
    start.elapsed().as_millis() as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::Probe;

    fn parsed(layer: Layer, sent_us: u64, keyframe: bool) -> Parsed {
        Parsed {
            probe: Some(Probe {
                layer,
                seq: 0,
                sent_us,
            }),
            keyframe,
        }
    }

    #[test]
    fn counts_loss_across_wraparound_and_ignores_reordering() {
        let mut t = TrackRecvStats::default();
        for seq in [65533u16, 65534, 65535, 1, 0, 3] {
            t.record((7, seq), 10, parsed(Layer::Q, 0, false), 0, 0);
        }
        // Another SSRC on the same track (simulcast without a hub) has its own numbering.
        t.record((8, 30_000), 10, parsed(Layer::H, 0, false), 0, 0);
        t.record((8, 30_001), 10, parsed(Layer::H, 0, false), 0, 0);
        // 65533..=3 spans 7 sequence numbers; only 2 never arrived.
        assert_eq!(t.lost, 1);
        assert_eq!(t.packets, 8);
    }

    #[test]
    fn records_latency_layers_and_keyframes() {
        let mut t = TrackRecvStats::default();
        t.record((1, 1), 100, parsed(Layer::H, 1_000, true), 5, 4_000);
        t.record((1, 2), 100, parsed(Layer::H, 2_000, false), 6, 3_000);
        assert_eq!(t.keyframes, 1);
        assert_eq!(t.first_packet_ms, Some(5));
        assert_eq!(t.packets_by_layer.get("h"), Some(&2));
        assert_eq!(t.latency_percentile_us(0.0), Some(1_000));
        assert_eq!(t.latency_percentile_us(100.0), Some(3_000));
    }
}
