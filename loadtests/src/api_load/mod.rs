//! `govhub-load api`: the workspace API at a target request rate — directory searches, task
//! moves and memo reads, in a configurable mix — with latency percentiles, errors and the
//! hub's CPU.
//!
//! The load is open-loop: requests are scheduled at fixed intervals from the start, and each
//! one's latency is measured from when it was *due*, not from when a free connection picked
//! it up, so a hub that falls behind shows it in the percentiles instead of quietly getting
//! fewer requests (no coordinated omission). At most `concurrency` requests are in flight;
//! requests that wait for one are counted as queued (the hub is slower than the rate needs).
//! A request the generator's own timer sent more than [`LATE_MS`] after it was due is a late
//! start, and a run with more than 1 % late starts is marked invalid: the generator, not the
//! hub, was the limit.
//!
//! Set-up, as the given account (a system administrator on a demo hub by default): a
//! bearer token with the scopes the run needs, search queries made from the directory
//! (two-syllable partials, initial consonants, full names, English names), one project led
//! by the first agency with `tasks` tasks, and `memos` memos. The project and memos stay on
//! the hub, named `govhub-load <unix seconds>`, like the rooms of the media scenarios.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reqwest::{Client, StatusCode};
use serde::Serialize;
use tokio::sync::{Mutex, Semaphore};

use crate::procfs;
use crate::report::Percentiles;

mod setup;

pub use setup::queries_from;
use setup::set_up;

/// A request that waited longer than this for a free connection started late.
pub const LATE_MS: f64 = 10.0;

/// The three kinds of request and their shares of the load.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    /// `GET /employees?q=…&limit=20`.
    Search,
    /// `GET /tasks/{id}` for the ETag, then `POST /tasks/{id}/move` to the next column.
    TaskMove,
    /// `GET /memos/{id}`.
    MemoRead,
}

impl Op {
    pub fn name(self) -> &'static str {
        match self {
            Op::Search => "search",
            Op::TaskMove => "task_move",
            Op::MemoRead => "memo_read",
        }
    }
}

/// Shares of each operation, e.g. `search=70,task=20,memo=10`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Mix(pub Vec<(Op, u32)>);

impl Default for Mix {
    fn default() -> Self {
        Mix(vec![
            (Op::Search, 70),
            (Op::TaskMove, 20),
            (Op::MemoRead, 10),
        ])
    }
}

impl std::str::FromStr for Mix {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let mut out: Vec<(Op, u32)> = Vec::new();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (k, v) = part
                .split_once('=')
                .ok_or_else(|| format!("`{part}`: expected name=weight"))?;
            let op = match k.trim() {
                "search" => Op::Search,
                "task" | "task_move" => Op::TaskMove,
                "memo" | "memo_read" => Op::MemoRead,
                other => return Err(format!("unknown operation `{other}` (search, task, memo)")),
            };
            let w: u32 = v
                .trim()
                .parse()
                .map_err(|_| format!("`{part}`: the weight must be a whole number"))?;
            if out.iter().any(|(o, _)| *o == op) {
                return Err(format!("`{}` given twice", op.name()));
            }
            out.push((op, w));
        }
        if out.iter().map(|(_, w)| w).sum::<u32>() == 0 {
            return Err("the weights add up to 0".into());
        }
        Ok(Mix(out))
    }
}

impl Mix {
    /// The operation for a uniform draw in `0..total weight`.
    fn pick(&self, mut draw: u32) -> Op {
        for &(op, w) in &self.0 {
            if draw < w {
                return op;
            }
            draw -= w;
        }
        self.0.last().expect("a non-empty mix").0
    }

    fn total(&self) -> u32 {
        self.0.iter().map(|(_, w)| w).sum()
    }
}

/// Everything an API run is told; also the options of `govhub-load api`.
#[derive(Debug, Clone, Serialize, clap::Args)]
pub struct ApiLoadConfig {
    /// The hub, e.g. `http://127.0.0.1:8080`.
    #[arg(long, default_value = "http://127.0.0.1:8080", env = "GOVHUB_LOAD_URL")]
    pub url: String,
    /// The account the requests run as (the demo hub's administrator by default).
    #[arg(long, default_value = "admin")]
    pub login: String,
    #[arg(
        long,
        default_value = "govhub-demo-admin",
        env = "GOVHUB_LOAD_PASSWORD"
    )]
    #[serde(skip)]
    pub password: String,
    /// Requests per second, every operation together.
    #[arg(long, default_value_t = 200.0)]
    pub rate: f64,
    /// Seconds of the measured window.
    #[arg(long, default_value_t = 20.0)]
    pub duration: f64,
    /// Most requests in flight (HTTP/1.1 keep-alive connections).
    #[arg(long, default_value_t = 32)]
    pub concurrency: usize,
    /// Shares of the operations, e.g. `search=70,task=20,memo=10`.
    #[arg(long, default_value = "search=70,task=20,memo=10")]
    pub mix: Mix,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// The hub's process id: its CPU time per request.
    #[arg(long)]
    pub hub_pid: Option<u32>,
    /// Tasks made at set-up and moved during the run.
    #[arg(long, default_value_t = 50)]
    pub tasks: usize,
    /// Memos made at set-up and read during the run.
    #[arg(long, default_value_t = 50)]
    pub memos: usize,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct OpReport {
    pub requests: u64,
    pub ok: u64,
    /// 412: another request moved the same task first (expected under concurrency; the
    /// next move of that task uses the new ETag).
    pub conflicts: u64,
    pub errors: u64,
    /// Latency from when the request was due, in microseconds.
    pub latency_us: Percentiles,
}

#[derive(Debug, Clone, Serialize)]
pub struct ApiReport {
    pub scenario: &'static str,
    pub config: ApiLoadConfig,
    pub valid: bool,
    pub warnings: Vec<String>,
    pub window_s: f64,
    pub scheduled: u64,
    pub completed: u64,
    pub achieved_rate: f64,
    /// Requests whose due time the generator's timer missed by over [`LATE_MS`].
    pub late_starts: u64,
    /// Requests that waited for a free connection (all `concurrency` busy).
    pub queued: u64,
    pub ops: BTreeMap<&'static str, OpReport>,
    pub all: OpReport,
    /// Error answers by status (or `transport` for a failed connection), with one example.
    pub errors: BTreeMap<String, ErrorSample>,
    pub hub_cpu_s: Option<f64>,
    pub hub_cpu_cores: Option<f64>,
    pub hub_cpu_us_per_request: Option<f64>,
    pub generator_cpu_cores: Option<f64>,
    pub load_average: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ErrorSample {
    pub count: u64,
    pub example: String,
}

/// What the set-up leaves for the requests.
struct World {
    http: Client,
    base: String,
    bearer: String,
    queries: Vec<String>,
    memos: Vec<i64>,
    /// Task id, its ETag and column; the board's column keys.
    tasks: Vec<Mutex<(i64, String, usize)>>,
    columns: Vec<String>,
}

struct Outcome {
    op: Op,
    due: Instant,
    done: Instant,
    result: Result<StatusCode, String>,
    body: String,
}

pub async fn run_api_load(cfg: &ApiLoadConfig) -> anyhow::Result<ApiReport> {
    let positive = |x: f64| x.is_finite() && x > 0.0;
    if !positive(cfg.rate) || !positive(cfg.duration) || cfg.concurrency == 0 {
        bail!("rate, duration and concurrency must be positive");
    }
    let world = Arc::new(set_up(cfg).await.context("setting up the API run")?);
    let mut rng = StdRng::seed_from_u64(cfg.seed);
    let total = cfg.mix.total();
    let interval = Duration::from_secs_f64(1.0 / cfg.rate);
    let count = (cfg.rate * cfg.duration).round().max(1.0) as u64;
    let permits = Arc::new(Semaphore::new(cfg.concurrency));
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Outcome>();
    let hub_pid = cfg.hub_pid.map(|p| p.to_string());
    let own_pid = std::process::id().to_string();
    let ticks = procfs::clock_ticks_per_s();
    let hub_cpu_0 = hub_pid.as_deref().and_then(procfs::cpu_ticks);
    let own_cpu_0 = procfs::cpu_ticks(&own_pid);
    let start = Instant::now();
    let mut late = 0u64;
    let mut queued = 0u64;
    for i in 0..count {
        let due = start + interval.mul_f64(i as f64);
        tokio::time::sleep_until(due.into()).await;
        let op = cfg.mix.pick(rng.random_range(0..total));
        let pick = rng.random::<u32>() as usize;
        if due.elapsed().as_secs_f64() * 1e3 > LATE_MS {
            // The generator's own timer was late (queueing for a connection is not this).
            late += 1;
        }
        let permit = match Arc::clone(&permits).try_acquire_owned() {
            Ok(p) => p,
            Err(_) => {
                queued += 1;
                Arc::clone(&permits).acquire_owned().await?
            }
        };
        let world = Arc::clone(&world);
        let tx = tx.clone();
        tokio::spawn(async move {
            let (result, body) = world.request(op, pick).await;
            let _ = tx.send(Outcome {
                op,
                due,
                done: Instant::now(),
                result,
                body,
            });
            drop(permit);
        });
    }
    drop(tx);
    let mut outcomes = Vec::with_capacity(count as usize);
    while let Some(o) = rx.recv().await {
        outcomes.push(o);
    }
    let window_s = start.elapsed().as_secs_f64();
    let cpu = |a: Option<u64>, b: Option<u64>| match (a, b) {
        (Some(a), Some(b)) if ticks > 0 => Some(b.saturating_sub(a) as f64 / ticks as f64),
        _ => None,
    };
    let hub_cpu_s = cpu(hub_cpu_0, hub_pid.as_deref().and_then(procfs::cpu_ticks));
    let own_cpu_s = cpu(own_cpu_0, procfs::cpu_ticks(&own_pid));
    let mut report = assemble(cfg, outcomes, count, late, window_s, hub_cpu_s, own_cpu_s);
    report.queued = queued;
    if queued > 0 {
        report.warnings.push(format!(
            "{queued} requests waited for one of the {} connections: the hub answered slower \
             than the rate needs (their wait is in the latencies)",
            cfg.concurrency
        ));
    }
    Ok(report)
}

fn assemble(
    cfg: &ApiLoadConfig,
    outcomes: Vec<Outcome>,
    scheduled: u64,
    late: u64,
    window_s: f64,
    hub_cpu_s: Option<f64>,
    own_cpu_s: Option<f64>,
) -> ApiReport {
    let mut per_op: BTreeMap<Op, (OpReport, Vec<u32>)> = BTreeMap::new();
    let mut all = (OpReport::default(), Vec::new());
    let mut errors: BTreeMap<String, ErrorSample> = BTreeMap::new();
    for o in &outcomes {
        let us = o
            .done
            .saturating_duration_since(o.due)
            .as_micros()
            .min(u128::from(u32::MAX)) as u32;
        for (r, lat) in [per_op.entry(o.op).or_default(), &mut all] {
            r.requests += 1;
            lat.push(us);
            match &o.result {
                Ok(s) if s.is_success() => r.ok += 1,
                Ok(s) if *s == StatusCode::PRECONDITION_FAILED => r.conflicts += 1,
                _ => r.errors += 1,
            }
        }
        let key = match &o.result {
            Ok(s) if s.is_success() || *s == StatusCode::PRECONDITION_FAILED => continue,
            Ok(s) => format!("{} {}", o.op.name(), s.as_u16()),
            Err(_) => format!("{} transport", o.op.name()),
        };
        let e = errors.entry(key).or_insert_with(|| ErrorSample {
            count: 0,
            example: match &o.result {
                Err(e) => e.clone(),
                Ok(_) => o.body.chars().take(300).collect(),
            },
        });
        e.count += 1;
    }
    let finish = |(mut r, lat): (OpReport, Vec<u32>)| {
        r.latency_us = Percentiles::of(&lat);
        r
    };
    let ops: BTreeMap<&'static str, OpReport> = per_op
        .into_iter()
        .map(|(op, v)| (op.name(), finish(v)))
        .collect();
    let all = finish(all);
    let mut warnings = Vec::new();
    let late_fraction = late as f64 / scheduled.max(1) as f64;
    let valid = late_fraction <= 0.01;
    if !valid {
        warnings.push(format!(
            "{late} of {scheduled} requests ({:.1} %) were sent over {LATE_MS} ms after they \
             were due: the generator waited for a CPU, so the run does not measure the hub",
            late_fraction * 100.0
        ));
    }
    if all.errors > 0 {
        warnings.push(format!("{} requests failed", all.errors));
    }
    let load_average = procfs::load_avg_1m();
    ApiReport {
        scenario: "api",
        config: cfg.clone(),
        valid,
        warnings,
        window_s,
        scheduled,
        completed: outcomes.len() as u64,
        achieved_rate: outcomes.len() as f64 / window_s.max(1e-3),
        late_starts: late,
        queued: 0,
        hub_cpu_cores: hub_cpu_s.map(|c| c / window_s.max(1e-3)),
        hub_cpu_us_per_request: hub_cpu_s
            .filter(|_| !outcomes.is_empty())
            .map(|c| c * 1e6 / outcomes.len() as f64),
        hub_cpu_s,
        generator_cpu_cores: own_cpu_s.map(|c| c / window_s.max(1e-3)),
        load_average,
        ops,
        all,
        errors,
    }
}

impl ApiReport {
    /// The summary as the terminal shows it.
    pub fn table(&self) -> String {
        let ms = |v: Option<u32>| v.map_or("-".into(), |us| format!("{:.2}", f64::from(us) / 1e3));
        let mut out = format!(
            "api load: {:.0} req/s asked, {:.1} achieved over {:.1} s ({} requests, {} queued, {} late starts){}\n",
            self.config.rate,
            self.achieved_rate,
            self.window_s,
            self.completed,
            self.queued,
            self.late_starts,
            if self.valid { "" } else { " — INVALID" }
        );
        out.push_str(&format!(
            "{:<12} {:>8} {:>8} {:>9} {:>7} {:>9} {:>9} {:>9} {:>9}\n",
            "operation",
            "requests",
            "ok",
            "conflicts",
            "errors",
            "p50 ms",
            "p95 ms",
            "p99 ms",
            "max ms"
        ));
        let rows = self
            .ops
            .iter()
            .map(|(k, v)| (*k, v))
            .chain(std::iter::once(("all", &self.all)));
        for (name, r) in rows {
            out.push_str(&format!(
                "{:<12} {:>8} {:>8} {:>9} {:>7} {:>9} {:>9} {:>9} {:>9}\n",
                name,
                r.requests,
                r.ok,
                r.conflicts,
                r.errors,
                ms(r.latency_us.p50),
                ms(r.latency_us.p95),
                ms(r.latency_us.p99),
                ms(r.latency_us.max)
            ));
        }
        if let (Some(cores), Some(per)) = (self.hub_cpu_cores, self.hub_cpu_us_per_request) {
            out.push_str(&format!(
                "hub CPU {cores:.3} cores, {per:.0} µs per request\n"
            ));
        }
        if let Some(g) = self.generator_cpu_cores {
            out.push_str(&format!("generator CPU {g:.3} cores\n"));
        }
        for (k, e) in &self.errors {
            out.push_str(&format!("error {k}: {} × — {}\n", e.count, e.example));
        }
        for w in &self.warnings {
            out.push_str(&format!("warning: {w}\n"));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mix_parses_and_picks_by_weight() {
        let m: Mix = "search=3, memo=1".parse().unwrap();
        assert_eq!(m.0, vec![(Op::Search, 3), (Op::MemoRead, 1)]);
        assert_eq!(
            (0..4).map(|d| m.pick(d)).collect::<Vec<_>>(),
            [Op::Search, Op::Search, Op::Search, Op::MemoRead]
        );
        assert!("search=0".parse::<Mix>().is_err());
        assert!("search=1,search=2".parse::<Mix>().is_err());
        assert!("upload=1".parse::<Mix>().unwrap_err().contains("upload"));
        assert!("search".parse::<Mix>().is_err());
    }

    #[test]
    fn latency_counts_from_when_a_request_was_due() {
        let cfg = ApiLoadConfig {
            url: "http://127.0.0.1:1".into(),
            login: "admin".into(),
            password: String::new(),
            rate: 10.0,
            duration: 1.0,
            concurrency: 1,
            mix: Mix::default(),
            seed: 1,
            hub_pid: None,
            tasks: 1,
            memos: 1,
        };
        let t0 = Instant::now();
        let o = |op, due_ms: u64, took_ms: u64, result| Outcome {
            op,
            due: t0 + Duration::from_millis(due_ms),
            done: t0 + Duration::from_millis(due_ms + took_ms),
            result,
            body: "{\"code\":\"x\"}".into(),
        };
        let outcomes = vec![
            o(Op::Search, 0, 2, Ok(StatusCode::OK)),
            o(Op::Search, 100, 40, Ok(StatusCode::OK)),
            o(Op::TaskMove, 200, 5, Ok(StatusCode::PRECONDITION_FAILED)),
            o(Op::MemoRead, 300, 3, Ok(StatusCode::NOT_FOUND)),
            o(Op::MemoRead, 400, 3, Err("refused".into())),
        ];
        let r = assemble(&cfg, outcomes, 5, 0, 1.0, Some(0.5), None);
        assert_eq!(r.all.requests, 5);
        assert_eq!((r.all.ok, r.all.conflicts, r.all.errors), (2, 1, 2));
        assert_eq!(r.ops["search"].latency_us.max, Some(40_000));
        assert_eq!(r.errors["memo_read 404"].count, 1);
        assert_eq!(r.errors["memo_read transport"].example, "refused");
        assert_eq!(r.hub_cpu_us_per_request, Some(100_000.0));
        assert!(r.valid);
        let late = assemble(&cfg, Vec::new(), 100, 2, 1.0, None, None);
        assert!(!late.valid && late.warnings[0].contains("after they were due"));
        assert!(r.table().contains("memo_read"));
    }
}
