// End-to-end meeting test in real Chromium against the real hub:
//   three participants join one room by /m/<room>?name=..&autojoin=1; each must decode video
//   of both others and receive their audio (getStats); one shares its screen and the others
//   decode a third video; one leaves and the others' participant count drops to two.
//
// Usage:
//   node tests/browser/meeting.test.mjs <hub-http-url> <artifacts-dir>
//   node tests/browser/meeting.test.mjs --hub-bin=<path to govhub> <artifacts-dir>
// The second form starts the hub itself, so the hub and Chromium can share one network
// namespace (tests/browser.rs runs it inside `unshare -n` when it can).
// Prints one result line, "browser meeting test: PASS ..." or "... FAIL: <why>"; exit 0 = pass.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hubUrl, launch, main, waitFor } from './lib.mjs';

const [target, artifacts = 'target/artifacts'] = process.argv.slice(2);
if (!target) {
  console.error('usage: meeting.test.mjs <hub-url | --hub-bin=PATH> [artifacts-dir]');
  process.exit(2);
}
mkdirSync(artifacts, { recursive: true });

/** @typedef {{name: string, page: import('playwright-core').Page, logs: string[]}} Person */

/** @param {Person} who */
function debugState(who) {
  return who.page.evaluate(() => /** @type {any} */ (window).govhubDebug.state);
}

/**
 * Inbound media of one participant: video streams whose framesDecoded rose between two
 * getStats samples, and audio streams that received packets.
 * @param {Person} who
 */
async function inbound(who) {
  const sample = () => who.page.evaluate(async () => {
    const all = await /** @type {any} */ (window).govhubDebug.stats();
    return all.filter((s) => s.type === 'inbound-rtp')
      .map((s) => ({ id: s.id, kind: s.kind, mid: s.mid, frames: s.framesDecoded ?? 0, packets: s.packetsReceived ?? 0 }));
  });
  const before = await sample();
  await new Promise((r) => setTimeout(r, 1500));
  const after = await sample();
  const risingVideo = after.filter((s) => s.kind === 'video'
    && s.frames > (before.find((b) => b.id === s.id)?.frames ?? 0)).length;
  const audio = after.filter((s) => s.kind === 'audio' && s.packets > 0).length;
  return { risingVideo, audio, streams: after };
}

/**
 * @param {Person} who @param {number} videos @param {number} audios @param {string} step
 */
async function expectMedia(who, videos, audios, step) {
  return waitFor(`${who.name}: ${videos} rising videos and ${audios} audios (${step})`, async () => {
    const got = await inbound(who);
    return got.risingVideo >= videos && got.audio >= audios ? got : Promise.reject(new Error(JSON.stringify(got)));
  }, 60_000);
}

/** @param {Person[]} people @param {number} n @param {number} [timeoutMs] */
async function expectCount(people, n, timeoutMs) {
  for (const who of people) {
    await waitFor(`${who.name} to see ${n} participants`, async () => {
      const state = await debugState(who);
      const shown = await who.page.getAttribute('#people-count', 'data-count');
      return state.participants === n && shown === String(n) ? true : Promise.reject(new Error(JSON.stringify({ state, shown })));
    }, timeoutMs);
  }
}

async function run() {
  const base = await hubUrl(target);
  const room = `browser-${Date.now().toString(36)}`;
  const browser = await launch();
  /** @type {Person[]} */
  const people = [];
  /** B's websockets, routed through playwright so the test can cut them. */
  /** @type {{page: import('playwright-core').WebSocketRoute, hub: import('playwright-core').WebSocketRoute}[]} */
  const sockets = [];
  try {
    for (const [name, viewport] of /** @type {const} */ ([['A', { width: 1280, height: 800 }],
      ['B', { width: 1280, height: 800 }], ['C', { width: 390, height: 844 }]])) {
      const page = await browser.page(viewport);
      /** @type {Person} */
      const who = { name, page, logs: [] };
      page.on('console', (m) => who.logs.push(`${m.type()}: ${m.text()}`));
      page.on('pageerror', (e) => who.logs.push(`pageerror: ${e.message}`));
      if (name === 'B') await page.routeWebSocket(/\/ws$/, (ws) => { sockets.push({ page: ws, hub: ws.connectToServer() }); });
      await page.goto(`${base}/m/${room}?name=${name}&autojoin=1`);
      await waitFor(`${name} to join`, async () => {
        const state = await debugState(who);
        return state.phase === 'joined' ? state : Promise.reject(new Error(JSON.stringify(state)));
      });
      people.push(who);
    }
    const [a, b, c] = people;
    await expectCount(people, 3);
    const devBanner = await a.page.isVisible('#dev-banner');
    for (const who of people) await expectMedia(who, 2, 2, 'everyone joined');
    console.log('browser meeting test: every participant decodes both others\' video and receives their audio');
    const layers = await a.page.evaluate(async () => {
      const hook = /** @type {any} */ (window).govhubDebug;
      const offered = /a=simulcast:send q;h;f/.test(hook.pc.localDescription?.sdp ?? '');
      const sending = (await hook.stats()).filter((s) => s.type === 'outbound-rtp' && s.kind === 'video' && s.rid)
        .map((s) => `${s.rid}:${s.frameWidth ?? 0}x${s.frameHeight ?? 0}${s.framesEncoded > 0 ? '' : '(idle)'}`);
      return { offered, sending };
    });
    if (!layers.offered) throw new Error('the camera is not offered as simulcast q;h;f');
    await a.page.screenshot({ path: join(artifacts, 'meeting-grid.png') });
    await c.page.screenshot({ path: join(artifacts, 'meeting-grid-phone.png') });
    console.log(`browser meeting test: A's camera simulcast layers: ${layers.sending.join(' ')}`);

    // Cut B's websocket: B must resume its seat (same participant id) with media untouched.
    const seat = (await debugState(b)).participant;
    const cut = sockets[sockets.length - 1];
    await cut.hub.close();
    await cut.page.close();
    await waitFor('B to resume its seat', async () => {
      const state = await debugState(b);
      return sockets.length >= 2 && state.link === 'open' && state.phase === 'joined' && state.participant === seat
        ? true : Promise.reject(new Error(JSON.stringify({ sockets: sockets.length, link: state.link, phase: state.phase })));
    });
    await expectCount(people, 3);
    await expectMedia(b, 2, 2, 'B resumed');
    console.log('browser meeting test: B resumed its seat after its websocket was cut');

    await a.page.click('#btn-share');
    await waitFor('A to publish its screen', async () => {
      const state = await debugState(a);
      return state.published.find((p) => p.source === 'screen')?.track ? true : Promise.reject(new Error(JSON.stringify(state)));
    });
    for (const who of [b, c]) {
      await expectMedia(who, 3, 2, 'A shares its screen');
      await waitFor(`${who.name} to show the screen on the stage`, async () => (await debugState(who)).stage >= 1);
    }
    console.log('browser meeting test: the screen share reaches the others');
    await b.page.screenshot({ path: join(artifacts, 'meeting.png') });
    await c.page.screenshot({ path: join(artifacts, 'meeting-phone.png') });

    // Stop sharing: the stage goes away; share again: the parked m-line is reused.
    await a.page.click('#btn-share');
    for (const who of [b, c]) {
      await waitFor(`${who.name} to drop the stage`, async () => (await debugState(who)).stage === 0);
    }
    /** @type {Map<string, number>} */
    const mlines = new Map();
    for (const who of [b, c]) {
      const n = await waitFor(`${who.name} to park the screen's m-line as inactive`, () => who.page.evaluate(() => {
        const trs = /** @type {any} */ (window).govhubDebug.pc.getTransceivers();
        const parked = trs.some((/** @type {RTCRtpTransceiver} */ t) => t.receiver.track.kind === 'video'
          && t.direction === 'inactive' && t.currentDirection === 'inactive');
        return parked ? trs.length : 0;
      }));
      mlines.set(who.name, n);
    }
    await a.page.click('#btn-share');
    for (const who of [b, c]) {
      await waitFor(`${who.name} to show the new share`, async () => (await debugState(who)).stage >= 1);
      await expectMedia(who, 3, 2, 'A shares again');
      const n = await who.page.evaluate(() => /** @type {any} */ (window).govhubDebug.pc.getTransceivers().length);
      if (n !== mlines.get(who.name)) throw new Error(`${who.name} added an m-line (${mlines.get(who.name)} → ${n}) instead of reusing the parked one`);
    }
    console.log('browser meeting test: stopping and restarting the share works');

    await c.page.click('#btn-leave');
    await waitFor('C to leave', async () => (await debugState(c)).phase === 'left');
    await expectCount([a, b], 2);

    // Closing the tab is leaving too. The bound is not a speed target: it separates leaving
    // (the page says `leave`, the hub takes close code 1001 as leaving: well under a second)
    // from the fallbacks that would also get there (the media transport timing out, ~20 s
    // here, or the resume grace, 120 s in these tests).
    await b.page.close({ runBeforeUnload: true });
    await expectCount([a], 1, 8_000);
    const bad = people.flatMap((who) => who.logs.filter((l) => l.startsWith('pageerror') || l.includes('Content Security Policy')));
    if (bad.length > 0) throw new Error(`page errors or CSP violations: ${bad.join(' | ')}`);
    console.log(`browser meeting test: PASS (3 participants, audio+video both ways, screen share stop/restart, websocket resume, leave, tab close; dev banner ${devBanner ? 'shown' : 'hidden'}; screenshots in ${artifacts})`);
  } catch (e) {
    for (const who of people) {
      await who.page.screenshot({ path: join(artifacts, `failed-${who.name}.png`) }).catch(() => {});
    }
    throw e;
  } finally {
    for (const who of people) writeFileSync(join(artifacts, `console-${who.name}.log`), who.logs.join('\n'));
    await browser.close();
  }
}

await main('browser meeting test', run);
