use super::*;
use proptest::prelude::*;
use std::time::Duration;

fn t0() -> Instant {
    // The only clock read: a base for the fake clock of these tests.
    Instant::now()
}

fn fwd(r: Rewrite) -> (u64, u32) {
    match r {
        Rewrite::Forward { seq, ts } => (seq, ts),
        Rewrite::Drop => panic!("expected Forward, got Drop"),
    }
}

#[test]
fn nothing_flows_before_the_first_keyframe() {
    let t = t0();
    let mut r = SeqTsRewriter::with_start(VIDEO_CLOCK_RATE, 1000, 5000);
    assert_eq!(
        r.rewrite(0, 10, 100, t, true),
        Rewrite::Drop,
        "no source asked for yet"
    );
    r.switch_to(0);
    assert!(r.is_switch_pending());
    assert_eq!(r.current(), None);
    assert_eq!(r.rewrite(0, 11, 100, t, false), Rewrite::Drop);
    assert_eq!(fwd(r.rewrite(0, 12, 3100, t, true)), (1000, 5000));
    assert!(r.just_switched());
    assert_eq!(r.current(), Some(0));
    assert!(!r.is_switch_pending());
    assert_eq!(fwd(r.rewrite(0, 13, 3100, t, false)), (1001, 5000));
    assert!(!r.just_switched());
    assert_eq!(fwd(r.rewrite(0, 14, 6100, t, false)), (1002, 8000));
}

#[test]
fn switch_waits_for_keyframe_and_keeps_the_line_continuous() {
    let t = t0();
    let mut r = SeqTsRewriter::new();
    r.switch_to(0);
    fwd(r.rewrite(0, 100, 9000, t, true));
    fwd(r.rewrite(0, 101, 12000, t + Duration::from_millis(33), false));
    r.switch_to(2);
    // Old source flows on, new source's delta frames are dropped.
    assert_eq!(
        r.rewrite(2, 7000, 1_000_000, t + Duration::from_millis(40), false),
        Rewrite::Drop
    );
    assert_eq!(
        fwd(r.rewrite(0, 102, 15000, t + Duration::from_millis(66), false)),
        (2, 6000)
    );
    // Keyframe on layer 2, 10 ms after the newest frame began arriving: +900 ticks.
    let (s, ts) = fwd(r.rewrite(2, 7001, 1_003_000, t + Duration::from_millis(76), true));
    assert_eq!((s, ts), (3, 6900));
    assert_eq!(r.current(), Some(2));
    // Same frame keeps its timestamp; next frame advances by the source's delta.
    assert_eq!(fwd(r.rewrite(2, 7002, 1_003_000, t, false)), (4, 6900));
    assert_eq!(fwd(r.rewrite(2, 7003, 1_006_000, t, false)), (5, 9900));
    // Late packets of the old source are dropped.
    assert_eq!(r.rewrite(0, 103, 18000, t, false), Rewrite::Drop);
    // So are the new source's packets from before the switch point.
    assert_eq!(r.rewrite(2, 7000, 1_000_000, t, false), Rewrite::Drop);
}

#[test]
fn switch_advances_at_least_one_tick() {
    let t = t0();
    let mut r = SeqTsRewriter::new();
    r.switch_to(0);
    fwd(r.rewrite(0, 1, 500, t, true));
    r.switch_to(1);
    // Arrival at the same instant as the newest frame: still one tick later.
    assert_eq!(fwd(r.rewrite(1, 50, 7, t, true)), (1, 1));
}

#[test]
fn reordered_and_duplicate_packets() {
    let t = t0();
    let mut r = SeqTsRewriter::new();
    r.switch_to(0);
    fwd(r.rewrite(0, 10, 0, t, true));
    assert_eq!(fwd(r.rewrite(0, 13, 3000, t, false)), (3, 3000));
    assert_eq!(
        fwd(r.rewrite(0, 11, 0, t, false)),
        (1, 0),
        "late packet keeps its place"
    );
    assert_eq!(r.rewrite(0, 11, 0, t, false), Rewrite::Drop, "duplicate");
    assert_eq!(
        r.rewrite(0, 13, 3000, t, false),
        Rewrite::Drop,
        "duplicate of newest"
    );
    assert_eq!(fwd(r.rewrite(0, 12, 0, t, false)), (2, 0));
    assert_eq!(fwd(r.rewrite(0, 14, 3000, t, false)), (4, 3000));
}

#[test]
fn too_old_packets_are_dropped() {
    let t = t0();
    let mut r = SeqTsRewriter::new();
    r.switch_to(0);
    fwd(r.rewrite(0, 0, 0, t, true));
    fwd(r.rewrite(0, 2, 0, t, false));
    fwd(r.rewrite(0, 2 + REORDER_WINDOW, 0, t, false));
    assert_eq!(r.rewrite(0, 2, 0, t, false), Rewrite::Drop);
    assert_eq!(
        r.rewrite(0, 1, 0, t, false),
        Rewrite::Drop,
        "outside the window"
    );
    assert_eq!(fwd(r.rewrite(0, 3, 0, t, false)).0, 3, "inside the window");
}

#[test]
fn renumbered_source_resyncs_at_its_keyframe() {
    let t = t0();
    let mut r = SeqTsRewriter::new();
    r.switch_to(0);
    fwd(r.rewrite(0, 40_000, 0, t, true));
    fwd(r.rewrite(0, 40_001, 3000, t, false));
    // Numbering restarts far behind: delta frames are dropped, the keyframe resyncs.
    assert_eq!(r.rewrite(0, 30_000, 77, t, false), Rewrite::Drop);
    assert_eq!(
        fwd(r.rewrite(0, 30_001, 77, t + Duration::from_millis(100), true)),
        (2, 12_000)
    );
    assert!(r.just_switched());
    assert_eq!(r.current(), Some(0));
    assert_eq!(fwd(r.rewrite(0, 30_002, 77, t, false)), (3, 12_000));
    // A small jump at a keyframe is ordinary loss: no resync, the gap shows.
    assert_eq!(fwd(r.rewrite(0, 30_012, 3077, t, true)), (13, 15_000));
    assert!(!r.just_switched());
}

#[test]
fn sixteen_bit_wraparound_of_input() {
    let t = t0();
    let mut r = SeqTsRewriter::with_start(VIDEO_CLOCK_RATE, 70_000, u32::MAX - 1000);
    r.switch_to(0);
    assert_eq!(
        fwd(r.rewrite(0, 65534, u64::from(u32::MAX), t, true)),
        (70_000, u32::MAX - 1000)
    );
    // Widened u16 wraps to 0 (65535 is late): output and timestamp just go on.
    assert_eq!(fwd(r.rewrite(0, 0, 2999, t, false)), (70_002, 1999));
    assert_eq!(
        fwd(r.rewrite(0, 65535, 2999, t, false)).0,
        70_001,
        "late packet across the wrap"
    );
    assert_eq!(
        r.rewrite(0, 65535, 2999, t, false),
        Rewrite::Drop,
        "duplicate across the wrap"
    );
    // Extended input works the same.
    assert_eq!(fwd(r.rewrite(0, 65_537, 2999, t, false)).0, 70_003);
}

#[test]
fn switch_to_current_cancels_and_pause_resumes_at_keyframe() {
    let t = t0();
    let mut r = SeqTsRewriter::new();
    r.switch_to(1);
    fwd(r.rewrite(1, 5, 0, t, true));
    r.switch_to(2);
    r.switch_to(1);
    assert!(!r.is_switch_pending());
    assert_eq!(r.rewrite(2, 9, 0, t, true), Rewrite::Drop);
    r.pause();
    assert_eq!(r.current(), None);
    assert_eq!(r.rewrite(1, 6, 0, t, false), Rewrite::Drop);
    r.switch_to(1);
    assert_eq!(
        r.rewrite(1, 500, 0, t, false),
        Rewrite::Drop,
        "resume waits for a keyframe"
    );
    let (s, ts) = fwd(r.rewrite(1, 501, 90_000, t + Duration::from_secs(2), true));
    assert_eq!(
        (s, ts),
        (1, 180_000),
        "no gap of paused packets; ts advanced by 2 s"
    );
}

#[test]
fn audio_clock_rate() {
    let t = t0();
    let mut r = SeqTsRewriter::with_start(48_000, 0, 0);
    r.switch_to(0);
    fwd(r.rewrite(0, 0, 0, t, true));
    r.switch_to(1);
    assert_eq!(
        fwd(r.rewrite(1, 77, 123, t + Duration::from_millis(20), true)),
        (1, 960)
    );
}

#[test]
fn picture_id_continuity() {
    let mut p = PictureIdRewriter::new();
    assert_eq!(p.map(true, Some(100), true, Some(7)), (Some(100), Some(7)));
    assert_eq!(p.map(false, Some(101), true, Some(8)), (Some(101), Some(8)));
    assert_eq!(
        p.map(false, Some(99), true, Some(6)),
        (Some(99), Some(6)),
        "late keeps offset"
    );
    // Switch to a source with 7-bit ids and different counters.
    assert_eq!(
        p.map(true, Some(5), false, Some(200)),
        (Some(102 & 0x7f), Some(9))
    );
    assert_eq!(
        p.map(false, Some(6), false, Some(201)),
        (Some(103 & 0x7f), Some(10))
    );
    // Back to 15-bit: continues after the newest.
    assert_eq!(p.map(true, Some(0x7fff), true, None), (Some(104), None));
    // TL0 had no value at the switch: it resyncs at its next value.
    assert_eq!(p.map(false, Some(0), true, Some(0)), (Some(105), Some(11)));
}

#[test]
fn picture_id_rewrites_payload() {
    let mut p = PictureIdRewriter::new();
    let mut a = vp8::synthetic_payload(10, true, true, 50);
    assert!(p.rewrite_payload(true, &mut a));
    let mut b = vp8::synthetic_payload(3000, true, true, 50);
    assert!(p.rewrite_payload(true, &mut b));
    assert_eq!(vp8::parse(&b).unwrap().picture_id, Some(11));
    assert!(!p.rewrite_payload(false, &mut []));
}

/// One step of a generated scenario.
#[derive(Debug, Clone)]
enum Step {
    Packet { source: u8, keyframe: bool },
    Switch(u8),
}

fn arb_steps() -> impl Strategy<Value = Vec<Step>> {
    let step = prop_oneof![
        8 => (0u8..3, prop::bool::weighted(0.15)).prop_map(|(source, keyframe)| Step::Packet { source, keyframe }),
        1 => (0u8..3).prop_map(Step::Switch),
    ];
    prop::collection::vec(step, 1..400)
}

/// A packet as it enters the rewriter, with its per-source segment key.
#[derive(Debug, Clone, Copy)]
struct Pkt {
    source: u8,
    seq: u64,
    ts: u64,
    keyframe: bool,
    ms: u64,
}

/// Turns steps into packets: per-source gap-free seqs (16-bit, wrapping) and rising ts.
fn materialise(steps: &[Step], starts: [(u16, u32); 3]) -> Vec<Result<Pkt, u8>> {
    let mut next = starts.map(|(s, t)| (s, t));
    let mut ms = 0;
    steps
        .iter()
        .map(|s| match *s {
            Step::Switch(to) => Err(to),
            Step::Packet { source, keyframe } => {
                let n = &mut next[usize::from(source)];
                let p = Pkt {
                    source,
                    seq: u64::from(n.0),
                    ts: u64::from(n.1),
                    keyframe,
                    ms,
                };
                n.0 = n.0.wrapping_add(1);
                n.1 = n.1.wrapping_add(if keyframe { 3000 } else { 1500 });
                ms += 7;
                Ok(p)
            }
        })
        .collect()
}

fn arb_starts() -> impl Strategy<Value = [(u16, u32); 3]> {
    [
        (any::<u16>(), any::<u32>()),
        (any::<u16>(), any::<u32>()),
        (any::<u16>(), any::<u32>()),
    ]
}

proptest! {
    #[test]
    fn in_order_output_is_gap_free_and_monotone(steps in arb_steps(), starts in arb_starts(), start_seq in any::<u32>(), start_ts in any::<u32>()) {
        let t = t0();
        let mut r = SeqTsRewriter::with_start(VIDEO_CLOCK_RATE, u64::from(start_seq), start_ts);
        let mut last: Option<(u64, u32)> = None;
        for item in materialise(&steps, starts) {
            let p = match item { Err(to) => { r.switch_to(to); continue; } Ok(p) => p };
            let was_current = r.current() == Some(p.source);
            let out = r.rewrite(p.source, p.seq, p.ts, t + Duration::from_millis(p.ms), p.keyframe);
            if was_current && !r.just_switched() {
                prop_assert!(matches!(out, Rewrite::Forward { .. }), "current source in order must flow");
            }
            if let Rewrite::Forward { seq, ts } = out {
                if let Some((ls, lt)) = last {
                    prop_assert_eq!(seq, ls.wrapping_add(1));
                    prop_assert!(ts.wrapping_sub(lt) as i32 >= 0, "ts went back: {} -> {}", lt, ts);
                    if r.just_switched() { prop_assert!(ts != lt); }
                } else {
                    prop_assert_eq!((seq, ts), (u64::from(start_seq), start_ts));
                }
                last = Some((seq, ts));
            }
        }
    }

    #[test]
    fn reordered_output_has_no_duplicates_and_ordered_segments(
        steps in arb_steps(),
        starts in arb_starts(),
        swaps in prop::collection::vec((any::<prop::sample::Index>(), 1usize..6), 0..80),
        dups in prop::collection::vec(any::<prop::sample::Index>(), 0..20),
    ) {
        let t = t0();
        let mut items = materialise(&steps, starts);
        // Reorder packets within a small window and duplicate some.
        for (i, d) in &swaps {
            let a = i.index(items.len());
            let b = (a + d).min(items.len() - 1);
            items.swap(a, b);
        }
        for i in &dups {
            let k = i.index(items.len());
            let dup = items[k];
            items.insert(k + 1, dup);
        }
        let mut r = SeqTsRewriter::new();
        let mut seen = std::collections::HashSet::new();
        // Per segment (switch count): the offset every packet must share, and its range.
        let mut segment = 0usize;
        let mut offsets: Vec<(u64, u64, u64)> = Vec::new(); // (seq offset, min out, max out)
        for item in items {
            let p = match item { Err(to) => { r.switch_to(to); continue; } Ok(p) => p };
            let out = r.rewrite(p.source, p.seq, p.ts, t + Duration::from_millis(p.ms), p.keyframe);
            let Rewrite::Forward { seq, .. } = out else { continue };
            prop_assert!(seen.insert(seq), "duplicate outgoing seq {}", seq);
            if r.just_switched() {
                segment += 1;
                offsets.push((seq.wrapping_sub(p.seq), seq, seq));
            }
            let o = &mut offsets[segment - 1];
            // Same offset modulo 2^16 (input seqs are 16-bit here).
            prop_assert_eq!((seq.wrapping_sub(p.seq)) as u16, o.0 as u16);
            o.1 = o.1.min(seq);
            o.2 = o.2.max(seq);
        }
        for w in offsets.windows(2) {
            prop_assert!(w[1].1 > w[0].2, "segments overlap: {:?}", w);
        }
    }

    #[test]
    fn picture_ids_continue_across_switches(starts in prop::collection::vec((any::<u16>(), any::<bool>(), 1usize..20), 1..10)) {
        let mut p = PictureIdRewriter::new();
        let mut last: Option<(u16, bool)> = None;
        for (start, wide, frames) in starts {
            let mask = if wide { 0x7fff } else { 0x7f };
            for f in 0..frames {
                let id = (start.wrapping_add(f as u16)) & mask;
                let (out, _) = p.map(f == 0, Some(id), wide, None);
                let out = out.unwrap();
                if let Some((l, l_wide)) = last {
                    // Across a width change only the low 7 bits are comparable.
                    let m = if wide && l_wide { 0x7fff } else { 0x7f };
                    prop_assert_eq!(out & m, l.wrapping_add(1) & m);
                }
                last = Some((out, wide));
            }
        }
    }
}
