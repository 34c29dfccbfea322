//! The UDP runtime with real sockets on 127.0.0.1: two str0m clients connect through a
//! `MediaServer`, media flows from A to B, garbage datagrams change nothing, shutdown ends
//! `run`. Deadlines here only bound a hang; nothing asserts on speed.

mod common;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use sfu::{
    MediaConfig, MediaServer, ParticipantId, PublishSpec, RoomId, SfuEvent, SfuHandle,
    SubscribeSpec, TrackSource,
};
use str0m::change::SdpAnswer;
use str0m::format::Codec;
use str0m::media::{Direction, MediaKind, Mid};
use str0m::net::{Protocol, Receive};
use str0m::rtp::RtpWrite;
use str0m::{Candidate, Event, Input, Output, Rtc};
use tokio::net::UdpSocket;

struct Peer {
    rtc: Rtc,
    socket: UdpSocket,
    addr: SocketAddr,
    connected: bool,
    rtp: usize,
}

impl Peer {
    async fn new() -> Peer {
        let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let addr = socket.local_addr().unwrap();
        let mut rtc = Rtc::builder().set_rtp_mode(true).build(Instant::now());
        rtc.add_local_candidate(Candidate::host(addr, "udp").unwrap());
        Peer {
            rtc,
            socket,
            addr,
            connected: false,
            rtp: 0,
        }
    }

    async fn offer(
        &mut self,
        h: &SfuHandle,
        id: &str,
        dir: Direction,
        track: Option<sfu::TrackId>,
    ) -> (Mid, sfu::OfferOutcome) {
        let mut api = self.rtc.sdp_api();
        let mid = api.add_media(MediaKind::Video, dir, None, None, None);
        let (offer, pending) = api.apply().unwrap();
        let (publish, subscribe) = match track {
            None => (
                vec![PublishSpec {
                    mid: mid.to_string(),
                    source: TrackSource::Camera,
                }],
                vec![],
            ),
            Some(t) => (
                vec![],
                vec![SubscribeSpec {
                    mid: mid.to_string(),
                    track: t,
                }],
            ),
        };
        let out = h
            .offer(
                ParticipantId::from(id),
                offer.to_sdp_string(),
                publish,
                subscribe,
            )
            .await
            .unwrap();
        let answer = SdpAnswer::from_sdp_string(&out.answer_sdp).unwrap();
        self.rtc.sdp_api().accept_answer(pending, answer).unwrap();
        (mid, out)
    }

    /// Sends what str0m wants sent, handles events; returns its next timeout.
    async fn pump(&mut self) -> Instant {
        loop {
            match self.rtc.poll_output().unwrap() {
                Output::Timeout(t) => return t,
                Output::Transmit(t) => {
                    let _ = self.socket.send_to(&t.contents, t.destination).await;
                }
                Output::Event(Event::Connected) => self.connected = true,
                Output::Event(Event::RtpPacket(_)) => self.rtp += 1,
                Output::Event(_) => {}
            }
        }
    }

    /// Runs this peer for up to `d` (returns early on a datagram).
    async fn step(&mut self, d: Duration, buf: &mut [u8]) {
        let timeout = self.pump().await;
        let wait = timeout.saturating_duration_since(Instant::now()).min(d);
        match tokio::time::timeout(wait, self.socket.recv_from(buf)).await {
            Ok(Ok((n, source))) => {
                let Ok(contents) = buf[..n].try_into() else {
                    return;
                };
                let input = Input::Receive(
                    Instant::now(),
                    Receive {
                        proto: Protocol::Udp,
                        source,
                        destination: self.addr,
                        contents,
                    },
                );
                self.rtc.handle_input(input).unwrap();
            }
            _ => self
                .rtc
                .handle_input(Input::Timeout(Instant::now()))
                .unwrap(),
        }
    }
}

#[tokio::test]
async fn media_flows_through_the_udp_runtime_and_garbage_is_survived() {
    let mut server = MediaServer::bind(MediaConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        public_ip: None,
        fast_path: true,
    })
    .await
    .unwrap();
    let server_addr = server.local_addr();
    assert_eq!(server.candidate_addr(), server_addr);
    let h = server.handle();
    let mut events = server.take_events().unwrap();
    assert!(server.take_events().is_none());
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(server.run(async move {
        let _ = stop_rx.await;
    }));

    h.join(RoomId::from("r"), ParticipantId::from("a"))
        .await
        .unwrap();
    h.join(RoomId::from("r"), ParticipantId::from("b"))
        .await
        .unwrap();
    let mut a = Peer::new().await;
    let mut b = Peer::new().await;
    let (a_mid, out) = a.offer(&h, "a", Direction::SendOnly, None).await;
    let track = out.published[0].track.clone();
    b.offer(&h, "b", Direction::RecvOnly, Some(track)).await;

    // Garbage from a stranger and from a peer's own address, before and during media.
    let junk = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    for len in [0usize, 1, 5, 40, 200, 1400] {
        let data: Vec<u8> = (0..len).map(|i| (i * 37 + 11) as u8).collect();
        junk.send_to(&data, server_addr).await.unwrap();
        a.socket.send_to(&data, server_addr).await.unwrap();
    }

    let pt = a
        .rtc
        .codec_config()
        .find(|p| p.spec().codec == Codec::Vp8)
        .unwrap()
        .pt();
    let mut buf = vec![0u8; 2000];
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut seq = 1u64;
    let mut next_frame = Instant::now();
    while b.rtp < 60 {
        assert!(
            Instant::now() < deadline,
            "media did not flow: a {} b {} rtp {}",
            a.connected,
            b.connected,
            b.rtp
        );
        if a.connected && Instant::now() >= next_frame {
            next_frame += Duration::from_millis(33);
            for part in 0..2u64 {
                let payload = common::vp8_payload(part == 0, seq < 3, b'-', seq, seq);
                let w = RtpWrite::new(pt, seq.into(), (seq * 1500) as u32, Instant::now(), payload)
                    .marker(part == 1)
                    .nackable(true);
                if let Some(tx) = a.rtc.direct_api().stream_tx_by_mid(a_mid, None) {
                    tx.write_rtp(w);
                }
                seq += 1;
            }
            junk.send_to(b"\x80garbage-during-media", server_addr)
                .await
                .unwrap();
        }
        a.step(Duration::from_millis(5), &mut buf).await;
        b.step(Duration::from_millis(5), &mut buf).await;
    }

    // Every forwarded copy was timed from its kernel receive timestamp to its send.
    let stats = h.stats().await.unwrap();
    assert_eq!(stats.participants, 2);
    assert!(stats.core.rtp_forwarded >= b.rtp as u64, "{stats:?}");
    assert_eq!(stats.residence.count(), stats.core.rtp_forwarded);
    assert!(stats.residence.max() > Duration::ZERO);
    assert!(stats.batches.count() > 0 && stats.batches.max() > Duration::ZERO);
    assert!(stats.datagrams_sent >= stats.send_calls && stats.send_calls > 0);
    assert!(stats.core.garbage_datagrams >= 12, "{stats:?}");

    // The server still answers commands after all that.
    assert_eq!(
        h.join(RoomId::from("r"), ParticipantId::from("a")).await,
        Err(sfu::SfuError::AlreadyJoined(ParticipantId::from("a")))
    );
    let mut connected = Vec::new();
    while let Ok(e) = events.try_recv() {
        if let SfuEvent::MediaConnected { participant, .. } = e {
            connected.push(participant.0);
        }
    }
    connected.sort();
    assert_eq!(connected, ["a", "b"]);
    h.leave(ParticipantId::from("a")).await;
    stop_tx.send(()).unwrap();
    task.await.unwrap().unwrap();
    assert_eq!(
        h.join(RoomId::from("r"), ParticipantId::from("c")).await,
        Err(sfu::SfuError::ShuttingDown)
    );
}
