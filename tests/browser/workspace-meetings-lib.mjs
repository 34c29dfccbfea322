// Helpers of the workspace meetings browser test: keyboard moves, the pre-join step of the
// meeting page, and proof that media flows (getStats through the page's debug hook, as
// meeting.test.mjs reads it).

import { waitFor } from './lib.mjs';

/** @typedef {import('playwright-core').Page} Page */

/** `YYYY-MM-DDTHH:MM` in local time, as a datetime-local input takes it. @param {number} ms */
export function localInput(ms) {
  const d = new Date(ms);
  const p = (/** @type {number} */ n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

/**
 * Presses Tab until `focused` says the right element has the focus (at most 80 times): proof
 * that it can be reached with the keyboard alone.
 * @param {Page} page @param {string} what @param {() => Promise<boolean>} focused
 */
export async function tabTo(page, what, focused) {
  for (let i = 0; i < 80; i += 1) {
    if (await focused()) return;
    await page.keyboard.press('Tab');
  }
  const at = await page.evaluate(() => document.activeElement?.outerHTML.slice(0, 200));
  throw new Error(`Tab never reached ${what} (focus on ${at})`);
}

/**
 * On the meeting page opened with a room token: the name is filled in from the workspace;
 * join (by keyboard: Tab to the name, Enter) and wait until joined.
 * @param {Page} page @param {boolean} keyboard
 */
export async function joinFromPrejoin(page, keyboard) {
  const name = page.locator('#pj-name');
  await name.waitFor();
  if (!(await name.inputValue())) throw new Error('the pre-join screen lacks the name from the workspace');
  await page.waitForSelector('gh-prejoin[data-has-video]:not([data-preparing])'); // the camera preview runs: join with it
  if (keyboard) {
    await tabTo(page, 'the name field', async () => page.evaluate(() => document.activeElement?.id === 'pj-name'));
    await page.keyboard.press('Enter');
  } else {
    await page.locator('gh-prejoin button[type=submit]').click();
  }
  await waitFor('joined the call', async () => {
    const state = await page.evaluate(() => /** @type {any} */ (window).govhubDebug.state);
    return state.phase === 'joined' ? state : Promise.reject(new Error(JSON.stringify(state)));
  });
}

/**
 * Two people in the call, and this one decodes the other's video (framesDecoded rising
 * between two samples) and receives audio packets.
 * @param {Page} page @param {string} who
 */
export async function callIsLive(page, who) {
  await waitFor(`${who} to see two participants`, async () => (await page.evaluate(() => /** @type {any} */ (window).govhubDebug.state)).participants === 2);
  const sample = () => page.evaluate(async () => {
    const all = await /** @type {any} */ (window).govhubDebug.stats();
    return all.filter((/** @type {any} */ s) => s.type === 'inbound-rtp')
      .map((/** @type {any} */ s) => ({ id: s.id, kind: s.kind, frames: s.framesDecoded ?? 0, packets: s.packetsReceived ?? 0 }));
  });
  await waitFor(`${who} to decode the other's video and hear their audio`, async () => {
    const before = await sample();
    await new Promise((r) => setTimeout(r, 1500));
    const after = await sample();
    const rising = after.filter((s) => s.kind === 'video' && s.frames > (before.find((b) => b.id === s.id)?.frames ?? 0)).length;
    const audio = after.filter((s) => s.kind === 'audio' && s.packets > (before.find((b) => b.id === s.id)?.packets ?? 0)).length;
    if (rising >= 1 && audio >= 1) return true;
    const state = await page.evaluate(() => /** @type {any} */ (window).govhubDebug.state);
    const kinds = (await page.evaluate(async () => (await /** @type {any} */ (window).govhubDebug.stats()).map((/** @type {any} */ s) => s.type))).join(',');
    throw new Error(JSON.stringify({ inbound: after, state, kinds }));
  }, 60_000);
}
