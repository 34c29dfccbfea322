//! Applying a client's offer: the client always offers, the hub always answers.
//!
//! After str0m accepts the offer, the participant's m-lines are compared with what the core
//! knows: `publish` m-lines the hub now receives become tracks, publications whose m-line
//! stopped receiving end, `subscribe` m-lines the hub now sends on are bound to their
//! tracks, and subscriptions whose m-line stopped sending go idle.

use std::time::{Duration, Instant};

/// Resend history per subscriber video stream: str0m's default size and age.
const RTX_CACHE_PACKETS: usize = 1024;
const RTX_CACHE_AGE: Duration = Duration::from_secs(3);

use str0m::change::SdpOffer;
use str0m::media::{Direction, MediaKind, Mid, Pt, Rids};
use tracing::{info, warn};

use super::forward::{self, Track};
use super::participant::Publication;
use super::{PKey, SfuCore, TKey};
use crate::api::{
    OfferOutcome, PublishSpec, SfuError, SubscribeSpec, TrackId, TrackInfo, TrackKind,
};

pub(crate) fn apply_offer(
    core: &mut SfuCore,
    key: PKey,
    sdp: &str,
    publish: &[PublishSpec],
    subscribe: &[SubscribeSpec],
    now: Instant,
) -> Result<OfferOutcome, SfuError> {
    let sdp = take_dtls_client_role(sdp);
    let offer = SdpOffer::from_sdp_string(&sdp).map_err(|e| SfuError::InvalidSdp(e.to_string()))?;
    // Refuse before touching the session: an unknown track must not half-apply the offer.
    // Tracks of other rooms do not exist for this participant (their ids are guessable).
    let room_of = |pk: PKey| core.participants[pk].as_ref().map(|p| &p.room);
    for s in subscribe {
        let publisher = core
            .track_ids
            .get(&s.track)
            .and_then(|&tk| core.tracks[tk].as_ref());
        let same_room = publisher.is_some_and(|t| room_of(t.publisher) == room_of(key));
        if !same_room {
            return Err(SfuError::UnknownTrack(s.track.clone()));
        }
    }
    let p = core.participant_mut(key);
    if p.ended {
        return Err(SfuError::Negotiation(
            "the participant's media has ended".into(),
        ));
    }
    let answer = p
        .rtc
        .sdp_api()
        .accept_offer(offer)
        .map_err(|e| SfuError::Negotiation(e.to_string()))?;
    tune_send_streams(core, key, subscribe);
    let p = core.participant_mut(key);
    p.offered_at.get_or_insert(now);
    let unpublished = end_stopped_publications(core, key);
    let published = add_publications(core, key, publish);
    idle_stopped_subscriptions(core, key);
    let offered = offered_pts(&sdp);
    forward::renegotiated(core, key, &offered);
    bind_subscriptions(core, key, subscribe, now)?;
    Ok(OfferOutcome {
        answer_sdp: answer_within_offer(&answer.to_sdp_string(), &offered),
        published,
        unpublished,
    })
}

/// Sizes the resend history of the subscriber streams this offer sets up. Called for every
/// offer (str0m creates send streams while accepting it); re-setting an existing stream's
/// cache only forgets its history, so only `subscribe` m-lines new to the core are touched.
fn tune_send_streams(core: &mut SfuCore, key: PKey, subscribe: &[SubscribeSpec]) {
    let cap = core.config.rtx_ratio_cap;
    let p = core.participant_mut(key);
    for spec in subscribe {
        let mid = Mid::from(spec.mid.as_str());
        if p.subscriptions.iter().any(|s| s.mid == mid) {
            continue;
        }
        let video = p
            .rtc
            .media(mid)
            .is_some_and(|m| m.kind() == MediaKind::Video);
        let mut api = p.rtc.direct_api();
        if let (true, Some(tx)) = (video, api.stream_tx_by_mid(mid, None)) {
            tx.set_rtx_cache(RTX_CACHE_PACKETS, RTX_CACHE_AGE, cap);
        }
    }
}

/// How the hub uses m-line `mid` now: (kind, hub receives, hub sends), if it is active.
fn media_use(core: &SfuCore, key: PKey, mid: Mid) -> Option<(MediaKind, bool, bool)> {
    let p = core.participants[key].as_ref()?;
    let m = p.rtc.media(mid)?;
    if m.disabled() {
        return None;
    }
    let dir = m.direction();
    let receives = matches!(dir, Direction::RecvOnly | Direction::SendRecv);
    let sends = matches!(dir, Direction::SendOnly | Direction::SendRecv);
    Some((m.kind(), receives, sends))
}

fn end_stopped_publications(core: &mut SfuCore, key: PKey) -> Vec<TrackId> {
    let pubs: Vec<(Mid, TKey)> = core
        .participant_mut(key)
        .publications
        .iter()
        .map(|x| (x.mid, x.track))
        .collect();
    let mut ended = Vec::new();
    for (mid, tk) in pubs {
        if media_use(core, key, mid).is_some_and(|(_, receives, _)| receives) {
            continue;
        }
        if let Some(t) = core.tracks[tk].as_ref() {
            ended.push(t.info.track.clone());
        }
        forward::remove_track(core, tk);
    }
    ended
}

fn add_publications(core: &mut SfuCore, key: PKey, publish: &[PublishSpec]) -> Vec<TrackInfo> {
    let mut published = Vec::new();
    for spec in publish {
        let mid = Mid::from(spec.mid.as_str());
        let Some((kind, true, _)) = media_use(core, key, mid) else {
            warn!(mid = %spec.mid, "publish names an m-line the hub does not receive on");
            continue;
        };
        let p = core.participant_mut(key);
        if p.publications.iter().any(|x| x.mid == mid) {
            continue;
        }
        let want = spec.source.kind();
        if (want == TrackKind::Video) != (kind == MediaKind::Video) {
            warn!(mid = %spec.mid, "publish source kind differs from the m-line's");
            continue;
        }
        let simulcast = p
            .rtc
            .media(mid)
            .is_some_and(|m| matches!(m.rids_rx(), Rids::Specific(r) if !r.is_empty()));
        let info = TrackInfo {
            track: TrackId(format!("{}/{}", p.id, spec.mid)),
            participant: p.id.clone(),
            source: spec.source,
            kind: want,
            simulcast,
        };
        info!(track = %info.track, simulcast, "track published");
        let kf = core.config.keyframe_interval;
        let tk = insert_track(core, Track::new(info.clone(), key, mid, kind, kf));
        core.participant_mut(key)
            .publications
            .push(Publication { mid, track: tk });
        published.push(info);
    }
    published
}

fn insert_track(core: &mut SfuCore, track: Track) -> TKey {
    let id = track.info.track.clone();
    let tk = match core.tracks.iter().position(Option::is_none) {
        Some(free) => {
            core.tracks[free] = Some(track);
            free
        }
        None => {
            core.tracks.push(Some(track));
            core.tracks.len() - 1
        }
    };
    core.track_ids.insert(id, tk);
    tk
}

fn idle_stopped_subscriptions(core: &mut SfuCore, key: PKey) {
    let mids: Vec<Mid> = core
        .participant_mut(key)
        .subscriptions
        .iter()
        .map(|s| s.mid)
        .collect();
    for mid in mids {
        if !media_use(core, key, mid).is_some_and(|(_, _, sends)| sends) {
            forward::unbind(core, key, mid);
        }
    }
}

fn bind_subscriptions(
    core: &mut SfuCore,
    key: PKey,
    subscribe: &[SubscribeSpec],
    now: Instant,
) -> Result<(), SfuError> {
    for spec in subscribe {
        let mid = Mid::from(spec.mid.as_str());
        let Some(&tk) = core.track_ids.get(&spec.track) else {
            return Err(SfuError::UnknownTrack(spec.track.clone()));
        };
        let Some((kind, _, true)) = media_use(core, key, mid) else {
            return Err(SfuError::Negotiation(format!(
                "m-line {} does not receive",
                spec.mid
            )));
        };
        let track_kind = core.tracks[tk].as_ref().map(|t| t.kind);
        if track_kind != Some(kind) {
            return Err(SfuError::Negotiation(format!(
                "m-line {} cannot carry track {}",
                spec.mid, spec.track
            )));
        }
        forward::subscribe(core, key, mid, tk, now);
    }
    Ok(())
}

/// An offer that leaves the DTLS role to us (`a=setup:actpass`) gets the hub as the DTLS
/// client, as RFC 8842 §5.3 recommends for answerers: str0m takes the passive role for
/// `actpass`, so the offer is shown to it as `passive` and its answer says `active`. The hub
/// then sends its ClientHello the moment the peer nominates a pair, instead of waiting for
/// the peer to notice the nomination and start the handshake itself.
fn take_dtls_client_role(sdp: &str) -> std::borrow::Cow<'_, str> {
    if sdp.contains("a=setup:actpass") {
        std::borrow::Cow::Owned(sdp.replace("a=setup:actpass", "a=setup:passive"))
    } else {
        std::borrow::Cow::Borrowed(sdp)
    }
}

/// The payload types each m-line of an SDP lists on its `m=` line, by `a=mid`.
fn offered_pts(sdp: &str) -> Vec<(Mid, Vec<Pt>)> {
    let mut out = Vec::new();
    for section in sdp.split("\nm=").skip(1) {
        let formats: Vec<Pt> = section
            .lines()
            .next()
            .unwrap_or_default()
            .split_whitespace()
            .skip(3)
            .filter_map(|f| f.parse::<u8>().ok())
            .map(Pt::from)
            .collect();
        if let Some(mid) = mid_of(section) {
            out.push((mid, formats));
        }
    }
    out
}

/// The `a=mid` of one media section.
fn mid_of(section: &str) -> Option<Mid> {
    section
        .lines()
        .find_map(|l| l.trim_end().strip_prefix("a=mid:"))
        .map(Mid::from)
}

/// str0m answers an m-line with the payload types of its first negotiation even when a
/// re-offer lists fewer (it keeps `remote_pts` for good), and an answer may only use what
/// the offer lists (RFC 3264 §6.1): formats of `answer`'s m-lines missing from `offered`
/// are taken out, with their `rtpmap`, `fmtp` and `rtcp-fb` lines. An m-line left with
/// none keeps its own (str0m then rejected it anyway).
fn answer_within_offer(answer: &str, offered: &[(Mid, Vec<Pt>)]) -> String {
    let mut sections: Vec<String> = Vec::new();
    for (i, section) in answer.split("\r\nm=").enumerate() {
        if i == 0 {
            sections.push(section.to_owned());
            continue;
        }
        let section = format!("m={section}");
        let Some((_, pts)) = mid_of(&section).and_then(|m| offered.iter().find(|(o, _)| *o == m))
        else {
            sections.push(section);
            continue;
        };
        let keep = |f: &str| f.parse::<u8>().is_ok_and(|f| pts.contains(&Pt::from(f)));
        let mut lines = section.split("\r\n");
        let m_line = lines.next().unwrap_or_default();
        let words: Vec<&str> = m_line.split(' ').collect();
        let (head, formats) = words.split_at(words.len().min(3));
        if !formats.iter().any(|f| keep(f)) || formats.iter().all(|f| keep(f)) {
            sections.push(section);
            continue;
        }
        let dropped: Vec<&str> = formats.iter().copied().filter(|f| !keep(f)).collect();
        let mut kept = vec![
            head.iter()
                .chain(formats.iter().filter(|f| keep(f)))
                .copied()
                .collect::<Vec<_>>()
                .join(" "),
        ];
        kept.extend(
            lines
                .filter(|l| {
                    !dropped.iter().any(|pt| {
                        ["a=rtpmap:", "a=fmtp:", "a=rtcp-fb:"].iter().any(|a| {
                            l.strip_prefix(a)
                                .and_then(|r| r.strip_prefix(pt))
                                .is_some_and(|r| r.starts_with(' '))
                        })
                    })
                })
                .map(str::to_owned),
        );
        sections.push(kept.join("\r\n"));
    }
    sections.join("\r\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actpass_offers_leave_the_client_role_to_the_hub() {
        let offer = "v=0\r\na=setup:actpass\r\nm=audio 9\r\na=setup:actpass\r\n";
        assert_eq!(
            take_dtls_client_role(offer),
            "v=0\r\na=setup:passive\r\nm=audio 9\r\na=setup:passive\r\n"
        );
        // A peer that chose its role keeps it; the answer then inverts it as before.
        for fixed in ["a=setup:active\r\n", "a=setup:passive\r\n", "v=0\r\n"] {
            assert_eq!(take_dtls_client_role(fixed), fixed);
        }
    }

    #[test]
    fn offered_pts_are_read_per_mid() {
        let sdp = "v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96 97 102\r\na=mid:v\r\n\
                   m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:a\r\nm=application 9 x\r\n";
        let got = offered_pts(sdp);
        let pts = |v: &[u8]| v.iter().map(|&p| Pt::from(p)).collect::<Vec<_>>();
        assert_eq!(
            got,
            vec![
                (Mid::from("v"), pts(&[96, 97, 102])),
                (Mid::from("a"), pts(&[111]))
            ]
        );
    }

    #[test]
    fn the_answer_keeps_only_what_the_offer_lists() {
        let answer = "v=0\r\n\
            m=video 9 UDP/TLS/RTP/SAVPF 96 97 102 103\r\na=mid:v\r\n\
            a=rtpmap:96 VP8/90000\r\na=rtcp-fb:96 nack\r\na=rtpmap:97 rtx/90000\r\n\
            a=fmtp:97 apt=96\r\na=rtpmap:102 H264/90000\r\na=fmtp:102 x=1\r\n\
            a=rtpmap:103 rtx/90000\r\na=fmtp:103 apt=102\r\n\
            m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:a\r\na=rtpmap:111 opus/48000/2\r\n";
        let offered = vec![
            (
                Mid::from("v"),
                vec![Pt::from(102), Pt::from(103), Pt::from(9)],
            ),
            (Mid::from("a"), vec![Pt::from(111)]),
        ];
        assert_eq!(
            answer_within_offer(answer, &offered),
            "v=0\r\n\
            m=video 9 UDP/TLS/RTP/SAVPF 102 103\r\na=mid:v\r\n\
            a=rtpmap:102 H264/90000\r\na=fmtp:102 x=1\r\n\
            a=rtpmap:103 rtx/90000\r\na=fmtp:103 apt=102\r\n\
            m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:a\r\na=rtpmap:111 opus/48000/2\r\n"
        );
        // Nothing in common, or an m-line the offer does not name: left as str0m made it.
        let none = vec![(Mid::from("v"), vec![Pt::from(8)])];
        assert_eq!(answer_within_offer(answer, &none), answer);
        assert_eq!(answer_within_offer(answer, &[]), answer);
    }
}
