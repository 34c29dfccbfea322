//! Who is speaking: a per-participant [`SpeakingDetector`] and the room's dominant
//! [`ActiveSpeaker`], both fed with RFC 6464 audio levels.
//!
//! An RFC 6464 level is 0..=127 in -dBov: 0 is the loudest possible, 127 silence. Normal
//! speech into a headset or laptop microphone reads about 20–40, room noise 50–80. Levels
//! come with every audio packet (every 20 ms), except during Opus DTX silence, when
//! packets (and levels) mostly stop: the absence of levels counts as quiet.

use std::collections::HashMap;
use std::hash::Hash;
use std::time::{Duration, Instant};

/// The RFC 6464 level of digital silence.
pub const SILENCE: u8 = 127;

/// Tuning of a [`SpeakingDetector`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SpeakingConfig {
    /// Start counting as speech when the smoothed level is at or below this (-dBov).
    /// 50 sits between quiet speech (~40) and ordinary room noise (≥ 55).
    pub start_level: u8,
    /// While speaking, stay loud down to this (-dBov): a softer word mid-sentence does
    /// not end speaking.
    pub stop_level: u8,
    /// Loud this long before speaking starts: a cough or a door does not flash the tile.
    pub start_after: Duration,
    /// Quiet this long before speaking stops: pauses between words do not flap.
    pub stop_after: Duration,
    /// Treat a packet whose voice-activity flag is `Some(false)` as silence. Off by
    /// default: senders differ in whether they run a VAD at all, the level is reliable.
    pub honor_voice_flag: bool,
}

impl Default for SpeakingConfig {
    fn default() -> Self {
        Self {
            start_level: 50,
            stop_level: 55,
            start_after: Duration::from_millis(200),
            stop_after: Duration::from_millis(600),
            honor_voice_flag: false,
        }
    }
}

/// Weight of a new level in the moving average (one packet per 20 ms): a step from
/// silence to speech crosses the threshold in ~5 packets, one loud packet does not.
const SMOOTHING: f32 = 0.3;
/// Longer than this without levels, a run of loud levels is broken (DTX, loss).
const MAX_GAP: Duration = Duration::from_millis(100);

/// Detects whether one participant speaks, with hysteresis in level and time.
#[derive(Debug, Clone)]
pub struct SpeakingDetector {
    cfg: SpeakingConfig,
    smoothed: f32,
    last_sample: Option<Instant>,
    loud_since: Option<Instant>,
    last_loud: Option<Instant>,
    speaking: bool,
    reported: bool,
}

impl Default for SpeakingDetector {
    fn default() -> Self {
        Self::new(SpeakingConfig::default())
    }
}

impl SpeakingDetector {
    /// A silent detector.
    pub fn new(cfg: SpeakingConfig) -> Self {
        Self {
            cfg,
            smoothed: f32::from(SILENCE),
            last_sample: None,
            loud_since: None,
            last_loud: None,
            speaking: false,
            reported: false,
        }
    }

    /// One packet's audio level (`level` in -dBov, `voice` the V flag when present).
    pub fn on_level(&mut self, now: Instant, level: u8, voice: Option<bool>) {
        let silent = self.cfg.honor_voice_flag && voice == Some(false);
        let level = if silent { SILENCE } else { level.min(SILENCE) };
        let gap = self
            .last_sample
            .is_some_and(|t| now.saturating_duration_since(t) > MAX_GAP);
        if gap {
            self.loud_since = None;
        }
        self.last_sample = Some(now);
        self.smoothed += (f32::from(level) - self.smoothed) * SMOOTHING;
        let threshold = if self.speaking {
            self.cfg.stop_level
        } else {
            self.cfg.start_level
        };
        if self.smoothed > f32::from(threshold) {
            self.loud_since = None;
            return;
        }
        self.last_loud = Some(now);
        let since = *self.loud_since.get_or_insert(now);
        if now.saturating_duration_since(since) >= self.cfg.start_after {
            self.speaking = true;
        }
    }

    /// `Some(speaking)` when the state changed since the last report.
    pub fn poll(&mut self, now: Instant) -> Option<bool> {
        let quiet_for = self.last_loud.map(|t| now.saturating_duration_since(t));
        if self.speaking && quiet_for.is_none_or(|q| q >= self.cfg.stop_after) {
            self.speaking = false;
            self.loud_since = None;
        }
        (self.speaking != self.reported).then(|| {
            self.reported = self.speaking;
            self.speaking
        })
    }

    /// When speaking will stop unless a loud level comes first.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.speaking
            .then_some(self.last_loud?)
            .map(|t| t + self.cfg.stop_after)
    }

    /// The last reported state.
    pub fn is_speaking(&self) -> bool {
        self.reported
    }
}

/// The window over which [`ActiveSpeaker`] compares participants.
pub const ACTIVE_SPEAKER_WINDOW: Duration = Duration::from_millis(1500);
const BUCKET: Duration = Duration::from_millis(100);
const BUCKETS: usize = 15; // ACTIVE_SPEAKER_WINDOW / BUCKET
/// Levels quieter than this (-dBov) add nothing: room noise does not make a speaker.
const NOISE_FLOOR: u8 = 70;
/// Lowest score (mean loudness above the noise floor per 100 ms) that counts as speaking:
/// e.g. a quarter of the window at -30 dBov.
const MIN_SCORE: f32 = 8.0;
/// A challenger must score this many times the current speaker, plus the margin...
const TAKEOVER_RATIO: f32 = 1.5;
const TAKEOVER_MARGIN: f32 = 3.0;
/// ...for this long, before taking over.
const TAKEOVER_AFTER: Duration = Duration::from_millis(300);

#[derive(Debug, Clone, Copy, Default)]
struct Bucket {
    id: u64,
    sum: u32,
    count: u32,
}

#[derive(Debug, Clone)]
struct Entry<K> {
    key: K,
    buckets: [Bucket; BUCKETS],
}

/// Picks the room's dominant speaker. The last dominant speaker stays dominant through
/// silence; another one takes over only when clearly louder over the window for a while.
/// Call [`poll`](Self::poll) every ~100 ms while audio flows.
#[derive(Debug, Clone)]
pub struct ActiveSpeaker<K: Eq + Hash + Clone> {
    epoch: Option<Instant>,
    index: HashMap<K, usize>,
    entries: Vec<Entry<K>>,
    current: Option<K>,
    challenger: Option<(K, Instant)>,
    reported: Option<K>,
}

impl<K: Eq + Hash + Clone> Default for ActiveSpeaker<K> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K: Eq + Hash + Clone> ActiveSpeaker<K> {
    /// Nobody has spoken yet.
    pub fn new() -> Self {
        Self {
            epoch: None,
            index: HashMap::new(),
            entries: Vec::new(),
            current: None,
            challenger: None,
            reported: None,
        }
    }

    fn bucket_id(&mut self, now: Instant) -> u64 {
        let epoch = *self.epoch.get_or_insert(now);
        (now.saturating_duration_since(epoch).as_millis() / BUCKET.as_millis()) as u64
    }

    /// One audio level of `key` (first sight of a key allocates its slot once).
    pub fn on_level(&mut self, key: &K, now: Instant, level: u8) {
        let id = self.bucket_id(now);
        let i = match self.index.get(key) {
            Some(&i) => i,
            None => {
                let entry = Entry {
                    key: key.clone(),
                    buckets: [Bucket::default(); BUCKETS],
                };
                self.entries.push(entry);
                self.index.insert(key.clone(), self.entries.len() - 1);
                self.entries.len() - 1
            }
        };
        let b = &mut self.entries[i].buckets[(id % BUCKETS as u64) as usize];
        if b.id != id || b.count == 0 {
            *b = Bucket {
                id,
                sum: 0,
                count: 0,
            };
        }
        b.sum += u32::from(NOISE_FLOOR.saturating_sub(level));
        b.count += 1;
    }

    /// Forgets `key` (left the room). If it was dominant, nobody is until someone speaks.
    pub fn remove(&mut self, key: &K) {
        let Some(i) = self.index.remove(key) else {
            return;
        };
        self.entries.swap_remove(i);
        if let Some(moved) = self.entries.get(i) {
            self.index.insert(moved.key.clone(), i);
        }
        if self.current.as_ref() == Some(key) {
            self.current = None;
            self.reported = None;
        }
        if self.challenger.as_ref().is_some_and(|(k, _)| k == key) {
            self.challenger = None;
        }
    }

    /// The dominant speaker now.
    pub fn current(&self) -> Option<&K> {
        self.current.as_ref()
    }

    /// `Some(key)` when the dominant speaker changed since the last report.
    pub fn poll(&mut self, now: Instant) -> Option<K> {
        let id = self.bucket_id(now);
        if let Some((best, best_score)) = self.loudest(id) {
            self.consider(best, best_score, id, now);
        }
        if self.current != self.reported {
            self.reported = self.current.clone();
            return self.current.clone();
        }
        None
    }

    fn consider(&mut self, best: usize, best_score: f32, id: u64, now: Instant) {
        if best_score < MIN_SCORE {
            self.challenger = None;
            return;
        }
        let key = &self.entries[best].key;
        let current_score = match &self.current {
            None => {
                self.current = Some(key.clone());
                return;
            }
            Some(c) if c == key => {
                self.challenger = None;
                return;
            }
            Some(c) => self
                .index
                .get(c)
                .map_or(0.0, |&i| score(&self.entries[i], id)),
        };
        if best_score < current_score * TAKEOVER_RATIO + TAKEOVER_MARGIN {
            self.challenger = None;
            return;
        }
        match &self.challenger {
            Some((k, since)) if k == key => {
                if now.saturating_duration_since(*since) >= TAKEOVER_AFTER {
                    self.current = Some(key.clone());
                    self.challenger = None;
                }
            }
            _ => self.challenger = Some((key.clone(), now)),
        }
    }

    /// Index and score of the loudest participant (first one on ties).
    fn loudest(&self, id: u64) -> Option<(usize, f32)> {
        let mut best: Option<(usize, f32)> = None;
        for (i, e) in self.entries.iter().enumerate() {
            let s = score(e, id);
            if best.is_none_or(|(_, b)| s > b) {
                best = Some((i, s));
            }
        }
        best
    }
}

/// Mean over the window's buckets of each bucket's mean loudness (empty buckets: 0), so
/// packet rate does not matter and silence (DTX) counts as silence.
fn score<K>(e: &Entry<K>, id: u64) -> f32 {
    let total: f32 = e
        .buckets
        .iter()
        .filter(|b| b.count > 0 && b.id <= id && id - b.id < BUCKETS as u64)
        .map(|b| b.sum as f32 / b.count as f32)
        .sum();
    total / BUCKETS as f32
}

#[cfg(test)]
#[path = "speaker_tests.rs"]
mod tests;
