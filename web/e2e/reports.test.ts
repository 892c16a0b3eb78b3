// Teachers' reports: the host asks for pupil identifiers, three players join with theirs and answer a known
// pattern, and the game report and the quiz report show the numbers; the print view has no navigation.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { answer, createQuiz, hostQuiz, readStandings, registerHost } from './flows.ts';
import { launchBrowser, newContext, screenshotGroup, shot, startServer, until, visible, watchErrors, type Server } from './harness.ts';

let server: Server;
let browser: Browser;
const errors: string[] = [];

before(async () => {
  screenshotGroup('reports');
  server = await startServer('reports');
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** Joins on a phone: the first try tells the page the game wants a pupil identifier, the second gives it. */
async function joinWithPupilId(pin: string, nickname: string, pupilId: string): Promise<Page> {
  const page = await (await newContext(browser, server.lanUrl, 'phone')).newPage();
  watchErrors(page, nickname, errors);
  await page.goto(`/?pin=${pin}`);
  await page.getByLabel('Nickname').fill(nickname);
  assert.equal(await page.getByLabel('Pupil identifier').count(), 0, 'no pupil field before the game asks');
  await page.getByRole('button', { name: 'Join' }).click();
  await visible(page.getByRole('alert').filter({ hasText: 'This game asks for your pupil identifier' }));
  await page.getByLabel('Pupil identifier').fill(pupilId);
  await page.getByRole('button', { name: 'Join' }).click();
  await visible(page.getByRole('heading', { name: "You're in! Waiting for the host…" }));
  return page;
}

/** The cells of a table's body rows (row header first), as shown. */
async function tableRows(page: Page, name: string): Promise<string[][]> {
  const table = await visible(page.getByRole('table', { name }));
  return until(async () => {
    const rows = await table.locator('tbody tr').all();
    if (rows.length === 0) return undefined;
    const out: string[][] = [];
    for (const row of rows) out.push((await row.locator('th, td').allInnerTexts()).map((t) => t.trim()));
    return out;
  }, `rows of ${name}`);
}

const grouped = (n: number) => n.toLocaleString('en');

test('reports: pupil ids at join, game and quiz report numbers, print view', { timeout: 240_000 }, async () => {
  const host = await (await newContext(browser, server.url, 'desktop')).newPage();
  watchErrors(host, 'host', errors);
  await registerHost(host, 'teacher');
  await createQuiz(host, 'Report quiz', [
    { kind: 'multiple_choice', text: '2 + 2?', answers: ['3', '4', '5'], correct: 1, timeLimit: 60 },
    { kind: 'multiple_choice', text: 'Capital of Italy?', answers: ['Rome', 'Milan', 'Turin'], correct: 0, timeLimit: 60 },
  ]);
  await host.getByRole('link', { name: 'Cahoot!' }).click();
  await host.getByRole('checkbox', { name: 'Require pupil identifier' }).check();
  const pin = await hostQuiz(host, 'Report quiz');

  const players = {
    Ada: await joinWithPupilId(pin, 'Ada', '  Lovelace   Ada '),
    Bob: await joinWithPupilId(pin, 'Bob', 'Brown Bob'),
    Cy: await joinWithPupilId(pin, 'Cy', 'Young Cy'),
  };
  await visible(host.getByRole('button', { name: 'Kick Cy' }));
  // The lobby shows nicknames only: pupil identifiers are for the reports.
  assert.equal(await host.getByText('Lovelace Ada').count(), 0);
  await host.getByRole('button', { name: 'Start' }).click();

  // Question 1: everyone right. Question 2: only Ada right.
  const picks: Record<keyof typeof players, [string, string]> = {
    Ada: ['4', 'Rome'],
    Bob: ['4', 'Milan'],
    Cy: ['4', 'Turin'],
  };
  for (const q of [0, 1] as const) {
    for (const [name, page] of Object.entries(players) as [keyof typeof players, Page][]) {
      await answer(page, picks[name][q]);
    }
    await visible(host.getByRole('button', { name: 'Next' }));
    if (q === 0) {
      await host.getByRole('button', { name: 'Next' }).click();
      await visible(host.getByRole('heading', { name: 'Leaderboard' }));
      await host.getByRole('button', { name: 'Next' }).click();
      await visible(players.Ada.getByRole('button', { name: 'Rome', exact: true }));
    }
  }
  await host.getByRole('button', { name: 'End game' }).click();
  await visible(host.getByRole('heading', { name: /final results$/ }));
  const standings = await readStandings(host);
  const scoreOf = (nick: string) => standings.find((r) => r.nickname === nick)?.score ?? -1;
  assert.equal(standings[0]?.nickname, 'Ada');

  // The game report, from "Past games" (stored when the game ends).
  await host.goto('/host');
  const reportLink = await until(async () => {
    const link = host.getByRole('link', { name: /^Report of Report quiz/ }).first();
    if (await link.isVisible()) return link;
    await host.reload();
    await visible(host.getByRole('heading', { name: 'Dashboard' }));
    return undefined;
  }, 'the report link under Past games');
  await reportLink.click();
  await visible(host.getByRole('heading', { name: 'Game report: Report quiz' }));
  assert.equal(await host.getByTestId('summary-players').innerText(), '3');
  assert.equal(await host.getByTestId('summary-correct').innerText(), '66.7%');
  const hardest = await visible(host.getByRole('list', { name: 'Hardest questions' }));
  const hardestItems = (await hardest.getByRole('listitem').allInnerTexts()).map((t) => t.trim());
  assert.deepEqual(hardestItems, ['Question 2: Capital of Italy? (33.3% correct)', 'Question 1: 2 + 2? (100% correct)']);
  const questions = await tableRows(host, 'Questions');
  assert.deepEqual(
    questions.map((r) => [r[1], r[2], r[3]]),
    [
      ['2 + 2?', '3', '100%'],
      ['Capital of Italy?', '3', '33.3%'],
    ],
  );
  assert.match(questions[0]?.[4] ?? '', /^\d+(\.\d)? s$/, 'average answer time in seconds');
  const playerRows = await tableRows(host, 'Players');
  assert.deepEqual(
    playerRows.map((r) => [r[1], r[2], r[3], r[4]]),
    [
      ['Ada', 'Lovelace Ada', grouped(scoreOf('Ada')), '100%'],
      ...[['Bob', 'Brown Bob'], ['Cy', 'Young Cy']]
        .sort((a, b) => scoreOf(b[0]!) - scoreOf(a[0]!))
        .map(([nick, pupil]) => [nick!, pupil!, grouped(scoreOf(nick!)), '50%']),
    ],
  );
  const answers = await tableRows(host, 'Answers by player');
  const cy = answers.find((r) => r[0] === 'Young Cy');
  assert.ok(cy?.[1]?.startsWith('4') && cy[1].includes('right'), `Cy's first answer: ${cy?.[1]}`);
  assert.ok(cy?.[2]?.startsWith('Turin') && cy[2].includes('wrong'), `Cy's second answer: ${cy?.[2]}`);
  await shot(host, 'game-report');

  // Printing: no navigation bar, no buttons; the report itself stays.
  await host.emulateMedia({ media: 'print' });
  assert.equal(await host.locator('header.topbar').isVisible(), false, 'navigation hidden in print');
  assert.equal(await host.getByRole('button', { name: 'Print' }).isVisible(), false, 'print button hidden in print');
  assert.ok(await host.getByRole('heading', { name: 'Game report: Report quiz' }).isVisible());
  // An A4 page is 794 CSS pixels wide at 96 dpi; the printable width (12 mm margins) is less.
  const screenSize = host.viewportSize();
  await host.setViewportSize({ width: 700, height: 1000 });
  const overflow = await host.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `tables fit an A4 page width in print (overflow ${overflow}px)`);
  await shot(host, 'game-report-print');
  if (screenSize) await host.setViewportSize(screenSize);
  await host.emulateMedia({ media: 'screen' });
  assert.ok(await host.locator('header.topbar').isVisible(), 'navigation back on screen');

  // The quiz report, linked from the game report (and from the quiz list).
  await host.getByRole('link', { name: 'Quiz report: Report quiz' }).click();
  await visible(host.getByRole('heading', { name: 'Quiz report: Report quiz' }));
  const games = await tableRows(host, 'Games');
  assert.equal(games.length, 1);
  assert.deepEqual(games[0]?.slice(1), ['3', grouped(Math.round(((scoreOf('Ada') + scoreOf('Bob') + scoreOf('Cy')) / 3) * 10) / 10), '66.7%']);
  const overTime = await tableRows(host, 'Correct answers per question over time');
  assert.deepEqual(overTime, [
    ['1. 2 + 2?', '100%'],
    ['2. Capital of Italy?', '33.3%'],
  ]);
  const pupils = await tableRows(host, 'Pupils');
  assert.deepEqual(pupils, [
    ['Brown Bob', `${grouped(scoreOf('Bob'))} points · 50%`],
    ['Lovelace Ada', `${grouped(scoreOf('Ada'))} points · 100%`],
    ['Young Cy', `${grouped(scoreOf('Cy'))} points · 50%`],
  ]);
  await shot(host, 'quiz-report');

  // The dashboard's quiz list links the same report.
  await host.getByRole('link', { name: 'Cahoot!' }).click();
  await host.getByRole('link', { name: 'Report for Report quiz' }).click();
  await visible(host.getByRole('heading', { name: 'Quiz report: Report quiz' }));

  assert.deepEqual(errors, []);
});
