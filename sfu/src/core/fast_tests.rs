use super::*;
use crate::media::rewrite::PictureFormat;

fn stream(ids: ExtIds, video: bool) -> OutStream {
    OutStream {
        ssrc: 0x1122_3344,
        mid: b"3".as_slice().into(),
        ids,
        anchor_at: None,
        anchor_due: false,
        last_batch: None,
        history: video.then(History::new),
    }
}

fn empty() -> Arc<[u8]> {
    Arc::from(&[][..])
}

fn packet<'a>(payload: &'a Arc<[u8]>, ext: &'a ExtensionValues) -> Outgoing<'a> {
    Outgoing {
        pt: 96.into(),
        seq: 0x1_0005,
        ts: 0xa0b0_c0d0,
        marker: true,
        payload,
        ext,
        pictures: None,
    }
}

#[test]
fn header_without_extensions_is_the_fixed_twelve_bytes() {
    let mut buf = Vec::new();
    let ext = ExtensionValues::default();
    let len = write_header(
        &mut buf,
        &stream(ExtIds::default(), false),
        &packet(&empty(), &ext),
    );
    assert_eq!(len, 12);
    assert_eq!(
        buf,
        [
            0x80, 0xe0, 0x00, 0x05, 0xa0, 0xb0, 0xc0, 0xd0, 0x11, 0x22, 0x33, 0x44
        ]
    );
}

#[test]
fn header_carries_mid_audio_level_and_orientation_as_one_byte_extensions() {
    let ids = ExtIds {
        mid: Some(4),
        audio_level: Some(1),
        video_orientation: Some(13),
    };
    let ext = ExtensionValues {
        audio_level: Some(-37),
        voice_activity: Some(true),
        video_orientation: Some(str0m::rtp::VideoOrientation::Deg90),
        ..Default::default()
    };
    let mut buf = Vec::new();
    let len = write_header(&mut buf, &stream(ids, false), &packet(&empty(), &ext));
    assert_eq!(buf[0], 0x90, "X bit set");
    assert_eq!(&buf[12..14], &[0xbe, 0xde]);
    // mid (2) + level (2) + orientation (2) = 6 bytes, padded to 8: two words.
    assert_eq!(&buf[14..16], &[0, 2]);
    assert_eq!(&buf[16..24], &[0x40, b'3', 0x10, 0x80 | 37, 0xd0, 3, 0, 0]);
    assert_eq!(len, 24);
    assert_eq!(len % 4, 0);
}

#[test]
fn extensions_without_a_value_are_left_out() {
    let ids = ExtIds {
        mid: None,
        audio_level: Some(1),
        video_orientation: None,
    };
    // A level without voice activity is not written (nor is anything else).
    let ext = ExtensionValues {
        audio_level: Some(-20),
        ..Default::default()
    };
    let mut buf = Vec::new();
    assert_eq!(
        write_header(&mut buf, &stream(ids, false), &packet(&empty(), &ext)),
        12
    );
    assert_eq!(buf[0], 0x80);
}

/// RR (no blocks) + generic NACK for media 0x11223344: PID 100, BLP bits 0 and 2.
fn compound_with_nack() -> Vec<u8> {
    let mut c = vec![0x80, 201, 0, 1, 0, 0, 0, 9];
    c.extend_from_slice(&[0x81, 205, 0, 3, 0, 0, 0, 9, 0x11, 0x22, 0x33, 0x44]);
    c.extend_from_slice(&[0, 100, 0b0000_0000, 0b0000_0101]);
    c
}

#[test]
fn nacks_list_the_pid_and_every_bit_of_the_mask() {
    let got: Vec<(u32, u16)> = nacked(&compound_with_nack()).collect();
    assert_eq!(
        got,
        [(0x1122_3344, 100), (0x1122_3344, 101), (0x1122_3344, 103)]
    );
}

#[test]
fn nack_parsing_stops_at_a_malformed_packet() {
    let mut c = compound_with_nack();
    // The RR now claims to run past the end: nothing after it is trusted.
    c[3] = 40;
    assert_eq!(nacked(&c).count(), 0);
    // PLI (FMT 1, PT 206) is not a NACK.
    let pli = [0x81, 206, 0, 2, 0, 0, 0, 9, 0x11, 0x22, 0x33, 0x44];
    assert_eq!(nacked(&pli).count(), 0);
}

fn sent(seq: u64, payload: &[u8]) -> Sent {
    let ext = ExtensionValues::default();
    let payload = payload.into();
    Sent::of(&Outgoing {
        seq,
        ..packet(&payload, &ext)
    })
}

#[test]
fn history_returns_a_kept_packet_until_overwritten_or_stale() {
    let t0 = Instant::now();
    let mut h = History::new();
    assert!(h.get(5, t0).is_none());
    h.put(sent(0x1_0005, b"five"), t0);
    assert_eq!(h.get(5, t0).map(|s| &s.payload[..]), Some(&b"five"[..]));
    assert!(h.get(6, t0).is_none());
    assert!(
        h.get(5, t0 + HISTORY_AGE + Duration::from_millis(1))
            .is_none()
    );
    h.put(sent(0x1_0005 + HISTORY_SLOTS as u64, b"later"), t0);
    assert!(h.get(5, t0).is_none(), "the slot now holds another packet");
}

#[test]
fn resends_stay_within_the_budget() {
    let t0 = Instant::now();
    let mut b = ResendBudget::default();
    b.sent(1000, t0);
    assert!(b.allow_resend(300, Some(0.35), t0));
    assert!(!b.allow_resend(100, Some(0.35), t0), "400 > 350");
    assert!(b.allow_resend(40, Some(0.35), t0));
    // Without a cap anything goes; with nothing sent recently, nothing does.
    assert!(b.allow_resend(10_000, None, t0));
    let later = t0 + 3 * BUDGET_WINDOW;
    assert!(!b.allow_resend(1, Some(0.35), later));
}

fn sender() -> FastSender {
    let slot = KeySlot::default();
    *slot.lock().unwrap() = Some(super::super::keys::Exported {
        profile: str0m::crypto::dtls::SrtpProfile::AEAD_AES_128_GCM,
        material: (0..56).collect(),
        active: true,
    });
    FastSender::from_slot(&slot).unwrap().unwrap()
}

#[test]
fn anchors_come_every_interval_and_on_switches_when_the_outbox_allows() {
    let t0 = Instant::now();
    let ms = Duration::from_millis;
    let mut f = sender();
    let mut s = stream(ExtIds::default(), true);
    let ext = ExtensionValues::default();
    assert!(
        s.take_anchor(&f, false, t0),
        "the first packet goes through str0m"
    );
    assert!(!s.take_anchor(&f, false, t0 + ms(10)));
    assert!(send(
        &mut f,
        &mut Spare::default(),
        &mut s,
        &packet(&b"x"[..].into(), &ext),
        t0 + ms(10)
    ));
    // A switch makes an anchor due, but a packet of the stream waits in the outbox and
    // str0m's would leave before it.
    assert!(!s.take_anchor(&f, true, t0 + ms(20)));
    assert!(!send(
        &mut f,
        &mut Spare::default(),
        &mut s,
        &packet(&b"y"[..].into(), &ext),
        t0 + ms(20)
    ));
    // The core flushes: now it can.
    f.outbox.clear();
    f.batch += 1;
    assert!(s.take_anchor(&f, false, t0 + ms(30)), "the switch's anchor");
    assert!(!s.take_anchor(&f, false, t0 + ms(40)));
    assert!(s.take_anchor(&f, false, t0 + ms(30) + ANCHOR_INTERVAL));
}

#[test]
fn sent_video_is_encrypted_queued_and_kept_for_resends() {
    let t0 = Instant::now();
    let mut f = sender();
    let mut s = stream(ExtIds::default(), true);
    let ext = ExtensionValues::default();
    let payload: Arc<[u8]> = [0x90, 0x80, 0x05, 1, 2, 3, 4].as_slice().into();
    let mut pkt = packet(&payload, &ext);
    pkt.pictures = Some(PicturePatch {
        format: PictureFormat::Vp8,
        picture_id: Some(0x11),
        tl0_pic_idx: None,
    });
    send(&mut f, &mut Spare::default(), &mut s, &pkt, t0);
    let sent = f.outbox[0].clone();
    assert_eq!(
        sent.len(),
        12 + payload.len() + 16,
        "header, payload, GCM tag"
    );
    assert_eq!(&sent[..4], &[0x80, 0xe0, 0x00, 0x05]);
    assert_ne!(&sent[12..19], &payload[..], "encrypted");
    // Remembered with the shared payload, and made again byte for byte (so a resend
    // encrypts nothing new under the same index).
    let kept = s.history.as_ref().unwrap().get(5, t0).unwrap();
    assert!(Arc::ptr_eq(&kept.payload, &payload));
    let kept_ext = kept.ext();
    assert_eq!(
        seal(&f, &mut Spare::default(), &s, &kept.outgoing(&kept_ext)),
        sent
    );
    // The same packet with another PictureID encrypts differently: the rewrite happened.
    let mut g = sender();
    let mut t = stream(ExtIds::default(), true);
    pkt.pictures = None;
    send(&mut g, &mut Spare::default(), &mut t, &pkt, t0);
    assert_ne!(g.outbox[0], sent);
    // Audio keeps no history.
    let mut a = stream(ExtIds::default(), false);
    send(&mut g, &mut Spare::default(), &mut a, &pkt, t0);
    assert!(a.history.is_none());
}

#[test]
fn a_datagram_sealed_in_a_used_buffer_is_the_one_sealed_in_a_new_one() {
    let t0 = Instant::now();
    let ext = ExtensionValues::default();
    let payload: Arc<[u8]> = [0x90, 0x80, 0x05, 1, 2, 3, 4].as_slice().into();
    let pkt = packet(&payload, &ext);
    let mut fresh = sender();
    send(
        &mut fresh,
        &mut Spare::default(),
        &mut stream(ExtIds::default(), true),
        &pkt,
        t0,
    );
    // A longer datagram's buffer, handed back after sending.
    let mut used = Vec::with_capacity(1600);
    used.extend_from_slice(&[0xaa; 1400]);
    let at = used.as_ptr();
    let mut spare = Spare::default();
    spare.give(used);
    let mut f = sender();
    send(
        &mut f,
        &mut spare,
        &mut stream(ExtIds::default(), true),
        &pkt,
        t0,
    );
    assert_eq!(f.outbox[0].as_ptr(), at, "built in the handed-back buffer");
    assert_eq!(f.outbox[0], fresh.outbox[0]);
}

#[test]
fn only_dtls_and_srtp_name_the_selected_pair() {
    assert!(!names_selected_pair(&[0x00, 0x01]), "STUN binding request");
    assert!(names_selected_pair(&[22, 0xfe, 0xfd]), "DTLS handshake");
    assert!(names_selected_pair(&[0x80, 0x60]), "SRTP");
    assert!(!names_selected_pair(&[]));
}

#[test]
fn rtcp_is_told_from_rtp_by_its_packet_type() {
    assert!(is_rtcp(&compound_with_nack()));
    assert!(
        !is_rtcp(&[0x80, 96, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0]),
        "RTP PT 96"
    );
    assert!(!is_rtcp(&[0x80, 200, 0, 1]), "too short");
}

proptest::proptest! {
    /// Whatever an authenticated compound holds, reading its NACKs never panics and never
    /// reads past it (each NACK names at most 17 packets per 4 bytes of FCI).
    #[test]
    fn any_compound_parses_without_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..200)) {
        let n = nacked(&bytes).count();
        proptest::prop_assert!(n <= bytes.len() / 4 * 17);
        let _ = is_rtcp(&bytes);
        let _ = names_selected_pair(&bytes);
    }
}
