//! Browser tests of the workspace app at `/app/` (issue 5; GUIDE §7 rung 4).
//!
//! Each test runs one `tests/browser/workspace*.test.mjs` script (Node + playwright-core
//! driving Debian's Chromium) against the real `govhub` binary, checks every main screen with
//! axe-core's WCAG 2.x A/AA rules, and saves screenshots as `<target>/artifacts/workspace-*.png`.
//! As root with `unshare` available, the script starts the hub itself inside a fresh
//! loopback-only network namespace shared with Chromium (and can restart it); otherwise the
//! hub runs on 127.0.0.1 from here and the restart step is skipped with a note.
//!
//! The tests skip loudly when Chromium, Node, playwright-core or axe-core are missing and fail
//! instead under `GOVHUB_REQUIRE_ALL=1`.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Mutex;

use common::{govhub_bin, skip_unless, spawn_hub};

const CHROMIUM: &str = "/usr/bin/chromium";

/// One Chromium at a time: two screens of two people each are plenty for a small machine.
static BROWSER_TURN: Mutex<()> = Mutex::new(());

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn artifacts_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"));
    let dir = if target.is_absolute() {
        target
    } else {
        root().join(target)
    }
    .join("artifacts");
    std::fs::create_dir_all(&dir).expect("create artifacts dir");
    dir
}

fn succeeds(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Root with a working `unshare -n`: the hub and Chromium can share a loopback-only namespace.
fn can_unshare_net() -> bool {
    let root_user = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    root_user && succeeds("unshare", &["-n", "sh", "-c", "ip link set lo up"])
}

fn run_script(name: &str, artifacts: &Path) -> Output {
    let script = root().join(format!("tests/browser/{name}.test.mjs"));
    if can_unshare_net() {
        let hub_arg = format!("--hub-bin={}", govhub_bin().display());
        return Command::new("unshare")
            .args([
                "-n",
                "sh",
                "-c",
                "ip link set lo up && exec node \"$0\" \"$1\" \"$2\"",
            ])
            .arg(&script)
            .arg(hub_arg)
            .arg(artifacts)
            .current_dir(root())
            .output()
            .expect("run unshare");
    }
    eprintln!("workspace browser test: no network namespace; using a hub on 127.0.0.1");
    // Keep in step with HUB_ARGS in tests/browser/lib.mjs.
    let hub = spawn_hub(&["--resume-grace-secs", "120"]);
    Command::new("node")
        .arg(&script)
        .arg(&hub.http)
        .arg(artifacts)
        .current_dir(root())
        .output()
        .expect("run node")
}

fn workspace_browser_test(name: &str) {
    let modules = root().join("node_modules");
    if skip_unless(
        Path::new(CHROMIUM).exists(),
        "Chromium at /usr/bin/chromium",
    ) || skip_unless(succeeds("node", &["--version"]), "Node.js (`node`)")
        || skip_unless(
            modules.join("playwright-core/package.json").exists(),
            "node_modules/playwright-core (run `npm ci`)",
        )
        || skip_unless(
            modules.join("axe-core/axe.min.js").exists(),
            "node_modules/axe-core (run `npm ci`)",
        )
    {
        return;
    }
    let _turn = BROWSER_TURN
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let artifacts = artifacts_dir();
    let output = run_script(name, &artifacts);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let pass = format!("browser {name} test: PASS");
    assert!(
        output.status.success() && stdout.contains(&pass),
        "the browser {name} test failed (screenshots in {}):\n--- stdout ---\n{}\n--- stderr ---\n{}",
        artifacts.display(),
        stdout,
        String::from_utf8_lossy(&output.stderr)
    );
    eprintln!(
        "{}",
        stdout
            .lines()
            .find(|l| l.contains(&pass))
            .unwrap_or_default()
    );
}

/// Two people on desktop screens: sign-in, directory, project, kanban moves seen live, memo
/// sharing, announcement acknowledgement, axe on every main screen.
#[test]
fn workspace_desktop_in_chromium() {
    workspace_browser_test("workspace");
}

/// A phone-sized screen: directory, memo and board, a memo draft kept across a hub restart,
/// and the live stream reconnecting afterwards.
#[test]
fn workspace_phone_in_chromium() {
    workspace_browser_test("workspace-phone");
}
