//! Shared by the integration tests: start the real `govhub` binary on free ports and find
//! out where it listens from the one `govhub ready:` line it prints.
#![allow(dead_code)]

pub mod browser;
pub mod http;

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// A running hub; killed when dropped.
pub struct Hub {
    pub child: Child,
    /// e.g. `http://127.0.0.1:43123`
    pub http: String,
    pub media: SocketAddr,
    /// `http://…/metrics` when started with `--metrics-listen`.
    pub metrics: Option<String>,
    pub data_dir: PathBuf,
}

impl Drop for Hub {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}

pub fn govhub_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_govhub"))
}

/// Starts `govhub serve` on 127.0.0.1 with OS-chosen ports and a fresh data directory.
pub fn spawn_hub(extra: &[&str]) -> Hub {
    let data_dir = std::env::temp_dir().join(format!(
        "govhub-test-{}-{}",
        std::process::id(),
        rand_suffix()
    ));
    std::fs::create_dir_all(&data_dir).expect("create data dir");
    let mut child = Command::new(govhub_bin())
        .arg("serve")
        .args(["--listen", "127.0.0.1:0", "--media-listen", "127.0.0.1:0"])
        .arg("--data-dir")
        .arg(&data_dir)
        // Tests make their own data; a test that wants the demo passes `--demo true`.
        .args(if extra.contains(&"--demo") {
            &[][..]
        } else {
            &["--demo", "false"][..]
        })
        .args(extra)
        .env(
            "RUST_LOG",
            std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".into()),
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start govhub");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(rest) = line.strip_prefix("govhub ready: ") {
                let _ = tx.send(rest.to_owned());
            }
        }
    });
    let ready = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("govhub printed no ready line");
    let (http, media, metrics) = parse_ready(&ready);
    Hub {
        child,
        http,
        media,
        metrics,
        data_dir,
    }
}

/// `http://127.0.0.1:43123 (media udp 127.0.0.1:51234)`, with ` (metrics
/// http://127.0.0.1:9464/metrics)` after it when metrics are served → parts.
fn parse_ready(line: &str) -> (String, SocketAddr, Option<String>) {
    let (http, rest) = line.split_once(' ').expect("ready line has two parts");
    let (media, metrics) = match rest.split_once(") (metrics ") {
        Some((media, metrics)) => (media, Some(metrics.trim_end_matches(')').to_owned())),
        None => (rest.trim_end_matches(')'), None),
    };
    let media = media
        .trim_start_matches("(media udp ")
        .parse()
        .expect("media address");
    (http.to_owned(), media, metrics)
}

fn rand_suffix() -> u64 {
    use std::time::{SystemTime, UNIX_EPOCH};
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos() as u64)
        .unwrap_or(0)
}

/// Skip (loudly) or, under `GOVHUB_REQUIRE_ALL=1`, fail when a prerequisite is missing.
/// Returns true when the caller should skip.
pub fn skip_unless(available: bool, what: &str) -> bool {
    if available {
        return false;
    }
    if std::env::var("GOVHUB_REQUIRE_ALL").as_deref() == Ok("1") {
        panic!("GOVHUB_REQUIRE_ALL=1 but {what} is not available");
    }
    eprintln!("SKIPPED: {what} is not available (set GOVHUB_REQUIRE_ALL=1 to make this a failure)");
    true
}
