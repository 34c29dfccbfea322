//! The VP9 RTP payload descriptor (RFC 9628 §4.2), as far as an SFU rewrites it: the
//! PictureID and, in non-flexible mode, TL0PICIDX.
//!
//! ```text
//!       0 1 2 3 4 5 6 7
//!      +-+-+-+-+-+-+-+-+
//!      |I|P|L|F|B|E|V|Z|   always
//!   I: |M| PictureID   |   if I (M=1: a second byte follows, 15-bit id)
//!      |   PictureID   |
//!   L: |TID|U| SID |D  |   if L
//!      |   TL0PICIDX   |   if L and not F (non-flexible mode)
//! ```
//! (P_DIFF bytes in flexible mode and the scalability structure follow; not needed here.)

const I_BIT: u8 = 0x80;
const L_BIT: u8 = 0x20;
const F_BIT: u8 = 0x10;
const M_BIT: u8 = 0x80;

/// The picture numbering of one VP9 packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Vp9Numbers {
    /// PictureID when the I bit is set (7 or 15 bits wide, see `picture_id_15bit`).
    pub picture_id: Option<u16>,
    /// The PictureID field is 15 bits wide (M bit set); otherwise 7.
    pub picture_id_15bit: bool,
    /// TL0PICIDX, present with layer indices in non-flexible mode.
    pub tl0_pic_idx: Option<u8>,
}

/// Where the fields sit: (numbers, offset of TL0PICIDX). `None` when the descriptor is
/// cut short.
fn locate(payload: &[u8]) -> Option<(Vp9Numbers, Option<usize>)> {
    let &first = payload.first()?;
    let mut at = 1;
    let mut n = Vp9Numbers::default();
    if first & I_BIT != 0 {
        let &b = payload.get(at)?;
        if b & M_BIT != 0 {
            let &low = payload.get(at + 1)?;
            n.picture_id = Some(u16::from(b & 0x7f) << 8 | u16::from(low));
            n.picture_id_15bit = true;
            at += 2;
        } else {
            n.picture_id = Some(u16::from(b));
            at += 1;
        }
    }
    let mut tl0_at = None;
    if first & L_BIT != 0 {
        payload.get(at)?;
        at += 1;
        if first & F_BIT == 0 {
            n.tl0_pic_idx = Some(*payload.get(at)?);
            tl0_at = Some(at);
        }
    }
    Some((n, tl0_at))
}

/// The packet's PictureID and TL0PICIDX; `None` when the descriptor is cut short.
pub fn parse_numbers(payload: &[u8]) -> Option<Vp9Numbers> {
    locate(payload).map(|(n, _)| n)
}

/// Overwrites the PictureID in place, keeping the field's width (the value is truncated
/// to it). Returns false, leaving the payload untouched, when there is none.
pub fn rewrite_picture_id(payload: &mut [u8], picture_id: u16) -> bool {
    let Some((n, _)) = locate(payload) else {
        return false;
    };
    match (n.picture_id, n.picture_id_15bit) {
        (None, _) => return false,
        (Some(_), true) => {
            payload[1] = M_BIT | ((picture_id >> 8) as u8 & 0x7f);
            payload[2] = picture_id as u8;
        }
        (Some(_), false) => payload[1] = picture_id as u8 & 0x7f,
    }
    true
}

/// Overwrites TL0PICIDX in place. Returns false when there is none.
pub fn rewrite_tl0_pic_idx(payload: &mut [u8], v: u8) -> bool {
    let Some((_, Some(at))) = locate(payload) else {
        return false;
    };
    payload[at] = v;
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_seven_and_fifteen_bit_ids_and_tl0_in_non_flexible_mode() {
        // I, 7-bit id 0x25, no layers.
        assert_eq!(
            parse_numbers(&[0x88, 0x25, 0xaa]),
            Some(Vp9Numbers {
                picture_id: Some(0x25),
                picture_id_15bit: false,
                tl0_pic_idx: None
            })
        );
        // I|L, 15-bit id 0x1234, layer byte, TL0PICIDX 9.
        assert_eq!(
            parse_numbers(&[0xa8, 0x92, 0x34, 0x20, 0x09, 0xaa]),
            Some(Vp9Numbers {
                picture_id: Some(0x1234),
                picture_id_15bit: true,
                tl0_pic_idx: Some(9)
            })
        );
        // Flexible mode (F): layer byte, no TL0PICIDX.
        let flexible = parse_numbers(&[0xb8, 0x05, 0x20, 0x01]).unwrap();
        assert_eq!((flexible.picture_id, flexible.tl0_pic_idx), (Some(5), None));
        // No I: no id.
        assert_eq!(parse_numbers(&[0x08, 0xaa]), Some(Vp9Numbers::default()));
        // Cut short.
        for short in [
            &[][..],
            &[0x88],
            &[0x88, 0x92],
            &[0xa8, 0x05],
            &[0xa8, 0x05, 0x20],
        ] {
            assert_eq!(parse_numbers(short), None, "{short:?}");
        }
    }

    #[test]
    fn rewrites_in_place_keeping_the_widths_and_everything_else() {
        let mut p = vec![0xa8, 0x92, 0x34, 0x20, 0x09, 0xaa];
        assert!(rewrite_picture_id(&mut p, 0x7abc));
        assert!(rewrite_tl0_pic_idx(&mut p, 200));
        assert_eq!(p, [0xa8, 0xfa, 0xbc, 0x20, 200, 0xaa]);
        let mut short_id = vec![0x88, 0x25, 0xaa];
        assert!(rewrite_picture_id(&mut short_id, 0x1ff));
        assert_eq!(short_id, [0x88, 0x7f, 0xaa]);
        assert!(!rewrite_tl0_pic_idx(&mut short_id, 1));
        let mut none = vec![0x08, 0xaa];
        assert!(!rewrite_picture_id(&mut none, 1));
        assert_eq!(none, [0x08, 0xaa]);
    }
}
