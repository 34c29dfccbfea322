//! `govhub-load`: synthetic participants against a running hub. Subcommands:
//! - `meeting`: R rooms of N publishers and M receive-only participants; prints a summary
//!   table and writes the JSON report (see `docs/benchmarks.md`).
//! - `smoke`: N participants join one room for a while; a JSON dump of what each received.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand};
use loadtests::{
    MediaOptions, MeetingConfig, Participant, ParticipantOptions, ParticipantStats, run_meeting,
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

#[derive(Subcommand)]
enum Command {
    /// R rooms, each with N publishers (audio + simulcast video) and M viewers.
    Meeting {
        #[arg(long, default_value = "http://127.0.0.1:8080", env = "GOVHUB_LOAD_URL")]
        url: String,
        #[arg(long, default_value_t = 1)]
        rooms: usize,
        /// Publishing participants per room.
        #[arg(long, default_value_t = 2)]
        publishers: usize,
        /// Receive-only participants per room.
        #[arg(long, default_value_t = 0)]
        subscribers: usize,
        /// Seconds of the measured window.
        #[arg(long, default_value_t = 10.0)]
        duration: f64,
        /// Seconds over which joins are spread.
        #[arg(long, default_value_t = 2.0)]
        ramp: f64,
        /// Longest wait in seconds for every expected track to flow before measuring.
        #[arg(long, default_value_t = 20.0)]
        warmup_timeout: f64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Send one video layer instead of three simulcast layers.
        #[arg(long)]
        no_simulcast: bool,
        /// The hub's process id: sample its CPU time and RSS from /proc.
        #[arg(long)]
        hub_pid: Option<u32>,
        /// Room names are `<prefix>-<n>`; defaults to `load-<unix seconds>`.
        #[arg(long)]
        room_prefix: Option<String>,
        /// Write the JSON report here.
        #[arg(long)]
        json: Option<PathBuf>,
    },
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

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match Cli::parse().command {
        Command::Meeting {
            url,
            rooms,
            publishers,
            subscribers,
            duration,
            ramp,
            warmup_timeout,
            seed,
            no_simulcast,
            hub_pid,
            room_prefix,
            json,
        } => {
            let unix = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs());
            let cfg = MeetingConfig {
                url,
                rooms,
                publishers,
                subscribers,
                duration_s: duration,
                ramp_s: ramp,
                warmup_timeout_s: warmup_timeout,
                seed,
                simulcast: !no_simulcast,
                hub_pid,
                room_prefix: room_prefix.unwrap_or_else(|| format!("load-{unix}")),
            };
            let report = run_meeting(&cfg).await?;
            if let Some(path) = json {
                std::fs::write(&path, serde_json::to_string_pretty(&report)?)
                    .with_context(|| format!("write {}", path.display()))?;
            }
            print!("{}", report.table());
        }
        Command::Smoke {
            url,
            room,
            participants,
            duration,
            no_simulcast,
            seed,
            json,
        } => {
            let mut joined = Vec::new();
            for i in 0..participants {
                let media = MediaOptions {
                    simulcast: !no_simulcast,
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
                std::fs::write(&path, &text)
                    .with_context(|| format!("write {}", path.display()))?;
            }
            println!("{text}");
        }
    }
    Ok(())
}
