// The quickest path: a new host creates the sample quiz with one click and plays it with one player,
// using Skip and End game; the finished game then appears under "Past games" with its results.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { answersOpen, joinAsPlayer, readPin, readReveal, readStandings, registerHost } from './flows.ts';
import { launchBrowser, newContext, screenshotGroup, shot, startServer, until, visible, watchErrors, type Server } from './harness.ts';

let server: Server;
let browser: Browser;
const errors: string[] = [];

before(async () => {
  screenshotGroup('sample');
  server = await startServer('sample');
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('sample quiz: one click to a playable game, ended early by the host', { timeout: 180_000 }, async () => {
  const host = await (await newContext(browser, server.url, 'desktop')).newPage();
  watchErrors(host, 'host', errors);
  await registerHost(host, 'quickstart');

  await host.getByRole('button', { name: 'Create sample quiz' }).click();
  const hostButton = await visible(host.getByRole('button', { name: /^Host / }));
  await shot(host, 'host-dashboard');
  await hostButton.click();
  const pin = await readPin(host);

  const player = await joinAsPlayer(browser, server.lanUrl, pin, 'Solo');
  watchErrors(player, 'player', errors);
  await visible(host.getByRole('button', { name: 'Kick Solo' }));
  await host.getByRole('button', { name: 'Start' }).click();

  // Question 1: the player answers whatever is first; the question closes as everyone answered.
  await answersOpen(player);
  const firstAnswer = await visible(player.getByRole('main').getByRole('button').first());
  await shot(player, 'player-question');
  await firstAnswer.click();
  const first = await readReveal(player);
  await visible(host.getByRole('button', { name: 'Next' }));
  await shot(host, 'host-reveal');

  // Next through the leaderboard to question 2; the player does not answer and the host skips it.
  await host.getByRole('button', { name: 'Next' }).click();
  await visible(host.getByRole('heading', { name: 'Leaderboard' }));
  await host.getByRole('button', { name: 'Next' }).click();
  await visible(host.getByRole('button', { name: 'Skip' }));
  await answersOpen(player);
  await visible(player.getByRole('main').getByRole('button').first());
  await host.getByRole('button', { name: 'Skip' }).click();
  const second = await readReveal(player);
  assert.equal(second.points, 0, 'no answer, no points');
  await shot(player, 'player-timeout');

  await host.getByRole('button', { name: 'End game' }).click();
  await visible(host.getByRole('heading', { name: /final results$/ }));
  const rows = await readStandings(host);
  assert.deepEqual(rows, [{ rank: 1, nickname: 'Solo', score: first.points }]);
  await visible(player.getByRole('heading', { name: 'Game over' }));
  assert.deepEqual(await readStandings(player), rows);
  await shot(host, 'host-podium');
  await shot(player, 'player-podium');

  // The finished game is listed under "Past games" (stored when it ends) and links to its results.
  await host.getByRole('link', { name: 'Back to dashboard' }).click();
  const pastGame = await until(async () => {
    const link = host.getByRole('list', { name: 'Past games' }).getByRole('link').first();
    if (await link.isVisible()) return link;
    await host.reload();
    await visible(host.getByRole('heading', { name: 'Dashboard' }));
    return undefined;
  }, 'the game under Past games');
  await pastGame.click();
  assert.deepEqual(
    (await readStandings(host, 'Standings')).map((r) => [r.nickname, r.score]),
    [['Solo', first.points]],
  );
  await shot(host, 'host-results');

  assert.deepEqual(errors, [], 'no errors in the pages');
});
