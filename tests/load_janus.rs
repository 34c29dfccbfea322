//! `govhub-load` side by side with Janus, end to end: a tiny `meeting` (2 publishers, 1
//! viewer, a few seconds) runs against the real `govhub` binary and then against Janus 1.1
//! (Debian's `janus`, started by `loadtests/janus/setup.sh`) with `compare = "janus"`, and
//! the side-by-side report must hold Janus's own figures with media received — not speed.
//! Both runs go through the client-side impairment (a relay per connection dropping 3 %),
//! and each must show packets lost to it.
//!
//! Janus gathers no ICE candidate on an interface flagged loopback, so the run happens in a
//! network namespace of its own with a veth holding 127.0.0.2 (still no address outside
//! 127.0.0.0/8): the test re-runs itself inside `unshare -n`, where it takes the other half,
//! `in_namespace`. It skips with a loud reason when Janus, `unshare` or `ip` are missing (or
//! namespaces are not allowed), and fails instead under `GOVHUB_REQUIRE_ALL=1`.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use loadtests::compare::Comparison;
use loadtests::{Scenario, ScenarioConfig};

/// Set (to the working directory) in the child that runs inside the namespace.
const CHILD_ENV: &str = "GOVHUB_JANUS_NETNS_DIR";

fn setup_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("loadtests/janus/setup.sh")
}

fn works(cmd: &str, args: &[&str]) -> bool {
    Command::new(cmd)
        .args(args)
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn side_by_side_with_janus_in_a_namespace() {
    if let Some(dir) = std::env::var_os(CHILD_ENV) {
        return in_namespace(PathBuf::from(dir));
    }
    // `janus --version` exits 1; being on PATH is what counts.
    let janus = works("sh", &["-c", "command -v janus"]);
    if common::skip_unless(
        janus,
        "Janus (Debian's `janus` package; loadtests/janus/setup.sh install)",
    ) {
        return;
    }
    let netns = works("unshare", &["-n", "ip", "link", "set", "lo", "up"]);
    if common::skip_unless(
        netns,
        "a network namespace (`unshare -n` as root, with iproute2)",
    ) {
        return;
    }
    let dir = std::env::temp_dir().join(format!("govhub-load-janus-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("work dir");
    let status = Command::new("unshare")
        .args(["-n", "--"])
        .arg(std::env::current_exe().expect("this test binary"))
        .args([
            "--exact",
            "side_by_side_with_janus_in_a_namespace",
            "--nocapture",
        ])
        .env(CHILD_ENV, &dir)
        .status()
        .expect("run the namespace half");
    let json = std::fs::read_to_string(dir.join("compare.json"));
    let _ = std::fs::remove_dir_all(&dir);
    assert!(status.success(), "the run inside the namespace failed");
    let json: serde_json::Value =
        serde_json::from_str(&json.expect("the report was written")).expect("report JSON parses");
    check(&json);
}

/// What the side-by-side JSON must hold: both targets, each with media and its own server.
fn check(json: &serde_json::Value) {
    assert_eq!(json["targets"], serde_json::json!(["govhub", "janus"]));
    for (i, target) in ["govhub", "janus"].into_iter().enumerate() {
        let r = &json["reports"][i];
        assert_eq!(r["target"], target);
        assert_eq!(
            r["join"]["joined"], 3,
            "{target}: {}",
            r["join"]["failures"]
        );
        let m = &r["media"];
        assert!(
            m["forwarded_packets"].as_u64().unwrap_or(0) > 0,
            "{target}: no media"
        );
        assert!(m["latency_us"]["samples"].as_u64().unwrap_or(0) > 0);
        assert_eq!(
            m["tracks_received"], m["tracks_expected"],
            "{target}: every expected track delivers"
        );
        assert_eq!(m["tracks_expected"], 8);
        // The relay was in the path of every connection: packets went missing on their way.
        assert!(
            m["lost_before_rtx_packets"].as_u64().unwrap_or(0) > 0,
            "{target}: no packet lost to the impairment: {m:#}"
        );
        for p in r["participants"].as_array().expect("participants") {
            assert_eq!(
                p["hub_errors"],
                serde_json::json!([]),
                "{target}: {}",
                p["name"]
            );
        }
        assert!(
            r["hub"]["cpu_us_per_packet"]
                .as_f64()
                .is_some_and(|v| v > 0.0),
            "{target}: its server process was sampled"
        );
        assert!(r["hub"]["rss_peak_kib"].as_u64().is_some());
    }
    // Janus was measured on its own process, not govhub's.
    assert_ne!(
        json["reports"][0]["hub"]["pid"],
        json["reports"][1]["hub"]["pid"]
    );
    assert!(
        json["ratios"]["cpu_us_per_packet"]
            .as_f64()
            .is_some_and(|r| r > 0.0)
    );
    assert!(json["ratios"]["latency_p50"].as_f64().is_some());
    let rows = json["rows"].as_array().expect("rows");
    assert!(
        rows.iter()
            .any(|r| r["metric"] == "server CPU per forwarded packet")
    );
}

/// Stops the Janus this test started, however the test ends.
struct JanusGuard(PathBuf);

impl Drop for JanusGuard {
    fn drop(&mut self) {
        let _ = Command::new("bash")
            .arg(setup_script())
            .args(["stop", "--dir"])
            .arg(&self.0)
            .status();
    }
}

fn script(args: &[&str], dir: &Path) -> String {
    let out = Command::new("bash")
        .arg(setup_script())
        .args(args)
        .arg("--dir")
        .arg(dir)
        .output()
        .expect("run setup.sh");
    eprint!("{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "setup.sh {args:?} failed");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// The half of the test that runs inside the namespace (the same test binary, re-run by
/// the outer half with `CHILD_ENV` naming the work directory).
fn in_namespace(dir: PathBuf) {
    let janus_dir = dir.join("janus");
    let iface = script(&["netns"], &janus_dir);
    let janus_pid = script(&["start", "--iface", &iface], &janus_dir);
    let _guard = JanusGuard(janus_dir.clone());
    let hub = common::spawn_hub(&["--dev-open-join"]);
    let toml = format!(
        "url = \"{}\"\nhub_pid = {}\ncompare = \"janus\"\njanus_pid = {janus_pid}\n\
         bind_ip = \"127.0.0.2\"\nrooms = 1\npublishers = 2\nsubscribers = 1\nduration = 2.5\n\
         ramp = 0.5\nseed = 7\nroom_prefix = \"load-janus\"\ntiles = \"small=1,large=1\"\n\
         # Both servers behind the same client-side relays, dropping 3% each way.\n\
         impair = \"drop=3%\"\n\
         # A liveness bound for media to start on a slow CI machine, not a speed check.\n\
         warmup_timeout = 30.0\n",
        hub.http,
        hub.child.id()
    );
    let options = loadtests::config::parse_scenario_toml(&toml).expect("valid TOML");
    let cfg = ScenarioConfig::resolve(Scenario::Meeting, options).expect("valid scenario");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let c: Comparison = runtime
        .block_on(loadtests::compare::run(&cfg))
        .expect("both runs");
    eprintln!("{}", c.table());
    let page = c.html();
    assert!(page.contains("<h2>janus</h2>") && !page.contains("<script"));
    std::fs::write(
        dir.join("compare.json"),
        serde_json::to_string_pretty(&c).expect("serialises"),
    )
    .expect("write the report");
}
