// User journeys shared by the browser tests, driven by role and accessible name.
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { newContext, textMatching, until, visible } from './harness.ts';

export const PASSWORD = 'correct horse battery staple';

/** Signs in through the REST API (as another client of the same account could) and returns the access token. */
export async function apiToken(baseUrl: string, username: string): Promise<string> {
  const login = await fetch(`${baseUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: PASSWORD }),
  });
  assert.equal(login.status, 200, `POST /api/auth/login as ${username}`);
  return ((await login.json()) as { access_token: string }).access_token;
}

export async function registerHost(page: Page, username: string): Promise<void> {
  await page.goto('/host');
  await page.getByRole('button', { name: 'Register' }).click();
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await visible(page.getByRole('heading', { name: 'Dashboard' }));
}

export interface QuestionSpec {
  kind: 'multiple_choice' | 'true_false';
  text: string;
  answers: string[];
  correct: number;
  points?: 'standard' | 'double' | 'none';
  timeLimit?: number;
}

/** Fills question `n` (1-based) of the open editor. */
export async function fillQuestion(page: Page, n: number, q: QuestionSpec): Promise<void> {
  if (q.kind === 'true_false') {
    await page.getByLabel(`Question ${n} type`).selectOption('true_false');
  }
  await page.getByLabel(`Question ${n} text`, { exact: true }).fill(q.text);
  if (q.kind === 'multiple_choice') {
    for (let i = 0; i < q.answers.length; i++) {
      if (i >= 2) await page.getByRole('button', { name: `Add answer to question ${n}` }).click();
      await page.getByLabel(`Question ${n} answer ${i + 1}`, { exact: true }).fill(q.answers[i] ?? '');
    }
  }
  await page.getByLabel(`Question ${n} correct answer ${q.correct + 1}`).check();
  if (q.timeLimit !== undefined) await page.getByLabel(`Question ${n} time limit (seconds)`).fill(String(q.timeLimit));
  if (q.points) await page.getByLabel(`Question ${n} points`).selectOption(q.points);
}

export async function createQuiz(page: Page, title: string, questions: QuestionSpec[]): Promise<void> {
  await page.getByRole('link', { name: 'New quiz' }).click();
  await page.getByLabel('Quiz title').fill(title);
  for (let i = 0; i < questions.length; i++) {
    if (i > 0) await page.getByRole('button', { name: 'Add question' }).click();
    await fillQuestion(page, i + 1, questions[i]!);
  }
  await page.getByRole('button', { name: 'Save quiz' }).click();
  await visible(page.getByRole('status').filter({ hasText: 'Quiz saved.' }));
}

/** Starts a game of the quiz from the dashboard and returns its PIN. */
export async function hostQuiz(page: Page, title: string): Promise<string> {
  if (new URL(page.url()).pathname !== '/host') await page.getByRole('link', { name: 'Cahoot!' }).click();
  await page.getByRole('button', { name: `Host ${title}`, exact: true }).first().click();
  return readPin(page);
}

export async function readPin(page: Page): Promise<string> {
  const link = await visible(page.getByRole('link', { name: /\?pin=\d+/ }));
  const href = (await link.getAttribute('href')) ?? '';
  const pin = new URL(href).searchParams.get('pin');
  assert.ok(pin && /^\d+$/.test(pin), `join link has a PIN: ${href}`);
  return pin;
}

/**
 * A player on their own phone (own browser context) joining through the LAN address. `setup` runs on the
 * new page before it loads (e.g. to attach listeners that must see the first WebSocket).
 */
export async function joinAsPlayer(
  browser: Browser,
  lanUrl: string,
  pin: string,
  nickname: string,
  setup?: (page: Page) => void | Promise<void>,
): Promise<Page> {
  const context = await newContext(browser, lanUrl, 'phone');
  const page = await context.newPage();
  await setup?.(page);
  await page.goto(`/?pin=${pin}`);
  assert.equal(await page.getByLabel('Game PIN').inputValue(), pin, 'PIN prefilled from ?pin=');
  await page.getByLabel('Nickname').fill(nickname);
  await page.getByRole('button', { name: 'Join' }).click();
  await visible(page.getByRole('heading', { name: "You're in! Waiting for the host…" }));
  return page;
}

/** Waits for an answerable question's screen (its clock), then for the end of its "get ready" countdown:
 *  its answer controls are shown. */
export async function answersOpen(page: Page, timeout = 20_000): Promise<void> {
  await visible(page.getByRole('timer').first(), timeout);
  await page.getByTestId('get-ready').waitFor({ state: 'detached', timeout });
}

/** Taps an answer; the last player to answer may go straight to the reveal (the question closes). */
export async function answer(page: Page, text: string): Promise<void> {
  await page.getByRole('button', { name: text, exact: true }).click();
  await visible(page.getByRole('heading', { name: 'Answer sent' }).or(revealHeading(page)));
}

/** Every heading a player's reveal can have (judged kinds, then polls and word clouds, then slides). */
export const REVEAL_HEADINGS = /^(Correct!|Partly right!|Incorrect|Time's up!|Thanks for answering!|Look at the screen)$/;

export function revealHeading(page: Page) {
  return page.getByRole('heading', { name: REVEAL_HEADINGS });
}

/** The score in the player's header bar. */
export async function readScore(page: Page): Promise<number> {
  return Number(await textMatching(page.locator('header'), /Score: (\d+)/));
}

export async function readRank(page: Page): Promise<number> {
  return Number(await textMatching(page.locator('header'), /Rank: (\d+)/));
}

export interface RevealResult {
  correct: boolean;
  points: number;
}

/** Waits for the player's reveal screen and reads it. */
export async function readReveal(page: Page, timeout = 45_000): Promise<RevealResult> {
  const heading = await visible(revealHeading(page), timeout);
  const correct = (await heading.innerText()).trim() === 'Correct!';
  const points = Number(await textMatching(page.locator('main'), /\+(\d+) points/));
  return { correct, points };
}

export interface Row {
  rank: number;
  nickname: string;
  score: number;
}

/** Reads a standings table (caption "Final standings" or "Standings"). */
export async function readStandings(page: Page, caption = 'Final standings'): Promise<Row[]> {
  const table = await visible(page.getByRole('table', { name: caption }));
  return until(async () => {
    const rows = await table.locator('tbody tr').all();
    if (rows.length === 0) return undefined;
    const out: Row[] = [];
    for (const row of rows) {
      const cells = await row.locator('td').allInnerTexts();
      out.push({ rank: Number(cells[0]), nickname: (cells[1] ?? '').trim(), score: Number(cells[2]) });
    }
    return out;
  }, 'standings rows');
}
