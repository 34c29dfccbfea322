// The workspace app on a desktop screen with two people (GUIDE §7 rung 4, issue 5): sign in,
// directory search in Korean (partial and 초성), a project with two agencies and a member found in the directory, tasks added and
// moved by mouse and by keyboard (and seen moving live by the other person), a memo written,
// shared and read by the other person, an announcement posted and acknowledged. axe-core
// checks every main screen; screenshots land in the artifacts directory.
//
// Usage: node tests/browser/workspace.test.mjs <hub URL | --hub-bin=PATH> <artifacts dir>

import { hubUrl, launch, main, waitFor } from './lib.mjs';
import { ADMIN, api, axeCheck, liveOpen, screen, seed, shot, signIn, watchPage } from './workspace-lib.mjs';

const [target, artifacts] = process.argv.slice(2);
const DESKTOP = { width: 1920, height: 1080 };

main('workspace', async () => {
  const base = await hubUrl(target);
  const browser = await launch();
  try {
    const admin = await browser.page(DESKTOP);
    const adminWatch = watchPage(admin, 'admin');

    // Sign-in: a wrong password is explained in Korean, never as raw JSON.
    await admin.goto(`${base}/app/projects`);
    await admin.waitForURL(/\/app\/signin\?next=/);
    await axeCheck(admin, 'sign-in');
    await shot(admin, artifacts, 'desktop-signin');
    await admin.getByLabel('아이디').fill(ADMIN.login);
    await admin.getByLabel('비밀번호').fill('wrong-password');
    await admin.getByRole('button', { name: '로그인' }).click();
    const error = admin.locator('.error-box');
    await error.waitFor();
    const errorText = (await error.innerText()).trim();
    if (!/[가-힣]/.test(errorText) || errorText.includes('{')) throw new Error(`sign-in error not a Korean sentence: ${errorText}`);
    await admin.getByLabel('비밀번호').fill(ADMIN.password);
    await admin.getByRole('button', { name: '로그인' }).click();
    await admin.waitForURL(/\/app\/projects$/); // back where the guard sent us from
    const world = await seed(admin, base);

    // Directory: two-syllable partial and initial consonants, then a person card.
    await admin.goto(`${base}/app/directory`);
    await screen(admin, /직원 찾기/);
    const search = admin.getByLabel('이름, 초성 또는 이메일');
    const results = admin.locator('.people');
    await search.fill('민수');
    await waitFor('민수 to find 김민수 and 이민수', async () => {
      const t = await results.innerText();
      return t.includes('김민수') && t.includes('이민수') && !t.includes('박지훈');
    });
    await search.fill('ㄱㅁㅅ');
    await waitFor('ㄱㅁㅅ to find 김민수 and 김민서 only', async () => {
      const t = await results.innerText();
      return t.includes('김민수') && t.includes('김민서') && !t.includes('이민수');
    });
    await results.getByRole('button', { name: /김민수/ }).click();
    const card = admin.locator('.person');
    await waitFor('the person card', async () => (await card.innerText()).includes('044-205-1234'));
    for (const fact of ['minsu.kim@mois.go.kr', '협업정책과', '정부세종청사 7동', '행정안전부']) {
      if (!(await card.innerText()).includes(fact)) throw new Error(`person card lacks ${fact}`);
    }
    await waitFor('the unit tree', async () => (await admin.locator('.tree').innerText()).includes('협업정책과'));
    await axeCheck(admin, 'directory');
    await shot(admin, artifacts, 'desktop-directory');

    // A project led by one agency with a second one taking part, and a member from the first.
    await admin.goto(`${base}/app/projects`);
    await screen(admin, /공동 과제/);
    await admin.getByRole('button', { name: '새 과제' }).click();
    await admin.getByLabel('과제 이름(한국어)').fill('탄소중립 공동 과제');
    await admin.getByLabel('주관 기관').selectOption(String(world.mois.id));
    await admin.getByRole('checkbox', { name: '국회사무처' }).check();
    await axeCheck(admin, 'projects with the new-project form');
    await shot(admin, artifacts, 'desktop-projects');
    await admin.getByRole('button', { name: '과제 만들기' }).click();
    await admin.waitForURL(/\/app\/projects\/\d+$/);
    const projectUrl = admin.url();
    await screen(admin, /탄소중립 공동 과제/);
    const agencies = admin.locator('section[aria-labelledby="p-agencies"]');
    await waitFor('both agencies on the project page', async () => {
      const t = await agencies.innerText();
      return t.includes('행정안전부') && t.includes('국회사무처');
    });
    // The member is found in the directory by name; the picker resolves the account.
    const membersPanel = admin.locator('section[aria-labelledby="p-members"]');
    await membersPanel.getByLabel('이름이나 초성으로 찾기').fill('민수');
    await membersPanel.locator('.pick-results').getByRole('button', { name: /^김민수/ }).click();
    await waitFor('김민수 chosen for the project', async () => (await membersPanel.locator('.picker [role=status]').innerText()).includes('김민수 님을 골랐습니다'));
    await membersPanel.getByRole('button', { name: '추가' }).click();
    await waitFor('김민수 among the members', async () => (await admin.locator('section[aria-labelledby="p-members"] > ul.list').innerText()).includes('김민수'));

    // Tasks: add two through the form.
    for (const title of ['보고서 초안', '예산 검토']) {
      await admin.getByLabel('새 할 일').fill(title);
      await admin.locator('form.new-task').getByRole('button', { name: '추가' }).click();
      await admin.locator('.task-card', { hasText: title }).waitFor();
    }

    // The second person opens the same board.
    const user = await browser.page(DESKTOP);
    const userWatch = watchPage(user, 'user');
    await signIn(user, base, world.user);
    await user.goto(projectUrl);
    await user.locator('.task-card', { hasText: '보고서 초안' }).waitFor();
    await liveOpen(user);
    await liveOpen(admin);

    // Mouse: drag 보고서 초안 from 할 일 to 진행 중; the other board follows live.
    const inColumn = (/** @type {import('playwright-core').Page} */ page, /** @type {string} */ column, /** @type {string} */ title) =>
      page.locator(`ol[data-column="${column}"] .task-card`, { hasText: title }).count();
    await admin.locator('.task-card', { hasText: '보고서 초안' }).dragTo(admin.locator('ol[data-column="doing"]'));
    await waitFor('the dragged card in 진행 중', () => inColumn(admin, 'doing', '보고서 초안'));
    await waitFor('the other person to see the card move live', () => inColumn(user, 'doing', '보고서 초안'));

    // Keyboard: the second person moves 예산 검토 right twice, then up above nothing (stays).
    await user.locator('.task-card', { hasText: '예산 검토' }).getByRole('button').focus();
    await user.keyboard.press('Shift+ArrowRight');
    await waitFor('the keyboard move to 진행 중', () => inColumn(user, 'doing', '예산 검토'));
    await user.keyboard.press('Shift+ArrowUp'); // focus stays on the moved card: reorder above 보고서 초안
    await waitFor('예산 검토 first in 진행 중', async () => (await user.locator('ol[data-column="doing"] .task-card').first().innerText()).includes('예산 검토'));
    await user.keyboard.press('Shift+ArrowRight');
    await waitFor('the keyboard move to 검토', () => inColumn(user, 'review', '예산 검토'));
    await waitFor('the admin to see the keyboard move live', () => inColumn(admin, 'review', '예산 검토'));
    await axeCheck(admin, 'project board');
    await shot(admin, artifacts, 'desktop-project');

    // Task detail: comment, then see comment and history.
    await admin.locator('.task-card', { hasText: '보고서 초안' }).getByRole('button').click();
    const dialog = admin.locator('dialog');
    await dialog.waitFor();
    await dialog.getByLabel('댓글 쓰기').fill('초안은 금요일까지 올리겠습니다.');
    await dialog.getByRole('button', { name: '댓글 달기' }).click();
    await waitFor('the comment', async () => (await dialog.locator('.comments').innerText()).includes('금요일'));
    await waitFor('the move in the history', async () => (await dialog.locator('.history').innerText()).includes('→'));
    await dialog.getByLabel('마감일').fill('2031-03-14');
    await dialog.getByRole('checkbox', { name: '김민수' }).check();
    await dialog.getByRole('button', { name: '저장' }).click();
    await waitFor('the task saved', async () => (await dialog.locator('[role=status]').innerText()).includes('저장'));
    await axeCheck(admin, 'task dialog');
    await shot(admin, artifacts, 'desktop-task');
    await admin.keyboard.press('Escape');

    // Memo: write with formatting, share with the second person as reader.
    await admin.goto(`${base}/app/memos/new`);
    await admin.getByLabel('제목', { exact: true }).fill('세종-국회 협의 메모');
    const body = admin.getByRole('textbox', { name: '본문' });
    await body.click();
    await admin.getByRole('button', { name: '굵게' }).click();
    await admin.keyboard.type('중요: ');
    await admin.getByRole('button', { name: '굵게' }).click();
    await admin.keyboard.type('다음 주 화요일 영상회의에서 예산안을 논의합니다.');
    await admin.getByRole('button', { name: '저장' }).click();
    await admin.waitForURL(/\/app\/memos\/\d+$/);
    const memoUrl = admin.url();
    await admin.getByRole('button', { name: '공유' }).click();
    const share = admin.locator('dialog');
    // The person is found in the directory by 초성; one without an account is told so.
    await share.getByLabel('이름이나 초성으로 찾기').fill('ㄱㅁㅅ');
    await share.locator('.pick-results').getByRole('button', { name: /김민서/ }).click();
    await waitFor('no account for 김민서, in Korean', async () => (await share.locator('.picker [role=status]').innerText()).includes('김민서 님의 govhub 계정을 찾지 못했습니다'));
    await share.locator('.pick-results').getByRole('button', { name: /김민수/ }).click();
    await waitFor('김민수 chosen', async () => (await share.locator('.picker [role=status]').innerText()).includes('김민수 님을 골랐습니다'));
    await share.getByRole('button', { name: '추가' }).click();
    await waitFor('the new entry by name', async () => (await share.locator('.share-list').innerText()).includes('김민수'));
    await share.locator('.share-list', { hasText: '사람' }).waitFor();
    await axeCheck(admin, 'memo sharing dialog');
    await shot(admin, artifacts, 'desktop-memo-share');
    await share.getByRole('button', { name: '공유 저장' }).click();
    await share.waitFor({ state: 'detached' });
    // Opened again, the share list names the person (the API's `name`), not an account number.
    await admin.getByRole('button', { name: '공유' }).click();
    await waitFor('the share list by name', async () => (await admin.locator('dialog .share-list').innerText()).includes('김민수'));
    if (/#\d/.test(await admin.locator('dialog .share-list').innerText())) throw new Error('the share list shows an account number');
    await axeCheck(admin, 'memo share dialog with names');
    await admin.keyboard.press('Escape');
    await admin.locator('dialog').waitFor({ state: 'detached' });
    await axeCheck(admin, 'memo editor');
    await shot(admin, artifacts, 'desktop-memo');

    // The second person sees it on their home screen (live) and reads it.
    await user.goto(`${base}/app/`);
    await screen(user, /홈/);
    await waitFor('the shared memo on the home screen', async () => (await user.locator('section[aria-labelledby="home-memos"]').innerText()).includes('세종-국회 협의 메모'));
    await user.getByRole('link', { name: '세종-국회 협의 메모' }).click();
    await user.waitForURL(memoUrl);
    const readBody = user.getByRole('textbox', { name: '본문' });
    await waitFor('the memo text as reader', async () => (await readBody.innerText()).includes('예산안'));
    if ((await readBody.locator('strong, b').count()) < 1) throw new Error('the bold text did not survive');
    if ((await readBody.getAttribute('contenteditable')) !== 'false') throw new Error('a reader could edit the memo');
    await user.goto(`${base}/app/memos`);
    await user.getByRole('link', { name: '세종-국회 협의 메모' }).waitFor();
    await axeCheck(user, 'memo list');
    await shot(user, artifacts, 'desktop-memos');

    // Board: the admin posts a pinned announcement to everyone; the other person acknowledges.
    await admin.goto(`${base}/app/board`);
    await screen(admin, /게시판/);
    await admin.locator('summary', { hasText: '공지 쓰기' }).click();
    await admin.getByLabel('제목').fill('정부세종청사 영상회의실 점검 안내');
    await admin.getByLabel('내용').fill('3월 14일 오후 영상회의실을 점검합니다.\n\n회의 일정을 확인해 주세요.');
    await admin.getByLabel('맨 위에 고정').check();
    await admin.locator('form').getByRole('button', { name: '공지 쓰기' }).click();
    await admin.locator('.news-item', { hasText: '영상회의실 점검' }).waitFor();
    await user.goto(`${base}/app/board`);
    const item = user.locator('.news-item', { hasText: '영상회의실 점검' });
    await item.waitFor();
    if (!(await item.innerText()).includes('고정')) throw new Error('the announcement is not shown pinned');
    await item.getByRole('button', { name: /확인/ }).click();
    await waitFor('the acknowledgement', async () => (await item.innerText()).includes('확인함') && (await item.innerText()).includes('1명 확인'));
    await axeCheck(user, 'board');
    await shot(user, artifacts, 'desktop-board');

    // Home of the second person: the task assigned to them with its due date, the news.
    await user.goto(`${base}/app/`);
    await waitFor('my task on the home screen', async () => (await user.locator('section[aria-labelledby="home-tasks"]').innerText()).includes('보고서 초안'));
    await waitFor('the announcement on the home screen', async () => (await user.locator('section[aria-labelledby="home-news"]').innerText()).includes('영상회의실 점검'));
    await axeCheck(user, 'home');
    await shot(user, artifacts, 'desktop-home');

    // Admin screens, the meetings screen, and the language switch.
    await admin.goto(`${base}/app/admin`);
    await screen(admin, /관리/);
    await admin.locator('table.audit tbody tr').first().waitFor();
    await axeCheck(admin, 'admin');
    await shot(admin, artifacts, 'desktop-admin');
    await admin.goto(`${base}/app/meetings`);
    await screen(admin, /회의/);
    await axeCheck(admin, 'meetings');
    await shot(admin, artifacts, 'desktop-meetings');
    await admin.getByRole('button', { name: 'Switch to English' }).click();
    await admin.getByRole('link', { name: 'Directory' }).waitFor();
    await screen(admin, /Meetings/);

    // Sign out: the next visit asks to sign in again.
    await user.getByRole('button', { name: '로그아웃' }).click();
    await user.waitForURL(/\/app\/signin/);
    await user.goto(`${base}/app/memos`);
    await user.waitForURL(/\/app\/signin/);
    const me = await user.request.get(`${base}/api/v1/auth/me`);
    if (me.status() !== 401) throw new Error(`still signed in after sign-out (${me.status()})`);

    adminWatch.check();
    userWatch.check();
    await api(admin, base, 'GET', '/auth/me');
    console.log('browser workspace test: PASS (sign-in, directory 민수/ㄱㅁㅅ, project with two agencies and a member found in the directory, drag and keyboard moves seen live, memo shared (person found by 초성, account looked up, names in the share list) and read, announcement acknowledged, axe clean)');
  } finally {
    await browser.close();
  }
});
