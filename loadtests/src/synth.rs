//! Synthetic media without an encoder: RTP payloads that look like Opus and VP8 to anything
//! that inspects them (a VP8 payload descriptor, and for keyframes a valid keyframe header),
//! and that carry a [`Probe`] — stream layer, per-stream sequence and send time — so a
//! receiver can measure latency and loss end to end through the hub.
//!
//! Layout of a VP8 packet payload made here:
//! `descriptor (4 bytes, with a 15-bit picture id)` · for the first packet of a frame the VP8
//! payload header (`3-byte frame tag`, and for keyframes `9d 01 2a` + width + height) ·
//! `probe (17 bytes)` · filler. An audio payload is `probe` · filler.

use std::time::{SystemTime, UNIX_EPOCH};

/// Marks the start of a [`Probe`]; chosen so random filler rarely looks like one.
pub const PROBE_MAGIC: [u8; 4] = *b"GHL1";
/// Bytes a [`Probe`] takes in a payload.
pub const PROBE_LEN: usize = 17;
/// Bytes of the VP8 payload descriptor this module writes (X, I and a 15-bit picture id).
pub const VP8_DESCRIPTOR_LEN: usize = 4;
/// Bytes of a VP8 keyframe's payload header (frame tag + start code + size).
pub const VP8_KEYFRAME_HEADER_LEN: usize = 10;
/// Bytes of a VP8 interframe's payload header (the frame tag alone).
pub const VP8_INTERFRAME_HEADER_LEN: usize = 3;

/// Which stream of a publisher a packet belongs to, so a subscriber can tell the layer it gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Layer {
    Audio,
    /// Simulcast `q` (quarter size), or the only layer without simulcast.
    Q,
    H,
    F,
}

impl Layer {
    fn to_byte(self) -> u8 {
        match self {
            Layer::Audio => 0,
            Layer::Q => 1,
            Layer::H => 2,
            Layer::F => 3,
        }
    }

    fn from_byte(b: u8) -> Option<Layer> {
        Some(match b {
            0 => Layer::Audio,
            1 => Layer::Q,
            2 => Layer::H,
            3 => Layer::F,
            _ => return None,
        })
    }

    /// The RTP stream id (RID) this layer is sent with under simulcast.
    pub fn rid(self) -> &'static str {
        match self {
            Layer::Audio => "",
            Layer::Q => "q",
            Layer::H => "h",
            Layer::F => "f",
        }
    }

    /// Frame size (width, height) written into keyframe headers of this layer.
    pub fn size(self) -> (u16, u16) {
        match self {
            Layer::Audio => (0, 0),
            Layer::Q => (320, 180),
            Layer::H => (640, 360),
            Layer::F => (1280, 720),
        }
    }
}

/// What a publisher embeds in every payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Probe {
    pub layer: Layer,
    /// Counts packets of one stream (one layer) from 0; independent of RTP sequence numbers,
    /// which the hub rewrites.
    pub seq: u32,
    /// Microseconds since the Unix epoch when the packet was made (publisher and subscriber
    /// share the machine's clock in every setup we run).
    pub sent_us: u64,
}

impl Probe {
    fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&PROBE_MAGIC);
        out.push(self.layer.to_byte());
        out.extend_from_slice(&self.seq.to_be_bytes());
        out.extend_from_slice(&self.sent_us.to_be_bytes());
    }

    fn read(bytes: &[u8]) -> Option<Probe> {
        let b = bytes.get(..PROBE_LEN)?;
        if b[..4] != PROBE_MAGIC {
            return None;
        }
        Some(Probe {
            layer: Layer::from_byte(b[4])?,
            seq: u32::from_be_bytes(b[5..9].try_into().ok()?),
            sent_us: u64::from_be_bytes(b[9..17].try_into().ok()?),
        })
    }
}

/// Microseconds since the Unix epoch, the clock [`Probe::sent_us`] is read on.
pub fn now_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros() as u64)
        .unwrap_or(0)
}

/// One Opus-sized audio payload of `len` bytes (at least [`PROBE_LEN`]).
pub fn audio_payload(probe: Probe, len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len.max(PROBE_LEN));
    probe.write(&mut out);
    fill(&mut out, len, probe.seq);
    out
}

/// One VP8 RTP payload of `len` bytes (padded up to the headers and probe when shorter).
/// `start` marks the first packet of a frame; only that one carries the VP8 payload header,
/// and for `keyframe` a valid keyframe header of the layer's size.
pub fn vp8_payload(
    picture_id: u16,
    keyframe: bool,
    start: bool,
    probe: Probe,
    len: usize,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(len);
    // X=1 (extensions follow), S=start of partition, PID=0.
    out.push(0x80 | if start { 0x10 } else { 0 });
    // I=1: a picture id follows; M=1: it is 15 bits.
    out.push(0x80);
    let pid = picture_id & 0x7fff;
    out.push(0x80 | (pid >> 8) as u8);
    out.push(pid as u8);
    if start {
        write_frame_header(&mut out, keyframe, probe.layer.size(), len);
    }
    probe.write(&mut out);
    fill(&mut out, len, probe.seq ^ u32::from(picture_id));
    out
}

/// The VP8 frame tag (RFC 6386 §9.1) and, for keyframes, start code and dimensions.
fn write_frame_header(out: &mut Vec<u8>, keyframe: bool, (w, h): (u16, u16), len: usize) {
    // first_part_size is informative only here; keep it inside the 19 bits and the payload.
    let first_part =
        (len.saturating_sub(VP8_DESCRIPTOR_LEN + VP8_KEYFRAME_HEADER_LEN) as u32).min(0x7ffff);
    // bit 0: !keyframe, bits 1-3: version 0, bit 4: show_frame, bits 5-23: first_part_size.
    let tag = u32::from(!keyframe) | (1 << 4) | (first_part << 5);
    out.extend_from_slice(&tag.to_le_bytes()[..3]);
    if keyframe {
        out.extend_from_slice(&[0x9d, 0x01, 0x2a]);
        // 14 bits of size, scale bits 0.
        out.extend_from_slice(&(w & 0x3fff).to_le_bytes());
        out.extend_from_slice(&(h & 0x3fff).to_le_bytes());
    }
}

/// Deterministic filler up to `len`; cheap and not all zeros (so nothing compresses it away).
fn fill(out: &mut Vec<u8>, len: usize, seed: u32) {
    let mut x = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    while out.len() < len {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        out.push(x as u8);
    }
}

/// What a receiver learns from one payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Parsed {
    pub probe: Option<Probe>,
    /// The packet starts a VP8 keyframe.
    pub keyframe: bool,
}

/// Reads an audio payload made by [`audio_payload`]; `None` probe for foreign payloads.
pub fn parse_audio(payload: &[u8]) -> Parsed {
    Parsed {
        probe: Probe::read(payload),
        keyframe: false,
    }
}

/// Reads any VP8 payload: skips the descriptor (whatever optional fields it has), notes a
/// keyframe start, and finds the probe where [`vp8_payload`] puts it. Never panics on input.
pub fn parse_vp8(payload: &[u8]) -> Parsed {
    let none = Parsed {
        probe: None,
        keyframe: false,
    };
    let Some(desc_len) = vp8_descriptor_len(payload) else {
        return none;
    };
    let start = payload[0] & 0x10 != 0 && payload[0] & 0x07 == 0;
    let rest = &payload[desc_len..];
    let (keyframe, header_len) = match rest.first() {
        Some(b) if start && b & 0x01 == 0 => (true, VP8_KEYFRAME_HEADER_LEN),
        Some(_) if start => (false, VP8_INTERFRAME_HEADER_LEN),
        _ => (false, 0),
    };
    let keyframe = keyframe && rest.get(3..6) == Some(&[0x9d, 0x01, 0x2a][..]);
    let probe = rest.get(header_len..).and_then(Probe::read);
    Parsed { probe, keyframe }
}

/// Length of a VP8 payload descriptor (RFC 7741 §4.2), or `None` when truncated.
fn vp8_descriptor_len(p: &[u8]) -> Option<usize> {
    let b0 = *p.first()?;
    let mut len = 1;
    if b0 & 0x80 != 0 {
        let x = *p.get(1)?;
        len += 1;
        if x & 0x80 != 0 {
            // I: picture id, 7 or 15 bits.
            let m = *p.get(len)?;
            len += if m & 0x80 != 0 { 2 } else { 1 };
        }
        if x & 0x40 != 0 {
            len += 1; // L: TL0PICIDX
        }
        if x & 0x30 != 0 {
            len += 1; // T or K: TID/Y/KEYIDX
        }
    }
    (p.len() >= len).then_some(len)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn probe(layer: Layer, seq: u32) -> Probe {
        Probe {
            layer,
            seq,
            sent_us: 1_700_000_000_123_456,
        }
    }

    #[test]
    fn keyframe_round_trips_with_probe_and_valid_header() {
        let p = vp8_payload(300, true, true, probe(Layer::H, 7), 1000);
        assert_eq!(p.len(), 1000);
        assert_eq!(&p[7..10], &[0x9d, 0x01, 0x2a]);
        assert_eq!(u16::from_le_bytes([p[10], p[11]]), 640);
        assert_eq!(u16::from_le_bytes([p[12], p[13]]), 360);
        let parsed = parse_vp8(&p);
        assert!(parsed.keyframe);
        assert_eq!(parsed.probe, Some(probe(Layer::H, 7)));
    }

    #[test]
    fn interframe_and_continuation_packets_are_not_keyframes() {
        let inter = parse_vp8(&vp8_payload(1, false, true, probe(Layer::Q, 1), 200));
        assert!(!inter.keyframe);
        assert_eq!(inter.probe, Some(probe(Layer::Q, 1)));
        let cont = parse_vp8(&vp8_payload(1, true, false, probe(Layer::F, 2), 200));
        assert!(
            !cont.keyframe,
            "only the frame's first packet starts a keyframe"
        );
        assert_eq!(cont.probe, Some(probe(Layer::F, 2)));
    }

    #[test]
    fn descriptor_with_other_optional_fields_is_skipped() {
        // X, I with 7-bit picture id, L and T fields as another sender might write them.
        let mut p = vec![0x90, 0xe0, 0x05, 0x11, 0x20];
        let mut tail = vp8_payload(0, true, true, probe(Layer::Q, 9), 100);
        p.append(&mut tail.split_off(VP8_DESCRIPTOR_LEN));
        let parsed = parse_vp8(&p);
        assert!(parsed.keyframe);
        assert_eq!(parsed.probe, Some(probe(Layer::Q, 9)));
    }

    #[test]
    fn the_sfu_parser_agrees_with_ours() {
        for layer in [Layer::Q, Layer::H, Layer::F] {
            let key = vp8_payload(0x1234, true, true, probe(layer, 1), 900);
            let d = sfu::media::vp8::parse(&key).expect("sfu parses our descriptor");
            assert!(d.is_keyframe && d.picture_id == Some(0x1234) && d.picture_id_15bit);
            assert_eq!(
                sfu::media::vp8::keyframe_dimensions(&key),
                Some(layer.size())
            );
            let inter = vp8_payload(7, false, true, probe(layer, 2), 900);
            assert!(!sfu::media::vp8::parse(&inter).expect("parses").is_keyframe);
        }
        // And ours reads the SFU's synthetic keyframes the same way.
        assert!(parse_vp8(&sfu::media::vp8::synthetic_payload(3, true, true, 600)).keyframe);
        assert!(!parse_vp8(&sfu::media::vp8::synthetic_payload(3, false, true, 600)).keyframe);
    }

    #[test]
    fn audio_round_trips() {
        let p = audio_payload(probe(Layer::Audio, 42), 80);
        assert_eq!(p.len(), 80);
        assert_eq!(parse_audio(&p).probe, Some(probe(Layer::Audio, 42)));
    }

    #[test]
    fn garbage_never_panics() {
        for len in 0..40 {
            let junk: Vec<u8> = (0..len).map(|i| (i * 37 + 0x80) as u8).collect();
            let _ = parse_vp8(&junk);
            let _ = parse_audio(&junk);
        }
        assert_eq!(parse_vp8(&[0x80]).probe, None);
    }
}
