// A full game: a host writes a quiz in the editor, three players on an insecure LAN origin play it to
// the podium, one of them reloads mid-question and keeps score; scores must match who was right.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import {
  answer,
  createQuiz,
  hostQuiz,
  joinAsPlayer,
  readRank,
  readReveal,
  readScore,
  readStandings,
  registerHost,
  type QuestionSpec,
  type Row,
} from './flows.ts';
import { launchBrowser, newContext, screenshotGroup, shot, startServer, textMatching, visible, watchErrors, type Server } from './harness.ts';

let server: Server;
let browser: Browser;
const errors: string[] = [];

before(async () => {
  screenshotGroup('game');
  server = await startServer('game');
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const QUIZ = 'Solar system';
const QUESTIONS: QuestionSpec[] = [
  { kind: 'multiple_choice', text: 'Which planet is the largest?', answers: ['Mars', 'Jupiter', 'Venus'], correct: 1, timeLimit: 60 },
  { kind: 'true_false', text: 'The Sun is a star.', answers: ['True', 'False'], correct: 0, points: 'double', timeLimit: 60 },
  { kind: 'multiple_choice', text: 'How many moons has Mars?', answers: ['One', 'Two', 'Three', 'None'], correct: 1, timeLimit: 60 },
];

/** Who answers what, per question (answer texts). Ada: ✓✗✓, Bob: ✗✓✓, Cy: ✓✓✗ (Cy reloads in question 2). */
const PLAN: Record<string, string[]> = {
  Ada: ['Jupiter', 'False', 'Two'],
  Bob: ['Mars', 'True', 'Two'],
  Cy: ['Jupiter', 'True', 'Three'],
};

test('host and three players play a quiz from the editor to the podium', { timeout: 240_000 }, async () => {
  const hostContext = await newContext(browser, server.url, 'desktop');
  const host = await hostContext.newPage();
  watchErrors(host, 'host', errors);

  await registerHost(host, 'teacher');
  await createQuiz(host, QUIZ, QUESTIONS);
  await shot(host, 'host-editor-saved');
  const pin = await hostQuiz(host, QUIZ);
  await visible(host.getByRole('button', { name: 'Start' }));
  assert.equal(await host.getByRole('button', { name: 'Start' }).isDisabled(), true, 'Start is disabled with no players');
  await visible(host.getByRole('img', { name: 'QR code to join the game' }));

  const players: Record<string, Page> = {};
  for (const nickname of Object.keys(PLAN)) {
    players[nickname] = await joinAsPlayer(browser, server.lanUrl, pin, nickname);
    watchErrors(players[nickname], nickname, errors);
    await visible(host.getByRole('button', { name: `Kick ${nickname}` }));
  }
  const ada = players.Ada!;
  assert.equal(await ada.evaluate(() => window.isSecureContext), false, 'players use an insecure origin');
  await textMatching(host.getByRole('status'), /^(3 players)$/);
  await shot(host, 'host-lobby');
  await shot(ada, 'player-lobby');

  await host.getByRole('button', { name: 'Start' }).click();

  const earned: Record<string, number[]> = { Ada: [], Bob: [], Cy: [] };
  const right: Record<string, boolean[]> = { Ada: [], Bob: [], Cy: [] };

  for (let q = 0; q < QUESTIONS.length; q++) {
    const spec = QUESTIONS[q]!;
    await visible(host.getByRole('heading', { name: spec.text }));
    await textMatching(host.getByRole('status'), /^(0 of 3 answered)$/);
    await shot(host, `host-question-${q + 1}`);

    // Cy answers first in question 2, so the question cannot close while Cy is reloading.
    const order = q === 1 ? ['Cy', 'Ada', 'Bob'] : ['Ada', 'Bob', 'Cy'];
    for (const nickname of order) {
      const page = players[nickname]!;
      await visible(page.getByRole('button', { name: PLAN[nickname]![q]!, exact: true }));
      if (q === 1 && nickname === 'Cy') {
        // Reload mid-question, before answering: score and rank survive, the answer after reload counts.
        const scoreBefore = await readScore(page);
        const rankBefore = await readRank(page);
        await page.reload();
        await visible(page.getByRole('button', { name: PLAN[nickname]![q]!, exact: true }));
        assert.equal(await readScore(page), scoreBefore, 'score after reload equals score before');
        assert.equal(await readRank(page), rankBefore, 'rank after reload equals rank before');
        await shot(page, 'player-after-reload');
      }
      await answer(page, PLAN[nickname]![q]!);
    }
    await shot(ada, `player-answered-${q + 1}`);

    // Everyone answered: the question closes by itself.
    await visible(host.getByRole('button', { name: 'Next' }), 45_000);
    await visible(host.getByRole('list', { name: 'Answer distribution' }));
    await shot(host, `host-reveal-${q + 1}`);
    for (const [nickname, page] of Object.entries(players)) {
      const result = await readReveal(page);
      const expected = PLAN[nickname]![q] === spec.answers[spec.correct];
      assert.equal(result.correct, expected, `${nickname} question ${q + 1} correct?`);
      if (!expected) assert.equal(result.points, 0, `${nickname} gets no points for a wrong answer`);
      else assert.ok(result.points > 0, `${nickname} gets points for a right answer`);
      earned[nickname]!.push(result.points);
      right[nickname]!.push(result.correct);
      const total = earned[nickname]!.reduce((a, b) => a + b, 0);
      assert.equal(await readScore(page), total, `${nickname} total after question ${q + 1}`);
    }
    await shot(players.Cy!, `player-reveal-${q + 1}`);

    // Reveal → leaderboard → next question (or podium after the last one).
    await host.getByRole('button', { name: 'Next' }).click();
    await visible(host.getByRole('heading', { name: 'Leaderboard' }));
    await visible(ada.getByRole('heading', { name: 'Leaderboard' }));
    await shot(host, `host-leaderboard-${q + 1}`);
    await shot(ada, `player-leaderboard-${q + 1}`);
    if (q === 0) {
      // The host reloads: the session comes back through the refresh cookie, the socket through a snapshot.
      await host.reload();
      await visible(host.getByRole('heading', { name: 'Leaderboard' }));
      await visible(host.getByRole('button', { name: 'Next' }));
    }
    await host.getByRole('button', { name: 'Next' }).click();
  }

  // Double points on question 2 mean a right answer there earns more than any standard one could.
  assert.ok(earned.Bob![1]! > 1000 && earned.Cy![1]! > 1000, 'double points question');

  await visible(host.getByRole('heading', { name: `${QUIZ}: final results` }));
  const hostRows = await readStandings(host);
  await shot(host, 'host-podium');
  assert.deepEqual(hostRows.map((r) => r.nickname).sort(), ['Ada', 'Bob', 'Cy']);
  assertRanked(hostRows);
  for (const row of hostRows) {
    assert.equal(row.score, earned[row.nickname]!.reduce((a, b) => a + b, 0), `${row.nickname} final score`);
  }
  await visible(host.getByRole('list', { name: 'Podium' }));

  for (const [nickname, page] of Object.entries(players)) {
    await visible(page.getByRole('heading', { name: 'Game over' }));
    const rows = await readStandings(page);
    assert.deepEqual(rows, hostRows, `${nickname} sees the same standings as the host`);
    const mine = rows.find((r) => r.nickname === nickname)!;
    await textMatching(page.locator('main'), new RegExp(`You finished (#${mine.rank}) of 3`));
    await shot(page, `player-podium-${nickname}`);
  }

  await host.getByRole('link', { name: 'View results' }).click();
  const results = await readStandings(host, 'Standings');
  assert.deepEqual(results.map((r) => [r.nickname, r.score]), hostRows.map((r) => [r.nickname, r.score]));
  await shot(host, 'host-results');

  assert.deepEqual(errors, [], 'no errors in the pages');
});

function assertRanked(rows: Row[]): void {
  for (let i = 1; i < rows.length; i++) {
    assert.ok(rows[i - 1]!.score >= rows[i]!.score, 'standings sorted by score');
    assert.ok(rows[i - 1]!.rank <= rows[i]!.rank, 'ranks ascending');
  }
  assert.equal(rows[0]!.rank, 1);
}
