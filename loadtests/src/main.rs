//! `govhub-load`: synthetic participants against a running hub. Subcommands:
//! - `meeting`, `hearing`, `audio-only`, `churn`, `ramp`: the scenarios (see
//!   `docs/benchmarks.md`), all with the same options, also readable from
//!   `--scenario-file x.toml` (flags win). Prints a summary table; `--json` and `--html`
//!   write the report.
//!   `--target janus` runs them against Janus, `--compare janus` against both, side by side.
//! - `api`: directory searches, task moves and memo reads at `--rate` requests per second
//!   (see `loadtests::api_load`).
//! - `smoke`: N participants join one room for a while; a JSON dump of what each received.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand};
use loadtests::config::read_scenario_file;
use loadtests::{
    MediaOptions, Options, Participant, ParticipantOptions, ParticipantStats, Scenario,
    ScenarioConfig, run_scenario,
};
use serde::Serialize;

#[derive(Parser)]
#[command(
    name = "govhub-load",
    about = "Synthetic WebRTC participants for govhub"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// What every scenario takes.
#[derive(clap::Args)]
struct ScenarioArgs {
    #[command(flatten)]
    options: Options,
    /// A TOML file with the same fields as these options (e.g. `publishers = 3`).
    #[arg(long)]
    scenario_file: Option<PathBuf>,
    /// Write the JSON report here.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Write a self-contained HTML report with plots here.
    #[arg(long)]
    html: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// R rooms, each with N publishers (audio + simulcast video) and M viewers.
    Meeting(ScenarioArgs),
    /// A few publishers and hundreds of viewers, mostly on small tiles.
    Hearing(ScenarioArgs),
    /// Large rooms of audio-only publishers.
    AudioOnly(ScenarioArgs),
    /// A meeting while viewers join and leave at `--churn-rate` per second.
    Churn(ScenarioArgs),
    /// Viewers added step by step until loss or p99 latency passes its limit.
    Ramp(ScenarioArgs),
    /// The workspace API at a target rate: directory search, task moves, memo reads.
    Api(ApiArgs),
    /// N participants in one room for a few seconds; prints and optionally saves a summary.
    Smoke {
        #[arg(long, default_value = "http://127.0.0.1:8080", env = "GOVHUB_LOAD_URL")]
        url: String,
        #[arg(long, default_value = "load-smoke")]
        room: String,
        #[arg(long, default_value_t = 2)]
        participants: usize,
        /// Seconds of media after everyone joined.
        #[arg(long, default_value_t = 5)]
        duration: u64,
        /// Send one video layer instead of three simulcast layers.
        #[arg(long)]
        no_simulcast: bool,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Write the summary as JSON here.
        #[arg(long)]
        json: Option<PathBuf>,
    },
}

#[derive(clap::Args)]
struct ApiArgs {
    #[command(flatten)]
    config: loadtests::api_load::ApiLoadConfig,
    /// Write the JSON report here.
    #[arg(long)]
    json: Option<PathBuf>,
}

#[derive(Serialize)]
struct Summary {
    participant: String,
    name: String,
    connected_ms: Option<u64>,
    tracks: Vec<TrackSummary>,
    stats: ParticipantStats,
}

#[derive(Serialize)]
struct TrackSummary {
    track: String,
    packets: u64,
    keyframes: u64,
    lost: u64,
    latency_p50_us: Option<u32>,
    latency_p99_us: Option<u32>,
}

fn summarize(stats: ParticipantStats) -> Summary {
    let tracks = stats
        .received
        .iter()
        .map(|(k, t)| TrackSummary {
            track: k.clone(),
            packets: t.packets,
            keyframes: t.keyframes,
            lost: t.lost,
            latency_p50_us: t.latency_percentile_us(50.0),
            latency_p99_us: t.latency_percentile_us(99.0),
        })
        .collect();
    Summary {
        participant: stats
            .participant
            .as_ref()
            .map(|p| p.0.clone())
            .unwrap_or_default(),
        name: stats.name.clone(),
        connected_ms: stats.connected_ms,
        tracks,
        stats,
    }
}

/// With one CPU to run on (`taskset -c 1 govhub-load …`, the benchmark set-up) the
/// participants run on a current-thread runtime: a multi-thread one gains nothing there and
/// adds a worker hand-off to every wake-up. That cost ~17 % of the generator's CPU in
/// `hearing` 3 × 100 — and, on loopback, of the hub's, which pays for waking the receiving
/// thread of every datagram it sends (docs/benchmarks.md, 2026-11-29 (night)). With more
/// CPUs, a multi-thread runtime spreads the participants over them.
fn main() -> anyhow::Result<()> {
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let runtime = if cpus == 1 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?
    };
    runtime.block_on(main_async())
}

async fn main_async() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
                // webrtc-rs warns for every SRTP packet that beats the DTLS handshake, which
                // impairment makes common; those are counted as loss where they matter.
                "warn,rtc::peer_connection::handler=error".into()
            }),
        )
        .with_writer(std::io::stderr)
        .init();
    let (scenario, args) = match Cli::parse().command {
        Command::Meeting(a) => (Scenario::Meeting, a),
        Command::Hearing(a) => (Scenario::Hearing, a),
        Command::AudioOnly(a) => (Scenario::AudioOnly, a),
        Command::Churn(a) => (Scenario::Churn, a),
        Command::Ramp(a) => (Scenario::Ramp, a),
        Command::Smoke {
            url,
            room,
            participants,
            duration,
            no_simulcast,
            seed,
            json,
        } => return smoke(url, room, participants, duration, !no_simulcast, seed, json).await,
        Command::Api(a) => return api(a).await,
    };
    run(scenario, args).await
}

async fn api(a: ApiArgs) -> anyhow::Result<()> {
    let report = loadtests::api_load::run_api_load(&a.config).await?;
    print!("{}", report.table());
    if let Some(path) = a.json {
        let text = serde_json::to_string_pretty(&report)?;
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

async fn run(scenario: Scenario, args: ScenarioArgs) -> anyhow::Result<()> {
    let mut options = args.options;
    if options.url.is_none() {
        options.url = std::env::var("GOVHUB_LOAD_URL").ok();
    }
    if let Some(path) = &args.scenario_file {
        options = options.or(read_scenario_file(path)?);
    }
    let cfg = ScenarioConfig::resolve(scenario, options)?;
    if cfg.compare.is_some() {
        let c = loadtests::compare::run(&cfg).await?;
        return write_reports(&args.json, &args.html, &c, || c.html(), c.table());
    }
    let report = run_scenario(&cfg).await?;
    write_reports(
        &args.json,
        &args.html,
        &report,
        || loadtests::html::render(&report),
        report.table(),
    )
}

/// Writes the JSON and HTML files asked for, then prints the summary.
fn write_reports(
    json: &Option<PathBuf>,
    html: &Option<PathBuf>,
    value: &impl Serialize,
    page: impl FnOnce() -> String,
    table: String,
) -> anyhow::Result<()> {
    if let Some(path) = json {
        std::fs::write(path, serde_json::to_string_pretty(value)?)
            .with_context(|| format!("write {}", path.display()))?;
    }
    if let Some(path) = html {
        std::fs::write(path, page()).with_context(|| format!("write {}", path.display()))?;
    }
    print!("{table}");
    Ok(())
}

async fn smoke(
    url: String,
    room: String,
    participants: usize,
    duration: u64,
    simulcast: bool,
    seed: u64,
    json: Option<PathBuf>,
) -> anyhow::Result<()> {
    let mut joined = Vec::new();
    for i in 0..participants {
        let media = MediaOptions {
            simulcast,
            seed: seed.wrapping_add(i as u64),
            ..Default::default()
        };
        let opts = ParticipantOptions {
            media,
            ..Default::default()
        };
        let p = Participant::join(&url, &room, &format!("load-{i}"), opts)
            .await
            .with_context(|| format!("participant {i} join"))?;
        joined.push(p);
    }
    tokio::time::sleep(Duration::from_secs(duration)).await;
    let summaries: Vec<Summary> = joined.iter().map(|p| summarize(p.stats())).collect();
    for p in joined {
        p.leave().await?;
    }
    let text = serde_json::to_string_pretty(&summaries)?;
    if let Some(path) = json {
        std::fs::write(&path, &text).with_context(|| format!("write {}", path.display()))?;
    }
    println!("{text}");
    Ok(())
}
