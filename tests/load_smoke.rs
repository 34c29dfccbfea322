//! The load tool end to end, in CI: the `meeting` scenario of `govhub-load` (called as a
//! library, not through its CLI) against the real `govhub` binary, with 1 room, 2
//! publishers and 1 viewer for a few seconds. It checks that the report is well formed,
//! that every expected track arrived and that the hub was sampled — never how fast.

mod common;

use loadtests::{MeetingConfig, Report, run_meeting};

fn config(http: &str, pid: u32) -> MeetingConfig {
    MeetingConfig {
        url: http.to_owned(),
        rooms: 1,
        publishers: 2,
        subscribers: 1,
        duration_s: 3.0,
        ramp_s: 0.5,
        // A liveness bound for media to start on a slow CI machine, not a speed check.
        warmup_timeout_s: 30.0,
        seed: 7,
        simulcast: true,
        hub_pid: Some(pid),
        room_prefix: "load-smoke".into(),
    }
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
        "samples",
    ] {
        assert!(
            json.get(key).is_some(),
            "report JSON lacks `{key}`: {json:#}"
        );
    }
    let back: serde_json::Value =
        serde_json::from_str(&serde_json::to_string(&json).expect("to text")).expect("parses");
    // Two publishers expecting 2 tracks each, one viewer expecting 4.
    assert_eq!(back["media"]["tracks_expected"], 8);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn meeting_scenario_reports_every_expected_track() {
    // The load tool fetches development tokens.
    let hub = common::spawn_hub(&["--dev-open-join"]);
    let report = run_meeting(&config(&hub.http, hub.child.id()))
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
    assert!(
        report.samples.len() >= 3,
        "the /proc series has the window edges and more"
    );
    check_json(&report);
    assert!(table.contains("r0-sub0") && table.contains("hub CPU per packet"));
}
