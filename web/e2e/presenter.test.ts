// Presenter comfort on a projector (1920×1080): the lobby's PIN, join address and QR code are big, the
// game area goes full screen and back, and a whole game is hosted by keyboard only — Space for the phase's
// next step, S to close a question early — while two players answer on their phones.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { apiToken, answer, joinAsPlayer, readReveal, readStandings, registerHost } from './flows.ts';
import { launchBrowser, screenshotGroup, shot, startServer, textMatching, until, visible, watchErrors, type Server } from './harness.ts';

let server: Server;
let browser: Browser;
const errors: string[] = [];

before(async () => {
  screenshotGroup('presenter');
  server = await startServer('presenter');
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const QUIZ = 'Presenter keys';
const Q1 = 'Which ocean is the largest?';
const Q2 = 'Is the Moon a planet?';
const SLIDE = 'That is all, thanks!';
/** Q2's time limit: long enough to see the 10-second announcement, then the host closes it with S. */
const Q2_SECONDS = 12;

/** Creates the quiz through the REST API (as another client of the account could) and starts a game. */
async function createAndStart(username: string): Promise<{ gameId: string; pin: string }> {
  const token = await apiToken(server.url, username);
  const authed = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
  const quiz = {
    title: QUIZ,
    questions: [
      { kind: 'multiple_choice', text: Q1, answers: ['Atlantic', 'Pacific', 'Indian'], correct: 1, time_limit_secs: 120 },
      { kind: 'true_false', text: Q2, answers: ['True', 'False'], correct: 1, time_limit_secs: Q2_SECONDS },
      { kind: 'slide', text: SLIDE },
    ],
  };
  const created = await fetch(`${server.url}/api/quizzes`, { method: 'POST', headers: authed, body: JSON.stringify(quiz) });
  const body = await created.text();
  assert.equal(created.status, 201, body);
  const { id } = JSON.parse(body) as { id: string };
  const game = await fetch(`${server.url}/api/games`, { method: 'POST', headers: authed, body: JSON.stringify({ quiz_id: id }) });
  const started = await game.text();
  assert.equal(game.status, 201, started);
  const { game_id: gameId, pin } = JSON.parse(started) as { game_id: string; pin: string };
  return { gameId, pin };
}

const HOST_COMMANDS = ['start', 'next', 'skip', 'end', 'lock', 'unlock', 'kick'];

/** The commands the host page sent over its socket, in order. */
function recordCommands(page: Page): string[] {
  const sent: string[] = [];
  page.on('websocket', (ws) => {
    ws.on('framesent', ({ payload }) => {
      try {
        const frame = JSON.parse(String(payload)) as { type?: unknown };
        if (typeof frame.type === 'string' && HOST_COMMANDS.includes(frame.type)) sent.push(frame.type);
      } catch {
        // not JSON
      }
    });
  });
  return sent;
}

async function fullScreenElement(page: Page): Promise<string | null> {
  return page.evaluate(() => {
    const el = document.fullscreenElement;
    return el ? `${el.tagName.toLowerCase()}${el.classList.contains('host-screen') ? '.host-screen' : ''}` : null;
  });
}

/** The focused element's tag and text: focus moves to each new screen's heading. */
async function focused(page: Page): Promise<string> {
  return page.evaluate(() => {
    const el = document.activeElement;
    return el ? `${el.tagName.toLowerCase()}: ${(el.textContent ?? '').trim()}` : '';
  });
}

test('a projector-sized lobby, full screen, and a whole game hosted by keyboard', { timeout: 180_000 }, async () => {
  const context = await browser.newContext({ baseURL: server.url, viewport: { width: 1920, height: 1080 } });
  context.setDefaultTimeout(20_000);
  const host = await context.newPage();
  watchErrors(host, 'host', errors);
  const commands = recordCommands(host);
  await registerHost(host, 'presenter');
  const { gameId, pin } = await createAndStart('presenter');
  // From here on, nothing on the host page is clicked.
  await host.goto(`/host/game/${encodeURIComponent(gameId)}`);

  // ---- lobby on a projector: readable from the back of the room ----------------------------------------
  const pinText = await visible(host.locator('.pin'));
  assert.match(await pinText.innerText(), new RegExp(`Game PIN ${pin.split('').join(' ')}\\s*${pin}$`), 'the PIN, spelled out for screen readers');
  const pinPx = await pinText.evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
  assert.ok(pinPx >= 48, `the PIN is at least 3rem on a projector (${pinPx}px)`);
  const howPx = await host.getByText(/^Join at /).evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
  assert.ok(howPx >= 32, `the join address is large (${howPx}px)`);
  const qr = await visible(host.getByRole('img', { name: 'QR code to join the game' }));
  const box = await qr.boundingBox();
  assert.ok(box, 'the QR code has a box');
  assert.ok(box.height >= 0.4 * 1080, `the QR code is at least 40vh tall (${box.height}px)`);
  assert.ok(Math.abs(box.width - box.height) < 1, `the QR code is square (${box.width}×${box.height})`);
  assert.equal(await qr.getAttribute('shape-rendering'), 'crispEdges', 'crisp modules');
  // Every digit of the PIN is in view: the QR code covers none of them.
  const digits = await pinText.locator('[aria-hidden="true"]').evaluate((el) => {
    const range = document.createRange();
    range.selectNodeContents(el);
    const r = range.getBoundingClientRect();
    return { left: r.left, right: r.right, top: r.top, bottom: r.bottom };
  });
  const apart = digits.right <= box.x || digits.left >= box.x + box.width || digits.bottom <= box.y || digits.top >= box.y + box.height;
  assert.ok(apart, `the PIN (${JSON.stringify(digits)}) and the QR code (${JSON.stringify(box)}) do not overlap`);
  assert.ok(digits.right <= 1920, 'the PIN fits the screen');
  assert.ok((await qr.locator('path').getAttribute('d'))?.startsWith('M'), 'drawn as vector modules');
  await visible(host.getByText('Shortcuts: Space next · S skip'));
  const start = host.getByRole('button', { name: 'Start' });
  assert.equal(await start.getAttribute('aria-keyshortcuts'), 'Space');
  // The lobby's heading has focus: Space with no player does nothing.
  await until(async () => (await focused(host)).startsWith('h1:'), 'the lobby heading focused');
  await host.keyboard.press('Space');
  assert.equal(commands.includes('start'), false, 'Space does not start a game without players');

  // ---- full screen: the F shortcut and the button (pressed with Enter), on and off ----------------------
  const toggle = host.getByRole('button', { name: 'Full screen' });
  assert.equal(await toggle.getAttribute('aria-keyshortcuts'), 'F');
  await host.keyboard.press('f');
  await until(async () => (await fullScreenElement(host)) === 'main.host-screen', 'the game area in full screen');
  await visible(host.getByRole('button', { name: 'Exit full screen' }));
  await shot(host, 'lobby-full-screen');
  await host.keyboard.press('f');
  await until(async () => (await fullScreenElement(host)) === null, 'full screen left');
  await visible(host.getByRole('button', { name: 'Full screen', exact: true }));
  await toggle.focus();
  await host.keyboard.press('Enter');
  await until(async () => (await fullScreenElement(host)) !== null, 'full screen from the button');
  await host.getByRole('button', { name: 'Exit full screen' }).focus();
  await host.keyboard.press('Enter');
  await until(async () => (await fullScreenElement(host)) === null, 'full screen left from the button');
  await visible(host.getByRole('button', { name: 'Full screen', exact: true }));

  const ada = await joinAsPlayer(browser, server.lanUrl, pin, 'Ada');
  const bob = await joinAsPlayer(browser, server.lanUrl, pin, 'Bob');
  watchErrors(ada, 'Ada', errors);
  watchErrors(bob, 'Bob', errors);
  await textMatching(host.getByRole('status'), /^(2 players)$/);
  await shot(host, 'lobby-projector');

  // Space is "next" even with another control focused: it must not press that control.
  await host.getByRole('button', { name: 'Lock lobby' }).focus();
  await host.keyboard.press('Space');

  // ---- question 1: both answer, the question closes by itself -----------------------------------------
  await visible(host.getByRole('heading', { name: Q1 }));
  assert.deepEqual(commands, ['start'], 'Space started the game and did not lock the lobby');
  await until(async () => (await focused(host)) === `h1: ${Q1}`, 'focus on the question');
  assert.equal(await host.getByRole('button', { name: 'Skip' }).getAttribute('aria-keyshortcuts'), 'S Space');
  await textMatching(host.getByRole('status'), /^(0 of 2 answered)$/);
  await answer(ada, 'Pacific');
  await answer(bob, 'Atlantic');
  await visible(host.getByRole('list', { name: 'Answer distribution' }), 45_000);
  await until(async () => (await focused(host)) === `h1: ${Q1}`, 'focus on the reveal heading');
  await textMatching(host.getByRole('status'), /^(1 of 2 got it right)$/);
  assert.equal(await host.getByRole('button', { name: 'Next' }).getAttribute('aria-keyshortcuts'), 'Space');
  await shot(host, 'reveal-1');
  assert.equal((await readReveal(ada)).correct, true);
  assert.equal((await readReveal(bob)).correct, false);

  // Enter with no control focused is "next" too (the heading has focus).
  await host.keyboard.press('Enter');
  await visible(host.getByRole('heading', { name: 'Leaderboard' }));
  await until(async () => (await focused(host)) === 'h1: Leaderboard', 'focus on the leaderboard heading');
  await host.keyboard.press('Space');

  // ---- question 2: one answer, the 10-second announcement, then S closes it early ----------------------
  await visible(host.getByRole('heading', { name: Q2 }));
  await answer(ada, 'False');
  await textMatching(host.getByRole('status'), /^(1 of 2 answered)$/);
  await textMatching(host.locator('[aria-live="polite"]'), /^(10 seconds left)$/, (Q2_SECONDS + 5) * 1000);
  await host.keyboard.press('s');
  await visible(host.getByRole('button', { name: 'Next' }));
  await textMatching(host.getByRole('status'), /^(1 of 1 got it right)$/);
  assert.equal(commands.filter((c) => c === 'skip').length, 1, 'S sent one skip');
  await host.keyboard.press('Space');
  await visible(host.getByRole('heading', { name: 'Leaderboard' }));
  await host.keyboard.press('Space');

  // ---- the closing slide: Space leaves it, straight to the podium ---------------------------------------
  await visible(host.getByRole('heading', { name: SLIDE }));
  assert.equal(await host.getByRole('button', { name: 'Skip' }).count(), 0, 'a slide has nothing to skip');
  await host.keyboard.press('s');
  await host.keyboard.press('Space');
  await visible(host.getByRole('heading', { name: `${QUIZ}: final results` }), 45_000);
  await until(async () => (await focused(host)) === `h1: ${QUIZ}: final results`, 'focus on the podium heading');
  const rows = await readStandings(host);
  assert.deepEqual(
    rows.map((r) => r.nickname),
    ['Ada', 'Bob'],
    'Ada, right twice, wins',
  );
  assert.equal(rows[1]!.score, 0, 'Bob answered wrongly once and not at all once');
  await shot(host, 'podium');
  for (const player of [ada, bob]) await visible(player.getByRole('heading', { name: 'Game over' }));
  assert.deepEqual(
    commands,
    ['start', 'next', 'next', 'skip', 'next', 'next', 'skip', 'skip'],
    'the keyboard sent exactly the game’s steps (the slide is closed, then left)',
  );

  assert.deepEqual(errors, [], 'no errors in the pages');
});
