// Failover in the browser: a host and two players play through HAProxy on the local cluster (PostgreSQL,
// redis-server, two cahoot instances). Mid-question, after one acknowledged answer, the instance serving
// the host's WebSocket is SIGKILLed. The host's page shows "Reconnecting…", lands on the surviving
// instance and keeps control; the answer given before the crash still counts, the game reaches the podium
// in all three browsers, and the standings agree everywhere and match who answered correctly.
import assert from 'node:assert/strict';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test, type TestContext } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import {
  answer,
  createQuiz,
  hostQuiz,
  joinAsPlayer,
  readReveal,
  readScore,
  readStandings,
  registerHost,
  type QuestionSpec,
  type Row,
} from './flows.ts';
import {
  launchBrowser,
  newContext,
  recordFrames,
  resultsDir,
  screenshotGroup,
  shot,
  startCluster,
  textMatching,
  until,
  visible,
  watchErrors,
  type Cluster,
  type ReceivedFrame,
} from './harness.ts';

let cluster: Cluster | undefined;
let browser: Browser | undefined;
let consoleLog: WriteStream | undefined;
const errors: string[] = [];

before(async () => {
  screenshotGroup('failover');
  // Screenshot numbers depend on the run (the banner is not always on screen long enough to capture):
  // start from a clean set.
  for (const file of await readdir(resultsDir).catch(() => [] as string[])) {
    if (file.startsWith('failover-') && file.endsWith('.png')) await rm(path.join(resultsDir, file), { force: true });
  }
  mkdirSync(resultsDir, { recursive: true });
  consoleLog = createWriteStream(path.join(resultsDir, 'failover-console.log'));
  cluster = await startCluster('failover');
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close().catch(() => undefined);
  await cluster?.stop();
  consoleLog?.end();
});

const QUIZ = 'Failover facts';
// Long time limits: a question must never close by its deadline while the test waits for a reconnect.
const QUESTIONS: QuestionSpec[] = [
  { kind: 'multiple_choice', text: 'Which planet is the largest?', answers: ['Mars', 'Jupiter', 'Venus'], correct: 1, timeLimit: 120 },
  { kind: 'true_false', text: 'The Sun is a star.', answers: ['True', 'False'], correct: 0, timeLimit: 120 },
];
/** Ada: ✓ ✗ (her first answer is acknowledged before the crash); Bob: ✗ ✓ (his first answer comes after it). */
const PLAN: Record<string, string[]> = {
  Ada: ['Jupiter', 'False'],
  Bob: ['Mars', 'True'],
};

/** Every console message of every page, with the time, for the report when something goes wrong. */
function logConsole(page: Page, label: string): void {
  page.on('console', (msg) => consoleLog?.write(`${new Date().toISOString()} ${label} ${msg.type()}: ${msg.text()}\n`));
  page.on('pageerror', (error) => consoleLog?.write(`${new Date().toISOString()} ${label} pageerror: ${error.message}\n`));
}

function welcomes(frames: ReceivedFrame[]): ReceivedFrame[] {
  return frames.filter((f) => f.type === 'welcome');
}

/** The pid of the instance that welcomed the page's current connection. */
function currentInstance(frames: ReceivedFrame[]): number | undefined {
  const last = welcomes(frames).at(-1);
  return last ? Number(last.instance) : undefined;
}

/**
 * Records, inside the page, every time the "Reconnecting…" banner is added to or removed from the DOM, so
 * that even a banner shown for a few milliseconds is seen. A string, because tsx would wrap named functions
 * in a helper that does not exist in the page.
 */
const BANNER_WATCH = `(() => {
  const log = { shown: [], hidden: [] };
  window.__banner = log;
  const has = (node) => node instanceof Element && [node, ...node.querySelectorAll('[role="status"]')]
    .some((el) => el.getAttribute('role') === 'status' && el.textContent.trim() === 'Reconnecting…');
  new MutationObserver((records) => {
    for (const record of records) {
      if ([...record.addedNodes].some(has)) log.shown.push(Date.now());
      if ([...record.removedNodes].some(has)) log.hidden.push(Date.now());
    }
  }).observe(document.body, { childList: true, subtree: true });
})()`;

async function watchBanner(page: Page): Promise<void> {
  await page.evaluate(BANNER_WATCH);
}

async function bannerLog(page: Page): Promise<{ shown: number[]; hidden: number[] }> {
  return page.evaluate(() => (window as unknown as { __banner: { shown: number[]; hidden: number[] } }).__banner);
}

test('SIGKILL of the host\'s instance mid-question: the game completes in all browsers with correct scores', { timeout: 300_000 }, async (t) => {
  assert.ok(cluster && browser);
  const started = Date.now();
  const pages: Record<string, Page> = {};
  try {
    await play(t, cluster, browser, pages);
  } catch (error) {
    for (const [label, page] of Object.entries(pages)) await shot(page, `failure-${label}`);
    throw error;
  } finally {
    t.diagnostic(`test body took ${((Date.now() - started) / 1000).toFixed(1)} s; cluster logs: test-results/failover-cluster/`);
  }
});

async function play(t: TestContext, cluster: Cluster, browser: Browser, pages: Record<string, Page>): Promise<void> {
  const pids = cluster.instances.map((i) => i.pid);
  t.diagnostic(`cluster ${cluster.url}, instances ${cluster.instances.map((i) => `${i.index}=pid ${i.pid}`).join(', ')}`);

  // The host, on the loopback origin through HAProxy.
  const host = await (await newContext(browser, cluster.url, 'desktop')).newPage();
  pages.host = host;
  const hostFrames = recordFrames(host);
  watchErrors(host, 'host', errors);
  logConsole(host, 'host');
  await registerHost(host, 'failover-host');
  await createQuiz(host, QUIZ, QUESTIONS);
  const pin = await hostQuiz(host, QUIZ);
  await visible(host.getByRole('button', { name: 'Start' }));

  // Two players on their phones, through the LAN address of the same HAProxy.
  const frames: Record<string, ReceivedFrame[]> = { host: hostFrames };
  for (const nickname of Object.keys(PLAN)) {
    const page = await joinAsPlayer(browser, cluster.lanUrl, pin, nickname, (p) => {
      frames[nickname] = recordFrames(p);
      watchErrors(p, nickname, errors);
      logConsole(p, nickname);
    });
    pages[nickname] = page;
    await visible(host.getByRole('button', { name: `Kick ${nickname}` }));
  }
  const ada = pages.Ada!;
  const bob = pages.Bob!;
  await textMatching(host.getByRole('status'), /^(2 players)$/);

  // Which instance serves whom (the `instance` of each page's `welcome`).
  const before: Record<string, number> = {};
  for (const [label, f] of Object.entries(frames)) {
    before[label] = await until(() => currentInstance(f), `the ${label}'s welcome`);
    assert.ok(pids.includes(before[label]!), `${label} is served by a cluster instance (pid ${before[label]}, cluster ${pids})`);
  }
  const victim = before.host!;
  t.diagnostic(`before the kill: ${Object.entries(before).map(([l, p]) => `${l} on pid ${p}`).join(', ')}`);
  await shot(host, 'host-lobby');

  await host.getByRole('button', { name: 'Start' }).click();
  const q1 = QUESTIONS[0]!;
  await visible(host.getByRole('heading', { name: q1.text }));
  await textMatching(host.getByRole('status'), /^(0 of 2 answered)$/);

  // Ada answers (correctly) and the server acknowledges it before the crash.
  await visible(ada.getByRole('button', { name: PLAN.Ada![0]!, exact: true }));
  await answer(ada, PLAN.Ada![0]!);
  await until(() => frames.Ada!.some((f) => f.type === 'answer_ack' && f.question_index === 0), "Ada's answer_ack");
  await textMatching(host.getByRole('status'), /^(1 of 2 answered)$/);
  await shot(host, 'host-question-1-before-kill');

  // Crash the instance serving the host.
  await watchBanner(host);
  const welcomesBefore = Object.fromEntries(Object.entries(frames).map(([l, f]) => [l, welcomes(f).length]));
  const killedAt = Date.now();
  process.kill(victim, 'SIGKILL');
  t.diagnostic(`SIGKILL pid ${victim} (the host's instance)`);

  // The host sees the banner, reconnects to the surviving instance and gets its controls back.
  const banner = await until(async () => {
    const log = await bannerLog(host);
    return log.shown.length > 0 ? log : undefined;
  }, 'the host\'s "Reconnecting…" banner', 15_000);
  if (await host.getByRole('status').filter({ hasText: 'Reconnecting…' }).isVisible()) await shot(host, 'host-reconnecting');
  const rewelcome = await until(
    () => welcomes(hostFrames).slice(welcomesBefore.host).find((f) => Number(f.instance) !== victim),
    'a welcome for the host from another instance',
    30_000,
  );
  const survivor = Number(rewelcome.instance);
  assert.ok(pids.includes(survivor) && survivor !== victim, `the host moved to the surviving instance (pid ${survivor})`);
  await host.getByRole('status').filter({ hasText: 'Reconnecting…' }).waitFor({ state: 'hidden' });
  const hidden = (await bannerLog(host)).hidden.find((at) => at >= banner.shown[0]!);
  t.diagnostic(
    `host: banner after ${banner.shown[0]! - killedAt} ms, welcomed by pid ${survivor} after ${rewelcome.at - killedAt} ms` +
      (hidden ? `, banner gone after ${hidden - killedAt} ms` : ''),
  );
  // Still question 1, with Ada's acknowledged answer counted, and the host's controls enabled again.
  await visible(host.getByRole('heading', { name: q1.text }));
  await textMatching(host.getByRole('status').filter({ hasText: 'answered' }), /^(1 of 2 answered)$/);
  const skip = host.getByRole('button', { name: 'Skip' });
  await until(() => skip.isEnabled(), 'the Skip button enabled again');
  await shot(host, 'host-question-1-after-reconnect');

  // Every page that was on the dead instance comes back on the survivor.
  for (const [label, f] of Object.entries(frames)) {
    if (label === 'host' || before[label] !== victim) continue;
    const again = await until(
      () => welcomes(f).slice(welcomesBefore[label]).find((w) => Number(w.instance) !== victim),
      `${label} reconnected to another instance`,
      30_000,
    );
    t.diagnostic(`${label}: welcomed again by pid ${again.instance} after ${again.at - killedAt} ms`);
  }

  // Bob answers (wrongly) after the crash: everyone has answered, the question closes, the host has the reveal.
  await visible(bob.getByRole('button', { name: PLAN.Bob![0]!, exact: true }));
  await answer(bob, PLAN.Bob![0]!);

  const earned: Record<string, number[]> = { Ada: [], Bob: [] };
  for (let q = 0; q < QUESTIONS.length; q++) {
    const spec = QUESTIONS[q]!;
    if (q > 0) {
      await visible(host.getByRole('heading', { name: spec.text }));
      for (const nickname of Object.keys(PLAN)) {
        const page = pages[nickname]!;
        await visible(page.getByRole('button', { name: PLAN[nickname]![q]!, exact: true }));
        await answer(page, PLAN[nickname]![q]!);
      }
    }
    await visible(host.getByRole('button', { name: 'Next' }), 45_000);
    const bars = await visible(host.getByRole('list', { name: 'Answer distribution' }));
    // Every answer counted exactly once, the one acknowledged before the crash included.
    const labels = await bars.getByRole('listitem').evaluateAll((items) => items.map((li) => li.getAttribute('aria-label') ?? ''));
    const expectedLabels = spec.answers.map((text, i) => {
      const count = Object.values(PLAN).filter((choices) => choices[q] === text).length;
      return `${text}: ${count} ${count === 1 ? 'player' : 'players'}${i === spec.correct ? ' (correct)' : ''}`;
    });
    assert.deepEqual(labels, expectedLabels, `answer distribution of question ${q + 1}`);
    await shot(host, `host-reveal-${q + 1}`);
    for (const nickname of Object.keys(PLAN)) {
      const page = pages[nickname]!;
      const result = await readReveal(page);
      const expected = PLAN[nickname]![q] === spec.answers[spec.correct];
      assert.equal(result.correct, expected, `${nickname} question ${q + 1} correct?`);
      if (expected) assert.ok(result.points > 0, `${nickname} gets points for a right answer (question ${q + 1})`);
      else assert.equal(result.points, 0, `${nickname} gets no points for a wrong answer (question ${q + 1})`);
      earned[nickname]!.push(result.points);
      assert.equal(await readScore(page), sum(earned[nickname]!), `${nickname}'s total after question ${q + 1}`);
      await shot(page, `${nickname.toLowerCase()}-reveal-${q + 1}`);
    }
    // Reveal → leaderboard → next question, or the podium after the last one.
    await host.getByRole('button', { name: 'Next' }).click();
    await visible(host.getByRole('heading', { name: 'Leaderboard' }));
    await visible(ada.getByRole('heading', { name: 'Leaderboard' }));
    await visible(bob.getByRole('heading', { name: 'Leaderboard' }));
    await host.getByRole('button', { name: 'Next' }).click();
  }

  // The podium in all three browsers, with the same standings, matching the points of the reveals.
  await visible(host.getByRole('heading', { name: `${QUIZ}: final results` }));
  await visible(host.getByRole('list', { name: 'Podium' }));
  const hostRows = await readStandings(host);
  await shot(host, 'host-podium');
  assert.deepEqual(hostRows.map((r) => r.nickname).sort(), ['Ada', 'Bob']);
  assertRanked(hostRows);
  for (const row of hostRows) {
    assert.equal(row.score, sum(earned[row.nickname]!), `${row.nickname}'s final score`);
    assert.ok(row.score > 0, `${row.nickname} scored with their one right answer`);
  }
  for (const nickname of Object.keys(PLAN)) {
    const page = pages[nickname]!;
    await visible(page.getByRole('heading', { name: 'Game over' }));
    const rows = await readStandings(page);
    assert.deepEqual(rows, hostRows, `${nickname} sees the same standings as the host`);
    const mine = rows.find((r) => r.nickname === nickname)!;
    await textMatching(page.locator('main'), new RegExp(`You finished (#${mine.rank}) of 2`));
    await shot(page, `${nickname.toLowerCase()}-podium`);
  }

  // The finished game was stored (PostgreSQL) with the same results.
  await host.getByRole('link', { name: 'View results' }).click();
  const stored = await readStandings(host, 'Standings');
  assert.deepEqual(stored.map((r) => [r.nickname, r.score]), hostRows.map((r) => [r.nickname, r.score]));
  await shot(host, 'host-results');

  t.diagnostic(`final: ${hostRows.map((r) => `#${r.rank} ${r.nickname} ${r.score}`).join(', ')}`);
  assert.deepEqual(errors, [], 'no errors in the pages');
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

function assertRanked(rows: Row[]): void {
  for (let i = 1; i < rows.length; i++) {
    assert.ok(rows[i - 1]!.score >= rows[i]!.score, 'standings sorted by score');
    assert.ok(rows[i - 1]!.rank <= rows[i]!.rank, 'ranks ascending');
  }
  assert.equal(rows[0]!.rank, 1);
}
