//! Running one `tests/browser/<name>.test.mjs` script (Node + playwright-core driving
//! Debian's Chromium) against the real `govhub` binary, for `tests/browser.rs` and
//! `tests/browser_workspace.rs`. As root with `unshare` available, the script starts the hub
//! itself inside a fresh loopback-only network namespace shared with Chromium, so no packet
//! can leave 127.0.0.0/8; otherwise the hub runs on 127.0.0.1 from here. Screenshots and
//! console logs land in `<target>/artifacts/`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Mutex;

use super::{govhub_bin, skip_unless, spawn_hub};

const CHROMIUM: &str = "/usr/bin/chromium";

/// The hub arguments of the scripts; keep in step with `HUB_ARGS` in `tests/browser/lib.mjs`
/// (`spawn_hub` adds `--demo false` itself).
const HUB_ARGS: [&str; 5] = [
    "--resume-grace-secs",
    "120",
    "--dev-open-join",
    "--admin-password",
    "govhub-demo-admin",
];

/// One Chromium at a time: several media pipelines at once would starve a small machine.
static BROWSER_TURN: Mutex<()> = Mutex::new(());

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn node_available() -> bool {
    succeeds("node", &["--version"])
}

fn succeeds(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
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

/// Root with a working `unshare -n`: the hub and Chromium can share a loopback-only namespace.
fn can_unshare_net() -> bool {
    let root_user = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    root_user && succeeds("unshare", &["-n", "sh", "-c", "ip link set lo up"])
}

pub fn show(output: &Output) -> String {
    format!(
        "--- stdout ---\n{}\n--- stderr ---\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

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
    eprintln!("browser test: no network namespace (not root or no unshare); using 127.0.0.1");
    let hub = spawn_hub(&HUB_ARGS);
    Command::new("node")
        .arg(&script)
        .arg(&hub.http)
        .arg(artifacts)
        .current_dir(root())
        .output()
        .expect("run node")
}

/// Runs `tests/browser/<name>.test.mjs` when Chromium, Node, playwright-core and the given
/// `node_modules` packages (path, what to tell) are there, and asserts that it passed.
pub fn run_browser_test(name: &str, more_modules: &[(&str, &str)]) {
    let modules = root().join("node_modules");
    let missing = skip_unless(
        Path::new(CHROMIUM).exists(),
        "Chromium at /usr/bin/chromium",
    ) || skip_unless(node_available(), "Node.js (`node`)")
        || skip_unless(
            modules.join("playwright-core/package.json").exists(),
            "node_modules/playwright-core (run `npm ci`)",
        )
        || more_modules
            .iter()
            .any(|(path, what)| skip_unless(modules.join(path).exists(), what));
    if missing {
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
