// Bad input shows clear errors: wrong PIN, a nickname already taken (case-insensitively), an empty
// answer in the editor, a wrong password.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { PASSWORD, joinAsPlayer, readPin, registerHost } from './flows.ts';
import { launchBrowser, newContext, screenshotGroup, shot, startServer, textMatching, until, visible, type Server } from './harness.ts';

let server: Server;
let browser: Browser;

before(async () => {
  screenshotGroup('errors');
  server = await startServer('errors');
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function alertText(page: Page): Promise<string> {
  return textMatching(page.getByRole('alert'), /^(\S[\s\S]*)$/);
}

async function phone(): Promise<Page> {
  return (await newContext(browser, server.lanUrl, 'phone')).newPage();
}

test('joining with a wrong PIN shows a clear error', async () => {
  const page = await phone();
  await page.goto('/?pin=999999');
  await page.getByLabel('Nickname').fill('Lost');
  await page.getByRole('button', { name: 'Join' }).click();
  const message = await alertText(page);
  assert.match(message, /pin|game/i, `error names the problem: ${message}`);
  assert.equal(new URL(page.url()).pathname, '/', 'stays on the join form');
  await shot(page, 'player-wrong-pin');
});

test('a taken nickname (any case) and a locked lobby show clear errors; a kicked player is told', async () => {
  const host = await (await newContext(browser, server.url, 'desktop')).newPage();
  await registerHost(host, 'errors-host');
  await host.getByRole('button', { name: 'Create sample quiz' }).click();
  await (await visible(host.getByRole('button', { name: /^Host / }))).click();
  const pin = await readPin(host);

  const zoe = await joinAsPlayer(browser, server.lanUrl, pin, 'Zoe');
  const second = await phone();
  await second.goto(`/?pin=${pin}`);
  await second.getByLabel('Nickname').fill('zOE');
  await second.getByRole('button', { name: 'Join' }).click();
  const message = await alertText(second);
  assert.match(message, /nickname|name|taken|use/i, `error names the problem: ${message}`);
  await shot(second, 'player-duplicate-nickname');
  assert.equal(await host.getByRole('button', { name: /^Kick / }).count(), 1, 'only the first Zoe joined');

  // A locked lobby refuses newcomers; unlocking lets them in again.
  await host.getByRole('button', { name: 'Lock lobby' }).click();
  await visible(host.getByRole('button', { name: 'Unlock lobby' }));
  await second.getByLabel('Nickname').fill('Late');
  await second.getByRole('button', { name: 'Join' }).click();
  const locked = await textMatching(second.getByRole('alert'), /^(.*lock.*)$/i);
  assert.ok(locked.length > 0);
  await shot(second, 'player-locked');
  await host.getByRole('button', { name: 'Unlock lobby' }).click();
  await visible(host.getByRole('button', { name: 'Lock lobby' }));
  await second.getByRole('button', { name: 'Join' }).click();
  await visible(second.getByRole('heading', { name: "You're in! Waiting for the host…" }));

  // Kicked: the player is told, and a reload does not bring them back.
  await host.getByRole('button', { name: 'Kick Zoe' }).click();
  await visible(zoe.getByRole('heading', { name: 'You were removed from the game' }));
  await until(async () => (await host.getByRole('button', { name: 'Kick Zoe' }).count()) === 0, 'Zoe gone from the lobby');
  await shot(zoe, 'player-kicked');
  await zoe.reload();
  await visible(zoe.getByRole('heading', { name: "You're not in a game" }));
});

test('the editor shows the server validation error next to an empty answer', async () => {
  const page = await (await newContext(browser, server.url, 'desktop')).newPage();
  await registerHost(page, 'errors-editor');
  await page.getByRole('link', { name: 'New quiz' }).click();
  await page.getByLabel('Quiz title').fill('Half done');
  await page.getByLabel('Question 1 text', { exact: true }).fill('Pick one');
  await page.getByLabel('Question 1 answer 1', { exact: true }).fill('This one');
  // answer 2 left empty
  await page.getByRole('button', { name: 'Save quiz' }).click();
  const message = await alertText(page);
  assert.match(message, /Question 1 answer 2: .*(empty|blank|required)/i, `the summary names the field: ${message}`);
  const field = page.getByLabel('Question 1 answer 2', { exact: true });
  await until(async () => (await field.getAttribute('aria-invalid')) === 'true', 'answer 2 marked invalid');
  const describedBy = await field.getAttribute('aria-describedby');
  assert.ok(describedBy, 'the field points at its error message');
  const fieldMessage = (await page.locator(`[id="${describedBy}"]`).innerText()).trim();
  assert.match(fieldMessage, /empty|blank|required/i, `message next to the field: ${fieldMessage}`);
  assert.ok(await field.evaluate((el) => el === document.activeElement), 'focus moves to the field');
  assert.equal(await page.getByLabel('Question 1 answer 1', { exact: true }).getAttribute('aria-invalid'), null);
  await shot(page, 'host-editor-validation');
});

test('logging in with a wrong password shows a clear error', async () => {
  const page = await (await newContext(browser, server.url, 'desktop')).newPage();
  await page.goto('/host');
  await page.getByLabel('Username').fill('errors-host');
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD + 'x');
  await page.getByRole('button', { name: 'Log in' }).click();
  const message = await alertText(page);
  assert.match(message, /invalid|incorrect|wrong/i, `error names the problem: ${message}`);
  await shot(page, 'host-wrong-password');
});
