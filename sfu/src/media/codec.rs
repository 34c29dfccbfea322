//! Video codec identification and keyframe detection on RTP payloads.
//!
//! The core only needs one fact from a video payload: does this packet start a keyframe
//! (a point where a subscriber can start decoding, so a layer switch may happen here)?
//! Each codec's RTP payload format answers it differently:
//! - VP8 (RFC 7741): see [`crate::media::vp8`].
//! - VP9 (RFC 9628): descriptor byte `I|P|L|F|B|E|V|Z`; keyframe start iff B=1 (first
//!   packet of a frame), P=0 (no inter-picture dependency) and, with L, spatial id 0.
//! - H.264 (RFC 6184): an IDR slice (NAL type 5) or an SPS (7), directly, inside a STAP-A
//!   aggregate (24), or as the first fragment (S bit) of an FU-A (28).
//!
//! Malformed or short input yields `false`, never a panic.

use crate::media::vp8;

/// The video codecs the SFU forwards.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VideoCodec {
    /// VP8, RFC 7741.
    Vp8,
    /// VP9, RFC 9628.
    Vp9,
    /// H.264, RFC 6184 (packetization mode 0 or 1).
    H264,
}

/// What an RTP stream carries, as far as forwarding cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PayloadCodec {
    /// Opus or any other audio codec: every packet is independently decodable.
    Audio,
    /// A video codec: switching needs a keyframe.
    Video(VideoCodec),
}

impl VideoCodec {
    /// Maps an SDP codec name (`"VP8"`, `"video/VP8"`, any case) to a codec.
    pub fn from_name(name: &str) -> Option<Self> {
        let name = name.rsplit('/').next().unwrap_or(name);
        if name.eq_ignore_ascii_case("vp8") {
            Some(Self::Vp8)
        } else if name.eq_ignore_ascii_case("vp9") {
            Some(Self::Vp9)
        } else if name.eq_ignore_ascii_case("h264") {
            Some(Self::H264)
        } else {
            None
        }
    }
}

/// True when `payload` (the RTP payload, after the RTP header) is the first packet of a
/// keyframe in `codec`'s payload format. False for anything else, including garbage.
pub fn is_keyframe(codec: VideoCodec, payload: &[u8]) -> bool {
    match codec {
        VideoCodec::Vp8 => vp8::parse(payload).is_ok_and(|d| d.is_keyframe),
        VideoCodec::Vp9 => vp9_is_keyframe(payload),
        VideoCodec::H264 => h264_is_keyframe(payload),
    }
}

const VP9_I: u8 = 0x80;
const VP9_P: u8 = 0x40;
const VP9_L: u8 = 0x20;
const VP9_B: u8 = 0x08;

fn vp9_is_keyframe(payload: &[u8]) -> bool {
    let Some(&first) = payload.first() else {
        return false;
    };
    if first & VP9_B == 0 || first & VP9_P != 0 {
        return false;
    }
    if first & VP9_L == 0 {
        return true;
    }
    // Skip the PictureID (1 or 2 bytes, M bit) to reach the layer indices byte.
    let mut at = 1;
    if first & VP9_I != 0 {
        let Some(&pid) = payload.get(at) else {
            return false;
        };
        at += if pid & 0x80 != 0 { 2 } else { 1 };
    }
    // Layer indices: TID(3) U(1) SID(3) D(1).
    payload.get(at).is_some_and(|&l| (l >> 1) & 0x07 == 0)
}

const NAL_IDR: u8 = 5;
const NAL_SPS: u8 = 7;
const NAL_STAP_A: u8 = 24;
const NAL_FU_A: u8 = 28;

fn nal_type(b: u8) -> u8 {
    b & 0x1f
}

fn is_key_nal(t: u8) -> bool {
    t == NAL_IDR || t == NAL_SPS
}

fn h264_is_keyframe(payload: &[u8]) -> bool {
    let Some(&header) = payload.first() else {
        return false;
    };
    match nal_type(header) {
        NAL_STAP_A => stap_a_has_key(&payload[1..]),
        NAL_FU_A => payload
            .get(1)
            .is_some_and(|&fu| fu & 0x80 != 0 && is_key_nal(nal_type(fu))),
        t => is_key_nal(t),
    }
}

/// Walks a STAP-A body: 16-bit NAL size, then the NAL unit, repeated.
fn stap_a_has_key(mut body: &[u8]) -> bool {
    while body.len() >= 3 {
        let size = usize::from(u16::from_be_bytes([body[0], body[1]]));
        if size == 0 || body.len() < 2 + size {
            return false;
        }
        if is_key_nal(nal_type(body[2])) {
            return true;
        }
        body = &body[2 + size..];
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn names() {
        assert_eq!(VideoCodec::from_name("video/VP8"), Some(VideoCodec::Vp8));
        assert_eq!(VideoCodec::from_name("vp9"), Some(VideoCodec::Vp9));
        assert_eq!(VideoCodec::from_name("H264"), Some(VideoCodec::H264));
        assert_eq!(VideoCodec::from_name("opus"), None);
    }

    #[test]
    fn vp8_via_descriptor() {
        assert!(is_keyframe(
            VideoCodec::Vp8,
            &vp8::synthetic_payload(1, true, true, 100)
        ));
        assert!(!is_keyframe(
            VideoCodec::Vp8,
            &vp8::synthetic_payload(1, false, true, 100)
        ));
        assert!(!is_keyframe(VideoCodec::Vp8, &[]));
    }

    #[test]
    fn vp9_rules() {
        // B=1, P=0, no L
        assert!(is_keyframe(VideoCodec::Vp9, &[0x08, 0]));
        // B=0
        assert!(!is_keyframe(VideoCodec::Vp9, &[0x04, 0]));
        // P=1
        assert!(!is_keyframe(VideoCodec::Vp9, &[0x48, 0]));
        // I (15-bit id) + L with SID 0
        assert!(is_keyframe(
            VideoCodec::Vp9,
            &[0xa8, 0x81, 0x02, 0b0000_0000, 0]
        ));
        // I (7-bit id) + L with SID 1: not the base spatial layer
        assert!(!is_keyframe(VideoCodec::Vp9, &[0xa8, 0x05, 0b0000_0010]));
        // L without the layer byte: truncated
        assert!(!is_keyframe(VideoCodec::Vp9, &[0xa8, 0x81, 0x02]));
        assert!(!is_keyframe(VideoCodec::Vp9, &[]));
    }

    #[test]
    fn h264_single_nal() {
        assert!(is_keyframe(VideoCodec::H264, &[0x65, 0x88])); // IDR
        assert!(is_keyframe(VideoCodec::H264, &[0x67, 0x42])); // SPS
        assert!(!is_keyframe(VideoCodec::H264, &[0x41, 0x9a])); // non-IDR slice
        assert!(!is_keyframe(VideoCodec::H264, &[0x68])); // PPS alone
        assert!(!is_keyframe(VideoCodec::H264, &[]));
    }

    #[test]
    fn h264_stap_a() {
        // STAP-A: [size 2][SEI(6) x][size 3][SPS 7 ..]
        let p = [0x78, 0, 2, 0x06, 0, 0, 3, 0x67, 1, 2];
        assert!(is_keyframe(VideoCodec::H264, &p));
        // Only a PPS and a slice.
        let p = [0x78, 0, 1, 0x68, 0, 2, 0x41, 1];
        assert!(!is_keyframe(VideoCodec::H264, &p));
        // Size runs past the end.
        let p = [0x78, 0, 9, 0x67];
        assert!(!is_keyframe(VideoCodec::H264, &p));
    }

    #[test]
    fn h264_fu_a() {
        assert!(is_keyframe(VideoCodec::H264, &[0x7c, 0x85, 0])); // start, IDR
        assert!(!is_keyframe(VideoCodec::H264, &[0x7c, 0x05, 0])); // middle fragment
        assert!(!is_keyframe(VideoCodec::H264, &[0x7c, 0x81, 0])); // start, non-IDR
        assert!(!is_keyframe(VideoCodec::H264, &[0x7c]));
    }

    proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            for c in [VideoCodec::Vp8, VideoCodec::Vp9, VideoCodec::H264] {
                let _ = is_keyframe(c, &bytes);
            }
        }

        #[test]
        fn stap_a_finds_key_anywhere(sizes in proptest::collection::vec(1usize..20, 1..6), key_at in any::<prop::sample::Index>()) {
            let k = key_at.index(sizes.len());
            let mut p = vec![0x78];
            for (i, &s) in sizes.iter().enumerate() {
                p.extend_from_slice(&(s as u16).to_be_bytes());
                p.push(if i == k { 0x65 } else { 0x41 });
                p.extend(std::iter::repeat_n(0u8, s - 1));
            }
            prop_assert!(is_keyframe(VideoCodec::H264, &p));
            p[3 + sizes[..k].iter().map(|s| s + 2).sum::<usize>()] = 0x41;
            prop_assert!(!is_keyframe(VideoCodec::H264, &p));
        }
    }
}
