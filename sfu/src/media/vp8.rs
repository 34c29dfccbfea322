//! VP8 RTP payload descriptor (RFC 7741 §4.2) parsing and in-place rewriting, plus a
//! generator of valid synthetic VP8 payloads for tests and load generators.
//!
//! Descriptor layout (each optional byte present only when its flag is set):
//!
//! ```text
//!       0 1 2 3 4 5 6 7
//!      +-+-+-+-+-+-+-+-+
//!      |X|R|N|S|R| PID |   always
//!   X: |I|L|T|K| RSV   |   if X
//!   I: |M| PictureID   |   if I (M=1: a second byte follows, 15-bit id)
//!      |   PictureID   |
//!   L: |   TL0PICIDX   |   if L
//! T/K: |TID|Y| KEYIDX  |   if T or K
//! ```
//!
//! After the descriptor, the first packet of a frame (S=1, PID=0) starts with the VP8
//! payload header (RFC 6386 §9.1): a 3-byte frame tag whose lowest bit `P` is 0 for a
//! keyframe, and for keyframes 7 more bytes: start code `9d 01 2a`, then 14-bit width and
//! height (little-endian, 2 scale bits on top).

use thiserror::Error;

const X_BIT: u8 = 0x80;
const N_BIT: u8 = 0x20;
const S_BIT: u8 = 0x10;
const PID_MASK: u8 = 0x07;
const I_BIT: u8 = 0x80;
const L_BIT: u8 = 0x40;
const T_BIT: u8 = 0x20;
const K_BIT: u8 = 0x10;
const M_BIT: u8 = 0x80;
const Y_BIT: u8 = 0x20;

/// The keyframe start code (RFC 6386 §9.1).
pub const KEYFRAME_START_CODE: [u8; 3] = [0x9d, 0x01, 0x2a];
/// Length of a keyframe's payload header: frame tag (3) + start code (3) + sizes (4).
pub const KEYFRAME_HEADER_LEN: usize = 10;

/// A parsed VP8 payload descriptor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Vp8Descriptor {
    /// S bit: this packet starts a VP8 partition.
    pub start_of_partition: bool,
    /// PID: the partition index (0..=7).
    pub partition_id: u8,
    /// PictureID when the I bit is set (7 or 15 bits wide, see `picture_id_15bit`).
    pub picture_id: Option<u16>,
    /// The PictureID field is 15 bits wide (M bit set); otherwise 7.
    pub picture_id_15bit: bool,
    /// TL0PICIDX when the L bit is set.
    pub tl0_pic_idx: Option<u8>,
    /// TID when the T bit is set.
    pub temporal_id: Option<u8>,
    /// Y bit (layer sync); only meaningful with T.
    pub layer_sync: bool,
    /// KEYIDX when the K bit is set.
    pub key_idx: Option<u8>,
    /// N bit: the frame is not a reference frame (may be discarded).
    pub non_reference: bool,
    /// Length of the descriptor in bytes; the VP8 payload starts at this offset.
    pub header_len: usize,
    /// This packet starts a keyframe (S=1, PID=0, P=0 and a valid keyframe start code).
    pub is_keyframe: bool,
}

/// Why a payload is not a valid VP8 payload descriptor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum Vp8Error {
    /// The payload is empty.
    #[error("empty VP8 payload")]
    Empty,
    /// The flags announce more descriptor bytes than the payload holds.
    #[error("VP8 payload descriptor truncated: needs {needed} bytes, payload has {len}")]
    Truncated {
        /// Bytes the descriptor needs.
        needed: usize,
        /// Bytes present.
        len: usize,
    },
}

/// Parses the payload descriptor at the start of `payload` (the RTP payload).
pub fn parse(payload: &[u8]) -> Result<Vp8Descriptor, Vp8Error> {
    let first = *payload.first().ok_or(Vp8Error::Empty)?;
    let mut d = Vp8Descriptor {
        start_of_partition: first & S_BIT != 0,
        partition_id: first & PID_MASK,
        non_reference: first & N_BIT != 0,
        ..Vp8Descriptor::default()
    };
    let mut at = 1;
    let byte = |at: usize| {
        payload.get(at).copied().ok_or(Vp8Error::Truncated {
            needed: at + 1,
            len: payload.len(),
        })
    };
    if first & X_BIT != 0 {
        let ext = byte(at)?;
        at += 1;
        if ext & I_BIT != 0 {
            let b = byte(at)?;
            at += 1;
            if b & M_BIT != 0 {
                let lo = byte(at)?;
                at += 1;
                d.picture_id = Some(u16::from(b & 0x7f) << 8 | u16::from(lo));
                d.picture_id_15bit = true;
            } else {
                d.picture_id = Some(u16::from(b));
            }
        }
        if ext & L_BIT != 0 {
            d.tl0_pic_idx = Some(byte(at)?);
            at += 1;
        }
        if ext & (T_BIT | K_BIT) != 0 {
            let b = byte(at)?;
            at += 1;
            if ext & T_BIT != 0 {
                d.temporal_id = Some(b >> 6);
                d.layer_sync = b & Y_BIT != 0;
            }
            if ext & K_BIT != 0 {
                d.key_idx = Some(b & 0x1f);
            }
        }
    }
    d.header_len = at;
    d.is_keyframe =
        d.start_of_partition && d.partition_id == 0 && keyframe_header(&payload[at..]).is_some();
    Ok(d)
}

/// Width and height of a keyframe from the VP8 payload header (the bytes after the
/// descriptor), or `None` when it is not a keyframe's header.
fn keyframe_header(vp8: &[u8]) -> Option<(u16, u16)> {
    if vp8.len() < KEYFRAME_HEADER_LEN || vp8[0] & 0x01 != 0 || vp8[3..6] != KEYFRAME_START_CODE {
        return None;
    }
    let width = u16::from_le_bytes([vp8[6], vp8[7]]) & 0x3fff;
    let height = u16::from_le_bytes([vp8[8], vp8[9]]) & 0x3fff;
    Some((width, height))
}

/// The frame size carried by a keyframe's first packet (`payload` is the RTP payload), or
/// `None` when the packet does not start a keyframe. Lets the core learn each simulcast
/// layer's real size without decoding.
pub fn keyframe_dimensions(payload: &[u8]) -> Option<(u16, u16)> {
    let d = parse(payload).ok()?;
    if !d.start_of_partition || d.partition_id != 0 {
        return None;
    }
    keyframe_header(&payload[d.header_len..])
}

/// Overwrites the PictureID in place, keeping the field's width (7 or 15 bits; the value
/// is truncated to that width). Returns false, leaving the payload untouched, when the
/// payload has no PictureID or is malformed.
pub fn rewrite_picture_id(payload: &mut [u8], picture_id: u16) -> bool {
    let Ok(d) = parse(payload) else { return false };
    if d.picture_id.is_none() {
        return false;
    }
    // The PictureID always sits right after the two mandatory-with-X bytes.
    if d.picture_id_15bit {
        payload[2] = M_BIT | ((picture_id >> 8) as u8 & 0x7f);
        payload[3] = picture_id as u8;
    } else {
        payload[2] = picture_id as u8 & 0x7f;
    }
    true
}

/// Overwrites TL0PICIDX in place. Returns false when absent or malformed.
pub fn rewrite_tl0_pic_idx(payload: &mut [u8], v: u8) -> bool {
    let Ok(d) = parse(payload) else { return false };
    if d.tl0_pic_idx.is_none() {
        return false;
    }
    let at = match d.picture_id {
        None => 2,
        Some(_) if d.picture_id_15bit => 4,
        Some(_) => 3,
    };
    payload[at] = v;
    true
}

/// Appends the descriptor described by `d` to `out` (`header_len` and `is_keyframe` are
/// ignored; a PictureID is written 15 bits wide when `picture_id_15bit`, else 7).
pub fn encode_descriptor(d: &Vp8Descriptor, out: &mut Vec<u8>) {
    let mut ext = 0u8;
    if d.picture_id.is_some() {
        ext |= I_BIT;
    }
    if d.tl0_pic_idx.is_some() {
        ext |= L_BIT;
    }
    if d.temporal_id.is_some() {
        ext |= T_BIT;
    }
    if d.key_idx.is_some() {
        ext |= K_BIT;
    }
    let mut first = d.partition_id & PID_MASK;
    if d.start_of_partition {
        first |= S_BIT;
    }
    if d.non_reference {
        first |= N_BIT;
    }
    if ext != 0 {
        first |= X_BIT;
    }
    out.push(first);
    if ext == 0 {
        return;
    }
    out.push(ext);
    if let Some(pid) = d.picture_id {
        if d.picture_id_15bit {
            out.extend_from_slice(&[M_BIT | ((pid >> 8) as u8 & 0x7f), pid as u8]);
        } else {
            out.push(pid as u8 & 0x7f);
        }
    }
    if let Some(tl0) = d.tl0_pic_idx {
        out.push(tl0);
    }
    if d.temporal_id.is_some() || d.key_idx.is_some() {
        let tid = d.temporal_id.unwrap_or(0) & 0x03;
        let y = if d.layer_sync && d.temporal_id.is_some() {
            Y_BIT
        } else {
            0
        };
        out.push(tid << 6 | y | (d.key_idx.unwrap_or(0) & 0x1f));
    }
}

/// Width and height written into keyframes by [`synthetic_payload`].
pub const SYNTHETIC_SIZE: (u16, u16) = (640, 360);

/// A valid VP8 RTP payload, for tests and load generators (not for real media: the frame
/// data is a filler pattern no decoder will accept).
///
/// The descriptor carries a 15-bit PictureID (`picture_id & 0x7fff`), S=`start`, PID=0.
/// When `start`, the VP8 payload header follows: for `keyframe` a full 10-byte keyframe
/// header (start code `9d 01 2a`, [`SYNTHETIC_SIZE`]), else a 3-byte inter-frame tag.
/// The result is `len` bytes long, or the minimum that holds these headers.
pub fn synthetic_payload(picture_id: u16, keyframe: bool, start: bool, len: usize) -> Vec<u8> {
    synthetic_payload_sized(picture_id, keyframe, start, len, SYNTHETIC_SIZE)
}

/// [`synthetic_payload`] with a chosen keyframe size (e.g. one per simulcast layer).
pub fn synthetic_payload_sized(
    picture_id: u16,
    keyframe: bool,
    start: bool,
    len: usize,
    (width, height): (u16, u16),
) -> Vec<u8> {
    let d = Vp8Descriptor {
        start_of_partition: start,
        picture_id: Some(picture_id & 0x7fff),
        picture_id_15bit: true,
        ..Vp8Descriptor::default()
    };
    let mut out = Vec::with_capacity(len.max(4 + KEYFRAME_HEADER_LEN));
    encode_descriptor(&d, &mut out);
    if start {
        let header_len = if keyframe { KEYFRAME_HEADER_LEN } else { 3 };
        let data_len = len.saturating_sub(out.len()).max(header_len);
        // Frame tag: P (bit 0), version 0, show_frame (bit 4), first partition size.
        let first_part = (data_len - header_len).min(0x7_ffff) as u32;
        let tag = u32::from(!keyframe) | 1 << 4 | first_part << 5;
        out.extend_from_slice(&tag.to_le_bytes()[..3]);
        if keyframe {
            out.extend_from_slice(&KEYFRAME_START_CODE);
            out.extend_from_slice(&(width & 0x3fff).to_le_bytes());
            out.extend_from_slice(&(height & 0x3fff).to_le_bytes());
        }
    }
    let filler = (out.len()..len.max(out.len())).map(|i| (i as u8).wrapping_mul(31) | 1);
    out.extend(filler);
    out
}

#[cfg(test)]
#[path = "vp8_tests.rs"]
mod tests;
