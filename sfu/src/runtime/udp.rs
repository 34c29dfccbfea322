//! The media socket with batched system calls: `recvmmsg` reads up to
//! [`quinn_udp::BATCH_SIZE`] datagrams per call (quinn-udp), and outgoing datagrams leave
//! in GSO trains (`UDP_SEGMENT`, see [`super::trains`]), up to 64 trains or single
//! datagrams per `sendmmsg` ([`super::mmsg`]). Where the kernel or the NIC refuses
//! segmentation, GSO is turned off for the socket and the train that failed is sent again
//! one datagram at a time, so nothing is lost to the fallback.

use std::io::{self, IoSliceMut};
use std::net::SocketAddr;
use std::time::Duration;

use quinn_udp::{BATCH_SIZE, RecvMeta, UdpSocketState};
use tokio::io::Interest;
use tokio::net::UdpSocket;
use tracing::{debug, info};

use super::mmsg;
use super::trains::{self, Train};
use crate::core::Transmit;

/// Receive slot size without GRO: larger than any datagram the core accepts.
const SLOT: usize = 2048;
/// Receive slot size when the kernel may coalesce datagrams (UDP GRO): a whole GRO buffer.
const GRO_SLOT: usize = 65_536;

pub(crate) struct MediaSocket {
    socket: UdpSocket,
    state: UdpSocketState,
    slot: usize,
    recv_buf: Vec<u8>,
    meta: [RecvMeta; BATCH_SIZE],
    /// Reused per flush: what is sent, the trains planned over it, the `sendmmsg` call.
    plan_in: Vec<(SocketAddr, usize)>,
    plan_out: Vec<Train>,
    batch: mmsg::Batch,
    /// The socket is IPv6 (IPv4 destinations are then sent as mapped addresses).
    v6: bool,
    /// Set when the kernel refused a GSO train: every datagram goes alone from then on.
    gso_off: bool,
    /// Counters for the stats log: send system calls and datagrams sent.
    pub sends: u64,
    pub datagrams_sent: u64,
}

impl MediaSocket {
    pub fn new(socket: UdpSocket) -> io::Result<Self> {
        let v6 = socket.local_addr()?.is_ipv6();
        let state = UdpSocketState::new((&socket).into())?;
        // The default buffers (~208 KiB) hold a few ms of a busy hub's media.
        for (what, r) in [
            (
                "receive",
                state.set_recv_buffer_size((&socket).into(), 4 << 20),
            ),
            (
                "send",
                state.set_send_buffer_size((&socket).into(), 4 << 20),
            ),
        ] {
            if let Err(e) = r {
                debug!(error = %e, "could not enlarge the media socket's {what} buffer");
            }
        }
        let slot = if state.gro_segments() > 1 {
            GRO_SLOT
        } else {
            SLOT
        };
        info!(
            gso_segments = state.max_gso_segments(),
            gro_segments = state.gro_segments(),
            "media socket offloads"
        );
        Ok(Self {
            socket,
            state,
            slot,
            recv_buf: vec![0; slot * BATCH_SIZE],
            meta: [RecvMeta::default(); BATCH_SIZE],
            plan_in: Vec::new(),
            plan_out: Vec::new(),
            batch: mmsg::Batch::default(),
            v6,
            gso_off: false,
            sends: 0,
            datagrams_sent: 0,
        })
    }

    pub async fn readable(&self) -> io::Result<()> {
        self.socket.readable().await
    }

    /// Reads what is waiting (one `recvmmsg`) and hands each datagram to `each` with the
    /// kernel's receive timestamp (time since the Unix epoch; `None` where the kernel gives
    /// none), splitting GRO buffers. Returns how many datagrams were read; `WouldBlock`
    /// when none.
    pub fn try_recv(
        &mut self,
        mut each: impl FnMut(SocketAddr, &[u8], Option<Duration>),
    ) -> io::Result<usize> {
        let Self {
            socket,
            state,
            slot,
            recv_buf,
            meta,
            ..
        } = self;
        let socket = &*socket;
        let n = socket.try_io(Interest::READABLE, || {
            let mut chunks = recv_buf.chunks_mut(*slot);
            let mut slices: [IoSliceMut<'_>; BATCH_SIZE] =
                std::array::from_fn(|_| IoSliceMut::new(chunks.next().expect("slot per meta")));
            state.recv(socket.into(), &mut slices, meta)
        })?;
        let mut datagrams = 0;
        for (m, buf) in meta.iter().zip(recv_buf.chunks(*slot)).take(n) {
            let stride = if m.stride == 0 { m.len } else { m.stride };
            for datagram in buf[..m.len].chunks(stride.max(1)) {
                each(m.addr, datagram, m.timestamp);
                datagrams += 1;
            }
        }
        Ok(datagrams)
    }

    /// Sends every transmit, in order: consecutive datagrams to one destination as GSO
    /// trains, and up to [`mmsg::MAX_MESSAGES`] trains or single datagrams per `sendmmsg`.
    /// A train the kernel refuses (GSO unsupported on the path: `EIO`/`EINVAL`) turns GSO
    /// off for the socket and is sent again one datagram at a time; a datagram it refuses is
    /// logged and skipped, and the rest still go.
    pub async fn send_all(&mut self, transmits: &[Transmit]) {
        self.plan_in.clear();
        self.plan_in
            .extend(transmits.iter().map(|t| (t.destination, t.contents.len())));
        let max_segments = if self.gso_off {
            1
        } else {
            self.state.max_gso_segments()
        };
        trains::plan(&self.plan_in, max_segments, &mut self.plan_out);
        let mut next = 0;
        while next < self.plan_out.len() {
            let Self {
                socket,
                batch,
                plan_out,
                v6,
                ..
            } = self;
            let socket = &*socket;
            let chunk = &plan_out[next..];
            let sent = socket
                .async_io(Interest::WRITABLE, || {
                    batch.send(socket, *v6, transmits, chunk)
                })
                .await;
            self.sends += 1;
            match sent {
                Ok(0) => {
                    debug!("sendmmsg took nothing; dropping the rest of the flush");
                    break;
                }
                Ok(n) => {
                    let datagrams: usize =
                        self.plan_out[next..next + n].iter().map(|t| t.count).sum();
                    self.datagrams_sent += datagrams as u64;
                    next += n;
                }
                Err(e) => {
                    let train = self.plan_out[next];
                    let first = &transmits[train.start];
                    if train.count == 1 {
                        debug!(destination = %first.destination, error = %e, "udp send failed");
                        next += 1;
                        continue;
                    }
                    if matches!(e.raw_os_error(), Some(libc::EIO | libc::EINVAL)) && !self.gso_off {
                        info!(error = %e, "the kernel refused a GSO train; sending datagrams singly from now on");
                        self.gso_off = true;
                    }
                    debug!(destination = %first.destination, error = %e, "GSO send failed; resending singly");
                    // The train's datagrams take its place in the plan, one message each,
                    // and go with the next `sendmmsg`.
                    let singles = (train.start..train.start + train.count).map(|i| Train {
                        start: i,
                        count: 1,
                        segment: transmits[i].contents.len(),
                    });
                    self.plan_out.splice(next..=next, singles);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn transmit(destination: SocketAddr, byte: u8, len: usize) -> Transmit {
        Transmit {
            source: destination,
            destination,
            contents: vec![byte; len],
        }
    }

    async fn bound() -> MediaSocket {
        MediaSocket::new(UdpSocket::bind("127.0.0.1:0").await.unwrap()).unwrap()
    }

    /// Every datagram arrives whole and in order, whether or not the kernel segments (a
    /// train's datagrams come out of the kernel at its segment size, not as one).
    #[tokio::test]
    async fn trains_arrive_as_the_datagrams_they_were() {
        let mut tx = bound().await;
        let rx = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let to = rx.local_addr().unwrap();
        let sizes = [1200, 1200, 1200, 700, 1200, 90, 1200, 1200];
        let transmits: Vec<_> = sizes
            .iter()
            .enumerate()
            .map(|(i, &len)| transmit(to, i as u8, len))
            .collect();
        tx.send_all(&transmits).await;
        assert_eq!(tx.datagrams_sent, sizes.len() as u64);
        if tx.state.max_gso_segments() > 1 {
            // [1200 ×3, 700] [1200, 90] [1200 ×2], in one `sendmmsg`.
            assert_eq!(tx.plan_out.len(), 3);
            assert_eq!(tx.sends, 1);
        }
        let mut buf = [0u8; 4096];
        for (i, &len) in sizes.iter().enumerate() {
            let (n, _) = tokio::time::timeout(Duration::from_secs(5), rx.recv_from(&mut buf))
                .await
                .expect("datagram arrives")
                .unwrap();
            assert_eq!(n, len, "datagram {i}");
            assert!(
                buf[..n].iter().all(|&b| b == i as u8),
                "datagram {i} content"
            );
        }
    }

    /// A socket whose trains the kernel refuses (`SO_NO_CHECK`: no UDP checksum, which GSO
    /// needs, so every `UDP_SEGMENT` send fails with `EINVAL` while single datagrams go)
    /// turns GSO off, and the refused train's datagrams still arrive, whole and in order.
    #[tokio::test]
    async fn a_refused_train_is_resent_singly_and_gso_stays_off() {
        let mut tx = bound().await;
        if tx.state.max_gso_segments() < 2 {
            return; // No GSO here: nothing to refuse.
        }
        let on: libc::c_int = 1;
        // SAFETY: a valid socket, option and `int` value of the right size.
        let r = unsafe {
            libc::setsockopt(
                std::os::fd::AsRawFd::as_raw_fd(&tx.socket),
                libc::SOL_SOCKET,
                libc::SO_NO_CHECK,
                (&on as *const libc::c_int).cast(),
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            )
        };
        assert_eq!(r, 0, "{}", io::Error::last_os_error());
        let rx = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let to = rx.local_addr().unwrap();
        let sizes = [1200, 1200, 1200, 700, 300];
        let transmits: Vec<_> = sizes
            .iter()
            .enumerate()
            .map(|(i, &len)| transmit(to, i as u8, len))
            .collect();
        tx.send_all(&transmits).await;
        assert!(tx.gso_off, "the refusal turns GSO off");
        assert_eq!(tx.datagrams_sent, sizes.len() as u64);
        tx.send_all(&transmits).await;
        assert_eq!(tx.datagrams_sent, 2 * sizes.len() as u64);
        let mut buf = [0u8; 4096];
        for round in 0..2 {
            for (i, &len) in sizes.iter().enumerate() {
                let (n, _) = tokio::time::timeout(Duration::from_secs(5), rx.recv_from(&mut buf))
                    .await
                    .expect("datagram arrives")
                    .unwrap();
                assert_eq!(n, len, "round {round}, datagram {i}");
                assert!(buf[..n].iter().all(|&b| b == i as u8));
            }
        }
    }

    /// Datagrams to many destinations go many per `sendmmsg`, each arriving whole and in
    /// order; one the kernel refuses (an IPv6 destination on an IPv4 socket) is skipped
    /// and the rest still go.
    #[tokio::test]
    async fn many_destinations_share_system_calls_and_a_refused_one_is_skipped() {
        let mut tx = bound().await;
        let mut receivers = Vec::new();
        for _ in 0..3 {
            receivers.push(UdpSocket::bind("127.0.0.1:0").await.unwrap());
        }
        let mut transmits = Vec::new();
        for i in 0..150usize {
            if i == 70 {
                transmits.push(transmit("[::1]:9".parse().unwrap(), 0, 100));
            }
            let to = receivers[i % 3].local_addr().unwrap();
            transmits.push(transmit(to, (i / 3) as u8, 100 + i));
        }
        tx.send_all(&transmits).await;
        assert_eq!(tx.datagrams_sent, 150);
        assert!(tx.sends <= 6, "{} system calls for 151 datagrams", tx.sends);
        let mut buf = [0u8; 2048];
        for (r, rx) in receivers.iter().enumerate() {
            for k in 0..50usize {
                let (n, _) = tokio::time::timeout(Duration::from_secs(5), rx.recv_from(&mut buf))
                    .await
                    .expect("datagram arrives")
                    .unwrap();
                assert_eq!(n, 100 + k * 3 + r, "receiver {r}, datagram {k}");
                assert!(buf[..n].iter().all(|&b| b == k as u8));
            }
        }
    }

    /// A burst of datagrams from two senders is read in batches, each whole, none lost, each
    /// with the kernel's receive timestamp.
    #[tokio::test]
    async fn batched_receive_reads_every_datagram() {
        let before = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap();
        let mut rx = bound().await;
        let to = rx.socket.local_addr().unwrap();
        let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        for i in 0..50u8 {
            a.send_to(&[i; 300], to).await.unwrap();
            b.send_to(&[i; 100], to).await.unwrap();
        }
        let mut got = Vec::new();
        while got.len() < 100 {
            tokio::time::timeout(Duration::from_secs(5), rx.readable())
                .await
                .expect("readable")
                .unwrap();
            let read = rx.try_recv(|from, d, received| {
                got.push((from, d.to_vec()));
                let received = received.expect("Linux gives receive timestamps");
                let after = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap();
                assert!(before <= received && received <= after, "{received:?}");
            });
            match read {
                Ok(n) => assert!(n <= BATCH_SIZE * 64),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => panic!("{e}"),
            }
        }
        let from_a: Vec<_> = got
            .iter()
            .filter(|(f, _)| *f == a.local_addr().unwrap())
            .collect();
        let from_b: Vec<_> = got
            .iter()
            .filter(|(f, _)| *f == b.local_addr().unwrap())
            .collect();
        assert_eq!((from_a.len(), from_b.len()), (50, 50));
        for (i, (_, d)) in from_a.iter().enumerate() {
            assert_eq!(d, &vec![i as u8; 300]);
        }
        for (i, (_, d)) in from_b.iter().enumerate() {
            assert_eq!(d, &vec![i as u8; 100]);
        }
    }
}
