//! RTP sequence number / timestamp rewriting across simulcast layer switches.
//!
//! A subscriber receives one outgoing RTP stream per track, but the SFU feeds it from one
//! of several source streams (the simulcast layers), each with its own sequence numbers,
//! timestamps and timestamp origin. [`SeqTsRewriter`] maps the packets of whichever source
//! is current onto one continuous outgoing line:
//!
//! - while a source is current, `out = in + offset` for both sequence number and
//!   timestamp, so reordered and late packets of that source land where they belong;
//! - a switch (requested with [`SeqTsRewriter::switch_to`]) happens at the new source's
//!   first keyframe packet; that packet gets the next outgoing sequence number and a
//!   timestamp advanced by the wall-clock time elapsed since the last frame began to
//!   arrive (at least one tick), so the receiver's playout clock stays right;
//! - packets of the old source arriving after the switch, packets older than the switch
//!   point, duplicates and packets too old to tell apart from duplicates are dropped;
//! - a keyframe of the current source whose sequence number jumped by
//!   [`REORDER_WINDOW`] or more (the sender restarted its numbering) resynchronises the
//!   mapping as a switch would, continuing the outgoing line.
//!
//! Input sequence numbers may be extended (str0m's `SeqNo`) or 16-bit values widened:
//! only the low 16 bits are used and unwrapped against the newest one. Timestamps likewise
//! use their low 32 bits with wrapping arithmetic. Output sequence numbers are extended
//! (`u64`, never wrapping in practice), timestamps are RTP's `u32`.
//!
//! [`PictureIdRewriter`] keeps VP8's PictureID and TL0PICIDX continuous the same way.

use std::time::Instant;

use crate::media::{vp8, vp9};

/// Packets older than the newest by this many sequence numbers or more are dropped: a
/// duplicate could no longer be recognised. At 1000 packets/s that is a quarter second,
/// far past any jitter buffer's patience for a single packet.
pub const REORDER_WINDOW: u64 = 256;

/// The RTP video clock rate.
pub const VIDEO_CLOCK_RATE: u32 = 90_000;

/// What to do with one packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rewrite {
    /// Send it with these header values (`seq` extended; the wire carries its low 16 bits).
    Forward {
        /// Outgoing extended sequence number.
        seq: u64,
        /// Outgoing RTP timestamp.
        ts: u32,
    },
    /// Do not send it.
    Drop,
}

/// Maps packets of several source streams onto one continuous outgoing stream.
#[derive(Debug, Clone)]
pub struct SeqTsRewriter {
    clock_rate: u32,
    start_seq: u64,
    start_ts: u32,
    current: Option<u8>,
    pending: Option<u8>,
    just_switched: bool,
    line: Option<Line>,
    src: SourceState,
}

/// The outgoing line: what the receiver has been sent so far.
#[derive(Debug, Clone, Copy)]
struct Line {
    newest_seq: u64,
    newest_ts: u32,
    /// Arrival of the first packet carrying `newest_ts`: the newest frame's arrival.
    newest_ts_arrival: Instant,
}

/// The current source's mapping and its recent history.
#[derive(Debug, Clone, Default)]
struct SourceState {
    seq_offset: u64,
    ts_offset: u32,
    base: u64,
    newest: u64,
    seen: SeenWindow,
}

impl Default for SeqTsRewriter {
    fn default() -> Self {
        Self::new()
    }
}

impl SeqTsRewriter {
    /// A 90 kHz rewriter whose outgoing line starts at sequence 0, timestamp 0.
    pub fn new() -> Self {
        Self::with_start(VIDEO_CLOCK_RATE, 0, 0)
    }

    /// A rewriter for a `clock_rate` Hz stream (48 000 for Opus) whose first outgoing
    /// packet gets `seq`/`ts` (pick them at random, seeded, per RFC 3550 §5.1).
    pub fn with_start(clock_rate: u32, seq: u64, ts: u32) -> Self {
        Self {
            clock_rate: clock_rate.max(1),
            start_seq: seq,
            start_ts: ts,
            current: None,
            pending: None,
            just_switched: false,
            line: None,
            src: SourceState::default(),
        }
    }

    /// Asks for packets of `source` from its next keyframe on. Until then the current
    /// source keeps flowing. Asking for the current source cancels a pending switch.
    pub fn switch_to(&mut self, source: u8) {
        self.pending = (self.current != Some(source)).then_some(source);
    }

    /// Stops forwarding (e.g. the subscriber hid the tile). A later
    /// [`switch_to`](Self::switch_to) resumes at a keyframe, continuing the outgoing line.
    pub fn pause(&mut self) {
        self.current = None;
        self.pending = None;
    }

    /// A switch was asked for and waits for a keyframe of the new source.
    pub fn is_switch_pending(&self) -> bool {
        self.pending.is_some()
    }

    /// The source whose packets are forwarded now.
    pub fn current(&self) -> Option<u8> {
        self.current
    }

    /// The source a pending switch waits for.
    pub fn pending(&self) -> Option<u8> {
        self.pending
    }

    /// The last [`rewrite`](Self::rewrite) call performed a switch (its packet is the
    /// first of the new source); feed this to [`PictureIdRewriter`].
    pub fn just_switched(&self) -> bool {
        self.just_switched
    }

    /// Decides one packet's fate. `seq`: its sequence number (extended or widened u16);
    /// `ts`: its RTP timestamp (extended or widened u32); `arrival`: when it arrived;
    /// `keyframe_start`: it is the first packet of a keyframe (pass `true` for audio,
    /// where any packet is a valid starting point).
    pub fn rewrite(
        &mut self,
        source: u8,
        seq: u64,
        ts: u64,
        arrival: Instant,
        keyframe_start: bool,
    ) -> Rewrite {
        self.just_switched = false;
        let ts = ts as u32;
        if self.pending == Some(source) && keyframe_start {
            return self.switch(source, seq, ts, arrival);
        }
        if self.current != Some(source) {
            return Rewrite::Drop;
        }
        if keyframe_start && self.is_jump(seq) {
            // The source restarted its numbering (encoder restart, SSRC reuse): without
            // this, a backward jump would drop everything until the numbers catch up.
            return self.switch(source, seq, ts, arrival);
        }
        self.forward_current(seq, ts, arrival)
    }

    /// `seq` is at least [`REORDER_WINDOW`] away from the current source's newest.
    fn is_jump(&self, seq: u64) -> bool {
        let delta = (seq as u16).wrapping_sub(self.src.newest as u16) as i16;
        u64::from(delta.unsigned_abs()) >= REORDER_WINDOW
    }

    fn switch(&mut self, source: u8, seq: u64, ts: u32, arrival: Instant) -> Rewrite {
        let (out_seq, out_ts) = match self.line {
            None => (self.start_seq, self.start_ts),
            Some(line) => {
                let elapsed = arrival.saturating_duration_since(line.newest_ts_arrival);
                let ticks = elapsed.as_micros() * u128::from(self.clock_rate) / 1_000_000;
                // Capped so the jump still reads as "forward" in wrapping comparisons.
                let ticks = ticks.clamp(1, 1 << 30) as u32;
                (
                    line.newest_seq.wrapping_add(1),
                    line.newest_ts.wrapping_add(ticks),
                )
            }
        };
        self.src = SourceState {
            seq_offset: out_seq.wrapping_sub(seq),
            ts_offset: out_ts.wrapping_sub(ts),
            base: seq,
            newest: seq,
            seen: SeenWindow::default(),
        };
        self.src.seen.mark(seq);
        self.line = Some(Line {
            newest_seq: out_seq,
            newest_ts: out_ts,
            newest_ts_arrival: arrival,
        });
        self.current = Some(source);
        self.pending = None;
        self.just_switched = true;
        Rewrite::Forward {
            seq: out_seq,
            ts: out_ts,
        }
    }

    fn forward_current(&mut self, seq: u64, ts: u32, arrival: Instant) -> Rewrite {
        let src = &mut self.src;
        let delta = i64::from((seq as u16).wrapping_sub(src.newest as u16) as i16);
        let ext = src.newest.wrapping_add_signed(delta);
        if delta <= 0 {
            let too_old = (src.newest.wrapping_sub(ext)) >= REORDER_WINDOW;
            let before_switch = (ext.wrapping_sub(src.base) as i64) < 0;
            if too_old || before_switch || src.seen.is_marked(ext) {
                return Rewrite::Drop;
            }
        } else {
            src.seen.advance(src.newest, ext);
            src.newest = ext;
        }
        src.seen.mark(ext);
        let out_seq = ext.wrapping_add(src.seq_offset);
        let out_ts = ts.wrapping_add(src.ts_offset);
        if let Some(line) = &mut self.line {
            if (out_seq.wrapping_sub(line.newest_seq) as i64) > 0 {
                line.newest_seq = out_seq;
            }
            if (out_ts.wrapping_sub(line.newest_ts) as i32) > 0 {
                line.newest_ts = out_ts;
                line.newest_ts_arrival = arrival;
            }
        }
        Rewrite::Forward {
            seq: out_seq,
            ts: out_ts,
        }
    }
}

/// A bitmap of which of the last [`REORDER_WINDOW`] sequence numbers were seen.
#[derive(Debug, Clone, Copy, Default)]
struct SeenWindow {
    bits: [u64; (REORDER_WINDOW / 64) as usize],
}

impl SeenWindow {
    fn slot(seq: u64) -> (usize, u64) {
        let i = seq % REORDER_WINDOW;
        ((i / 64) as usize, 1 << (i % 64))
    }

    fn mark(&mut self, seq: u64) {
        let (w, b) = Self::slot(seq);
        self.bits[w] |= b;
    }

    fn is_marked(&self, seq: u64) -> bool {
        let (w, b) = Self::slot(seq);
        self.bits[w] & b != 0
    }

    /// Forgets the slots `newest+1..=to` are about to reuse.
    fn advance(&mut self, newest: u64, to: u64) {
        let steps = to.wrapping_sub(newest);
        if steps >= REORDER_WINDOW {
            self.bits = [0; (REORDER_WINDOW / 64) as usize];
            return;
        }
        for k in 1..=steps {
            let (w, b) = Self::slot(newest.wrapping_add(k));
            self.bits[w] &= !b;
        }
    }
}

/// The payload format a packet's picture numbers are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PictureFormat {
    Vp8,
    Vp9,
}

/// A VP8 or VP9 packet's PictureID and TL0PICIDX, as its payload descriptor has them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PictureNumbers {
    pub format: PictureFormat,
    pub picture_id: Option<u16>,
    pub picture_id_15bit: bool,
    pub tl0_pic_idx: Option<u8>,
}

impl PictureNumbers {
    pub fn of_vp8(d: &vp8::Vp8Descriptor) -> Self {
        Self {
            format: PictureFormat::Vp8,
            picture_id: d.picture_id,
            picture_id_15bit: d.picture_id_15bit,
            tl0_pic_idx: d.tl0_pic_idx,
        }
    }

    /// `None` when the descriptor is cut short.
    pub fn of_vp9(payload: &[u8]) -> Option<Self> {
        let n = vp9::parse_numbers(payload)?;
        Some(Self {
            format: PictureFormat::Vp9,
            picture_id: n.picture_id,
            picture_id_15bit: n.picture_id_15bit,
            tl0_pic_idx: n.tl0_pic_idx,
        })
    }
}

/// Values to write over a packet's picture numbers; a field is `None` where the payload's
/// own value is right.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PicturePatch {
    pub format: PictureFormat,
    pub picture_id: Option<u16>,
    pub tl0_pic_idx: Option<u8>,
}

impl PicturePatch {
    /// Writes the values into `payload` (the packet's payload, or a copy of it).
    pub fn apply(&self, payload: &mut [u8]) {
        let writers: PictureWriters = match self.format {
            PictureFormat::Vp8 => (vp8::rewrite_picture_id, vp8::rewrite_tl0_pic_idx),
            PictureFormat::Vp9 => (vp9::rewrite_picture_id, vp9::rewrite_tl0_pic_idx),
        };
        if let Some(v) = self.picture_id {
            writers.0(payload, v);
        }
        if let Some(v) = self.tl0_pic_idx {
            writers.1(payload, v);
        }
    }
}

/// A payload format's in-place writers of PictureID and TL0PICIDX.
type PictureWriters = (fn(&mut [u8], u16) -> bool, fn(&mut [u8], u8) -> bool);

/// Keeps VP8 and VP9 PictureID (7/15-bit) and TL0PICIDX continuous across layer switches, the
/// way [`SeqTsRewriter`] does for sequence numbers: each source's values are shifted by
/// an offset fixed at the switch so the new source continues at newest + 1.
#[derive(Debug, Clone, Default)]
pub struct PictureIdRewriter {
    picture_id: ModMap,
    tl0: ModMap,
}

impl PictureIdRewriter {
    /// A rewriter that keeps the first source's values unchanged.
    pub fn new() -> Self {
        Self::default()
    }

    /// Maps one packet's values. `switched`: this is the first forwarded packet of a new
    /// source ([`SeqTsRewriter::just_switched`]). `picture_id_15bit` gives the field's
    /// width; outputs keep each field's width.
    pub fn map(
        &mut self,
        switched: bool,
        picture_id: Option<u16>,
        picture_id_15bit: bool,
        tl0_pic_idx: Option<u8>,
    ) -> (Option<u16>, Option<u8>) {
        if switched {
            self.picture_id.resync = true;
            self.tl0.resync = true;
        }
        let pid_bits = if picture_id_15bit { 15 } else { 7 };
        let pid = picture_id.map(|p| self.picture_id.map(p, pid_bits, 15));
        let tl0 = tl0_pic_idx.map(|t| self.tl0.map(u16::from(t), 8, 8) as u8);
        (pid, tl0)
    }

    /// Maps one packet's numbers (see [`PictureIdRewriter::map`]): what to write over the
    /// payload's, `None` when its own values are right.
    pub fn patch(&mut self, switched: bool, n: &PictureNumbers) -> Option<PicturePatch> {
        let (pid, tl0) = self.map(switched, n.picture_id, n.picture_id_15bit, n.tl0_pic_idx);
        let patch = PicturePatch {
            format: n.format,
            picture_id: pid.filter(|_| pid != n.picture_id),
            tl0_pic_idx: tl0.filter(|_| tl0 != n.tl0_pic_idx),
        };
        (patch.picture_id.is_some() || patch.tl0_pic_idx.is_some()).then_some(patch)
    }

    /// Parses `payload`'s VP8 descriptor, maps its values and writes them back in place.
    /// Returns false (payload untouched) when the descriptor is malformed.
    pub fn rewrite_payload(&mut self, switched: bool, payload: &mut [u8]) -> bool {
        let Ok(d) = vp8::parse(payload) else {
            return false;
        };
        if let Some(p) = self.patch(switched, &PictureNumbers::of_vp8(&d)) {
            p.apply(payload);
        }
        true
    }
}

/// `out = in + offset` modulo `2^full_bits`, resynchronised to continue at newest + 1.
#[derive(Debug, Clone, Copy, Default)]
struct ModMap {
    offset: u16,
    newest: Option<u16>,
    resync: bool,
}

impl ModMap {
    /// Maps `value` (`bits` wide, `bits <= full_bits <= 15`).
    fn map(&mut self, value: u16, bits: u32, full_bits: u32) -> u16 {
        let full = (1u16 << full_bits).wrapping_sub(1);
        let mask = (1u16 << bits).wrapping_sub(1);
        let value = value & mask;
        if self.resync || self.newest.is_none() {
            let target = self.newest.map_or(value, |n| n.wrapping_add(1) & full);
            self.offset = target.wrapping_sub(value) & full;
            self.resync = false;
        }
        let out = value.wrapping_add(self.offset) & full;
        let newest = *self.newest.get_or_insert(out);
        let diff = out.wrapping_sub(newest) & mask;
        if diff != 0 && diff <= mask / 2 {
            self.newest = Some(newest.wrapping_add(diff) & full);
        }
        out & mask
    }
}

#[cfg(test)]
#[path = "rewrite_tests.rs"]
mod tests;
