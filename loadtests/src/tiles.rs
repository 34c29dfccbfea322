//! Tile sizes of a scenario's viewers: what share of subscribers shows every remote video
//! small, medium or large. Each size is sent to the hub as `video_size`, so the hub forwards
//! the simulcast layer that covers it (`q` 320×180, `h` 640×360, `f` 1280×720) and a
//! realistic mix, not everyone on the top layer, is what gets measured.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::config::{ConfigError, pairs};

/// Relative weights of the three tile sizes; all zero means "send no `video_size`".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(try_from = "String")]
pub struct TileMix {
    pub small: u32,
    pub medium: u32,
    pub large: u32,
}

/// The size shown for each weight, in the order `small`, `medium`, `large`.
pub const TILE_SIZES: [(u32, u32); 3] = [(320, 180), (640, 360), (1280, 720)];

impl TileMix {
    /// No tile sizes: the hub keeps its default layer.
    pub const NONE: TileMix = TileMix {
        small: 0,
        medium: 0,
        large: 0,
    };

    /// The tile size of subscriber number `index`. The positions follow the golden-ratio
    /// sequence, so the first n subscribers, for any n, split between the sizes about as
    /// the weights say — the same every run, and still right when a ramp adds more.
    pub fn size_for(&self, index: usize) -> Option<(u32, u32)> {
        let weights = [self.small, self.medium, self.large];
        let total: u64 = weights.iter().map(|w| u64::from(*w)).sum();
        if total == 0 {
            return None;
        }
        let pos = ((index as f64 + 0.5) * 0.618_033_988_749_895).fract() * total as f64;
        let mut upto = 0.0;
        for (w, size) in weights.iter().zip(TILE_SIZES) {
            upto += f64::from(*w);
            if pos < upto {
                return Some(size);
            }
        }
        Some(TILE_SIZES[2])
    }
}

impl FromStr for TileMix {
    type Err = ConfigError;

    /// `small=80,large=20` (any of `small`, `medium`, `large`) or `none`.
    fn from_str(s: &str) -> Result<TileMix, ConfigError> {
        let mut mix = TileMix::NONE;
        if s.trim() == "none" {
            return Ok(mix);
        }
        for (key, value) in pairs("tiles", s)? {
            let weight: u32 = value.parse().map_err(|_| ConfigError::Value {
                field: "tiles",
                value: s.to_owned(),
                expected: "weights like small=80,medium=10,large=10",
            })?;
            match key {
                "small" => mix.small = weight,
                "medium" => mix.medium = weight,
                "large" => mix.large = weight,
                _ => {
                    return Err(ConfigError::Value {
                        field: "tiles",
                        value: s.to_owned(),
                        expected: "keys small, medium, large",
                    });
                }
            }
        }
        Ok(mix)
    }
}

impl TryFrom<String> for TileMix {
    type Error = ConfigError;
    fn try_from(s: String) -> Result<TileMix, ConfigError> {
        s.parse()
    }
}

impl fmt::Display for TileMix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if *self == TileMix::NONE {
            return f.write_str("none");
        }
        write!(
            f,
            "small={},medium={},large={}",
            self.small, self.medium, self.large
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_subscribers_by_weight_in_order() {
        let mix: TileMix = "small=80,large=20".parse().unwrap();
        for n in [10, 100, 1000] {
            let sizes: Vec<_> = (0..n).map(|i| mix.size_for(i).unwrap()).collect();
            let small = sizes.iter().filter(|s| **s == TILE_SIZES[0]).count();
            let large = sizes.iter().filter(|s| **s == TILE_SIZES[2]).count();
            assert_eq!(small + large, n);
            // Within one subscriber of the exact share.
            assert!(small.abs_diff(n * 8 / 10) <= 1, "{small} of {n}");
        }
        assert_eq!(TileMix::NONE.size_for(0), None);
        assert_eq!("none".parse::<TileMix>().unwrap(), TileMix::NONE);
    }

    #[test]
    fn refuses_unknown_keys_and_bad_weights() {
        assert!("huge=3".parse::<TileMix>().is_err());
        assert!("small=lots".parse::<TileMix>().is_err());
        assert!("small".parse::<TileMix>().is_err());
    }
}
