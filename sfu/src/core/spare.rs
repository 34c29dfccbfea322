//! Datagram buffers handed back after sending, for the fast path's next packets.
//!
//! Every forwarded packet is a datagram of its own: without this, each one was a fresh
//! `Vec` of ~1.2 KB, too large for glibc's per-thread cache, so a `malloc` through the bins
//! and a `free` that coalesces chunks — about 6 % of the hub's CPU at `meeting` 1×4×30
//! (docs/benchmarks.md). The runtime hands each sent datagram's buffer back
//! ([`super::SfuCore::recycle`]) and the fast path seals its next packets into them.

/// Buffers kept at most: about one busy batch of datagrams (~1.3 MB at 1,300 bytes each).
/// A larger batch allocates the rest and the pool drops them again.
pub(crate) const MAX_SPARE: usize = 1024;
/// Larger buffers (a str0m datagram grown unusually big) are freed, not kept.
pub(crate) const MAX_SPARE_CAPACITY: usize = 2048;

#[derive(Default)]
pub(crate) struct Spare {
    bufs: Vec<Vec<u8>>,
}

impl Spare {
    /// An empty buffer with room for `capacity` bytes; a kept one when there is one.
    pub fn take(&mut self, capacity: usize) -> Vec<u8> {
        match self.bufs.pop() {
            Some(mut buf) => {
                buf.clear();
                buf.reserve(capacity);
                buf
            }
            None => Vec::with_capacity(capacity),
        }
    }

    /// Keeps `buf` for a later [`Spare::take`], within the pool's bounds.
    pub fn give(&mut self, buf: Vec<u8>) {
        if self.bufs.len() < MAX_SPARE && buf.capacity() <= MAX_SPARE_CAPACITY {
            self.bufs.push(buf);
        }
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.bufs.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_given_buffer_comes_back_empty_with_room() {
        let mut spare = Spare::default();
        let mut old = Vec::with_capacity(1500);
        old.extend_from_slice(&[0xaa; 1400]);
        let at = old.as_ptr();
        spare.give(old);
        let buf = spare.take(1300);
        assert_eq!(buf.as_ptr(), at, "the same allocation");
        assert!(buf.is_empty(), "nothing of the old datagram");
        assert!(buf.capacity() >= 1300);
        // Empty again: a fresh one.
        assert!(spare.take(1300).capacity() >= 1300);
        assert_eq!(spare.len(), 0);
    }

    #[test]
    fn the_pool_keeps_at_most_its_bound_and_no_oversized_buffers() {
        let mut spare = Spare::default();
        for _ in 0..MAX_SPARE + 10 {
            spare.give(Vec::with_capacity(1300));
        }
        assert_eq!(spare.len(), MAX_SPARE);
        let mut small = Spare::default();
        small.give(Vec::with_capacity(MAX_SPARE_CAPACITY + 1));
        assert_eq!(small.len(), 0);
    }
}
