//! One configuration for every scenario: [`Options`] is what the command line and a
//! `--scenario-file` TOML both give (the same field names, every one optional; the command
//! line wins), and [`ScenarioConfig`] is the resolved whole, with each scenario's defaults
//! filled in. Bad input is a [`ConfigError`] that names the field and what was expected.

use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::impair::Impairment;
use crate::tiles::TileMix;

/// A configuration that cannot be used, said so that the person can fix it.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read scenario file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("scenario file {path}: {message}")]
    Toml { path: PathBuf, message: String },
    #[error("{field} = `{value}`: expected {expected}")]
    Value {
        field: &'static str,
        value: String,
        expected: &'static str,
    },
    #[error("{0}")]
    Invalid(String),
}

/// `a=1, b=2` → `[("a", "1"), ("b", "2")]`; every item needs its `=`.
pub(crate) fn pairs<'a>(
    field: &'static str,
    s: &'a str,
) -> Result<Vec<(&'a str, &'a str)>, ConfigError> {
    s.split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(|item| {
            item.split_once('=')
                .map(|(k, v)| (k.trim(), v.trim()))
                .ok_or_else(|| ConfigError::Value {
                    field,
                    value: s.to_owned(),
                    expected: "comma-separated key=value items",
                })
        })
        .collect()
}

/// The scenarios `govhub-load` runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Scenario {
    /// R rooms of N publishers and M viewers.
    Meeting,
    /// A few publishers, hundreds of viewers, mostly on small tiles.
    Hearing,
    /// Large rooms where publishers send audio only.
    AudioOnly,
    /// A base meeting while viewers join and leave at a steady rate.
    Churn,
    /// Viewers added step by step until loss or latency passes its limit.
    Ramp,
}

impl Scenario {
    pub fn name(self) -> &'static str {
        match self {
            Scenario::Meeting => "meeting",
            Scenario::Hearing => "hearing",
            Scenario::AudioOnly => "audio-only",
            Scenario::Churn => "churn",
            Scenario::Ramp => "ramp",
        }
    }
}

/// What the participants connect to and how they join it: govhub's own protocol, or a peer
/// SFU's API (Janus's VideoRoom, [`crate::janus`]). Each has its own join in
/// [`crate::run::join`]; the measuring stays the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Target {
    #[default]
    Govhub,
    /// Janus 1.1 through its websocket API (`--janus-url`), VideoRoom plugin.
    Janus,
}

impl Target {
    pub fn name(self) -> &'static str {
        match self {
            Target::Govhub => "govhub",
            Target::Janus => "janus",
        }
    }
}

/// Where `loadtests/janus/setup.sh` keeps Janus's pid unless told otherwise.
pub const JANUS_PID_FILE: &str = "/tmp/govhub-janus/janus.pid";

/// Declares [`Options`] once: each field is a `--flag` and a TOML key, and `or` merges two.
macro_rules! options {
    ($($(#[$doc:meta])* $field:ident: $ty:ty,)*) => {
        /// Everything a scenario run can be told, from the command line or a TOML file.
        #[derive(Debug, Clone, Default, clap::Args, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct Options {
            $($(#[$doc])* #[arg(long)] pub $field: Option<$ty>,)*
        }

        impl Options {
            /// Each field from `self`, else from `fallback`.
            pub fn or(self, fallback: Options) -> Options {
                Options { $($field: self.$field.or(fallback.$field),)* }
            }
        }
    };
}

options! {
    /// The hub, e.g. `http://127.0.0.1:8080` (env `GOVHUB_LOAD_URL`).
    url: String,
    /// Which server the participants join (`govhub` or `janus`).
    target: Target,
    /// Run the same scenario against this target too and report both side by side.
    compare: Target,
    /// Janus's websocket API for `janus` (default `ws://127.0.0.1:8188`).
    janus_url: String,
    /// Janus's process id: sampled like `hub-pid` when Janus is measured.
    janus_pid: u32,
    /// Read Janus's pid from this file when `janus-pid` is not given (default the one
    /// `loadtests/janus/setup.sh` writes, /tmp/govhub-janus/janus.pid).
    janus_pid_file: PathBuf,
    /// Local address of every participant's sockets (default 127.0.0.1; 127.0.0.2 for Janus
    /// in a loopback-only namespace, see docs/operations.md).
    bind_ip: IpAddr,
    /// In a TOML file only: which scenario it was written for (checked against the command).
    scenario: Scenario,
    /// Rooms, each with its own publishers and viewers.
    rooms: usize,
    /// Publishing participants per room.
    publishers: usize,
    /// Receive-only participants per room (ramp: the number at the first step).
    subscribers: usize,
    /// Seconds of the measured window (ramp: of each step).
    duration: f64,
    /// Seconds over which the joins are spread.
    ramp: f64,
    /// Longest wait in seconds for every expected track to flow before measuring.
    warmup_timeout: f64,
    /// Seeds join order, payloads, RTP numbering and impairment.
    seed: u64,
    /// Three simulcast layers (`true`) or one (`false`).
    simulcast: bool,
    /// Publishers send audio only.
    audio_only: bool,
    /// Publishers send video only (to measure the cost of a forwarded video packet alone).
    video_only: bool,
    /// Tile sizes of subscribers, e.g. `small=80,large=20`, or `none` for no `video_size`.
    tiles: TileMix,
    /// Client-side impairment, e.g. `drop=1%,delay=20ms,jitter=5ms`, both directions.
    impair: Impairment,
    /// The hub's process id: sample its CPU time and RSS from /proc.
    hub_pid: u32,
    /// The hub's `/metrics` address (`govhub serve --metrics-listen`): read at the window's
    /// edges for the time packets spend inside the hub.
    hub_metrics: String,
    /// Room names are `<prefix>-<n>`; defaults to `load-<unix seconds>`.
    room_prefix: String,
    /// Churn: viewer joins per second during the window (each leaves after `churn_stay`).
    churn_rate: f64,
    /// Churn: seconds each churning viewer stays.
    churn_stay: f64,
    /// Ramp: viewers added per room at each step.
    ramp_step: usize,
    /// Ramp: the most steps to take.
    ramp_max_steps: usize,
    /// Ramp: a step is bad when its loss (after retransmission) is above this fraction.
    max_loss: f64,
    /// Ramp: a step is bad when its p99 latency is above this many milliseconds.
    max_p99_ms: f64,
    /// Ramp: a step is bad when the p99 of the time in the hub (a bucket bound, from
    /// `hub_metrics`) is above this many milliseconds.
    max_hub_p99_ms: f64,
}

/// Churn settings, used by the `churn` scenario.
#[derive(Debug, Clone, Serialize)]
pub struct ChurnConfig {
    pub rate_per_s: f64,
    pub stay_s: f64,
}

/// Ramp settings and the limits that end it.
#[derive(Debug, Clone, Serialize)]
pub struct RampConfig {
    pub step: usize,
    pub max_steps: usize,
    pub max_loss: f64,
    pub max_p99_ms: f64,
    pub max_hub_p99_ms: Option<f64>,
}

/// A scenario run, every value decided.
#[derive(Debug, Clone, Serialize)]
pub struct ScenarioConfig {
    pub scenario: Scenario,
    pub target: Target,
    /// The reference target of a side-by-side run (`--compare`).
    pub compare: Option<Target>,
    pub url: String,
    pub janus_url: String,
    pub janus_pid: Option<u32>,
    pub bind_ip: IpAddr,
    pub rooms: usize,
    pub publishers: usize,
    pub subscribers: usize,
    pub duration_s: f64,
    pub ramp_s: f64,
    pub warmup_timeout_s: f64,
    pub seed: u64,
    pub simulcast: bool,
    pub audio_only: bool,
    pub video_only: bool,
    pub tiles: TileMix,
    pub impair: Option<Impairment>,
    pub hub_pid: Option<u32>,
    pub hub_metrics: Option<String>,
    pub room_prefix: String,
    pub churn: ChurnConfig,
    pub ramp: RampConfig,
}

impl Default for ScenarioConfig {
    fn default() -> Self {
        ScenarioConfig::resolve(Scenario::Meeting, Options::default())
            .expect("the defaults are valid")
    }
}

/// (publishers, subscribers, tiles, audio only) when nothing else is said.
fn defaults(s: Scenario) -> (usize, usize, TileMix, bool) {
    let tiles = |small, medium, large| TileMix {
        small,
        medium,
        large,
    };
    match s {
        Scenario::Meeting => (2, 1, tiles(50, 30, 20), false),
        Scenario::Hearing => (3, 100, tiles(90, 0, 10), false),
        Scenario::AudioOnly => (20, 30, TileMix::NONE, true),
        Scenario::Churn => (2, 4, tiles(50, 30, 20), false),
        Scenario::Ramp => (2, 2, tiles(50, 30, 20), false),
    }
}

impl ScenarioConfig {
    /// Fills what `o` leaves open with the defaults of `scenario` and checks the result.
    pub fn resolve(scenario: Scenario, o: Options) -> Result<ScenarioConfig, ConfigError> {
        if let Some(s) = o.scenario.filter(|s| *s != scenario) {
            return Err(ConfigError::Invalid(format!(
                "the scenario file is for `{}`, the command runs `{}`",
                s.name(),
                scenario.name()
            )));
        }
        let (publishers, subscribers, tiles, audio_only) = defaults(scenario);
        let unix = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let target = o.target.unwrap_or_default();
        let janus_pid = match o.janus_pid {
            Some(pid) => Some(pid),
            None if target == Target::Janus || o.compare == Some(Target::Janus) => {
                let file = o.janus_pid_file.unwrap_or_else(|| JANUS_PID_FILE.into());
                crate::janus::pid_from_file(&file)
            }
            None => None,
        };
        let cfg = ScenarioConfig {
            scenario,
            target,
            compare: o.compare,
            url: o.url.unwrap_or_else(|| "http://127.0.0.1:8080".into()),
            janus_url: o.janus_url.unwrap_or_else(|| "ws://127.0.0.1:8188".into()),
            janus_pid,
            bind_ip: o.bind_ip.unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST)),
            rooms: o.rooms.unwrap_or(1),
            publishers: o.publishers.unwrap_or(publishers),
            subscribers: o.subscribers.unwrap_or(subscribers),
            duration_s: o.duration.unwrap_or(10.0),
            ramp_s: o.ramp.unwrap_or(2.0),
            warmup_timeout_s: o.warmup_timeout.unwrap_or(20.0),
            seed: o.seed.unwrap_or(1),
            simulcast: o.simulcast.unwrap_or(true),
            audio_only: o.audio_only.unwrap_or(audio_only),
            video_only: o.video_only.unwrap_or(false),
            tiles: o.tiles.unwrap_or(tiles),
            impair: o.impair,
            hub_pid: o.hub_pid,
            hub_metrics: o.hub_metrics,
            room_prefix: o.room_prefix.unwrap_or_else(|| format!("load-{unix}")),
            churn: ChurnConfig {
                rate_per_s: o.churn_rate.unwrap_or(2.0),
                stay_s: o.churn_stay.unwrap_or(3.0),
            },
            ramp: RampConfig {
                step: o.ramp_step.unwrap_or(4),
                max_steps: o.ramp_max_steps.unwrap_or(10),
                max_loss: o.max_loss.unwrap_or(0.01),
                max_p99_ms: o.max_p99_ms.unwrap_or(50.0),
                max_hub_p99_ms: o.max_hub_p99_ms,
            },
        };
        cfg.check()?;
        Ok(cfg)
    }

    fn check(&self) -> Result<(), ConfigError> {
        let bad = |m: &str| Err(ConfigError::Invalid(m.to_owned()));
        if self.rooms == 0 || self.publishers == 0 {
            return bad("need at least one room and one publisher per room");
        }
        if !(self.duration_s > 0.0 && self.ramp_s >= 0.0 && self.warmup_timeout_s >= 0.0) {
            return bad("duration must be positive; ramp and warmup-timeout not negative");
        }
        if self.scenario == Scenario::Churn
            && !(self.churn.rate_per_s > 0.0 && self.churn.stay_s >= 0.0)
        {
            return bad("churn-rate must be positive and churn-stay not negative");
        }
        if self.scenario == Scenario::Ramp && (self.ramp.step == 0 || self.ramp.max_steps == 0) {
            return bad("ramp-step and ramp-max-steps must be at least 1");
        }
        if self.ramp.max_hub_p99_ms.is_some() && self.hub_metrics.is_none() {
            return bad("max-hub-p99-ms needs hub-metrics (the hub's /metrics address)");
        }
        if self.audio_only && self.video_only {
            return bad("audio-only and video-only leave publishers nothing to send");
        }
        if self.compare == Some(self.target) {
            return bad("compare must name a target other than the one measured");
        }
        Ok(())
    }

    /// The server process sampled from /proc for the target measured: `hub_pid` for govhub,
    /// `janus_pid` for Janus.
    pub fn server_pid(&self) -> Option<u32> {
        match self.target {
            Target::Govhub => self.hub_pid,
            Target::Janus => self.janus_pid,
        }
    }

    /// This run against `target` alone (one half of a side-by-side run): its own rooms, no
    /// comparison of its own.
    pub fn for_target(&self, target: Target) -> ScenarioConfig {
        ScenarioConfig {
            target,
            compare: None,
            room_prefix: format!("{}-{}", self.room_prefix, target.name()),
            ..self.clone()
        }
    }
}

/// Reads a `--scenario-file`: the [`Options`] fields as TOML keys, nothing else.
pub fn read_scenario_file(path: &Path) -> Result<Options, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_owned(),
        source,
    })?;
    parse_scenario_toml(&text).map_err(|message| ConfigError::Toml {
        path: path.to_owned(),
        message,
    })
}

/// The TOML text of a scenario file; the error is the parser's message (line, column, key).
pub fn parse_scenario_toml(text: &str) -> Result<Options, String> {
    toml::from_str(text).map_err(|e| e.to_string().trim_end().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_fills_in_and_the_command_line_wins() {
        let file = parse_scenario_toml(
            "scenario = \"hearing\"\npublishers = 2\nsubscribers = 50\nimpair = \"drop=1%\"\ntiles = \"small=1\"\n",
        )
        .unwrap();
        let cli = Options {
            subscribers: Some(7),
            ..Default::default()
        };
        let cfg = ScenarioConfig::resolve(Scenario::Hearing, cli.or(file)).unwrap();
        assert_eq!((cfg.publishers, cfg.subscribers), (2, 7));
        assert_eq!(cfg.impair.map(|i| i.drop), Some(0.01));
        assert_eq!(
            cfg.tiles,
            TileMix {
                small: 1,
                medium: 0,
                large: 0
            }
        );
        // Scenario defaults where neither says anything.
        assert_eq!(cfg.rooms, 1);
        assert!(!cfg.audio_only && !cfg.video_only);
        assert!(
            ScenarioConfig::resolve(Scenario::AudioOnly, Options::default())
                .unwrap()
                .audio_only
        );
    }

    #[test]
    fn a_limit_on_the_time_in_the_hub_needs_the_hubs_metrics() {
        let o = parse_scenario_toml("max_hub_p99_ms = 10.0\n").unwrap();
        let e = ScenarioConfig::resolve(Scenario::Ramp, o).unwrap_err();
        assert!(e.to_string().contains("hub-metrics"), "{e}");
        let o = parse_scenario_toml(
            "max_hub_p99_ms = 10.0\nhub_metrics = \"http://127.0.0.1:9464/metrics\"\n",
        )
        .unwrap();
        let cfg = ScenarioConfig::resolve(Scenario::Ramp, o).unwrap();
        assert_eq!(cfg.ramp.max_hub_p99_ms, Some(10.0));
    }

    #[test]
    fn audio_only_and_video_only_together_are_refused() {
        let o = parse_scenario_toml("audio_only = true\nvideo_only = true\n").unwrap();
        let e = ScenarioConfig::resolve(Scenario::Meeting, o).unwrap_err();
        assert!(e.to_string().contains("video-only"), "{e}");
    }

    #[test]
    fn bad_files_say_what_is_wrong() {
        let unknown = parse_scenario_toml("publishers = 2\nspeakers = 3\n").unwrap_err();
        assert!(unknown.contains("speakers"), "{unknown}");
        let wrong_type = parse_scenario_toml("publishers = \"many\"\n").unwrap_err();
        assert!(wrong_type.contains("publishers"), "{wrong_type}");
        let bad_impair = parse_scenario_toml("impair = \"drop=200%\"\n").unwrap_err();
        assert!(bad_impair.contains("impair"), "{bad_impair}");
        let syntax = parse_scenario_toml("rooms = = 1").unwrap_err();
        assert!(syntax.contains("line 1"), "{syntax}");
        let missing = read_scenario_file(Path::new("/nonexistent/x.toml")).unwrap_err();
        assert!(missing.to_string().contains("/nonexistent/x.toml"));
    }

    #[test]
    fn janus_is_measured_on_its_own_pid_and_rooms() {
        let o = parse_scenario_toml(
            "target = \"govhub\"\ncompare = \"janus\"\nhub_pid = 10\njanus_pid = 20\nbind_ip = \"127.0.0.2\"\n",
        )
        .unwrap();
        let cfg = ScenarioConfig::resolve(Scenario::Meeting, o).unwrap();
        assert_eq!(cfg.server_pid(), Some(10));
        assert_eq!(cfg.bind_ip.to_string(), "127.0.0.2");
        let janus = cfg.for_target(Target::Janus);
        assert_eq!((janus.server_pid(), janus.compare), (Some(20), None));
        assert!(janus.room_prefix.ends_with("-janus"));
        assert_eq!(janus.janus_url, "ws://127.0.0.1:8188");
        let same = Options {
            compare: Some(Target::Govhub),
            ..Default::default()
        };
        assert!(ScenarioConfig::resolve(Scenario::Meeting, same).is_err());
        // The same impairment applies to either target (a relay per connection).
        let impaired = parse_scenario_toml("target = \"janus\"\nimpair = \"drop=1%\"\n").unwrap();
        let resolved = ScenarioConfig::resolve(Scenario::Meeting, impaired).unwrap();
        assert!(resolved.impair.is_some());
    }

    #[test]
    fn refuses_impossible_runs() {
        let zero = Options {
            publishers: Some(0),
            ..Default::default()
        };
        assert!(ScenarioConfig::resolve(Scenario::Meeting, zero).is_err());
        let other = parse_scenario_toml("scenario = \"ramp\"\n").unwrap();
        let err = ScenarioConfig::resolve(Scenario::Churn, other)
            .unwrap_err()
            .to_string();
        assert!(err.contains("ramp") && err.contains("churn"), "{err}");
        let step = Options {
            ramp_step: Some(0),
            ..Default::default()
        };
        assert!(ScenarioConfig::resolve(Scenario::Ramp, step).is_err());
    }
}
