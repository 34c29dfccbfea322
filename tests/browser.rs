//! Browser-level tests of the web client (GUIDE §7, rung 4) and its type check.
//!
//! `meeting_in_chromium` and `prejoin_in_chromium` run `tests/browser/<name>.test.mjs` (Node +
//! playwright-core driving Debian's Chromium with fake devices) against the real `govhub`
//! binary, through `common::browser` (loopback-only network namespace when possible;
//! screenshots and console logs in `<target>/artifacts/`).
//!
//! `web_client_type_checks` runs `tsc -p tsconfig.json` (JSDoc types, `--checkJs --noEmit`).
//! Both skip loudly when their tools are missing and fail under `GOVHUB_REQUIRE_ALL=1`.

mod common;

use std::process::Command;

use common::browser::{node_available, root, run_browser_test, show};
use common::skip_unless;

/// Three participants: media both ways, screen share, websocket resume, leave.
#[test]
fn meeting_in_chromium() {
    run_browser_test("meeting", &[]);
}

/// One person on a phone-sized screen: landing, pre-join, language, keyboard join, chat, mute.
#[test]
fn prejoin_in_chromium() {
    run_browser_test("prejoin", &[]);
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
