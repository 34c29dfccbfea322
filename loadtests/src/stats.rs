//! What a participant measured: per received track counters, latency samples and loss, and
//! per published stream counters. Plain data, serialisable into the load report.

use std::collections::{BTreeMap, HashSet};
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
    /// Packets that arrived only after we NACKed them: missing on first transmission and
    /// repaired by a retransmission. Loss before repair = `lost` + `repaired`.
    pub repaired: u64,
    /// Packets whose sequence number had already arrived (not counted anywhere else).
    pub duplicates: u64,
    /// RFC 3550 interarrival jitter in microseconds: J += (|D| − J) / 16, with D the change
    /// of one-way transit between consecutive first transmissions, from the probes' send
    /// times (packets of one frame share an RTP timestamp but not a send time).
    pub jitter_us: f64,
    /// Packets that carried a probe, per simulcast layer (`audio`, `q`, `h`, `f`).
    pub packets_by_layer: BTreeMap<String, u64>,
    /// One-way latency samples in microseconds (probe send time to arrival).
    #[serde(skip)]
    pub latency_us: Vec<u32>,
    #[serde(skip)]
    seq: BTreeMap<u32, SeqTracker>,
    #[serde(skip)]
    last_transit_us: Option<i64>,
}

/// One received RTP packet as the track reader saw it.
#[derive(Debug, Clone, Copy)]
pub struct Arrival {
    pub ssrc: u32,
    pub seq: u16,
    pub payload_len: usize,
    pub parsed: Parsed,
    /// Milliseconds from the join call to now.
    pub since_join_ms: u64,
    /// Wall clock now, the clock of the probes.
    pub now_us: u64,
    /// We had NACKed this sequence number before it arrived.
    pub repaired: bool,
}

impl TrackRecvStats {
    /// Accounts one received packet; returns its latency sample, if it carried a probe.
    /// A duplicate sequence number only counts in `duplicates`.
    pub fn record(&mut self, a: Arrival) -> Option<u32> {
        if !self.seq.entry(a.ssrc).or_default().push(a.seq) {
            self.duplicates += 1;
            return None;
        }
        self.packets += 1;
        self.bytes += a.payload_len as u64;
        self.first_packet_ms.get_or_insert(a.since_join_ms);
        if a.parsed.keyframe {
            self.keyframes += 1;
        }
        self.repaired += u64::from(a.repaired);
        self.lost = self.seq.values().map(SeqTracker::lost).sum();
        let probe = a.parsed.probe?;
        let transit = a.now_us as i64 - probe.sent_us as i64;
        if !a.repaired {
            if let Some(prev) = self.last_transit_us {
                let d = (transit - prev).abs() as f64;
                self.jitter_us += (d - self.jitter_us) / 16.0;
            }
            self.last_transit_us = Some(transit);
        }
        let name = match probe.layer {
            Layer::Audio => "audio",
            l => l.rid(),
        };
        // Looked up before inserting: no `String` is made per packet.
        match self.packets_by_layer.get_mut(name) {
            Some(n) => *n += 1,
            None => {
                self.packets_by_layer.insert(name.to_owned(), 1);
            }
        }
        let lat = transit.clamp(0, i64::from(u32::MAX)) as u32;
        if self.latency_us.len() < MAX_LATENCY_SAMPLES {
            self.latency_us.push(lat);
        }
        Some(lat)
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
    /// One bit per extended number within [`DUPLICATE_WINDOW`] of the highest (at
    /// `ext mod DUPLICATE_WINDOW`): set once it arrived, to tell a duplicate (e.g. a
    /// retransmission of what had arrived after all) from a first arrival. A bitmap, not a
    /// set: this runs for every packet every viewer of a load run receives.
    seen: Vec<u64>,
}

/// How far back duplicates are recognised, in sequence numbers (a multiple of 64).
const DUPLICATE_WINDOW: i64 = 4096;

impl SeqTracker {
    /// Accounts `seq`; false when it is a duplicate (then nothing is counted).
    fn push(&mut self, seq: u16) -> bool {
        let seq = i64::from(seq);
        let ext = if self.first.is_none() {
            self.first = Some(seq);
            self.max_ext = seq;
            self.seen = vec![0; (DUPLICATE_WINDOW / 64) as usize];
            seq
        } else {
            // Unwrap around the max seen: the extended value closest to it.
            let base = self.max_ext - (self.max_ext & 0xffff);
            [base + seq - 0x1_0000, base + seq, base + seq + 0x1_0000]
                .into_iter()
                .min_by_key(|c| (c - self.max_ext).abs())
                .unwrap_or(seq)
        };
        if ext > self.max_ext {
            // The numbers passed over enter the window unseen (their bits last belonged
            // to numbers a window older).
            if ext - self.max_ext >= DUPLICATE_WINDOW {
                self.seen.fill(0);
            } else {
                for e in self.max_ext + 1..=ext {
                    self.mark(e, false);
                }
            }
            self.max_ext = ext;
        } else if ext <= self.max_ext - DUPLICATE_WINDOW {
            // Too old to tell: a very late first arrival.
            self.received += 1;
            return true;
        }
        if self.mark(ext, true) {
            return false;
        }
        self.received += 1;
        true
    }

    /// Sets or clears `ext`'s bit; returns whether it was set before.
    fn mark(&mut self, ext: i64, on: bool) -> bool {
        let at = ext.rem_euclid(DUPLICATE_WINDOW);
        let (word, bit) = ((at / 64) as usize, 1u64 << (at % 64));
        let was = self.seen[word] & bit != 0;
        if on {
            self.seen[word] |= bit;
        } else {
            self.seen[word] &= !bit;
        }
        was
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
    /// RTCP feedback this participant sent and received, counted at the wire.
    pub feedback: Feedback,
    /// (SSRC, sequence) we NACKed and that has not arrived since.
    #[serde(skip)]
    pub nacked: HashSet<(u32, u16)>,
    /// Latency samples since the last [`ParticipantStats::take_interval`], all tracks.
    #[serde(skip)]
    pub interval_latency_us: Vec<u32>,
}

/// RTCP feedback messages, counted by the wire-side interceptor of the participant.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Feedback {
    /// Generic NACK packets we sent (as a subscriber) and the sequence numbers they listed.
    pub nacks_sent: u64,
    pub nacked_seqs_sent: u64,
    /// PLI or FIR we sent.
    pub plis_sent: u64,
    /// NACK packets the hub sent us (as a publisher).
    pub nacks_received: u64,
    /// PLI or FIR the hub sent us.
    pub plis_received: u64,
}

impl Feedback {
    /// What was counted after `start` (both snapshots of the same participant).
    pub fn since(&self, start: &Feedback) -> Feedback {
        Feedback {
            nacks_sent: self.nacks_sent.saturating_sub(start.nacks_sent),
            nacked_seqs_sent: self.nacked_seqs_sent.saturating_sub(start.nacked_seqs_sent),
            plis_sent: self.plis_sent.saturating_sub(start.plis_sent),
            nacks_received: self.nacks_received.saturating_sub(start.nacks_received),
            plis_received: self.plis_received.saturating_sub(start.plis_received),
        }
    }

    /// Adds `other` into `self`.
    pub fn add(&mut self, other: &Feedback) {
        self.nacks_sent += other.nacks_sent;
        self.nacked_seqs_sent += other.nacked_seqs_sent;
        self.plis_sent += other.plis_sent;
        self.nacks_received += other.nacks_received;
        self.plis_received += other.plis_received;
    }
}

/// Cumulative totals over the received tracks, plus latency samples since the last call.
#[derive(Debug, Clone, Default)]
pub struct Interval {
    pub packets: u64,
    pub bytes: u64,
    pub lost: u64,
    pub repaired: u64,
    pub latency_us: Vec<u32>,
}

/// Interval latency samples kept between two `take_interval` calls.
const MAX_INTERVAL_SAMPLES: usize = 200_000;

impl ParticipantStats {
    /// Accounts one packet of track `key`; the stats of that track are created on demand.
    pub fn record(&mut self, key: &str, mut a: Arrival) {
        a.repaired = !self.nacked.is_empty() && self.nacked.remove(&(a.ssrc, a.seq));
        // Looked up before inserting: no `String` is made per packet.
        let lat = match self.received.get_mut(key) {
            Some(t) => t.record(a),
            None => self.received.entry(key.to_owned()).or_default().record(a),
        };
        if let Some(lat) = lat.filter(|_| self.interval_latency_us.len() < MAX_INTERVAL_SAMPLES) {
            self.interval_latency_us.push(lat);
        }
    }

    /// Notes sequence numbers we asked the hub to retransmit.
    pub fn note_nacked(&mut self, ssrc: u32, seqs: impl IntoIterator<Item = u16>) {
        // Numbers that never come back would pile up; past this many the oldest state is
        // worthless anyway (the sender's retransmission buffer is far smaller).
        if self.nacked.len() > 100_000 {
            self.nacked.clear();
        }
        self.nacked.extend(seqs.into_iter().map(|s| (ssrc, s)));
    }

    /// The totals now and the latency samples since the previous call.
    pub fn take_interval(&mut self) -> Interval {
        let mut out = Interval {
            latency_us: std::mem::take(&mut self.interval_latency_us),
            ..Default::default()
        };
        for t in self.received.values() {
            out.packets += t.packets;
            out.bytes += t.bytes;
            out.lost += t.lost;
            out.repaired += t.repaired;
        }
        out
    }

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

    fn arrival(ssrc: u32, seq: u16, layer: Layer, sent_us: u64, now_us: u64) -> Arrival {
        Arrival {
            ssrc,
            seq,
            payload_len: 10,
            parsed: Parsed {
                probe: Some(Probe {
                    layer,
                    seq: 0,
                    sent_us,
                }),
                keyframe: false,
            },
            since_join_ms: 0,
            now_us,
            repaired: false,
        }
    }

    #[test]
    fn counts_loss_across_wraparound_and_ignores_reordering() {
        let mut t = TrackRecvStats::default();
        for seq in [65533u16, 65534, 65535, 1, 0, 3] {
            t.record(arrival(7, seq, Layer::Q, 0, 0));
        }
        // Another SSRC on the same track (simulcast without a hub) has its own numbering.
        t.record(arrival(8, 30_000, Layer::H, 0, 0));
        t.record(arrival(8, 30_001, Layer::H, 0, 0));
        // 65533..=3 spans 7 sequence numbers; only 2 never arrived.
        assert_eq!(t.lost, 1);
        assert_eq!(t.packets, 8);
    }

    #[test]
    fn duplicates_are_told_within_the_window_and_numbers_a_window_apart_are_not() {
        let mut t = SeqTracker::default();
        assert!(t.push(99));
        assert!(t.push(100));
        assert!(!t.push(100), "a second 100 is a duplicate");
        // 4195 has 99's bit: passing over it on the way up clears it.
        assert!(t.push(4195));
        assert!(!t.push(4195));
        // 100 is still within the window and has arrived; 101 is and has not.
        assert!(!t.push(100));
        assert!(t.push(101));
        assert!(!t.push(101));
        // A window or more behind the highest: too old to tell, counted as arriving.
        assert!(t.push(99));
        assert_eq!(t.received, 5);
        // A jump of a whole window forgets everything.
        assert!(t.push(4195 + 4096));
        assert!(t.push(4195 + 200));
        // Across the 16-bit wrap: 65535 then 0 (extended 65536).
        let mut w = SeqTracker::default();
        for seq in [65000u16, 65535, 0, 1] {
            assert!(w.push(seq));
        }
        assert!(!w.push(0));
        assert!(!w.push(65535));
        // 65000..=65537 is 538 numbers, 4 arrived.
        assert_eq!((w.received, w.lost()), (4, 534));
    }

    #[test]
    fn records_latency_layers_and_keyframes() {
        let mut t = TrackRecvStats::default();
        let mut a = arrival(1, 1, Layer::H, 1_000, 4_000);
        a.parsed.keyframe = true;
        a.since_join_ms = 5;
        t.record(a);
        t.record(arrival(1, 2, Layer::H, 2_000, 3_000));
        assert_eq!(t.keyframes, 1);
        assert_eq!(t.first_packet_ms, Some(5));
        assert_eq!(t.packets_by_layer.get("h"), Some(&2));
        assert_eq!(t.latency_percentile_us(0.0), Some(1_000));
        assert_eq!(t.latency_percentile_us(100.0), Some(3_000));
    }

    #[test]
    fn loss_before_repair_counts_what_came_back_only_after_a_nack() {
        let mut s = ParticipantStats::default();
        for seq in [10u16, 11, 13, 14, 16, 17, 20] {
            s.record("t", arrival(5, seq, Layer::Q, 0, 0));
        }
        // 12, 15, 18 and 19 missing; we NACK 12, 15 and 18, and 12 and 18 come back.
        s.note_nacked(5, [12, 15, 18]);
        s.record("t", arrival(5, 12, Layer::Q, 0, 0));
        s.record("t", arrival(5, 18, Layer::Q, 0, 0));
        // A packet merely reordered (never NACKed) is neither lost nor repaired.
        s.record("t", arrival(5, 19, Layer::Q, 0, 0));
        // The same number on another SSRC is not the one we asked for.
        s.note_nacked(6, [21]);
        s.record("t", arrival(5, 21, Layer::Q, 0, 0));
        // A retransmission of something that had arrived after all is a duplicate only.
        s.note_nacked(5, [13]);
        s.record("t", arrival(5, 13, Layer::Q, 0, 0));
        let t = &s.received["t"];
        assert_eq!((t.lost, t.repaired, t.duplicates), (1, 2, 1));
        let interval = s.take_interval();
        assert_eq!(
            (interval.packets, interval.lost, interval.repaired),
            (11, 1, 2)
        );
        assert_eq!(interval.latency_us.len(), 11);
        assert!(s.take_interval().latency_us.is_empty());
    }

    #[test]
    fn jitter_follows_rfc_3550_and_skips_retransmissions() {
        let mut t = TrackRecvStats::default();
        // Transit alternates 1000 and 3000 µs: |D| is 2000 every time after the first.
        for i in 0..200u16 {
            let sent = u64::from(i) * 20_000;
            let transit = if i % 2 == 0 { 1_000 } else { 3_000 };
            t.record(arrival(1, i, Layer::Audio, sent, sent + transit));
        }
        assert!((t.jitter_us - 2_000.0).abs() < 1.0, "{}", t.jitter_us);
        // A constant transit decays it by 15/16 per packet.
        let mut steady = TrackRecvStats {
            jitter_us: 1_600.0,
            ..Default::default()
        };
        steady.record(arrival(1, 0, Layer::Audio, 0, 500));
        steady.record(arrival(1, 1, Layer::Audio, 20_000, 20_500));
        assert!((steady.jitter_us - 1_500.0).abs() < 1e-9);
        // A retransmission's long transit does not count.
        let mut a = arrival(1, 2, Layer::Audio, 40_000, 140_000);
        a.repaired = true;
        steady.record(a);
        assert!((steady.jitter_us - 1_500.0).abs() < 1e-9);
    }
}
