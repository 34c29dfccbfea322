use super::*;

const MS: Duration = Duration::from_millis(1);
const PTIME: Duration = Duration::from_millis(20);

/// Feeds `d` with `level` every 20 ms for `dur` from `*t`, polling after each packet;
/// returns every reported change with its time offset from `start`.
fn feed(
    d: &mut SpeakingDetector,
    t: &mut Instant,
    start: Instant,
    dur: Duration,
    level: u8,
) -> Vec<(u128, bool)> {
    let end = *t + dur;
    let mut out = Vec::new();
    while *t < end {
        d.on_level(*t, level, None);
        if let Some(s) = d.poll(*t) {
            out.push(((*t - start).as_millis(), s));
        }
        *t += PTIME;
    }
    out
}

#[test]
fn speech_starts_after_a_while_and_stops_after_quiet() {
    let start = Instant::now();
    let mut t = start;
    let mut d = SpeakingDetector::default();
    assert!(feed(&mut d, &mut t, start, 1000 * MS, SILENCE).is_empty());
    let changes = feed(&mut d, &mut t, start, 1000 * MS, 30);
    assert_eq!(changes.len(), 1);
    let (at, s) = changes[0];
    assert!(s);
    // Smoothing needs ~5 packets to cross, then 200 ms of loudness.
    assert!((1200..1400).contains(&at), "started at {at} ms");
    assert!(d.is_speaking());
    let changes = feed(&mut d, &mut t, start, 1500 * MS, SILENCE);
    assert_eq!(changes.len(), 1);
    let (at, s) = changes[0];
    assert!(!s);
    assert!((2500..2700).contains(&at), "stopped at {at} ms");
}

#[test]
fn short_noise_does_not_start_and_pauses_do_not_flap() {
    let start = Instant::now();
    let mut t = start;
    let mut d = SpeakingDetector::default();
    // A 100 ms bang.
    assert!(feed(&mut d, &mut t, start, 100 * MS, 0).is_empty());
    assert!(feed(&mut d, &mut t, start, 500 * MS, SILENCE).is_empty());
    // Speech with 300 ms pauses between 500 ms words: one start, no stop.
    let mut changes = Vec::new();
    for _ in 0..5 {
        changes.extend(feed(&mut d, &mut t, start, 500 * MS, 35));
        changes.extend(feed(&mut d, &mut t, start, 300 * MS, SILENCE));
    }
    assert_eq!(changes.iter().map(|c| c.1).collect::<Vec<_>>(), vec![true]);
}

#[test]
fn room_noise_is_not_speech() {
    let start = Instant::now();
    let mut t = start;
    let mut d = SpeakingDetector::default();
    assert!(feed(&mut d, &mut t, start, 5000 * MS, 60).is_empty());
}

#[test]
fn dtx_silence_stops_speech_via_poll_timeout() {
    let start = Instant::now();
    let mut t = start;
    let mut d = SpeakingDetector::default();
    feed(&mut d, &mut t, start, 1000 * MS, 20);
    assert!(d.is_speaking());
    let last = t - PTIME;
    // No more packets at all: the timeout says when to poll.
    let due = d.poll_timeout().unwrap();
    assert_eq!(due, last + Duration::from_millis(600));
    assert_eq!(d.poll(due - MS), None);
    assert_eq!(d.poll(due), Some(false));
    assert_eq!(d.poll_timeout(), None);
}

#[test]
fn voice_flag_is_honoured_only_when_asked() {
    let start = Instant::now();
    let cfg = SpeakingConfig {
        honor_voice_flag: true,
        ..SpeakingConfig::default()
    };
    let mut d = SpeakingDetector::new(cfg);
    let mut plain = SpeakingDetector::default();
    for i in 0..50 {
        let t = start + i * PTIME;
        d.on_level(t, 20, Some(false));
        plain.on_level(t, 20, Some(false));
    }
    let t = start + 50 * PTIME;
    assert_eq!(d.poll(t), None);
    assert_eq!(plain.poll(t), Some(true));
}

/// Feeds the room: each (key, level) every 20 ms for `dur`, polling every 100 ms.
fn room(
    a: &mut ActiveSpeaker<u32>,
    t: &mut Instant,
    dur: Duration,
    levels: &[(u32, u8)],
) -> Vec<u32> {
    let end = *t + dur;
    let mut changes = Vec::new();
    let mut n = 0u32;
    while *t < end {
        for &(k, l) in levels {
            a.on_level(&k, *t, l);
        }
        if n.is_multiple_of(5) {
            changes.extend(a.poll(*t));
        }
        n += 1;
        *t += PTIME;
    }
    changes
}

#[test]
fn first_speaker_becomes_dominant_and_stays_through_silence() {
    let mut t = Instant::now();
    let mut a = ActiveSpeaker::new();
    assert!(
        room(&mut a, &mut t, 2000 * MS, &[(1, SILENCE), (2, 65)]).is_empty(),
        "noise only"
    );
    assert_eq!(
        room(&mut a, &mut t, 1000 * MS, &[(1, 30), (2, SILENCE)]),
        vec![1]
    );
    assert!(room(&mut a, &mut t, 3000 * MS, &[(1, SILENCE), (2, SILENCE)]).is_empty());
    assert_eq!(a.current(), Some(&1));
}

#[test]
fn takeover_needs_clearly_louder_and_longer() {
    let mut t = Instant::now();
    let mut a = ActiveSpeaker::new();
    room(&mut a, &mut t, 2000 * MS, &[(1, 30), (2, SILENCE)]);
    assert_eq!(a.current(), Some(&1));
    // 2 talks about as loud over 1: no takeover.
    assert!(room(&mut a, &mut t, 3000 * MS, &[(1, 30), (2, 28)]).is_empty());
    // A short interjection of 2 while 1 talks on: no takeover.
    assert!(room(&mut a, &mut t, 200 * MS, &[(1, 30), (2, 10)]).is_empty());
    assert!(room(&mut a, &mut t, 1000 * MS, &[(1, 30), (2, SILENCE)]).is_empty());
    // 1 stops, 2 talks: 2 takes over, once.
    assert_eq!(
        room(&mut a, &mut t, 3000 * MS, &[(1, SILENCE), (2, 30)]),
        vec![2]
    );
}

#[test]
fn remove_forgets_dominant() {
    let mut t = Instant::now();
    let mut a = ActiveSpeaker::new();
    room(
        &mut a,
        &mut t,
        1000 * MS,
        &[(1, 30), (2, SILENCE), (3, SILENCE)],
    );
    assert_eq!(a.current(), Some(&1));
    a.remove(&1);
    a.remove(&99);
    assert_eq!(a.current(), None);
    assert_eq!(a.poll(t), None, "nobody speaks: no report");
    assert_eq!(
        room(&mut a, &mut t, 1000 * MS, &[(2, SILENCE), (3, 25)]),
        vec![3]
    );
}

mod props {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn speaking_never_flaps(chunks in prop::collection::vec((0u8..=127, 1u32..40, 0u32..3), 1..40)) {
            let start = Instant::now();
            let mut t = start;
            let mut d = SpeakingDetector::default();
            let mut changes: Vec<(Instant, bool)> = Vec::new();
            for (level, packets, gap) in chunks {
                for _ in 0..packets {
                    d.on_level(t, level, None);
                    if let Some(s) = d.poll(t) { changes.push((t, s)); }
                    t += PTIME;
                }
                // Sometimes packets stop for a while (DTX, loss).
                t += gap * 150 * MS;
                if let Some(s) = d.poll(t) { changes.push((t, s)); }
            }
            let cfg = SpeakingConfig::default();
            for (i, w) in changes.windows(2).enumerate() {
                prop_assert_ne!(w[0].1, w[1].1, "changes alternate");
                let min = if w[0].1 { cfg.stop_after } else { cfg.start_after };
                prop_assert!(w[1].0 - w[0].0 >= min, "change {} too soon", i + 1);
            }
            if let Some(first) = changes.first() { prop_assert!(first.1, "first change is a start"); }
        }
    }
}
