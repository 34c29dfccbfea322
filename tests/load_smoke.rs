//! The load tool end to end, in CI: scenarios of `govhub-load` (called as a library, not
//! through its CLI) against the real `govhub` binary — a `meeting` of 1 room, 2 publishers
//! and 1 viewer for a few seconds, and a 2-second `churn` of audio-only publishers. They
//! check that the report (JSON and HTML) is well formed, that every expected track arrived
//! and that the hub was sampled — never how fast. `govhub-load api` runs against a demo hub
//! for two seconds the same way.

mod common;

use loadtests::{Options, Report, Scenario, ScenarioConfig, run_scenario};

fn config(scenario: Scenario, http: &str, pid: u32, extra: &str) -> ScenarioConfig {
    let base = format!(
        "url = \"{http}\"\nhub_pid = {pid}\nrooms = 1\nramp = 0.5\nseed = 7\nroom_prefix = \"load-smoke\"\n\
         # A liveness bound for media to start on a slow CI machine, not a speed check.\n\
         warmup_timeout = 30.0\n{extra}"
    );
    let options: Options = loadtests::config::parse_scenario_toml(&base).expect("valid TOML");
    ScenarioConfig::resolve(scenario, options).expect("valid scenario")
}

fn check_json(report: &Report) {
    let json = serde_json::to_value(report).expect("report serialises");
    for key in [
        "scenario",
        "valid",
        "join",
        "media",
        "hub",
        "generator",
        "participants",
        "timeline",
        "samples",
    ] {
        assert!(
            json.get(key).is_some(),
            "report JSON lacks `{key}`: {json:#}"
        );
    }
    let back: serde_json::Value =
        serde_json::from_str(&serde_json::to_string(&json).expect("to text")).expect("parses");
    for key in [
        "loss_before_rtx_fraction",
        "jitter_us_mean",
        "feedback",
        "packets_by_layer",
    ] {
        assert!(back["media"].get(key).is_some(), "media lacks `{key}`");
    }
    let page = loadtests::html::render(report);
    assert!(page.contains("<svg") && !page.contains("<script"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn meeting_scenario_reports_every_expected_track() {
    let hub = common::spawn_hub(&["--dev-open-join", "--metrics-listen", "127.0.0.1:0"]);
    let metrics = hub.metrics.clone().expect("the hub serves metrics");
    // Two viewers' worth of tiles: one small, one large, so more than one layer is used.
    let extra = format!(
        "publishers = 2\nsubscribers = 1\nduration = 3.0\ntiles = \"small=1,large=1\"\n\
         hub_metrics = \"{metrics}\"\n"
    );
    let report = run_scenario(&config(
        Scenario::Meeting,
        &hub.http,
        hub.child.id(),
        &extra,
    ))
    .await
    .expect("the scenario runs");
    let table = report.table();
    eprintln!("{table}");
    assert_eq!(report.scenario, "meeting");
    assert_eq!(
        (report.join.attempted, report.join.joined),
        (3, 3),
        "{:?}",
        report.join.failures
    );
    // Publishers expect audio + video from the one other publisher, the viewer from both.
    let expected: Vec<(&str, u64)> = report
        .participants
        .iter()
        .map(|p| (p.role.as_str(), p.tracks_expected))
        .collect();
    assert_eq!(
        expected
            .iter()
            .filter(|(r, n)| *r == "publisher" && *n == 2)
            .count(),
        2
    );
    assert_eq!(
        expected
            .iter()
            .filter(|(r, n)| *r == "subscriber" && *n == 4)
            .count(),
        1
    );
    for p in &report.participants {
        assert_eq!(
            p.tracks_received, p.tracks_expected,
            "{} missed tracks:\n{table}",
            p.name
        );
        assert!(p.hub_errors.is_empty(), "{}: {:?}", p.name, p.hub_errors);
        assert!(
            p.first_rtp_ms.is_some() && p.connected_ms.is_some(),
            "{}",
            p.name
        );
    }
    let m = &report.media;
    assert_eq!(m.tracks_received, m.tracks_expected);
    assert!(m.forwarded_packets > 0 && m.latency_us.samples > 0);
    assert!(m.expected_packets >= m.forwarded_packets.saturating_sub(m.lost_packets));
    assert!(report.join.first_rtp_ms.count == 3);
    let h = report.hub.as_ref().expect("the hub was sampled");
    assert!(h.rss_idle_kib.is_some_and(|k| k > 0) && h.rss_peak_kib.is_some());
    assert!(h.cpu_us_per_packet.is_some());
    // The hub timed the packets it forwarded in the window (every copy: the kernel gives
    // receive timestamps on Linux), and counted them as the generator did, give or take
    // the packets between the scrapes and the window's edges.
    let r = report
        .hub_residence
        .as_ref()
        .unwrap_or_else(|| panic!("no time in the hub: {:?}", report.warnings));
    assert!(r.packets > 0 && r.packets == r.forwarded, "{r:?}");
    assert!(
        r.forwarded >= m.forwarded_packets / 2,
        "{r:?} vs {}",
        m.forwarded_packets
    );
    assert!(r.p50_us_at_most.is_some() && r.mean_us.is_some());
    assert!(
        report.samples.len() >= 3,
        "the /proc series has the window edges and more"
    );
    check_json(&report);
    assert!(table.contains("r0-sub0") && table.contains("hub CPU per packet"));
    assert!(table.contains("time in the hub"));
    // Two publishers expecting 2 tracks each, one viewer expecting 4.
    assert_eq!(m.tracks_expected, 8);
    assert!(
        m.expected_packets >= m.lost_before_rtx_packets
            && m.lost_before_rtx_packets >= m.lost_packets
    );
    assert!(report.participants.iter().any(|p| p.tile.is_some()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn churn_of_audio_only_publishers_reports_its_visitors() {
    let hub = common::spawn_hub(&["--dev-open-join"]);
    let extra = "publishers = 2\nsubscribers = 1\naudio_only = true\nduration = 2.0\nchurn_rate = 1.0\nchurn_stay = 1.0\n";
    let report = run_scenario(&config(Scenario::Churn, &hub.http, hub.child.id(), extra))
        .await
        .expect("the scenario runs");
    eprintln!("{}", report.table());
    assert_eq!(report.scenario, "churn");
    assert_eq!(report.join.joined, 3, "{:?}", report.join.failures);
    // Audio only: one track per other publisher.
    assert_eq!(report.media.tracks_expected, 4);
    assert_eq!(
        report.media.packets_by_layer.keys().collect::<Vec<_>>(),
        ["audio"]
    );
    let churn = report.churn.as_ref().expect("a churn section");
    assert!(churn.attempted >= 1);
    assert_eq!(churn.joined + churn.failures_total, churn.attempted);
    check_json(&report);
    let json = serde_json::to_value(&report).expect("serialises");
    assert!(json["churn"]["connected_ms"].get("p95").is_some());
}

/// `govhub-load api` against a demo hub: every operation of the mix runs, none fails, and
/// the JSON report has its sections — not how fast.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_load_runs_every_operation_without_errors() {
    let hub = common::spawn_hub(&["--demo", "true", "--admin-password", "load-admin-pass"]);
    let cfg = loadtests::api_load::ApiLoadConfig {
        url: hub.http.clone(),
        login: "admin".into(),
        password: "load-admin-pass".into(),
        rate: 40.0,
        duration: 2.0,
        concurrency: 4,
        mix: "search=2,task=1,memo=1".parse().expect("mix"),
        seed: 3,
        hub_pid: Some(hub.child.id()),
        tasks: 3,
        memos: 2,
    };
    let report = loadtests::api_load::run_api_load(&cfg)
        .await
        .expect("the API run sets up and runs");
    let table = report.table();
    eprintln!("{table}");
    assert_eq!(report.scheduled, 80);
    assert_eq!(report.completed, 80);
    assert_eq!(report.all.errors, 0, "{:?}", report.errors);
    for op in ["search", "task_move", "memo_read"] {
        let r = &report.ops[op];
        assert!(r.requests > 0 && r.ok > 0, "{op}: {r:?}");
        assert_eq!(r.latency_us.samples as u64, r.requests);
    }
    // Task moves are serialised per task, so none meets a stale ETag.
    assert_eq!(report.ops["task_move"].conflicts, 0);
    assert!(report.hub_cpu_s.is_some());
    let json = serde_json::to_value(&report).expect("serialises");
    for key in [
        "ops",
        "all",
        "errors",
        "achieved_rate",
        "late_starts",
        "queued",
        "config",
    ] {
        assert!(json.get(key).is_some(), "report JSON lacks `{key}`");
    }
    assert!(
        json["config"].get("password").is_none(),
        "the password stays out"
    );
    assert!(table.contains("task_move"));
}

/// A wrong password stops the run at set-up with the hub's answer, not a panic.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_load_with_a_wrong_password_fails_clearly() {
    let hub = common::spawn_hub(&["--admin-password", "load-admin-pass"]);
    let cfg = loadtests::api_load::ApiLoadConfig {
        url: hub.http.clone(),
        login: "admin".into(),
        password: "not-the-password".into(),
        rate: 10.0,
        duration: 1.0,
        concurrency: 1,
        mix: Default::default(),
        seed: 1,
        hub_pid: None,
        tasks: 1,
        memos: 1,
    };
    let err = loadtests::api_load::run_api_load(&cfg)
        .await
        .expect_err("cannot sign in");
    let text = format!("{err:#}");
    assert!(
        text.contains("signing in") && text.contains("401"),
        "{text}"
    );
}
