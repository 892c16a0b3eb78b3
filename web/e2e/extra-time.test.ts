// Extra time: the host grants one pupil more time in the lobby; that phone shows it and may still answer
// after the regular time is up, while a classmate without it is refused; the host's clock counts down to
// the real close.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { answersOpen, apiToken, hostQuiz, joinAsPlayer, readReveal, registerHost } from './flows.ts';
import { launchBrowser, newContext, screenshotGroup, shot, startServer, until, visible, watchErrors, type Server } from './harness.ts';

let server: Server;
let browser: Browser;
const errors: string[] = [];

before(async () => {
  screenshotGroup('extra-time');
  server = await startServer('extra-time');
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const QUIZ = 'Take your time';
const QUESTION = 'Which is the largest ocean?';

async function createQuiz(username: string): Promise<void> {
  const token = await apiToken(server.url, username);
  const created = await fetch(`${server.url}/api/quizzes`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({
      title: QUIZ,
      questions: [{ kind: 'multiple_choice', text: QUESTION, answers: ['Atlantic', 'Pacific'], correct: 1, time_limit_secs: 6 }],
    }),
  });
  assert.equal(created.status, 201, await created.text());
}

/** The seconds a countdown shows. */
async function shownSeconds(page: Page): Promise<number> {
  return Number((await page.getByRole('timer').locator('[aria-hidden="true"]').innerText()).trim());
}

test('a pupil granted extra time answers after the regular time; a classmate without it cannot', { timeout: 120_000 }, async () => {
  const host = await (await newContext(browser, server.url, 'desktop')).newPage();
  watchErrors(host, 'host', errors);
  await registerHost(host, 'teacher');
  await createQuiz('teacher');
  await host.reload();
  const pin = await hostQuiz(host, QUIZ);
  const ada = await joinAsPlayer(browser, server.lanUrl, pin, 'Ada');
  const bob = await joinAsPlayer(browser, server.lanUrl, pin, 'Bob');
  watchErrors(ada, 'Ada', errors);
  watchErrors(bob, 'Bob', errors);

  const grant = host.getByRole('button', { name: 'Extra time for Ada' });
  await visible(grant);
  assert.equal(await grant.getAttribute('aria-pressed'), 'false');
  await grant.click();
  // The toggle shows what the server stored (it comes back in the next snapshot).
  await until(async () => (await grant.getAttribute('aria-pressed')) === 'true', 'extra time granted');
  assert.equal(await host.getByRole('button', { name: 'Extra time for Bob' }).getAttribute('aria-pressed'), 'false');
  await shot(host, 'host-lobby-extra-time');

  await host.getByRole('button', { name: 'Start' }).click();
  await visible(ada.getByRole('heading', { name: QUESTION }));
  await answersOpen(ada);
  await answersOpen(bob);
  await visible(ada.getByText('You have extra time'));
  assert.equal(await bob.getByText('You have extra time').count(), 0, 'Bob has no extra time');
  await visible(host.getByText('Includes 3 s of extra time for some players'));
  // Half of 6 s more: Ada's clock and the host's (the real close) start near 9 s, Bob's near 6 s.
  assert.ok((await shownSeconds(ada)) >= 8, `Ada's clock: ${await shownSeconds(ada)}`);
  assert.ok((await shownSeconds(bob)) <= 6, `Bob's clock: ${await shownSeconds(bob)}`);
  await shot(ada, 'player-extra-time');

  // The regular time is over once the host's clock (counting to the close) shows 2 s or less.
  await until(async () => (await shownSeconds(host)) <= 2, 'the regular time is over', 15_000);
  await bob.getByRole('button', { name: 'Pacific', exact: true }).click();
  await ada.getByRole('button', { name: 'Pacific', exact: true }).click();

  const adaResult = await readReveal(ada);
  assert.equal(adaResult.correct, true, 'Ada answered within her extra time');
  assert.equal(adaResult.points, 500, 'an answer after the regular time earns what the slowest does: half');
  await visible(bob.getByRole('heading', { name: "Time's up!" }));
  await shot(bob, 'player-without-extra-time');
  assert.deepEqual(errors, [], 'no page errors');
});
