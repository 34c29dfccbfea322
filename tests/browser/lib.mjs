// Shared by the browser tests: start Debian's Chromium through playwright-core with fake
// camera, microphone and screen, and small polling helpers.

import { chromium } from 'playwright-core';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export const CHROMIUM = process.env.GOVHUB_CHROMIUM ?? '/usr/bin/chromium';

/** The flags of GUIDE §7: headless, no outside traffic, fake media devices, loopback ICE. */
export const CHROMIUM_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-default-apps',
  '--disable-extensions',
  '--no-first-run',
  '--disable-quic',
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  '--auto-select-desktop-capture-source=Entire screen',
  '--allow-loopback-in-peer-connection',
  '--autoplay-policy=no-user-gesture-required',
  // Pages in one headless browser are all "visible": no timer throttling between them.
  '--disable-background-timer-throttling',
  '--disable-renderer-backgrounding',
  '--disable-backgrounding-occluded-windows',
];

/**
 * Launches Chromium; playwright gives it a fresh temporary profile (--user-data-dir) and
 * removes it on close. Each participant gets its own context (own storage, own devices).
 * @param {string[]} [extraArgs]
 */
export async function launch(extraArgs = []) {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [...CHROMIUM_ARGS, ...extraArgs],
  });
  /** @param {{width: number, height: number}} [viewport] */
  const page = async (viewport = { width: 1280, height: 800 }) => {
    const context = await browser.newContext({ viewport, permissions: ['camera', 'microphone'] });
    return context.newPage();
  };
  return { browser, page, close: () => browser.close().catch(() => {}) };
}

/**
 * Polls `check` until it returns a truthy value or `timeoutMs` passes (then throws with
 * `what` and the last value seen). This waits for a condition; it measures no speed.
 * @template T
 * @param {string} what
 * @param {() => Promise<T>} check
 * @param {number} [timeoutMs]
 * @returns {Promise<T>}
 */
export async function waitFor(what, check, timeoutMs = 45_000) {
  const end = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      last = await check();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; last: ${describe(last)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** @param {unknown} v */
function describe(v) {
  if (v instanceof Error) return v.message;
  try {
    return JSON.stringify(v)?.slice(0, 600);
  } catch {
    return String(v);
  }
}

/** @type {import('node:child_process').ChildProcess | null} */
let hubProcess = null;
/** @type {string | null} */
let hubDataDir = null;

/**
 * The hub to test: `--hub-bin=PATH` starts `govhub serve` on loopback with OS-chosen ports
 * (so it shares the caller's network namespace); anything else is the URL of a running hub.
 * @param {string} target
 * @returns {Promise<string>}
 */
/**
 * A resume grace far longer than any wait in the tests, so a participant who closes the tab is
 * seen to leave because the client and hub treat that as leaving, not because the grace ran out;
 * open join, because the meeting pages under test join by room name without a token; no demo
 * data (the tests make their own) and the administrator's password the workspace tests use.
 */
export const HUB_ARGS = ['--resume-grace-secs', '120', '--dev-open-join', '--demo', 'false',
  '--admin-password', 'govhub-demo-admin'];

export async function hubUrl(target) {
  if (!target.startsWith('--hub-bin=')) return target.replace(/\/$/, '');
  hubBin = target.slice('--hub-bin='.length);
  hubDataDir = mkdtempSync(join(tmpdir(), 'govhub-browser-'));
  return startHub('127.0.0.1:0');
}

/** @type {string | null} */
let hubBin = null;

/** @param {string} listen @returns {Promise<string>} */
function startHub(listen) {
  const child = spawn(/** @type {string} */ (hubBin), ['serve', '--listen', listen, '--media-listen', '127.0.0.1:0',
    '--data-dir', /** @type {string} */ (hubDataDir), ...HUB_ARGS], { stdio: ['ignore', 'pipe', 'inherit'], env: { RUST_LOG: 'warn', ...process.env } });
  hubProcess = child;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('govhub printed no ready line')), 60_000);
    child.on('exit', (code) => reject(new Error(`govhub exited early (${code})`)));
    createInterface({ input: /** @type {any} */ (child.stdout) }).on('line', (line) => {
      const m = /^govhub ready: (\S+)/.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
  });
}

/**
 * Stops the hub that `hubUrl` started and starts it again on the same address and data
 * directory (a restart as operators do it). Returns false when the hub is not ours to restart.
 * @param {string} url the hub's current URL
 */
export async function restartHub(url) {
  const child = hubProcess;
  if (!child || !hubBin) return false;
  await new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.once('exit', resolve);
    child.kill();
  });
  await startHub(new URL(url).host);
  return true;
}

/** Stops the hub that `hubUrl` started, if any, and removes its data directory. */
export function stopHub() {
  hubProcess?.kill();
  hubProcess = null;
  if (hubDataDir) rmSync(hubDataDir, { recursive: true, force: true });
  hubDataDir = null;
}

/**
 * Runs one browser test script to the end: stops the hub it started and exits 0 on success,
 * or prints `<name>: FAIL: <reason>` and exits 1.
 * @param {string} name @param {() => Promise<void>} run
 */
export async function main(name, run) {
  try {
    await run();
    stopHub();
    process.exit(0);
  } catch (e) {
    console.log(`${name}: FAIL: ${e instanceof Error ? e.message : String(e)}`);
    stopHub();
    process.exit(1);
  }
}
