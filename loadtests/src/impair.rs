//! Network impairment applied by the client, since the kernel's `netem` is not available:
//! what to do (`drop=1%,delay=20ms,jitter=5ms`) and the seeded per-packet decision. The UDP
//! relay in [`crate::relay`] applies it to every datagram in both directions.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use crate::config::{ConfigError, pairs};

/// Loss, fixed delay and uniform jitter applied to each datagram.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(try_from = "String")]
pub struct Impairment {
    /// Fraction of datagrams dropped, 0..=1.
    pub drop: f64,
    /// Added to every datagram kept.
    pub delay_ms: f64,
    /// Each kept datagram gets a further uniform offset in ±`jitter_ms` (never below zero
    /// in total), so packets may overtake each other as on a real path.
    pub jitter_ms: f64,
}

const EXPECTED: &str = "drop=<n>% or a fraction, delay=<n>ms, jitter=<n>ms";

fn bad(value: &str) -> ConfigError {
    ConfigError::Value {
        field: "impair",
        value: value.to_owned(),
        expected: EXPECTED,
    }
}

/// `1%` → 0.01, `0.01` → 0.01.
fn fraction(v: &str) -> Option<f64> {
    let f = match v.strip_suffix('%') {
        Some(p) => p.trim().parse::<f64>().ok()? / 100.0,
        None => v.parse().ok()?,
    };
    (0.0..=1.0).contains(&f).then_some(f)
}

/// `20ms`, `0.02s` or a bare number of milliseconds.
fn millis(v: &str) -> Option<f64> {
    let ms = if let Some(n) = v.strip_suffix("ms") {
        n.trim().parse().ok()?
    } else if let Some(n) = v.strip_suffix('s') {
        n.trim().parse::<f64>().ok()? * 1000.0
    } else {
        v.parse().ok()?
    };
    (0.0..60_000.0).contains(&ms).then_some(ms)
}

impl FromStr for Impairment {
    type Err = ConfigError;

    fn from_str(s: &str) -> Result<Impairment, ConfigError> {
        let mut out = Impairment::default();
        for (key, value) in pairs("impair", s)? {
            match key {
                "drop" | "loss" => out.drop = fraction(value).ok_or_else(|| bad(s))?,
                "delay" => out.delay_ms = millis(value).ok_or_else(|| bad(s))?,
                "jitter" => out.jitter_ms = millis(value).ok_or_else(|| bad(s))?,
                _ => return Err(bad(s)),
            }
        }
        Ok(out)
    }
}

impl TryFrom<String> for Impairment {
    type Error = ConfigError;
    fn try_from(s: String) -> Result<Impairment, ConfigError> {
        s.parse()
    }
}

impl fmt::Display for Impairment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "drop={}%,delay={}ms,jitter={}ms",
            self.drop * 100.0,
            self.delay_ms,
            self.jitter_ms
        )
    }
}

/// The seeded decision for each datagram of one direction.
pub struct Impairer {
    cfg: Impairment,
    rng: StdRng,
}

impl Impairer {
    pub fn new(cfg: Impairment, seed: u64) -> Impairer {
        Impairer {
            cfg,
            rng: StdRng::seed_from_u64(seed),
        }
    }

    /// `None` drops the datagram; `Some(d)` delivers it `d` after it arrived.
    pub fn schedule(&mut self) -> Option<Duration> {
        // Both draws happen for every datagram, so one setting does not shift the other's
        // sequence: the same seed drops the same datagrams whatever the delay.
        let dropped = self.rng.random::<f64>() < self.cfg.drop;
        let offset = self.rng.random_range(-1.0..=1.0) * self.cfg.jitter_ms;
        if dropped {
            return None;
        }
        let ms = (self.cfg.delay_ms + offset).max(0.0);
        Some(Duration::from_secs_f64(ms / 1000.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_percent_fraction_and_units() {
        let i: Impairment = "drop=1%,delay=20ms,jitter=5ms".parse().unwrap();
        assert_eq!((i.drop, i.delay_ms, i.jitter_ms), (0.01, 20.0, 5.0));
        let i: Impairment = "drop=0.5, delay=0.1s".parse().unwrap();
        assert_eq!((i.drop, i.delay_ms, i.jitter_ms), (0.5, 100.0, 0.0));
        assert_eq!(i.to_string().parse::<Impairment>().unwrap(), i);
        for bad in ["drop=150%", "delay=-3ms", "wobble=1", "drop", "delay=fast"] {
            let err = bad.parse::<Impairment>().unwrap_err().to_string();
            assert!(err.contains("impair"), "{bad}: {err}");
        }
    }

    #[test]
    fn same_seed_same_schedule_and_bounds_hold() {
        let cfg: Impairment = "drop=10%,delay=20ms,jitter=5ms".parse().unwrap();
        let run = |seed| {
            let mut imp = Impairer::new(cfg, seed);
            (0..10_000).map(|_| imp.schedule()).collect::<Vec<_>>()
        };
        let a = run(7);
        assert_eq!(a, run(7));
        assert_ne!(a, run(8));
        let dropped = a.iter().filter(|d| d.is_none()).count();
        assert!(
            (800..1200).contains(&dropped),
            "{dropped} of 10000 dropped at 10%"
        );
        for d in a.iter().flatten() {
            assert!(
                *d >= Duration::from_millis(15) && *d <= Duration::from_millis(25),
                "{d:?}"
            );
        }
    }

    #[test]
    fn no_impairment_delivers_everything_at_once() {
        let mut imp = Impairer::new(Impairment::default(), 1);
        assert!((0..1000).all(|_| imp.schedule() == Some(Duration::ZERO)));
    }
}
