// The workspace app on a 390×844 phone screen (issue 5): directory search, memo writing with
// a draft that survives a hub restart (and the live stream reconnecting afterwards), the
// board with an acknowledgement, axe-core on each screen and a phone screenshot of every main
// screen. Keyboard alone: the memo is written and saved without the mouse.
//
// Usage: node tests/browser/workspace-phone.test.mjs <hub URL | --hub-bin=PATH> <artifacts dir>

import { hubUrl, launch, main, restartHub, waitFor } from './lib.mjs';
import { ADMIN, api, axeCheck, liveOpen, screen, seed, shot, signIn, watchPage } from './workspace-lib.mjs';

const [target, artifacts] = process.argv.slice(2);
const PHONE = { width: 390, height: 844 };

main('workspace-phone', async () => {
  const base = await hubUrl(target);
  const browser = await launch();
  try {
    const page = await browser.page(PHONE);
    const watch = watchPage(page, 'phone');
    await page.goto(`${base}/app/`);
    await page.waitForURL(/\/app\/signin/);
    await shot(page, artifacts, 'phone-signin');
    // A refused agency sign-on comes back as ?error=<code>: a localized message, not raw JSON.
    await page.goto(`${base}/api/v1/auth/oidc/nope/callback?state=x`);
    await page.waitForURL(/\/app\/signin\?error=oidc_provider_not_found/);
    await waitFor('the Korean sign-on message', async () => (await page.locator('form .error-box').innerText()).includes('기관 통합인증 설정에 문제가 있습니다'));
    await axeCheck(page, 'sign-in with an error (phone)');
    await page.goto(`${base}/app/signin?error=oidc_no_account`);
    await waitFor('the no-account message', async () => (await page.locator('form .error-box').innerText()).includes('이 신원에 연결된 계정이 없습니다'));
    await signIn(page, base, ADMIN);
    const world = await seed(page, base);
    const project = await api(page, base, 'POST', '/projects', { name_ko: '국회-세종 영상회의 개선', lead_agency_id: world.mois.id, agency_ids: [world.mois.id, world.nars.id] });
    await api(page, base, 'POST', `/projects/${project.id}/tasks`, { title: '회의실 장비 점검', due_date: '2031-01-15' });

    // Nothing may be wider than the phone: no sideways scrolling of the page.
    const noOverflow = async (/** @type {string} */ what) => {
      const wide = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      if (wide > 1) throw new Error(`${what} is ${wide}px wider than the phone screen`);
    };

    // Directory by 초성 on the phone, then the person card.
    await page.goto(`${base}/app/directory`);
    await screen(page, /직원 찾기/);
    await page.getByLabel('이름, 초성 또는 이메일').fill('ㅂㅈㅎ');
    await page.locator('.people').getByRole('button', { name: /박지훈/ }).click();
    await waitFor('the person card', async () => (await page.locator('.person').innerText()).includes('국회사무처'));
    await noOverflow('the directory');
    await axeCheck(page, 'directory (phone)');
    await shot(page, artifacts, 'phone-directory');

    // A memo typed with the keyboard alone; the hub restarts before it is saved.
    await page.goto(`${base}/app/memos/new`);
    await screen(page, /새 메모/);
    await liveOpen(page);
    await page.getByLabel('제목', { exact: true }).focus();
    await page.keyboard.type('현장 점검 메모');
    await page.keyboard.press('Tab'); // classification
    await page.keyboard.press('Tab'); // first formatting button
    for (let i = 0; i < 6; i += 1) await page.keyboard.press('Tab'); // past the toolbar, into the text
    const focused = await page.evaluate(() => document.activeElement?.id);
    if (focused !== 'memo-body') throw new Error(`Tab did not reach the memo text (focus on ${focused})`);
    await page.keyboard.type('영상회의실 마이크 두 대 교체 필요.');
    await noOverflow('the memo editor');
    await axeCheck(page, 'memo editor (phone)');
    await shot(page, artifacts, 'phone-memo');
    if (await restartHub(base)) {
      await waitFor('the stream to notice and come back', async () => page.locator('#link-state.link-open').count(), 60_000);
      await page.reload();
      await waitFor('the draft restored after reload', async () => (await page.getByRole('textbox', { name: '본문' }).innerText()).includes('마이크 두 대'));
      await page.getByText('저장하지 않은 초안을 복원했습니다.').waitFor();
      await liveOpen(page);
      console.log('restart: draft kept, stream reconnected');
    } else {
      console.log('restart: skipped (the hub was started by the caller)');
    }
    await page.getByRole('textbox', { name: '본문' }).focus();
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter'); // the save button, by keyboard
    await page.waitForURL(/\/app\/memos\/\d+$/);
    const stored = await api(page, base, 'GET', `/memos/${page.url().split('/').pop()}`);
    if (!stored.body.includes('마이크 두 대')) throw new Error(`the saved memo lacks the text: ${stored.body}`);
    const draftLeft = await page.evaluate(() => Object.keys(sessionStorage).filter((k) => k.startsWith('govhub.memo-draft')).length);
    if (draftLeft) throw new Error('the draft was kept after saving');
    await page.goto(`${base}/app/memos`);
    await page.getByRole('link', { name: '현장 점검 메모' }).waitFor();
    await noOverflow('the memo list');
    await axeCheck(page, 'memo list (phone)');
    await shot(page, artifacts, 'phone-memos');

    // Board on the phone: post (admin), acknowledge.
    await page.goto(`${base}/app/board`);
    await screen(page, /게시판/);
    await page.locator('summary', { hasText: '공지 쓰기' }).click();
    await page.getByLabel('제목').fill('모바일 공지 확인 요청');
    await page.getByLabel('내용').fill('휴대전화에서도 확인해 주세요.');
    await page.locator('form').getByRole('button', { name: '공지 쓰기' }).click();
    const item = page.locator('.news-item', { hasText: '모바일 공지 확인 요청' });
    await item.getByRole('button', { name: /확인/ }).click();
    await waitFor('the acknowledgement', async () => (await item.innerText()).includes('확인함'));
    await waitFor('the count of one', async () => (await item.innerText()).includes('1명 확인'));
    // Another reader acknowledges: the author's count goes up live (announcement.acked), no reload.
    await liveOpen(page);
    const reader = await browser.page(PHONE);
    await signIn(reader, base, world.user);
    const [posted] = (await api(reader, base, 'GET', '/announcements?limit=50')).items.filter((/** @type {any} */ a) => a.title === '모바일 공지 확인 요청');
    await page.evaluate(() => { /** @type {any} */ (window).notReloaded = true; });
    await api(reader, base, 'POST', `/announcements/${posted.id}/ack`);
    await waitFor('the live count of two', async () => (await item.innerText()).includes('2명 확인'));
    if (!(await page.evaluate(() => /** @type {any} */ (window).notReloaded))) throw new Error('the board reloaded instead of updating live');
    await noOverflow('the board');
    await axeCheck(page, 'board (phone)');
    await shot(page, artifacts, 'phone-board');

    // The other main screens, for the record.
    for (const [path, heading, name] of /** @type {Array<[string, RegExp, string]>} */ ([
      ['/app/', /홈/, 'home'], ['/app/projects', /공동 과제/, 'projects'], [`/app/projects/${project.id}`, /영상회의 개선/, 'project'],
      ['/app/meetings', /회의/, 'meetings'], ['/app/admin', /관리/, 'admin'],
    ])) {
      await page.goto(`${base}${path}`);
      await screen(page, heading);
      await waitFor(`${name} loaded`, async () => !(await page.getByText(/불러오는 중/).count()));
      await axeCheck(page, `${name} (phone)`);
      await shot(page, artifacts, `phone-${name}`);
    }
    watch.check();
    console.log('browser workspace-phone test: PASS (directory, memo by keyboard with a draft across a hub restart, board ack with the count updated live, axe clean, no sideways scrolling)');
  } finally {
    await browser.close();
  }
});
