use super::*;
use proptest::prelude::*;

fn desc() -> Vp8Descriptor {
    Vp8Descriptor::default()
}

#[test]
fn minimal_descriptor() {
    let d = parse(&[0x10, 0xaa]).unwrap();
    assert!(d.start_of_partition);
    assert_eq!(d.partition_id, 0);
    assert_eq!(d.picture_id, None);
    assert_eq!(d.header_len, 1);
    assert!(
        !d.is_keyframe,
        "one byte of frame data is not a keyframe header"
    );
}

#[test]
fn all_extensions_15bit() {
    // X S PID=0 | I L T K | M + pid 0x1234 | tl0 7 | tid 2, Y, keyidx 5
    let p = [0x90, 0xf0, 0x80 | 0x12, 0x34, 7, 0b1010_0101, 0xff];
    let d = parse(&p).unwrap();
    assert_eq!(d.picture_id, Some(0x1234));
    assert!(d.picture_id_15bit);
    assert_eq!(d.tl0_pic_idx, Some(7));
    assert_eq!(d.temporal_id, Some(2));
    assert!(d.layer_sync);
    assert_eq!(d.key_idx, Some(5));
    assert_eq!(d.header_len, 6);
}

#[test]
fn seven_bit_picture_id_and_k_only() {
    let p = [0x83, 0x90, 0x45, 0b1100_0011];
    let d = parse(&p).unwrap();
    assert_eq!(d.partition_id, 3);
    assert!(!d.start_of_partition);
    assert_eq!(d.picture_id, Some(0x45));
    assert!(!d.picture_id_15bit);
    assert_eq!(d.temporal_id, None, "T not set: TID is ignored");
    assert_eq!(d.key_idx, Some(3));
    assert_eq!(d.header_len, 4);
}

#[test]
fn truncated_and_empty() {
    assert_eq!(parse(&[]), Err(Vp8Error::Empty));
    assert_eq!(
        parse(&[0x80]),
        Err(Vp8Error::Truncated { needed: 2, len: 1 })
    );
    assert!(matches!(
        parse(&[0x80, 0x80, 0x80]),
        Err(Vp8Error::Truncated { .. })
    ));
    assert!(matches!(
        parse(&[0x80, 0x40]),
        Err(Vp8Error::Truncated { .. })
    ));
}

#[test]
fn keyframe_detection_from_synthetic() {
    let key = synthetic_payload(5, true, true, 1200);
    assert_eq!(key.len(), 1200);
    let d = parse(&key).unwrap();
    assert!(d.is_keyframe);
    assert_eq!(d.picture_id, Some(5));
    assert_eq!(keyframe_dimensions(&key), Some(SYNTHETIC_SIZE));

    let delta = synthetic_payload(6, false, true, 1200);
    assert!(!parse(&delta).unwrap().is_keyframe);
    assert_eq!(keyframe_dimensions(&delta), None);

    let cont = synthetic_payload(5, true, false, 1200);
    assert!(
        !parse(&cont).unwrap().is_keyframe,
        "a keyframe's later packets do not start it"
    );
}

#[test]
fn keyframe_needs_partition_zero_and_start_code() {
    let mut key = synthetic_payload(5, true, true, 100);
    key[0] |= 0x01; // PID=1
    assert!(!parse(&key).unwrap().is_keyframe);
    let mut key = synthetic_payload(5, true, true, 100);
    key[4 + 3] = 0; // break start code
    assert!(!parse(&key).unwrap().is_keyframe);
}

#[test]
fn synthetic_small_len_still_valid() {
    let key = synthetic_payload_sized(1, true, true, 0, (1280, 720));
    assert_eq!(key.len(), 4 + KEYFRAME_HEADER_LEN);
    assert_eq!(keyframe_dimensions(&key), Some((1280, 720)));
    let cont = synthetic_payload(1, false, false, 0);
    assert_eq!(cont.len(), 4);
}

#[test]
fn rewrite_picture_id_keeps_width() {
    let mut p = vec![0x90, 0x80, 0x12, 0xee];
    assert!(rewrite_picture_id(&mut p, 0x1ff));
    assert_eq!(parse(&p).unwrap().picture_id, Some(0x7f));
    assert_eq!(p[3], 0xee, "frame data untouched");

    let mut p = synthetic_payload(100, false, true, 50);
    assert!(rewrite_picture_id(&mut p, 0xffff));
    assert_eq!(parse(&p).unwrap().picture_id, Some(0x7fff));
}

#[test]
fn rewrite_absent_fields_is_false() {
    let mut p = vec![0x10, 0x00, 0x01];
    assert!(!rewrite_picture_id(&mut p, 3));
    assert!(!rewrite_tl0_pic_idx(&mut p, 3));
    assert_eq!(p, vec![0x10, 0x00, 0x01]);
    assert!(!rewrite_picture_id(&mut [], 1));
    assert!(!rewrite_tl0_pic_idx(&mut [0x80], 1));
}

#[test]
fn rewrite_tl0_in_each_layout() {
    for (pid, wide) in [(None, false), (Some(9), false), (Some(300), true)] {
        let d = Vp8Descriptor {
            picture_id: pid,
            picture_id_15bit: wide,
            tl0_pic_idx: Some(1),
            temporal_id: Some(1),
            ..desc()
        };
        let mut p = Vec::new();
        encode_descriptor(&d, &mut p);
        assert!(rewrite_tl0_pic_idx(&mut p, 200));
        let back = parse(&p).unwrap();
        assert_eq!(back.tl0_pic_idx, Some(200));
        assert_eq!(back.picture_id, pid);
        assert_eq!(back.temporal_id, Some(1));
    }
}

fn arb_descriptor() -> impl Strategy<Value = Vp8Descriptor> {
    (
        any::<bool>(),
        0u8..8,
        proptest::option::of(any::<u16>()),
        any::<bool>(),
        proptest::option::of(any::<u8>()),
        proptest::option::of(0u8..4),
        any::<bool>(),
        proptest::option::of(0u8..32),
        any::<bool>(),
    )
        .prop_map(
            |(s, pid, picture_id, wide, tl0, tid, y, key, n)| Vp8Descriptor {
                start_of_partition: s,
                partition_id: pid,
                picture_id: picture_id.map(|p| if wide { p & 0x7fff } else { p & 0x7f }),
                picture_id_15bit: wide && picture_id.is_some(),
                tl0_pic_idx: tl0,
                temporal_id: tid,
                layer_sync: y && tid.is_some(),
                key_idx: key,
                non_reference: n,
                header_len: 0,
                is_keyframe: false,
            },
        )
}

proptest! {
    #[test]
    fn parse_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..40)) {
        if let Ok(d) = parse(&bytes) {
            prop_assert!(d.header_len <= bytes.len());
            prop_assert!((1..=6).contains(&d.header_len));
        }
        let _ = keyframe_dimensions(&bytes);
        let mut b = bytes.clone();
        let _ = rewrite_picture_id(&mut b, 77);
        let _ = rewrite_tl0_pic_idx(&mut b, 7);
        prop_assert_eq!(b.len(), bytes.len());
    }

    #[test]
    fn encode_parse_roundtrip(d in arb_descriptor(), tail in proptest::collection::vec(any::<u8>(), 0..8)) {
        let mut p = Vec::new();
        encode_descriptor(&d, &mut p);
        let len = p.len();
        p.extend_from_slice(&tail);
        let back = parse(&p).unwrap();
        prop_assert_eq!(back, Vp8Descriptor { header_len: len, is_keyframe: back.is_keyframe, ..d });
    }

    #[test]
    fn rewrites_touch_only_their_field(d in arb_descriptor(), pid in any::<u16>(), tl0 in any::<u8>()) {
        let mut p = Vec::new();
        encode_descriptor(&d, &mut p);
        p.extend_from_slice(&[1, 2, 3]);
        let before = parse(&p).unwrap();
        prop_assert_eq!(rewrite_picture_id(&mut p, pid), d.picture_id.is_some());
        prop_assert_eq!(rewrite_tl0_pic_idx(&mut p, tl0), d.tl0_pic_idx.is_some());
        let after = parse(&p).unwrap();
        let mask = if d.picture_id_15bit { 0x7fff } else { 0x7f };
        prop_assert_eq!(after.picture_id, d.picture_id.map(|_| pid & mask));
        prop_assert_eq!(after.tl0_pic_idx, d.tl0_pic_idx.map(|_| tl0));
        prop_assert_eq!(Vp8Descriptor { picture_id: None, tl0_pic_idx: None, ..after },
            Vp8Descriptor { picture_id: None, tl0_pic_idx: None, ..before });
        prop_assert_eq!(&p[p.len() - 3..], &[1, 2, 3]);
    }

    #[test]
    fn synthetic_payloads_parse(pid in any::<u16>(), key in any::<bool>(), start in any::<bool>(), len in 0usize..1500) {
        let p = synthetic_payload(pid, key, start, len);
        prop_assert!(p.len() >= len);
        let d = parse(&p).unwrap();
        prop_assert_eq!(d.picture_id, Some(pid & 0x7fff));
        prop_assert_eq!(d.is_keyframe, key && start);
        prop_assert_eq!(crate::media::codec::is_keyframe(crate::media::codec::VideoCodec::Vp8, &p), key && start);
    }
}
