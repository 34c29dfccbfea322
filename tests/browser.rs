//! Browser-level tests of the web client (GUIDE §7, rung 4) and its type check.
//!
//! `meeting_in_chromium` and `prejoin_in_chromium` run `tests/browser/<name>.test.mjs` (Node +
//! playwright-core driving Debian's Chromium with fake devices) against the real `govhub`
//! binary; screenshots and console logs land in `<target>/artifacts/`. As root with
//! `unshare` available, the hub and Chromium run together inside a fresh loopback-only network
//! namespace, so no packet can leave 127.0.0.0/8; otherwise the test starts the hub on
//! 127.0.0.1 itself and runs the script in the normal namespace.
//!
//! `web_client_type_checks` runs `tsc -p tsconfig.json` (JSDoc types, `--checkJs --noEmit`).
//! Both skip loudly when their tools are missing and fail under `GOVHUB_REQUIRE_ALL=1`.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Mutex;

use common::{govhub_bin, skip_unless, spawn_hub};

const CHROMIUM: &str = "/usr/bin/chromium";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn node_available() -> bool {
    Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn artifacts_dir() -> PathBuf {
    // Next to the build output, so CI can keep it and `cargo clean` removes it.
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

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// True when this process may create a network namespace with a working loopback.
fn can_unshare_net() -> bool {
    is_root()
        && Command::new("unshare")
            .args(["-n", "sh", "-c", "ip link set lo up"])
            .output()
            .is_ok_and(|o| o.status.success())
}

fn show(output: &Output) -> String {
    format!(
        "--- stdout ---\n{}\n--- stderr ---\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Runs one `tests/browser/<name>.test.mjs` script against a fresh hub and returns its output.
fn run_script(name: &str, artifacts: &Path) -> Output {
    let script = root().join(format!("tests/browser/{name}.test.mjs"));
    if can_unshare_net() {
        // The hub must live in the same namespace as Chromium: the script starts it there.
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
    eprintln!(
        "browser test: no network namespace (not root or no unshare); using 127.0.0.1 directly"
    );
    // Keep in step with HUB_ARGS in tests/browser/lib.mjs.
    let hub = spawn_hub(&["--resume-grace-secs", "120", "--dev-open-join"]);
    Command::new("node")
        .arg(&script)
        .arg(&hub.http)
        .arg(artifacts)
        .current_dir(root())
        .output()
        .expect("run node")
}

/// Runs a browser script if Chromium, Node and playwright-core are there; asserts it passed.
fn browser_test(name: &str) {
    let playwright = root().join("node_modules/playwright-core/package.json");
    if skip_unless(
        Path::new(CHROMIUM).exists(),
        "Chromium at /usr/bin/chromium",
    ) || skip_unless(node_available(), "Node.js (`node`)")
        || skip_unless(
            playwright.exists(),
            "node_modules/playwright-core (run `npm ci`)",
        )
    {
        return;
    }
    // Two Chromiums with three media pipelines each would starve a small machine: one at a time.
    let _turn = BROWSER_TURN
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let artifacts = artifacts_dir();
    let output = run_script(name, &artifacts);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let pass = format!("browser {name} test: PASS");
    assert!(
        output.status.success() && stdout.contains(&pass),
        "the browser {name} test failed (screenshots and console logs in {}):\n{}",
        artifacts.display(),
        show(&output)
    );
    let result = stdout
        .lines()
        .find(|l| l.contains(&pass))
        .unwrap_or_default();
    eprintln!("{result}");
}

static BROWSER_TURN: Mutex<()> = Mutex::new(());

/// Three participants: media both ways, screen share, websocket resume, leave.
#[test]
fn meeting_in_chromium() {
    browser_test("meeting");
}

/// One person on a phone-sized screen: landing, pre-join, language, keyboard join, chat, mute.
#[test]
fn prejoin_in_chromium() {
    browser_test("prejoin");
}

#[test]
fn web_client_type_checks() {
    let tsc = root().join("node_modules/.bin/tsc");
    if skip_unless(node_available(), "Node.js (`node`)")
        || skip_unless(tsc.exists(), "node_modules/.bin/tsc (run `npm ci`)")
    {
        return;
    }
    let output = Command::new(&tsc)
        .args(["-p", "tsconfig.json"])
        .current_dir(root())
        .output()
        .expect("run tsc");
    assert!(
        output.status.success(),
        "tsc found type errors in web-client/:\n{}",
        show(&output)
    );
}
