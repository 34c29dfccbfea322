// Meetings in the workspace app (issue 5), two people in one headless Chromium: the sign-in
// screen's identity-provider buttons; an administrator schedules a meeting on a desktop
// screen with an attendee picked from the directory by 초성, a conference room (free/busy
// shown) and a project, after a refused booking (the room is taken: 409 booking_overlap shown
// in Korean, then in English, and nothing made); both join it — the attendee from the home
// screen of a 390×844 phone, by keyboard alone — and media flows between them (getStats).
// Then the attendee schedules a meeting by keyboard whose draft survives a hub restart, and
// the administrator edits the attendee's account, reads the audit log and cancels the
// meeting. axe-core checks every new screen on both sizes; screenshots land in the artifacts
// directory.
//
// Usage: node tests/browser/workspace-meetings.test.mjs <hub URL | --hub-bin=PATH> <artifacts dir>

import { hubUrl, launch, main, restartHub, waitFor } from './lib.mjs';
import { ADMIN, api, axeCheck, liveOpen, screen, seed, shot, signIn, watchPage } from './workspace-lib.mjs';
import { callIsLive, joinFromPrejoin, localInput, tabTo } from './workspace-meetings-lib.mjs';

const [target, artifacts] = process.argv.slice(2);
const DESKTOP = { width: 1920, height: 1080 };
const PHONE = { width: 390, height: 844 };
const HOUR = 3_600_000;

main('workspace-meetings', async () => {
  const base = await hubUrl(target);
  const browser = await launch();
  try {
    const admin = await browser.page(DESKTOP);
    const adminWatch = watchPage(admin, 'admin');

    // Sign-in: one button per configured identity provider, starting its flow at the hub.
    // (The list is stubbed here; the flow itself is tested against a test IdP in
    // workspace-api/tests.)
    await admin.route('**/api/v1/auth/providers', (route) => route.fulfill({ contentType: 'application/json',
      body: JSON.stringify({ items: [{ id: 'mois', name_ko: '행정안전부 통합인증', name_en: 'MOIS single sign-on', start_url: '/api/v1/auth/oidc/mois/start' }] }) }));
    await admin.goto(`${base}/app/signin`);
    const sso = admin.getByRole('link', { name: '행정안전부 통합인증(으)로 로그인' });
    await sso.waitFor();
    if ((await sso.getAttribute('href')) !== '/api/v1/auth/oidc/mois/start') throw new Error('the provider button does not start its flow');
    await axeCheck(admin, 'sign-in with a provider');
    await shot(admin, artifacts, 'desktop-signin-sso');
    await admin.unroute('**/api/v1/auth/providers');
    await signIn(admin, base, ADMIN);
    const world = await seed(admin, base);
    const room = await api(admin, base, 'POST', '/rooms', { agency_id: world.mois.id, site: '정부세종청사 6동', name: '영상회의실 1', floor: '3층', capacity: 12, equipment: ['영상회의 코덱'] });
    const project = await api(admin, base, 'POST', '/projects', { name_ko: '국회-세종 영상회의 개선', lead_agency_id: world.mois.id, agency_ids: [world.mois.id, world.nars.id] });

    // The room is taken two days from now; scheduling into that slot is refused.
    const busyStart = Math.ceil((Date.now() + 48 * HOUR) / HOUR) * HOUR;
    const busy = await api(admin, base, 'POST', `/rooms/${room.id}/bookings`, { start_ms: busyStart, end_ms: busyStart + HOUR, title: '장비 점검' });
    await admin.goto(`${base}/app/meetings`);
    await screen(admin, /회의/);
    await admin.getByRole('link', { name: '회의 예약' }).click();
    await screen(admin, /회의 예약/);
    await admin.getByLabel('회의 제목').fill('겹치는 회의');
    await admin.getByLabel('시작 시각').fill(localInput(busyStart + 30 * 60_000));
    await admin.getByLabel('시작 시각').dispatchEvent('change');
    const roomSelect = admin.getByLabel('회의실 예약(선택)');
    await waitFor('the room shown as booked at that time', async () => (await roomSelect.locator('option', { hasText: '예약 있음' }).count()) === 1);
    await roomSelect.selectOption(String(room.id));
    await waitFor('the clash in the free/busy list', async () => (await admin.locator('.freebusy').innerText()).includes('장비 점검'));
    await admin.getByRole('button', { name: '예약', exact: true }).click();
    const error = admin.locator('form .error-box');
    await waitFor('the overlap explained in Korean', async () => /이미 예약/.test(await error.innerText()));
    const errorKo = (await error.innerText()).trim();
    if (errorKo.includes('{') || !/[가-힣]/.test(errorKo)) throw new Error(`the overlap error is not a Korean sentence: ${errorKo}`);
    await axeCheck(admin, 'meeting form with the overlap error');
    await shot(admin, artifacts, 'desktop-meeting-overlap');
    // The same refusal in English after the switch; the form keeps what was typed.
    await admin.getByRole('button', { name: 'Switch to English' }).click();
    await screen(admin, /Schedule a meeting/);
    if ((await admin.getByLabel('Meeting title').inputValue()) !== '겹치는 회의') throw new Error('the language switch lost the typed title');
    await waitFor('the room kept across the switch', async () => (await admin.getByLabel('Book a room (optional)').inputValue()) === String(room.id));
    await admin.getByRole('button', { name: 'Schedule', exact: true }).click();
    await waitFor('the overlap explained in English', async () => /already booked/i.test(await admin.locator('form .error-box').innerText()));
    await admin.getByRole('button', { name: '한국어로 바꾸기' }).click();
    await screen(admin, /회의 예약/);
    const none = await api(admin, base, 'GET', `/meetings?from=${Date.now() - HOUR}`);
    if (none.items.length) throw new Error('a refused meeting was made anyway');
    if ((await api(admin, base, 'GET', `/bookings/${busy.id}`)).cancelled_ms !== null) throw new Error('the other booking changed');

    // Schedule for real: the next half hour, 김민수 found by 초성, the room, the project.
    await admin.getByRole('link', { name: '그만두기' }).click();
    await admin.getByRole('link', { name: '회의 예약' }).click();
    await screen(admin, /회의 예약/);
    if (await admin.getByLabel('회의 제목').inputValue()) throw new Error('the discarded draft came back');
    await admin.getByLabel('회의 제목').fill('부처 합동 영상회의');
    await admin.getByLabel('참석자 찾기').fill('ㄱㅁㅅ');
    const found = admin.locator('.pick-results');
    await waitFor('ㄱㅁㅅ to find 김민수 and 김민서', async () => { const t = await found.innerText(); return t.includes('김민수') && t.includes('김민서'); });
    await found.getByRole('button', { name: /김민수/ }).click();
    await admin.getByRole('button', { name: '참석자에서 빼기: 김민수' }).waitFor();
    await waitFor('the room shown free', async () => (await roomSelect.locator('option', { hasText: '비어 있음' }).count()) === 1);
    await roomSelect.selectOption(String(room.id));
    await waitFor('the room free at that time', async () => (await admin.locator('.picker [role=status]').allInnerTexts()).some((t) => t.includes('비어 있습니다')));
    await admin.getByLabel('연결할 과제').selectOption(String(project.id));
    await axeCheck(admin, 'meeting form');
    await shot(admin, artifacts, 'desktop-meeting-new');
    await admin.getByRole('button', { name: '예약', exact: true }).click();
    await admin.waitForURL(/\/app\/meetings\/\d+$/);
    const meetingId = Number(admin.url().split('/').pop());
    await screen(admin, /부처 합동 영상회의/);
    const facts = admin.locator('.meeting-facts');
    await waitFor('the meeting page with attendee, room and project', async () => {
      const t = await facts.innerText();
      return t.includes('김민수') && t.includes('영상회의실 1') && t.includes('국회-세종 영상회의 개선');
    });
    const stored = await api(admin, base, 'GET', `/meetings/${meetingId}`);
    if (stored.attendees.join() !== String(world.account.id) || stored.booking?.room_id !== room.id || stored.project_id !== project.id) {
      throw new Error(`the meeting was stored wrong: ${JSON.stringify(stored)}`);
    }
    await axeCheck(admin, 'meeting page');
    await shot(admin, artifacts, 'desktop-meeting');
    await admin.getByRole('link', { name: '← 회의 목록' }).click();
    await admin.getByRole('link', { name: '부처 합동 영상회의' }).waitFor();
    await axeCheck(admin, 'meeting list');
    await shot(admin, artifacts, 'desktop-meetings-list');
    await admin.getByRole('link', { name: '홈' }).click();
    const adminHome = admin.locator('section[aria-labelledby="home-meetings"]').getByRole('link', { name: '부처 합동 영상회의' });
    await adminHome.waitFor();
    await axeCheck(admin, 'home with meetings');
    await shot(admin, artifacts, 'desktop-home-meetings');
    await adminHome.click();
    await admin.waitForURL(`${base}/app/meetings/${meetingId}`);
    await screen(admin, /부처 합동 영상회의/);

    // The attendee, on a phone: the meeting is on the home screen; join by keyboard alone.
    const phone = await browser.page(PHONE);
    const phoneWatch = watchPage(phone, 'attendee');
    await signIn(phone, base, world.user);
    await screen(phone, /홈/);
    const homeMeetings = phone.locator('section[aria-labelledby="home-meetings"]');
    await waitFor('the meeting on the home screen', async () => (await homeMeetings.innerText()).includes('부처 합동 영상회의'));
    await liveOpen(phone);
    await axeCheck(phone, 'home with meetings (phone)');
    await shot(phone, artifacts, 'phone-home-meetings');
    // A change by the organiser reaches the home screen live.
    const etag = (await admin.request.get(`${base}/api/v1/meetings/${meetingId}`)).headers().etag;
    const renamed = await admin.request.fetch(`${base}/api/v1/meetings/${meetingId}`, { method: 'PATCH',
      headers: { 'If-Match': etag, 'Content-Type': 'application/json' }, data: JSON.stringify({ title: '부처 합동 영상회의 (예산)' }) });
    if (!renamed.ok()) throw new Error(`PATCH meeting: ${renamed.status()} ${await renamed.text()}`);
    await waitFor('the renamed meeting on the home screen, live', async () => (await homeMeetings.innerText()).includes('(예산)'));
    const joinName = '참여: 부처 합동 영상회의 (예산)';
    await tabTo(phone, `the join button (${joinName})`, async () => phone.evaluate((name) => document.activeElement?.getAttribute('aria-label') === name, joinName));
    await phone.keyboard.press('Enter');
    await phone.waitForURL(/\/m\/m-[^?]+\?token=/);
    // The meeting page is headed by the meeting's title, not the random room name.
    await waitFor('the meeting title as the heading', async () => (await phone.locator('#room-title').innerText()) === '부처 합동 영상회의 (예산)');
    await joinFromPrejoin(phone, true);

    // The organiser joins from the meeting page; each decodes the other's video.
    await admin.getByRole('button', { name: /^참여: / }).click();
    await admin.waitForURL(/\/m\/m-[^?]+\?token=/);
    if (new URL(admin.url()).pathname !== new URL(phone.url()).pathname) throw new Error('the two joined different rooms');
    await joinFromPrejoin(admin, false);
    await callIsLive(phone, 'attendee');
    await callIsLive(admin, 'organiser');
    await admin.screenshot({ path: `${artifacts}/workspace-desktop-meeting-call.png` });
    await phone.screenshot({ path: `${artifacts}/workspace-phone-meeting-call.png` });
    console.log('meetings: both joined from the workspace and decode each other\'s video');
    await phone.click('#btn-leave');
    await admin.click('#btn-leave');
    // The attendee (a member, who may not read accounts) sees the people by name, not "계정 N".
    await phone.goto(`${base}/app/meetings/${meetingId}`);
    await screen(phone, /부처 합동 영상회의/);
    const phoneFacts = phone.locator('.meeting-facts');
    await waitFor('names on the attendee\'s meeting page', async () => {
      const t = await phoneFacts.innerText();
      return t.includes('김민수') && !/계정 \d/.test(t);
    });
    await axeCheck(phone, 'meeting page (phone, attendee)');

    // The attendee schedules a meeting by keyboard on the phone; the hub restarts before it
    // is sent, and the draft (title, attendee) survives a reload.
    await phone.goto(`${base}/app/meetings/new`);
    await screen(phone, /회의 예약/);
    await waitFor('the title focused', async () => phone.evaluate(() => document.activeElement?.getAttribute('name') === 'title'));
    await phone.keyboard.type('현장 점검 회의');
    await tabTo(phone, 'the attendee search', async () => phone.evaluate(() => document.activeElement?.getAttribute('name') === 'attendee_q'));
    await phone.keyboard.type('ㅂㅈㅎ');
    await phone.locator('.pick-results button', { hasText: '박지훈' }).waitFor();
    await phone.keyboard.press('Enter'); // to the first result
    await phone.keyboard.press('Enter'); // choose it
    await waitFor('박지훈 refused for want of an account, in Korean', async () => (await phone.locator('.picker [role=status]').first().innerText()).includes('계정을 찾지 못했습니다'));
    const noOverflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    if (noOverflow > 1) throw new Error(`the meeting form is ${noOverflow}px wider than the phone`);
    await axeCheck(phone, 'meeting form (phone)');
    await shot(phone, artifacts, 'phone-meeting-new');
    if (await restartHub(base)) {
      await waitFor('the stream to come back after the restart', async () => phone.locator('#link-state.link-open').count(), 60_000);
      await phone.reload();
      await waitFor('the draft restored', async () => (await phone.getByLabel('회의 제목').inputValue()) === '현장 점검 회의');
      await phone.getByText('저장하지 않은 초안을 복원했습니다.').waitFor();
      console.log('restart: meeting draft kept, stream reconnected');
    } else {
      console.log('restart: skipped (the hub was started by the caller)');
    }
    await phone.getByLabel('회의 제목').focus();
    await phone.keyboard.press('Enter'); // implicit submission
    await phone.waitForURL(/\/app\/meetings\/\d+$/);
    await screen(phone, /현장 점검 회의/);
    await phone.locator('.meeting-facts').getByText('김민수').first().waitFor();
    await axeCheck(phone, 'meeting page (phone)');
    await shot(phone, artifacts, 'phone-meeting');
    await phone.goto(`${base}/app/meetings`);
    await phone.getByRole('link', { name: '현장 점검 회의' }).waitFor();
    await axeCheck(phone, 'meeting list (phone)');
    await shot(phone, artifacts, 'phone-meetings-list');

    // Admin: the attendee's account edited (name, role), a new password, disabled; the audit log.
    await admin.goto(`${base}/app/admin`);
    await screen(admin, /관리/);
    await admin.getByRole('button', { name: '수정: 김민수' }).click();
    const dialog = admin.locator('dialog');
    await dialog.getByLabel('표시 이름').fill('김민수 사무관');
    await dialog.getByLabel('권한').selectOption('agency_admin');
    await dialog.getByRole('button', { name: '저장' }).click();
    await waitFor('the account saved', async () => (await dialog.locator('[role=status]').first().innerText()).includes('저장했습니다'));
    await dialog.getByLabel('새 비밀번호', { exact: true }).fill('minsu-new-password-2');
    await dialog.getByRole('button', { name: '새 비밀번호 설정' }).click();
    await waitFor('the password set', async () => (await dialog.innerText()).includes('비밀번호를 바꿨습니다'));
    await axeCheck(admin, 'account dialog');
    await shot(admin, artifacts, 'desktop-admin-account');
    await dialog.getByRole('checkbox', { name: '이 계정 사용 중지' }).check();
    await dialog.getByRole('button', { name: '저장' }).click();
    await waitFor('the list to show it disabled', async () => (await admin.locator(`tr[data-account="${world.account.id}"]`).innerText()).includes('사용 중지'));
    const edited = await api(admin, base, 'GET', `/accounts/${world.account.id}`);
    if (edited.display_name !== '김민수 사무관' || edited.role !== 'agency_admin' || edited.disabled_ms === null) throw new Error(`account not edited: ${JSON.stringify(edited)}`);
    await admin.keyboard.press('Escape');
    const audit = admin.locator('section[aria-labelledby="adm-audit"]');
    const more = audit.getByRole('button', { name: '더 보기' });
    // Newest first from the server: the password reset just made is on the first page.
    await audit.getByRole('button', { name: '조건 지우기' }).click(); // read again: the entries made since the screen opened
    const newest = (await api(admin, base, 'GET', '/audit?order=newest&limit=1')).items[0];
    await waitFor('the newest entry first', async () => (await audit.locator('tbody tr').first().innerText()).includes(`#${newest.entity_id}`)
      && (await audit.locator('tbody tr').first().innerText()).includes(newest.action));
    // "More" pages on with the server's cursor.
    for (let i = 0; i < 20 && await more.isVisible(); i += 1) {
      const rows = await audit.locator('tbody tr').count();
      await more.click();
      await waitFor('the next page of the audit log', async () => (await audit.locator('tbody tr').count()) > rows);
    }
    const everything = await audit.locator('tbody tr').count();
    // Server-side filters: the action and the entity id (the attendee's account).
    await audit.getByLabel('동작', { exact: true }).fill('password_reset');
    await audit.getByLabel('대상 번호').fill(String(world.account.id));
    await audit.getByRole('button', { name: '거르기', exact: true }).click();
    await waitFor('the reset in the audit log', async () => {
      const rows = await audit.locator('tbody tr').allInnerTexts();
      return rows.length === 1 && rows[0].includes('김민수') && rows[0].includes('password_reset') ? true : Promise.reject(new Error(`rows: ${rows.join(' / ')}`));
    });
    if (await more.isVisible()) throw new Error('"more" shown for a single filtered entry');
    // A date range with nothing in it (tomorrow on), then a bad actor refused in Korean.
    const tomorrow = new Date(Date.now() + 86_400_000);
    const day = `${tomorrow.getFullYear()}-${String(tomorrow.getMonth() + 1).padStart(2, '0')}-${String(tomorrow.getDate()).padStart(2, '0')}`;
    await audit.getByLabel('시작일').fill(day);
    await audit.getByRole('button', { name: '거르기', exact: true }).click();
    await waitFor('nothing from tomorrow on', async () => (await audit.locator('tbody tr').count()) === 0);
    await audit.getByRole('button', { name: '조건 지우기' }).click();
    await waitFor('the log unfiltered again', async () => (await audit.locator('tbody tr').count()) === Math.min(everything, 50));
    await axeCheck(admin, 'admin with accounts and audit filter');
    await shot(admin, artifacts, 'desktop-admin-accounts');

    // The organiser makes a guest link and copies it; a guest without an account joins with it;
    // the organiser revokes it, and the link lets nobody in any more (told in Korean).
    await admin.goto(`${base}/app/meetings/${meetingId}`);
    await admin.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
    const guestPanel = admin.locator('.guest-panel');
    await waitFor('no guest links yet', async () => (await guestPanel.innerText()).includes('만든 게스트 링크가 없습니다'));
    await guestPanel.getByRole('button', { name: '게스트 링크 만들기' }).click();
    const guestUrl = await admin.locator('.guest-url').inputValue();
    if (!/\/m\/m-[^#?]+#guest=/.test(guestUrl)) throw new Error(`not a guest link: ${guestUrl}`);
    await guestPanel.getByRole('button', { name: '링크 복사' }).click();
    await waitFor('the link copied', async () => (await admin.evaluate(() => navigator.clipboard.readText())) === guestUrl);
    await waitFor('one guest link listed', async () => (await guestPanel.locator('li.guest-link').count()) === 1);
    await axeCheck(admin, 'meeting page with a guest link');
    const guest = await browser.page(PHONE);
    await guest.goto(guestUrl.replace(new URL(guestUrl).origin, base));
    await guest.locator('#pj-name').fill('외부 자문위원');
    await joinFromPrejoin(guest, false);
    await guest.click('#btn-leave');
    await guestPanel.getByRole('button', { name: /^링크 취소/ }).click();
    await waitFor('the link shown revoked', async () => (await guestPanel.locator('li.guest-link').innerText()).includes('취소됨'));
    const links = await api(admin, base, 'GET', `/meetings/${meetingId}/guest-links`);
    if (links.items.length !== 1 || links.items[0].revoked_ms === null) throw new Error(`not revoked: ${JSON.stringify(links)}`);
    await guest.close();
    const late = await browser.page(PHONE);
    await late.goto(guestUrl.replace(new URL(guestUrl).origin, base));
    await late.locator('#pj-name').fill('늦은 손님');
    await late.waitForSelector('gh-prejoin[data-has-video]:not([data-preparing])');
    await late.locator('gh-prejoin button[type=submit]').click();
    await waitFor('the revoked link refused, in Korean', async () => (await late.locator('.prejoin-error').innerText()).includes('주최자가 이 게스트 링크를 취소했습니다'));
    await late.close();

    // The organiser cancels the meeting (two steps); its room is free again.
    await admin.getByRole('button', { name: '회의 취소' }).click();
    await admin.getByRole('button', { name: '취소 확정' }).click();
    await admin.waitForURL(`${base}/app/meetings`);
    await waitFor('the list without the cancelled meeting', async () => {
      const t = await admin.locator('main').innerText();
      return t.includes('내 회의') && !t.includes('부처 합동 영상회의') && !t.includes('불러오는 중');
    });
    const cancelled = await api(admin, base, 'GET', `/meetings/${meetingId}`);
    if (cancelled.cancelled_ms === null) throw new Error('the meeting was not cancelled');
    if ((await api(admin, base, 'GET', `/bookings/${stored.booking.id}`)).cancelled_ms === null) throw new Error('the room stayed booked');

    adminWatch.check();
    phoneWatch.check();
    console.log('browser workspace-meetings test: PASS (provider button, overlap refused in ko/en, meeting with attendee by 초성 + room + project, joined from the phone home screen by keyboard with media both ways, guest link made, copied, used and revoked, names for attendees, draft across a hub restart, account edited, audit newest first with server filters and cursor paging, meeting cancelled, axe clean)');
  } finally {
    await browser.close();
  }
});
