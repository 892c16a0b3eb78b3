// Accessibility: axe-core (the maintained rule engine behind most accessibility audits) runs on every
// screen of the host and the player, in every phase of a game, for every question type. WCAG 2.x A/AA
// rules; the test fails on any violation of impact "serious" or "critical" and lists them all.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import type { Browser } from 'playwright-core';
import { WCAG_AA, axeViolations } from './axe.ts';
import { apiToken, hostQuiz, joinAsPlayer, registerHost } from './flows.ts';
import { launchBrowser, newContext, screenshotGroup, shot, startServer, visible, watchErrors, type Server } from './harness.ts';

let server: Server;
let browser: Browser;
const errors: string[] = [];
const violations: string[] = [];
const audited: string[] = [];

before(async () => {
  screenshotGroup('a11y');
  server = await startServer('a11y');
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** Runs axe on the page as it is now and records serious/critical violations under `label`. */
async function audit(page: Page, label: string): Promise<void> {
  const found = await axeViolations(page, { tags: [...WCAG_AA, 'best-practice'], impacts: ['serious', 'critical'] });
  for (const v of found) violations.push(`${label}: ${v}`);
  audited.push(label);
  await shot(page, label);
}

const QUIZ = 'Everything at once';
const Q = {
  choice: 'Which planet is the largest?',
  truth: 'The Sun is a star.',
  multi: 'Which of these are prime?',
  typed: 'Capital of France?',
  slider: 'In which year did Apollo 11 land?',
  puzzle: 'From small to large',
  poll: 'Favourite season?',
  cloud: 'One word for space',
  slide: 'Thanks for playing',
};

/** Every kind of question, created through the REST API as another client of the account could. */
async function createQuiz(username: string): Promise<void> {
  const token = await apiToken(server.url, username);
  const questions = [
    { kind: 'multiple_choice', text: Q.choice, answers: ['Mars', 'Jupiter', 'Venus', 'Earth'], correct: 1 },
    { kind: 'true_false', text: Q.truth, correct: 0 },
    { kind: 'multi_select', text: Q.multi, answers: ['2', '3', '4', '5'], correct_answers: [0, 1, 3], partial: true },
    { kind: 'type_answer', text: Q.typed, answers: ['Paris'] },
    { kind: 'slider', text: Q.slider, slider: { min: 1950, max: 2000, step: 1, correct: 1969, tolerance: 2 } },
    { kind: 'puzzle', text: Q.puzzle, answers: ['Atom', 'Molecule', 'Cell', 'Organism'] },
    { kind: 'poll', text: Q.poll, answers: ['Spring', 'Summer', 'Autumn', 'Winter'] },
    { kind: 'word_cloud', text: Q.cloud },
    { kind: 'slide', text: Q.slide },
  ].map((q) => ({ time_limit_secs: 120, ...q }));
  const created = await fetch(`${server.url}/api/quizzes`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ title: QUIZ, show_on_devices: true, questions }),
  });
  assert.equal(created.status, 201, await created.text());
}

test('axe finds no serious or critical violation on any screen, in any phase', { timeout: 300_000 }, async () => {
  // Signed out: the player's join page (empty and with an error), the host's sign-in and registration.
  const anonymous = await (await newContext(browser, server.lanUrl, 'phone')).newPage();
  watchErrors(anonymous, 'anonymous', errors);
  await anonymous.goto('/');
  await visible(anonymous.getByRole('heading', { name: 'Join a game' }));
  await audit(anonymous, 'player-join');
  await anonymous.getByLabel('Game PIN').fill('000000');
  await anonymous.getByLabel('Nickname').fill('Nobody');
  await anonymous.getByRole('button', { name: 'Join' }).click();
  await visible(anonymous.getByRole('alert'));
  await audit(anonymous, 'player-join-error');

  const host = await (await newContext(browser, server.url, 'desktop')).newPage();
  watchErrors(host, 'host', errors);
  await host.goto('/host');
  await visible(host.getByRole('button', { name: 'Register' }));
  await audit(host, 'host-sign-in');
  await registerHost(host, 'teacher');
  await createQuiz('teacher');
  await host.reload();
  await visible(host.getByRole('button', { name: `Host ${QUIZ}`, exact: true }));
  await audit(host, 'host-dashboard');

  // The editor with one question of every kind.
  await host.getByRole('link', { name: `Edit ${QUIZ}` }).first().click();
  await visible(host.getByLabel('Quiz title'));
  await audit(host, 'host-editor');
  await host.getByRole('link', { name: 'Cahoot!' }).click();

  const pin = await hostQuiz(host, QUIZ);
  const player = await joinAsPlayer(browser, server.lanUrl, pin, 'Ada');
  watchErrors(player, 'player', errors);
  await visible(host.getByRole('button', { name: 'Kick Ada' }));
  await audit(host, 'host-lobby');
  await audit(player, 'player-lobby');
  await host.getByRole('button', { name: 'Start' }).click();

  /** One question: audit both screens open, answer with `respond`, audit the reveal and leaderboard. */
  const play = async (name: string, text: string, respond: () => Promise<void>, last = false) => {
    await visible(host.getByRole('heading', { name: text }));
    await visible(player.getByRole('heading', { name: text }).or(player.getByText('Look at the screen')));
    if (name === 'choice') {
      // The "get ready" countdown before the answers open, on both screens.
      await visible(host.getByTestId('get-ready'));
      await audit(host, 'host-get-ready');
      await audit(player, 'player-get-ready');
    }
    await host.getByTestId('get-ready').waitFor({ state: 'detached', timeout: 15_000 });
    await player.getByTestId('get-ready').waitFor({ state: 'detached', timeout: 15_000 });
    await audit(host, `host-question-${name}`);
    await audit(player, `player-question-${name}`);
    await respond();
    if (name === 'slide') {
      await host.getByRole('button', { name: 'Next' }).click();
      return;
    }
    await visible(host.getByRole('button', { name: 'Next' }), 45_000);
    await audit(host, `host-reveal-${name}`);
    await visible(player.getByRole('region', { name: 'Your result' }).or(player.getByRole('heading', { level: 1 })));
    await audit(player, `player-reveal-${name}`);
    await host.getByRole('button', { name: 'Next' }).click();
    await visible(host.getByRole('heading', { name: 'Leaderboard' }));
    if (name === 'choice') {
      await visible(player.getByRole('heading', { name: 'Leaderboard' }));
      await audit(host, 'host-leaderboard');
      await audit(player, 'player-leaderboard');
    }
    if (!last) await host.getByRole('button', { name: 'Next' }).click();
  };
  const tap = (text: string) => player.getByRole('button', { name: text, exact: true }).click();
  const answered = () => visible(player.getByRole('heading', { name: 'Answer sent' }).or(player.getByRole('heading', { name: /^(Correct!|Partly right!|Incorrect|Thanks for answering!)$/ })));

  await play('choice', Q.choice, async () => {
    await tap('Jupiter');
    await answered();
  });
  await play('true-false', Q.truth, async () => {
    await tap('True');
    await answered();
  });
  await play('multi-select', Q.multi, async () => {
    await player.getByRole('checkbox', { name: '2' }).check();
    await player.getByRole('checkbox', { name: '3' }).check();
    await audit(player, 'player-question-multi-select-picked');
    await player.getByRole('button', { name: 'Submit' }).click();
    await answered();
  });
  await play('type-answer', Q.typed, async () => {
    await player.getByRole('textbox', { name: 'Your answer' }).fill('Paris');
    await player.getByRole('button', { name: 'Submit' }).click();
    await answered();
  });
  await play('slider', Q.slider, async () => {
    await player.getByRole('slider', { name: 'Your answer' }).fill('1969');
    await player.getByRole('button', { name: 'Submit 1969' }).click();
    await answered();
  });
  await play('puzzle', Q.puzzle, async () => {
    await player.getByRole('button', { name: 'Submit order' }).click();
    await answered();
  });
  await play('poll', Q.poll, async () => {
    await tap('Summer');
    await answered();
  });
  await play('word-cloud', Q.cloud, async () => {
    await player.getByRole('textbox', { name: 'Your word or short phrase' }).fill('vast');
    await player.getByRole('button', { name: 'Submit' }).click();
    await answered();
  });
  await play('slide', Q.slide, async () => undefined, true);

  await visible(host.getByRole('heading', { name: `${QUIZ}: final results` }), 45_000);
  await audit(host, 'host-podium');
  await visible(player.getByRole('heading', { name: /place|Game over|finished/i }).first(), 45_000);
  await audit(player, 'player-podium');

  // The results page of the finished game.
  await host.getByRole('link', { name: 'Cahoot!' }).click();
  await host.getByRole('link', { name: new RegExp(`^${QUIZ}`) }).first().click();
  await visible(host.getByRole('button', { name: 'Download CSV' }));
  await audit(host, 'host-results');

  assert.ok(audited.length >= 30, `audited ${audited.length} screens`);
  assert.deepEqual(violations, [], `serious or critical violations on ${new Set(violations.map((v) => v.split(':')[0])).size} screen(s):\n${violations.join('\n')}`);
  assert.deepEqual(errors, [], 'no page errors');
});
