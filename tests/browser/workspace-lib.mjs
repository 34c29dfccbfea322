// Helpers of the workspace browser tests: sign in through the page, seed data through the
// API (with the page's own session cookie), run axe-core (WCAG 2.x A/AA rules) on a screen,
// take screenshots, and fail on any Content-Security-Policy violation or page error.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from './lib.mjs';

export const ADMIN = { login: 'admin', password: 'govhub-demo-admin' };

const AXE_SOURCE = readFileSync(join(process.cwd(), 'node_modules/axe-core/axe.min.js'), 'utf8');

/** @typedef {import('playwright-core').Page} Page */

/**
 * Collects problems the page reports: CSP violations, uncaught errors, console errors.
 * @param {Page} page @param {string} who
 */
export function watchPage(page, who) {
  /** @type {string[]} */
  const problems = [];
  page.on('pageerror', (e) => problems.push(`${who}: page error: ${e.message}`));
  page.on('console', (msg) => {
    const text = msg.text();
    if (/Content Security Policy/i.test(text)) problems.push(`${who}: CSP: ${text}`);
  });
  return {
    problems,
    check() {
      if (problems.length) throw new Error(problems.join('\n'));
    },
  };
}

/** @param {Page} page @param {string} base @param {{login: string, password: string}} who */
export async function signIn(page, base, who) {
  await page.goto(`${base}/app/`);
  await page.waitForURL(/\/app\/signin/);
  await page.getByLabel(/아이디|Login/).fill(who.login);
  await page.getByLabel(/비밀번호|Password/).fill(who.password);
  await page.getByRole('button', { name: /로그인|Sign in/ }).click();
  await page.waitForURL((url) => !url.pathname.startsWith('/app/signin'));
}

/**
 * An API call with the page's session; throws with the problem's code on failure.
 * @param {Page} page @param {string} base @param {string} method @param {string} path @param {unknown} [body]
 * @returns {Promise<any>}
 */
export async function api(page, base, method, path, body) {
  const response = await page.request.fetch(`${base}/api/v1${path}`, {
    method, data: body === undefined ? undefined : JSON.stringify(body),
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
  });
  const text = await response.text();
  if (!response.ok()) throw new Error(`${method} ${path}: ${response.status()} ${text}`);
  return text ? JSON.parse(text) : null;
}

/**
 * Runs axe-core on the page with the WCAG 2.0/2.1/2.2 A and AA rules; throws on violations.
 * The script is evaluated through the debugging protocol, which the page's CSP does not
 * govern, so the app keeps its strict policy under test.
 * @param {Page} page @param {string} screen
 */
export async function axeCheck(page, screen) {
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    // @ts-ignore axe is defined by the evaluated script
    const result = await window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } });
    return result.violations.map((/** @type {any} */ v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((/** @type {any} */ n) => n.target.join(' ')).join(' | ')}`);
  });
  if (violations.length) throw new Error(`axe found WCAG violations on ${screen}:\n${violations.join('\n')}`);
  console.log(`axe: ${screen}: no violations`);
}

/** @param {Page} page @param {string} dir @param {string} name */
export async function shot(page, dir, name) {
  await page.screenshot({ path: join(dir, `workspace-${name}.png`), fullPage: true });
}

/** Waits until the main heading reads `text` (the screen has drawn). @param {Page} page @param {RegExp} text */
export async function screen(page, text) {
  await page.locator('main h1').filter({ hasText: text }).first().waitFor();
}

/** Waits until the live-update dot says the event stream is open. @param {Page} page */
export async function liveOpen(page) {
  await waitFor('the live event stream to open', async () => page.locator('#link-state.link-open').count());
}

/**
 * Seeds two agencies with units, four employees and a second account; returns their ids.
 * @param {Page} page @param {string} base
 */
export async function seed(page, base) {
  const mois = await api(page, base, 'POST', '/agencies', { code: 'mois', name_ko: '행정안전부', name_en: 'Ministry of the Interior and Safety' });
  const nars = await api(page, base, 'POST', '/agencies', { code: 'nars', name_ko: '국회사무처', name_en: 'National Assembly Secretariat' });
  const bureau = await api(page, base, 'POST', `/agencies/${mois.id}/units`, { name_ko: '디지털정부국', name_en: 'Digital Government Bureau' });
  const team = await api(page, base, 'POST', `/agencies/${mois.id}/units`, { name_ko: '협업정책과', parent_id: bureau.id });
  /** @param {Record<string, unknown>} e */
  const employee = (e) => api(page, base, 'POST', '/employees', e);
  const minsu = await employee({ agency_id: mois.id, unit_id: team.id, name_ko: '김민수', name_en: 'Kim Minsu', title: '사무관', office_phone: '044-205-1234', email: 'minsu.kim@mois.go.kr', location: '정부세종청사 7동' });
  await employee({ agency_id: mois.id, unit_id: team.id, name_ko: '김민서', name_en: 'Kim Minseo', title: '주무관', email: 'minseo.kim@mois.go.kr' });
  await employee({ agency_id: nars.id, name_ko: '이민수', name_en: 'Lee Minsu', title: '서기관', office_phone: '02-788-1111' });
  await employee({ agency_id: nars.id, name_ko: '박지훈', name_en: 'Park Jihoon', title: '입법조사관' });
  const user = { login: 'minsu@mois.go.kr', password: 'minsu-password-1' };
  const account = await api(page, base, 'POST', '/accounts', { ...user, role: 'member', display_name: '김민수', agency_id: mois.id, employee_id: minsu.id });
  return { mois, nars, team, minsu, user, account };
}
