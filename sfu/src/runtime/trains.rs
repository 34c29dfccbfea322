//! Grouping outgoing datagrams into GSO trains.
//!
//! With UDP generic segmentation offload (`UDP_SEGMENT`), one `sendmsg` carries several
//! datagrams to one destination: the kernel builds, routes and queues one large buffer and
//! cuts it into datagrams of `segment` bytes at the last moment (in the NIC, or in software
//! just before delivery). Every datagram of a train must have the train's segment size
//! except the last, which may be shorter. The SFU's datagrams for one subscriber leave back
//! to back (the core drains each subscriber once per received batch), and a video frame's
//! packets are mostly of one size, so trains form exactly when the hub is busy.

use std::net::SocketAddr;

/// Most bytes in one train: a UDP payload (65,507 bytes over IPv4) less room for headers.
pub(crate) const MAX_TRAIN_BYTES: usize = 64_000;

/// One `sendmsg`: `count` consecutive datagrams from `start`, all to the same destination.
/// When `count > 1`, each is `segment` bytes long except possibly the last.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Train {
    pub start: usize,
    pub count: usize,
    pub segment: usize,
}

/// Splits `datagrams` (destination, length) in order into trains of at most `max_segments`
/// datagrams and [`MAX_TRAIN_BYTES`] bytes. `max_segments` of 1 (no GSO) gives one train
/// per datagram. The order of datagrams is kept.
pub(crate) fn plan(datagrams: &[(SocketAddr, usize)], max_segments: usize, out: &mut Vec<Train>) {
    out.clear();
    let mut i = 0;
    while i < datagrams.len() {
        let (destination, segment) = datagrams[i];
        let mut count = 1;
        let mut bytes = segment;
        while max_segments > count && segment > 0 {
            let Some(&(next_destination, len)) = datagrams.get(i + count) else {
                break;
            };
            if next_destination != destination || len > segment || len == 0 {
                break;
            }
            if bytes + len > MAX_TRAIN_BYTES {
                break;
            }
            count += 1;
            bytes += len;
            if len < segment {
                // A shorter datagram can only end a train.
                break;
            }
        }
        out.push(Train {
            start: i,
            count,
            segment,
        });
        i += count;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(port: u16) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], port))
    }

    fn trains(datagrams: &[(u16, usize)], max: usize) -> Vec<(usize, usize, usize)> {
        let d: Vec<_> = datagrams.iter().map(|&(p, l)| (addr(p), l)).collect();
        let mut out = Vec::new();
        plan(&d, max, &mut out);
        // Every datagram is in exactly one train, in order.
        let covered: usize = out.iter().map(|t| t.count).sum();
        assert_eq!(covered, d.len());
        for w in out.windows(2) {
            assert_eq!(w[0].start + w[0].count, w[1].start);
        }
        out.iter().map(|t| (t.start, t.count, t.segment)).collect()
    }

    #[test]
    fn equal_datagrams_to_one_destination_make_one_train() {
        assert_eq!(trains(&[(1, 1200); 5], 64), vec![(0, 5, 1200)]);
    }

    #[test]
    fn a_shorter_datagram_ends_the_train_and_a_longer_one_starts_the_next() {
        let d = [
            (1, 1000),
            (1, 1000),
            (1, 400),
            (1, 1000),
            (1, 1200),
            (1, 1200),
        ];
        assert_eq!(
            trains(&d, 64),
            vec![(0, 3, 1000), (3, 1, 1000), (4, 2, 1200)]
        );
    }

    #[test]
    fn destinations_never_share_a_train() {
        let d = [(1, 1200), (2, 1200), (2, 1200), (1, 1200)];
        assert_eq!(
            trains(&d, 64),
            vec![(0, 1, 1200), (1, 2, 1200), (3, 1, 1200)]
        );
    }

    #[test]
    fn without_gso_every_datagram_goes_alone() {
        assert_eq!(
            trains(&[(1, 1200); 3], 1),
            vec![(0, 1, 1200), (1, 1, 1200), (2, 1, 1200)]
        );
    }

    #[test]
    fn trains_respect_the_segment_and_byte_limits() {
        assert_eq!(
            trains(&[(1, 100); 5], 2),
            vec![(0, 2, 100), (2, 2, 100), (4, 1, 100)]
        );
        // 53 × 1,200 = 63,600 fits; the 54th would pass 64,000.
        let long = [(1, 1200); 60];
        assert_eq!(trains(&long, 64), vec![(0, 53, 1200), (53, 7, 1200)]);
    }

    #[test]
    fn empty_datagrams_are_never_grouped() {
        assert_eq!(trains(&[(1, 0), (1, 0)], 64), vec![(0, 1, 0), (1, 1, 0)]);
        assert_eq!(trains(&[(1, 10), (1, 0)], 64), vec![(0, 1, 10), (1, 1, 0)]);
        assert_eq!(trains(&[], 64), vec![]);
    }
}
