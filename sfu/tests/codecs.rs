//! H.264 and VP9 publishers forwarded through the SFU core to a subscriber that offers
//! every codec: the right payload type on the subscriber's side, continuous numbering,
//! a keyframe start, and keyframe requests reaching the publisher.

mod common;

use std::time::Duration;

use common::{Sim, vp8_seq};
use sfu::TrackSource;
use sfu::media::codec::{VideoCodec, is_keyframe};
use str0m::RtcConfig;
use str0m::format::{Codec, PayloadParams};
use str0m::media::{Direction, KeyframeRequestKind, MediaKind, Mid};

fn video_codec(codec: Codec) -> VideoCodec {
    match codec {
        Codec::H264 => VideoCodec::H264,
        Codec::Vp9 => VideoCodec::Vp9,
        _ => VideoCodec::Vp8,
    }
}

/// A publisher offering only `codec` (and Opus) via `configure`, one default subscriber
/// that joins after a second of media. Returns (sim, publisher, subscriber, mid at B).
fn late_subscriber(
    seed: u64,
    codec: Codec,
    configure: impl FnOnce(RtcConfig) -> RtcConfig,
) -> (Sim, usize, usize, Mid) {
    let mut sim = Sim::new(seed);
    let a = sim.join_with("room", "a", codec, configure);
    let b = sim.join("room", "b");
    let (out, _) = sim.negotiate(a, &[(TrackSource::Camera, false)], &[]);
    let track = out.published[0].track.clone();
    sim.connect_all();
    // A's only keyframe so far is its first frame: B must get a fresh one.
    sim.media_for(Duration::from_secs(1), |_| -127);
    let before = sim.clients[a].keyframe_requests;
    let (_, mids) = sim.negotiate(b, &[], &[(track, MediaKind::Video)]);
    sim.connect_all();
    sim.media_for(Duration::from_secs(1), |_| -127);
    assert!(
        sim.clients[a].keyframe_requests > before,
        "no keyframe request reached A"
    );
    (sim, a, b, mids[0])
}

/// The codec parameters A sends with.
fn sent_params(sim: &Sim, a: usize) -> PayloadParams {
    let c = &sim.clients[a];
    let pt = c.pt_for(c.video);
    *c.rtc.codec_config().find(|p| p.pt() == pt).unwrap()
}

/// B received A's stream from a keyframe on, unchanged, in order, with continuous
/// sequence numbers and a payload type that B's own negotiation maps to A's codec.
fn assert_forwarded(sim: &Sim, a: usize, b: usize, mid: Mid) {
    let sent = sent_params(sim, a);
    let codec = sent.spec().codec;
    let got = sim.clients[b].received_on(mid);
    assert!(got.len() > 40, "B got {}", got.len());
    assert!(
        is_keyframe(video_codec(codec), &got[0].payload),
        "B's first packet is not a {codec} keyframe start"
    );
    assert!(!is_keyframe(video_codec(codec), &got[3].payload));

    let pt = got[0].pt;
    assert!(got.iter().all(|r| r.pt == pt), "payload type changes");
    let at_b = *sim.clients[b]
        .rtc
        .codec_config()
        .find(|p| p.pt() == pt)
        .expect("B negotiated the PT it receives");
    assert_eq!(at_b.spec().codec, codec);
    let (fa, fb) = (sent.spec().format, at_b.spec().format);
    assert_eq!(fa.packetization_mode, fb.packetization_mode);
    assert_eq!(fa.profile_level_id, fb.profile_level_id);
    assert_eq!(fa.profile_id, fb.profile_id);

    let seqs: Vec<u64> = got.iter().map(|r| r.seq).collect();
    assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1), "seq gap");
    let first = vp8_seq(&got[0].payload);
    let sent: Vec<&Vec<u8>> = sim.clients[a].out[0]
        .sent
        .iter()
        .filter(|p| vp8_seq(p) >= first)
        .collect();
    let got_payloads: Vec<&Vec<u8>> = got.iter().map(|r| &r.payload).collect();
    assert_eq!(got_payloads, sent, "payloads differ");
    assert_wire_pts_known(sim, b);
}

/// Every RTP packet that reached client `c` carries a PT its own config knows (media or
/// RTX): the SFU never sends a payload type the subscriber did not negotiate.
fn assert_wire_pts_known(sim: &Sim, c: usize) {
    let client = &sim.clients[c];
    let known: Vec<u8> = client
        .rtc
        .codec_config()
        .params()
        .iter()
        .flat_map(|p| [Some(p.pt()), p.resend()])
        .flatten()
        .map(|pt| *pt)
        .collect();
    assert!(!client.wire_pts.is_empty() || client.received.is_empty());
    let mut unknown: Vec<u8> = client
        .wire_pts
        .iter()
        .copied()
        .filter(|pt| !known.contains(pt))
        .collect();
    unknown.sort_unstable();
    unknown.dedup();
    assert!(
        unknown.is_empty(),
        "PTs {unknown:?} sent to a client that knows {known:?}"
    );
}

/// B sends a PLI: A is asked for a keyframe and B receives one.
fn assert_pli_reaches_publisher(sim: &mut Sim, a: usize, b: usize, mid: Mid) {
    let codec = video_codec(sim.clients[a].video);
    // Past the throttle of the request made when B subscribed.
    sim.media_for(Duration::from_secs(2), |_| -127);
    let requests = sim.clients[a].keyframe_requests;
    let received = sim.clients[b].received.len();
    {
        let mut api = sim.clients[b].rtc.direct_api();
        let rx = api.stream_rx_by_mid(mid, None).expect("B's receive stream");
        rx.request_keyframe(KeyframeRequestKind::Pli);
    }
    sim.media_for(Duration::from_millis(300), |_| -127);
    assert!(
        sim.clients[a].keyframe_requests > requests,
        "B's PLI did not reach A"
    );
    let keys = sim.clients[b].received[received..]
        .iter()
        .filter(|r| is_keyframe(codec, &r.payload))
        .count();
    assert!(keys >= 1, "no keyframe reached B after its PLI");
}

fn h264_only(c: RtcConfig) -> RtcConfig {
    c.clear_codecs().enable_opus(true, false).enable_h264(true)
}

fn vp9_only(c: RtcConfig) -> RtcConfig {
    c.clear_codecs().enable_opus(true, false).enable_vp9(true)
}

#[test]
fn h264_publisher_is_forwarded() {
    let (mut sim, a, b, mid) = late_subscriber(31, Codec::H264, h264_only);
    assert_forwarded(&sim, a, b, mid);
    assert_pli_reaches_publisher(&mut sim, a, b, mid);
    assert_forwarded(&sim, a, b, mid);
}

#[test]
fn vp9_publisher_is_forwarded() {
    let (mut sim, a, b, mid) = late_subscriber(32, Codec::Vp9, vp9_only);
    assert_forwarded(&sim, a, b, mid);
    assert_pli_reaches_publisher(&mut sim, a, b, mid);
    assert_forwarded(&sim, a, b, mid);
}

/// A's H.264 is on PT 96, which B's default negotiation gives to VP8: B must get its own
/// H.264 PT, not A's number.
#[test]
fn h264_on_a_pt_the_subscriber_uses_for_vp8() {
    let (sim, a, b, mid) = late_subscriber(33, Codec::H264, |c| {
        let mut c = c.clear_codecs().enable_opus(true, false);
        c.codec_config()
            .add_h264(96.into(), Some(97.into()), true, 0x42e01f);
        c
    });
    assert_eq!(*sim.clients[a].pt_for(Codec::H264), 96);
    let got = sim.clients[b].received_on(mid);
    assert!(!got.is_empty());
    assert_ne!(*got[0].pt, 96, "A's PT leaked to B");
    assert_forwarded(&sim, a, b, mid);
}

/// The same with VP9 (profile 0) on PT 96.
#[test]
fn vp9_on_a_pt_the_subscriber_uses_for_vp8() {
    let (sim, a, b, mid) = late_subscriber(34, Codec::Vp9, |c| {
        let mut c = c.clear_codecs().enable_opus(true, false);
        c.codec_config().add_config(
            96.into(),
            Some(97.into()),
            Codec::Vp9,
            str0m::media::Frequency::NINETY_KHZ,
            None,
            str0m::format::FormatParams {
                profile_id: Some(0),
                ..Default::default()
            },
        );
        c
    });
    assert_eq!(*sim.clients[a].pt_for(Codec::Vp9), 96);
    let got = sim.clients[b].received_on(mid);
    assert!(!got.is_empty());
    assert_ne!(*got[0].pt, 96, "A's PT leaked to B");
    assert_forwarded(&sim, a, b, mid);
}

/// One subscriber takes a VP8, an H.264 and a VP9 publisher at once: each m-line gets its
/// own codec's PT and its own stream.
#[test]
fn one_subscriber_takes_three_codecs() {
    let mut sim = Sim::new(35);
    let pubs = [
        sim.join("room", "vp8"),
        sim.join_with("room", "h264", Codec::H264, h264_only),
        sim.join_with("room", "vp9", Codec::Vp9, vp9_only),
    ];
    let b = sim.join("room", "b");
    let mut tracks = Vec::new();
    for &p in &pubs {
        let (out, _) = sim.negotiate(p, &[(TrackSource::Camera, false)], &[]);
        tracks.push((out.published[0].track.clone(), MediaKind::Video));
    }
    let (_, mids) = sim.negotiate(b, &[], &tracks);
    sim.connect_all();
    sim.media_for(Duration::from_secs(1), |_| -127);
    for (&p, &mid) in pubs.iter().zip(&mids) {
        assert_forwarded(&sim, p, b, mid);
    }
    let pts: Vec<_> = mids
        .iter()
        .map(|&m| sim.clients[b].received_on(m)[0].pt)
        .collect();
    assert!(pts[0] != pts[1] && pts[1] != pts[2] && pts[0] != pts[2]);
}

type Configure = fn(RtcConfig) -> RtcConfig;

/// A and C publish a camera each (in the codec and config given); B watches A's for half
/// a second, then its m-line goes inactive and comes back carrying C's, as a client that
/// re-uses m-lines does, and B watches for a second more. Returns (A, B, B's mid, packets
/// B got before the switch).
fn switch_cameras(
    sim: &mut Sim,
    (codec_a, config_a): (Codec, Configure),
    (codec_c, config_c): (Codec, Configure),
) -> (usize, usize, Mid, usize) {
    let a = sim.join_with("room", "a", codec_a, config_a);
    let c = sim.join_with("room", "c", codec_c, config_c);
    let b = sim.join("room", "b");
    let (out_a, _) = sim.negotiate(a, &[(TrackSource::Camera, false)], &[]);
    let (out_c, _) = sim.negotiate(c, &[(TrackSource::Camera, false)], &[]);
    let track_a = out_a.published[0].track.clone();
    let (_, mids) = sim.negotiate(b, &[], &[(track_a, MediaKind::Video)]);
    let mid = mids[0];
    sim.connect_all();
    sim.media_for(Duration::from_millis(500), |_| -127);
    let before = sim.clients[b].received_on(mid).len();
    assert!(before > 20, "B got {before} packets of A");
    sim.redirect(b, mid, Direction::Inactive, &[]);
    let track_c = out_c.published[0].track.clone();
    sim.redirect(b, mid, Direction::RecvOnly, &[(mid, track_c)]);
    sim.media_for(Duration::from_secs(1), |_| -127);
    (a, b, mid, before)
}

/// A subscriber m-line that carried VP8 is re-bound to an H.264 track: from the switch on
/// it carries H.264 under B's H.264 PT, from a keyframe, numbering continuing.
#[test]
fn m_line_reused_for_another_codec() {
    let mut sim = Sim::new(36);
    let (_, b, mid, before) =
        switch_cameras(&mut sim, (Codec::Vp8, |c| c), (Codec::H264, h264_only));
    let vp8_pt = sim.clients[b].received_on(mid)[0].pt;
    let got = sim.clients[b].received_on(mid);
    assert!(got.windows(2).all(|w| w[1].seq == w[0].seq + 1), "seq gap");
    let switch = got
        .iter()
        .position(|r| r.pt != vp8_pt)
        .expect("H.264 reached B");
    assert!(switch >= before);
    let h264 = &got[switch..];
    assert!(h264.len() > 40, "B got {} H.264 packets", h264.len());
    assert!(h264.iter().all(|r| r.pt == h264[0].pt));
    let at_b = sim.clients[b]
        .rtc
        .codec_config()
        .find(|p| p.pt() == h264[0].pt)
        .unwrap();
    assert_eq!(at_b.spec().codec, Codec::H264);
    assert!(is_keyframe(VideoCodec::H264, &h264[0].payload));
}

/// A subscriber m-line that carried one VP9 camera is re-bound to another, whose encoder
/// numbers its pictures from elsewhere: the PictureID B sees goes on from the first
/// camera's, +1 at the switch and per frame after, on either send path (the decoder would
/// otherwise take the jump for lost frames).
#[test]
fn vp9_picture_ids_continue_when_the_m_line_changes_camera() {
    for fast in [true, false] {
        let mut sim = Sim::with_config(40, |c| c.fast_path = fast);
        let vp9 = (Codec::Vp9, vp9_only as Configure);
        let (a, b, mid, before) = switch_cameras(&mut sim, vp9, vp9);
        let got = sim.clients[b].received_on(mid);
        assert!(
            got.len() > before + 40,
            "fast={fast}: {} packets",
            got.len()
        );
        let pid = |i: usize| {
            sfu::media::vp9::parse_numbers(&got[i].payload)
                .and_then(|n| n.picture_id)
                .expect("a PictureID")
        };
        let layer = |i: usize| got[i].payload[got[i].payload.len() - 5];
        // A's and C's payloads carry the same tag; tell them apart by A's last packet.
        let last_a = sim.clients[a].out[0].sent.last().unwrap().clone();
        let switch = got
            .iter()
            .position(|r| r.payload == last_a)
            .map_or(before, |i| i + 1);
        assert!(switch < got.len() && layer(switch) == layer(0));
        // Three packets a frame: the id goes up by one every third packet, never jumps.
        for i in 1..got.len() {
            let step = pid(i).wrapping_sub(pid(i - 1)) & 0x7fff;
            assert!(
                step <= 1,
                "fast={fast}: PictureID {} then {} at packet {i} (switch at {switch})",
                pid(i - 1),
                pid(i)
            );
        }
        assert_eq!(
            pid(switch),
            (pid(switch - 1) + 1) & 0x7fff,
            "fast={fast}: not +1 at the switch"
        );
    }
}

/// A subscriber that did not offer the publisher's codec gets nothing rather than packets
/// under a PT that means something else to it.
#[test]
fn subscriber_without_the_codec_gets_nothing() {
    let mut sim = Sim::new(37);
    let a = sim.join_with("room", "a", Codec::H264, h264_only);
    let b = sim.join_with("room", "b", Codec::Vp8, |c| {
        c.clear_codecs().enable_opus(true, false).enable_vp8(true)
    });
    let (out, _) = sim.negotiate(a, &[(TrackSource::Camera, false)], &[]);
    let track = out.published[0].track.clone();
    let (_, mids) = sim.negotiate(b, &[], &[(track, MediaKind::Video)]);
    sim.connect_all();
    sim.media_for(Duration::from_secs(1), |_| -127);
    assert!(sim.clients[a].out[0].sent.len() > 80);
    assert!(sim.clients[b].received_on(mids[0]).is_empty());
    assert_wire_pts_known(&sim, b);
    assert!(sim.core.stats().rtp_dropped > 0);
}

/// B's next offer, made by its own str0m (with a new receive-only audio m-line as the
/// change). B's str0m does not learn of what is made of it (the answer is not applied).
fn next_offer(sim: &mut Sim, b: usize) -> String {
    let mut api = sim.clients[b].rtc.sdp_api();
    api.add_media(MediaKind::Audio, Direction::RecvOnly, None, None, None);
    let (offer, _pending) = api.apply().expect("a change");
    offer.to_sdp_string()
}

/// [`next_offer`] with `codec` and its RTX taken off m-line `mid`, as a browser's
/// `setCodecPreferences` does.
fn reoffer_without(sim: &mut Sim, b: usize, mid: Mid, codec: Codec) -> String {
    let sdp = next_offer(sim, b);
    let name = format!("{codec}").to_uppercase();
    let mut out = Vec::new();
    for section in sdp.split("\r\nm=").enumerate().map(|(i, s)| {
        if i == 0 {
            s.to_owned()
        } else {
            format!("m={s}")
        }
    }) {
        if !section.contains(&format!("a=mid:{mid}\r\n")) {
            out.push(section);
            continue;
        }
        let lines: Vec<&str> = section.split("\r\n").collect();
        let mut gone: Vec<String> = lines
            .iter()
            .filter_map(|l| l.strip_prefix("a=rtpmap:"))
            .filter(|l| l.to_uppercase().contains(&format!(" {name}/")))
            .filter_map(|l| l.split(' ').next().map(str::to_owned))
            .collect();
        let rtx: Vec<String> = lines
            .iter()
            .filter_map(|l| l.strip_prefix("a=fmtp:"))
            .filter(|l| gone.iter().any(|pt| l.ends_with(&format!("apt={pt}"))))
            .filter_map(|l| l.split(' ').next().map(str::to_owned))
            .collect();
        gone.extend(rtx);
        assert!(!gone.is_empty(), "{codec} not on m-line {mid}");
        let kept: Vec<String> = lines
            .iter()
            .filter(|l| {
                !gone.iter().any(|pt| {
                    ["a=rtpmap:", "a=fmtp:", "a=rtcp-fb:"]
                        .iter()
                        .any(|a| l.starts_with(&format!("{a}{pt} ")))
                })
            })
            .map(|l| {
                if l.starts_with("m=") {
                    l.split(' ')
                        .filter(|w| !gone.iter().any(|pt| pt == w))
                        .collect::<Vec<_>>()
                        .join(" ")
                } else {
                    (*l).to_owned()
                }
            })
            .collect();
        out.push(kept.join("\r\n"));
    }
    out.join("\r\n")
}

/// A publishes a VP8 camera, B has watched it for a second (on the fast path or not).
/// Returns (sim, B, B's mid for it).
fn watching_a_second(seed: u64, fast: bool) -> (Sim, usize, Mid) {
    let mut sim = Sim::with_config(seed, |c| c.fast_path = fast);
    let a = sim.join("room", "a");
    let b = sim.join("room", "b");
    let (out, _) = sim.negotiate(a, &[(TrackSource::Camera, false)], &[]);
    let track = out.published[0].track.clone();
    let (_, mids) = sim.negotiate(b, &[], &[(track, MediaKind::Video)]);
    sim.connect_all();
    sim.media_for(Duration::from_secs(1), |_| -127);
    (sim, b, mids[0])
}

/// B takes VP8 off the m-line that carries A's VP8 camera in a later offer: from then on
/// the hub sends nothing there under the payload type the first answer gave VP8, on
/// either send path (B's other codecs cannot carry A's VP8).
#[test]
fn a_reoffer_without_the_codec_stops_it_on_that_m_line() {
    for fast in [true, false] {
        let (mut sim, b, mid) = watching_a_second(38, fast);
        let vp8 = *sim.clients[b].pt_for(Codec::Vp8);
        assert!(sim.clients[b].wire_pts.contains(&vp8), "fast={fast}");
        let sdp = reoffer_without(&mut sim, b, mid, Codec::Vp8);
        assert!(!sdp.contains(&format!("a=rtpmap:{vp8} ")));
        let outcome = sim.raw_offer(b, &sdp).expect("the re-offer is accepted");
        // The answer keeps to what the offer lists (RFC 3264 §6.1).
        let answer = outcome.answer_sdp;
        assert!(!answer.contains(&format!("a=rtpmap:{vp8} ")), "{answer}");
        let seen = sim.clients[b].wire_pts.len();
        let dropped = sim.core.stats().rtp_dropped;
        sim.media_for(Duration::from_secs(1), |_| -127);
        assert!(
            !sim.clients[b].wire_pts[seen..].contains(&vp8),
            "fast={fast}: VP8 still sent to B on PT {vp8}"
        );
        assert!(sim.core.stats().rtp_dropped > dropped + 20, "fast={fast}");
    }
}

/// B moves the mid header extension to another id in a later offer. str0m keeps the ids
/// of the first negotiation and drops an extension offered under another one (JSEP
/// wants re-offers to keep them, RFC 8829 §5.2.2), so from then on neither send path
/// writes the mid under the old id: the fast path follows the map as negotiated now.
#[test]
fn the_fast_path_follows_extension_ids_as_renegotiated() {
    const MID_URI: &str = "urn:ietf:params:rtp-hdrext:sdes:mid";
    for fast in [true, false] {
        let (mut sim, b, _) = watching_a_second(39, fast);
        let sdp = next_offer(&mut sim, b);
        let old: u8 = sdp
            .lines()
            .find_map(|l| {
                l.strip_prefix("a=extmap:")?
                    .strip_suffix(&format!(" {MID_URI}"))
            })
            .and_then(|id| id.parse().ok())
            .expect("B offers the mid extension");
        let before = &sim.clients[b].wire_ext_ids;
        assert!(
            before.iter().any(|&ids| ids & (1 << old) != 0),
            "fast={fast}"
        );
        let new_id = 12;
        assert!(
            !sdp.contains(&format!("a=extmap:{new_id} ")),
            "{new_id} is free"
        );
        let sdp = sdp.replace(
            &format!("a=extmap:{old} {MID_URI}"),
            &format!("a=extmap:{new_id} {MID_URI}"),
        );
        sim.raw_offer(b, &sdp).expect("the re-offer is accepted");
        let seen = sim.clients[b].wire_ext_ids.len();
        sim.media_for(Duration::from_secs(1), |_| -127);
        let after = &sim.clients[b].wire_ext_ids[seen..];
        assert!(after.len() > 40, "fast={fast}: {} packets", after.len());
        let stale = after.iter().filter(|&&ids| ids & (1 << old) != 0).count();
        assert_eq!(
            stale,
            0,
            "fast={fast}: mid still under id {old} in {stale} of {}",
            after.len()
        );
    }
}
