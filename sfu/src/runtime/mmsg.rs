//! `sendmmsg`: many messages in one system call. A message is one datagram, or a GSO train
//! (several datagrams to one destination with a `UDP_SEGMENT` control message, see
//! [`super::trains`]). Each message's iovecs point straight at the datagrams' own buffers,
//! so a train is not copied into one buffer first.
//!
//! The only `unsafe` of the runtime: the `mmsghdr`s hold raw pointers into the datagrams,
//! into this batch's addresses and control buffers, and are used only while those are
//! borrowed and unchanged (inside [`Batch::send`]).

use std::io;
use std::net::SocketAddr;
use std::os::fd::AsRawFd;

use socket2::SockAddr;

use super::trains::Train;
use crate::core::Transmit;

/// The most messages handed to one `sendmmsg`.
pub(crate) const MAX_MESSAGES: usize = 64;

/// Room for one `cmsghdr` carrying a `u16`, aligned as the kernel reads it.
#[repr(C, align(8))]
#[derive(Clone, Copy)]
struct Control([u8; 32]);

/// Reused buffers of one `sendmmsg` call.
#[derive(Default)]
pub(crate) struct Batch {
    names: Vec<SockAddr>,
    iovecs: Vec<libc::iovec>,
    controls: Vec<Control>,
    headers: Vec<libc::mmsghdr>,
}

// SAFETY: the raw pointers in `iovecs` and `headers` are only dereferenced (by the kernel)
// inside `send`, which takes `&mut self` and rebuilds them from borrowed data first;
// between calls they are stale values that nothing reads, so moving or sharing a `Batch`
// across threads exposes nothing.
unsafe impl Send for Batch {}
unsafe impl Sync for Batch {}

impl Batch {
    /// Sends `trains` (at most [`MAX_MESSAGES`]) of `transmits` with one `sendmmsg` on
    /// `socket`. `v6` says the socket is IPv6, so IPv4 destinations go as mapped
    /// addresses. Returns how many trains the kernel took (at least one), or the error of
    /// the first train, whose messages were then not sent.
    pub fn send(
        &mut self,
        socket: &impl AsRawFd,
        v6: bool,
        transmits: &[Transmit],
        trains: &[Train],
    ) -> io::Result<usize> {
        let trains = &trains[..trains.len().min(MAX_MESSAGES)];
        if trains.is_empty() {
            return Ok(0);
        }
        self.names.clear();
        self.iovecs.clear();
        self.controls.clear();
        self.headers.clear();
        for train in trains {
            let batch = &transmits[train.start..train.start + train.count];
            self.names
                .push(SockAddr::from(destination(batch[0].destination, v6)));
            for t in batch {
                self.iovecs.push(libc::iovec {
                    iov_base: t.contents.as_ptr() as *mut libc::c_void,
                    iov_len: t.contents.len(),
                });
            }
            self.controls.push(segment_control(train));
        }
        // Every vector is complete and will not move: the pointers below stay valid until
        // `sendmmsg` returns.
        let mut iov_at = 0;
        for (i, train) in trains.iter().enumerate() {
            // SAFETY: all-zero is a valid `mmsghdr` (null pointers, zero lengths).
            let mut h: libc::mmsghdr = unsafe { std::mem::zeroed() };
            h.msg_hdr.msg_name = self.names[i].as_ptr() as *mut libc::c_void;
            h.msg_hdr.msg_namelen = self.names[i].len();
            h.msg_hdr.msg_iov = self.iovecs[iov_at..].as_mut_ptr();
            h.msg_hdr.msg_iovlen = train.count as _;
            if train.count > 1 {
                h.msg_hdr.msg_control = self.controls[i].0.as_mut_ptr() as *mut libc::c_void;
                h.msg_hdr.msg_controllen = control_space() as _;
            }
            iov_at += train.count;
            self.headers.push(h);
        }
        // SAFETY: `headers` holds `trains.len()` initialised messages whose pointers refer
        // to `names`, `iovecs`, `controls` and the transmits' contents, all alive and
        // unmoved for the duration of the call.
        let sent = unsafe {
            libc::sendmmsg(
                socket.as_raw_fd(),
                self.headers.as_mut_ptr(),
                self.headers.len() as libc::c_uint,
                0,
            )
        };
        if sent < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(sent as usize)
    }
}

/// The address as the socket's family takes it.
fn destination(to: SocketAddr, v6: bool) -> SocketAddr {
    match to {
        SocketAddr::V4(a) if v6 => SocketAddr::new(a.ip().to_ipv6_mapped().into(), a.port()),
        other => other,
    }
}

fn control_space() -> usize {
    // SAFETY: pure arithmetic on the size (the libc functions are `unsafe` only by
    // declaration).
    unsafe { libc::CMSG_SPACE(std::mem::size_of::<u16>() as u32) as usize }
}

/// A `UDP_SEGMENT` control message with the train's segment size (unused for a single
/// datagram).
fn segment_control(train: &Train) -> Control {
    let mut c = Control([0; 32]);
    if train.count < 2 {
        return c;
    }
    // SAFETY: pure arithmetic, as above.
    let len = unsafe { libc::CMSG_LEN(std::mem::size_of::<u16>() as u32) } as usize;
    let header = libc::cmsghdr {
        cmsg_len: len as _,
        cmsg_level: libc::SOL_UDP,
        cmsg_type: libc::UDP_SEGMENT,
    };
    let data_at = len - std::mem::size_of::<u16>();
    debug_assert!(control_space() <= c.0.len());
    // SAFETY: `Control` is 8-aligned and larger than a `cmsghdr`; the write is unaligned-
    // safe anyway.
    unsafe { std::ptr::write_unaligned(c.0.as_mut_ptr() as *mut libc::cmsghdr, header) };
    let segment = u16::try_from(train.segment).unwrap_or(u16::MAX);
    c.0[data_at..data_at + 2].copy_from_slice(&segment.to_ne_bytes());
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv4_destinations_are_mapped_for_an_ipv6_socket_only() {
        let v4: SocketAddr = "192.0.2.7:5000".parse().unwrap();
        assert_eq!(destination(v4, false), v4);
        assert_eq!(
            destination(v4, true),
            "[::ffff:192.0.2.7]:5000".parse::<SocketAddr>().unwrap()
        );
        let v6: SocketAddr = "[2001:db8::1]:5000".parse().unwrap();
        assert_eq!(destination(v6, true), v6);
    }

    #[test]
    fn a_train_carries_its_segment_size_and_a_single_datagram_nothing() {
        let train = Train {
            start: 0,
            count: 3,
            segment: 1200,
        };
        let c = segment_control(&train);
        let header: libc::cmsghdr =
            unsafe { std::ptr::read_unaligned(c.0.as_ptr() as *const libc::cmsghdr) };
        assert_eq!(
            (header.cmsg_level, header.cmsg_type),
            (libc::SOL_UDP, libc::UDP_SEGMENT)
        );
        let len = header.cmsg_len as usize;
        assert_eq!(u16::from_ne_bytes([c.0[len - 2], c.0[len - 1]]), 1200);
        let single = Train { count: 1, ..train };
        assert!(segment_control(&single).0.iter().all(|&b| b == 0));
    }
}
