// The way a person joins, on a phone-sized screen, against the real hub: landing page →
// /m/<room> → pre-join (camera preview, device pickers, microphone level, remembered name) →
// language switch → join with the keyboard → chat → mute; then a reload keeps the language
// and the name. No Content-Security-Policy violation or page error may appear.
//
// Usage: node tests/browser/prejoin.test.mjs <hub-url | --hub-bin=PATH> <artifacts-dir>
// Prints "browser prejoin test: PASS ..." or "... FAIL: <why>"; exit 0 = pass.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hubUrl, launch, main, waitFor } from './lib.mjs';

const [target, artifacts = 'target/artifacts'] = process.argv.slice(2);
if (!target) {
  console.error('usage: prejoin.test.mjs <hub-url | --hub-bin=PATH> [artifacts-dir]');
  process.exit(2);
}
mkdirSync(artifacts, { recursive: true });

/** @param {boolean} ok @param {string} what */
function check(ok, what) {
  if (!ok) throw new Error(what);
}

/** @param {import('playwright-core').Page} page @param {string} selector */
async function text(page, selector) {
  return (await page.textContent(selector))?.trim() ?? '';
}

/**
 * A meeting opened with its title, on a device whose camera is slow to start: the heading is the
 * title (not the room name), the join button is disabled and says why until the preview is
 * ready, and an Enter pressed at once still joins with the camera published.
 * @param {Awaited<ReturnType<typeof launch>>} browser @param {string} base
 */
async function earlyEnter(browser, base) {
  const page = await browser.page({ width: 390, height: 844 });
  await page.addInitScript(() => {
    const real = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
    navigator.mediaDevices.getUserMedia = (c) => new Promise((resolve) => { setTimeout(() => resolve(real(c)), 2500); });
  });
  const room = `m-${Date.now().toString(36)}`;
  await page.goto(`${base}/m/${room}?name=${encodeURIComponent('김민수')}&title=${encodeURIComponent('현장 점검 회의')}`);
  await page.waitForSelector('gh-prejoin');
  check(await text(page, '#room-title') === '현장 점검 회의', `the heading is not the meeting's title: ${await text(page, '#room-title')}`);
  check((await page.title()).includes('현장 점검 회의'), 'the window title is not the meeting\'s title');
  await page.focus('#pj-name');
  await page.keyboard.press('Enter');
  check(await page.isDisabled('gh-prejoin button[type=submit]'), 'the join button is enabled before the preview is ready');
  check((await text(page, '#pj-status')).length > 0, 'nothing tells the user the camera is still starting');
  check((await page.evaluate(() => /** @type {any} */ (window).govhubDebug.state.phase)) === 'prejoin', 'an early Enter joined before the preview was ready');
  await page.waitForSelector('gh-prejoin[data-has-video]:not([data-preparing])');
  check(!(await page.isDisabled('gh-prejoin button[type=submit]')), 'the join button stayed disabled once the preview was ready');
  check(await text(page, '#pj-status') === '', 'the "starting" notice stayed after the preview was ready');
  await page.keyboard.press('Enter');
  await waitFor('joining', async () => (await page.evaluate(() => /** @type {any} */ (window).govhubDebug.state.phase)) === 'joined');
  const sendsVideo = await page.evaluate(() => /** @type {any} */ (window).govhubDebug.pc?.getSenders().some((/** @type {RTCRtpSender} */ s) => s.track?.kind === 'video'));
  check(sendsVideo, 'joined without publishing the camera');
  await page.close();
}

async function run() {
  const base = await hubUrl(target);
  const browser = await launch();
  const page = await browser.page({ width: 390, height: 844 });
  /** @type {string[]} */
  const logs = [];
  page.on('console', (m) => logs.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => logs.push(`pageerror: ${e.message}`));
  try {
    await page.goto(`${base}/`);
    check(await page.getAttribute('html', 'lang') === 'ko', 'the landing page is not in Korean');
    const room = `ui-${Date.now().toString(36)}`;
    await page.fill('#room', room);
    await page.fill('#name', '홍길동');
    await page.press('#name', 'Enter');
    await page.waitForURL(`**/m/${room}*`);

    await page.waitForSelector('gh-prejoin[data-has-video]:not([data-preparing])');
    check(await page.inputValue('#pj-name') === '홍길동', 'the display name was not carried over');
    check(await page.locator('#pj-camera option').count() >= 1, 'no camera in the picker');
    check(await page.locator('#pj-mic option').count() >= 1, 'no microphone in the picker');
    await page.click('.prejoin-room'); // a gesture lets the AudioContext of the meter run
    // The fake microphone beeps briefly once a second: watch the meter for a while, keep the peak.
    await waitFor('the microphone level meter to move', () => page.evaluate(() => new Promise((resolve) => {
      const meter = /** @type {HTMLMeterElement} */ (document.querySelector('#pj-level'));
      let peak = 0;
      const timer = setInterval(() => { peak = Math.max(peak, meter.value); }, 20);
      setTimeout(() => { clearInterval(timer); resolve(peak > 0.01); }, 2500);
    })), 30_000);
    await page.screenshot({ path: join(artifacts, 'prejoin-phone.png') });

    await page.click('#lang-toggle');
    check(await page.getAttribute('html', 'lang') === 'en', 'the language toggle did not switch to English');
    check(await text(page, 'gh-prejoin h2') === 'Get ready to join', 'the pre-join heading is not in English');

    await page.focus('#pj-name');
    await page.keyboard.press('Enter');
    await waitFor('joining', async () => (await page.evaluate(() => /** @type {any} */ (window).govhubDebug.state.phase)) === 'joined');
    check(await page.isVisible('#dev-banner'), 'no development mode banner');
    check((await text(page, '#dev-banner')).startsWith('Development mode'), 'the banner is not in English');
    await waitFor('the count', async () => (await text(page, '#people-count')) === '1 in the room');

    await page.click('#btn-chat');
    await page.fill('#chat-input', 'hello 안녕하세요');
    await page.press('#chat-input', 'Enter');
    await waitFor('my chat message to come back', async () => (await text(page, '.chat-log')).includes('hello 안녕하세요'));
    await page.keyboard.press('Escape');
    check(await page.isHidden('#chat-panel'), 'Escape did not close the chat panel');

    await page.click('#btn-mic');
    check(await page.getAttribute('#btn-mic', 'aria-pressed') === 'false', 'the mic button did not turn off');
    await page.click('#btn-people');
    await waitFor('the people list to show me muted', async () => (await text(page, '.people-list')).includes('Microphone muted'));
    await page.screenshot({ path: join(artifacts, 'meeting-people-phone.png') });

    await page.reload();
    await page.waitForSelector('gh-prejoin');
    check(await page.getAttribute('html', 'lang') === 'en', 'the language choice was not remembered');
    check(await page.inputValue('#pj-name') === '홍길동', 'the display name was not remembered');

    await earlyEnter(browser, base);

    const bad = logs.filter((l) => l.startsWith('pageerror') || l.includes('Content Security Policy'));
    check(bad.length === 0, `page errors or CSP violations: ${bad.join(' | ')}`);
    console.log(`browser prejoin test: PASS (landing → pre-join → keyboard join → chat → mute, ko/en, phone size, meeting title heading, no join before the preview is ready; screenshots in ${artifacts})`);
  } catch (e) {
    await page.screenshot({ path: join(artifacts, 'failed-prejoin.png') }).catch(() => {});
    throw e;
  } finally {
    writeFileSync(join(artifacts, 'console-prejoin.log'), logs.join('\n'));
    await browser.close();
  }
}

await main('browser prejoin test', run);
