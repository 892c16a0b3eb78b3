// Game feel: synthesized sounds that wait for a gesture and obey a remembered mute toggle, animations
// that switch off for reduced motion, and the nickname generator in English and German.
// Sound is observed without hearing it: <html data-audio data-audio-context data-sounds-played
// data-last-sound> (src/lib/sound.ts).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { LEXICONS, NICKNAME_MAX, namesFor, suggestNickname } from '../src/lib/nicknames.ts';
import { createQuiz, hostQuiz, joinAsPlayer, registerHost, type QuestionSpec } from './flows.ts';
import { launchBrowser, newContext, screenshotGroup, shot, startServer, until, visible, watchErrors, type Server } from './harness.ts';

let server: Server;
let browser: Browser;
const errors: string[] = [];

before(async () => {
  screenshotGroup('feel');
  server = await startServer('feel');
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

interface Audio {
  audio: string | undefined;
  context: string | undefined;
  played: number;
  last: string | undefined;
}

async function audio(page: Page): Promise<Audio> {
  return page.evaluate(() => {
    const d = document.documentElement.dataset;
    return { audio: d.audio, context: d.audioContext, played: Number(d.soundsPlayed ?? 0), last: d.lastSound };
  });
}

/** Waits until the page's audio state satisfies `ok`, and returns it. */
async function audioUntil(page: Page, what: string, ok: (a: Audio) => boolean): Promise<Audio> {
  return until(async () => {
    const a = await audio(page);
    return ok(a) ? a : undefined;
  }, what);
}

const muteButton = (page: Page) => page.getByRole('button', { name: 'Mute sounds' });

async function style(page: Page, selector: string, property: 'animationName' | 'transitionDuration'): Promise<string> {
  return page.locator(selector).first().evaluate((el, prop) => getComputedStyle(el)[prop], property);
}

const QUIZ = 'Feel quiz';
const QUESTIONS: QuestionSpec[] = [
  { kind: 'multiple_choice', text: 'Which one ticks?', answers: ['Clock', 'Stone'], correct: 0, timeLimit: 7 },
];

test('sounds wait for a gesture, play per phase, and a remembered mute silences them', { timeout: 180_000 }, async () => {
  const hostContext = await newContext(browser, server.url, 'desktop');
  const host = await hostContext.newPage();
  watchErrors(host, 'host', errors);
  await registerHost(host, 'feelhost');
  await createQuiz(host, QUIZ, QUESTIONS);
  const pin = await hostQuiz(host, QUIZ);

  // A fresh host page: the lobby is open, but nothing may sound before a gesture on it.
  await host.reload();
  await visible(host.getByRole('button', { name: 'Start' }));
  assert.deepEqual(await audio(host), { audio: 'locked', context: 'none', played: 0, last: undefined }, 'host locked');

  // Players join (their Join click is a gesture on that page: sound is ready when the game screen opens).
  const ada = await joinAsPlayer(browser, server.lanUrl, pin, 'Ada');
  const bob = await joinAsPlayer(browser, server.lanUrl, pin, 'Bob');
  watchErrors(ada, 'Ada', errors);
  watchErrors(bob, 'Bob', errors);
  await audioUntil(bob, 'Bob on after his Join click', (a) => a.audio === 'on' && a.context === 'running');
  assert.equal((await audio(bob)).played, 0, 'a player hears nothing in the lobby');
  await visible(host.getByRole('button', { name: 'Kick Bob' }));
  assert.deepEqual(await audio(host), { audio: 'locked', context: 'none', played: 0, last: undefined }, 'still locked');

  // Ada reloads: a new page, locked until she touches it.
  await ada.reload();
  await visible(ada.getByRole('heading', { name: "You're in! Waiting for the host…" }));
  assert.deepEqual(await audio(ada), { audio: 'locked', context: 'none', played: 0, last: undefined }, 'Ada locked');
  await ada.getByRole('heading', { name: "You're in! Waiting for the host…" }).click();
  await audioUntil(ada, 'Ada on after a tap', (a) => a.audio === 'on' && a.context === 'running');

  // The host's first click starts the lobby music.
  await host.getByText(QUIZ, { exact: true }).first().click();
  const hostOn = await audioUntil(host, 'lobby music', (a) => a.audio === 'on' && a.played > 0);
  assert.deepEqual(hostOn, { audio: 'on', context: 'running', played: 1, last: 'music' });
  await shot(host, 'host-lobby-sound-on');

  // Mute stops the music; unmute starts it again; the host mutes for the rest of the game.
  assert.equal(await muteButton(host).getAttribute('aria-pressed'), 'false');
  await muteButton(host).click();
  await audioUntil(host, 'host muted', (a) => a.audio === 'muted');
  assert.equal(await muteButton(host).getAttribute('aria-pressed'), 'true');
  await muteButton(host).click();
  await audioUntil(host, 'music again', (a) => a.audio === 'on' && a.played === 2 && a.last === 'music');
  await muteButton(host).click();
  await audioUntil(host, 'host muted again', (a) => a.audio === 'muted');

  // Ada mutes, and the choice survives a reload (before any gesture on the new page).
  await muteButton(ada).click();
  await audioUntil(ada, 'Ada muted', (a) => a.audio === 'muted');
  await ada.reload();
  await visible(ada.getByRole('heading', { name: "You're in! Waiting for the host…" }));
  assert.equal((await audio(ada)).audio, 'muted', 'mute remembered after a reload');
  assert.equal(await muteButton(ada).getAttribute('aria-pressed'), 'true');
  await ada.getByRole('heading', { name: "You're in! Waiting for the host…" }).click();
  assert.equal((await audio(ada)).audio, 'muted', 'a tap does not unmute');

  const hostBefore = (await audio(host)).played;
  const bobBefore = (await audio(bob)).played;
  await host.getByRole('button', { name: 'Start' }).click();
  await visible(bob.getByRole('button', { name: 'Clock', exact: true }));
  await shot(bob, 'player-question');
  // Nobody answers: the question runs out; Bob's phone ticks through the last five seconds.
  await audioUntil(bob, 'countdown ticks', (a) => a.last === 'tick' && a.played >= bobBefore + 3);

  // The answers close: Bob's phone chimes; the host shows the reveal with growing bars.
  await visible(host.getByRole('list', { name: 'Answer distribution' }), 30_000);
  const bobRevealed = await audioUntil(bob, 'closed chime', (a) => a.last === 'closed');
  assert.ok(bobRevealed.played >= bobBefore + 4, `ticks then the chime: ${bobRevealed.played - bobBefore} sounds`);
  await visible(ada.getByRole('heading', { name: "Time's up!" }));
  assert.equal(await style(host, '.bars .bar', 'animationName'), 'feel-grow', 'bars grow');
  assert.equal(await style(host, '.grid .tile.correct', 'animationName'), 'feel-pop', 'the correct answer pops');
  assert.notEqual(await style(host, 'button', 'transitionDuration'), '0s', 'buttons have a transition');
  await host.emulateMedia({ reducedMotion: 'reduce' });
  assert.equal(await style(host, '.bars .bar', 'animationName'), 'none', 'reduced motion: no bar animation');
  assert.equal(await style(host, '.grid .tile.correct', 'animationName'), 'none', 'reduced motion: no pop');
  assert.equal(await style(host, 'button', 'transitionDuration'), '0s', 'reduced motion: no transitions');
  await host.emulateMedia({ reducedMotion: 'no-preference' });

  await host.getByRole('button', { name: 'Next' }).click();
  await visible(host.getByRole('heading', { name: 'Leaderboard' }));
  await host.getByRole('button', { name: 'Next' }).click();
  await visible(host.getByRole('list', { name: 'Podium' }));
  await visible(bob.getByRole('heading', { name: 'Game over' }));
  await visible(ada.getByRole('heading', { name: 'Game over' }));
  await audioUntil(bob, 'podium fanfare on the phone', (a) => a.last === 'podium');
  assert.equal(await style(host, '.podium .step', 'animationName'), 'feel-step-up', 'podium steps rise');
  await shot(host, 'host-podium');

  // Muted through question, reveal, leaderboard and podium: not one sound more.
  assert.deepEqual(await audio(ada), { audio: 'muted', context: 'none', played: 0, last: undefined }, 'Ada heard nothing');
  const hostAfter = await audio(host);
  assert.equal(hostAfter.audio, 'muted');
  assert.equal(hostAfter.played, hostBefore, 'the muted host played nothing more');

  // The host's mute is remembered on this device too; reduced motion keeps the podium still.
  await host.reload();
  await visible(host.getByRole('list', { name: 'Podium' }));
  assert.equal((await audio(host)).audio, 'muted');
  assert.equal(await muteButton(host).getAttribute('aria-pressed'), 'true');
  await host.emulateMedia({ reducedMotion: 'reduce' });
  assert.equal(await style(host, '.podium .step', 'animationName'), 'none', 'reduced motion: podium still');

  assert.deepEqual(errors, [], 'no errors in the pages');
});

test('every generated nickname fits the server limit, in every language', () => {
  for (const [language, lexicon] of Object.entries(LEXICONS)) {
    assert.equal(new Set(lexicon.adjectives).size, lexicon.adjectives.length, `${language}: adjectives unique`);
    assert.equal(new Set(lexicon.animals.map((a) => a[0])).size, lexicon.animals.length, `${language}: animals unique`);
    for (const animal of lexicon.animals) {
      assert.ok(namesFor(lexicon, animal).length >= 5, `${language}: ${animal[0]} gets enough names`);
    }
    for (let i = 0; i < 200; i++) {
      const name = suggestNickname(language);
      assert.match(name, /^\S+ \S+$/u, `${language}: two words`);
      assert.ok([...name].length <= NICKNAME_MAX, `${language}: ${name} fits`);
    }
  }
  assert.equal(suggestNickname('de-CH', () => 0), 'Flinker Fuchs');
  assert.equal(suggestNickname('fr', () => 0), 'Renard Rapide');
  assert.equal(suggestNickname('xx', () => 0), 'Brave Otter', 'unknown languages get English');
});

test('the suggested nickname joins a game, in English and in German', { timeout: 120_000 }, async () => {
  const hostContext = await newContext(browser, server.url, 'desktop');
  const host = await hostContext.newPage();
  watchErrors(host, 'host', errors);
  await registerHost(host, 'namehost');
  await createQuiz(host, 'Names', [{ kind: 'true_false', text: 'Names are fun.', answers: ['True', 'False'], correct: 0 }]);
  const pin = await hostQuiz(host, 'Names');

  const contexts: BrowserContext[] = [];
  for (const [locale, label, language] of [
    ['en-GB', 'Suggest a name', 'en'],
    ['de-CH', 'Namen vorschlagen', 'de'],
  ] as const) {
    const context = await browser.newContext({ baseURL: server.lanUrl, locale, viewport: { width: 360, height: 740 } });
    context.setDefaultTimeout(20_000);
    contexts.push(context);
    const page = await context.newPage();
    watchErrors(page, locale, errors);
    await page.goto(`/?pin=${pin}`);
    assert.equal(await page.evaluate(() => document.documentElement.lang), language, `${locale} UI`);
    const nickname = page.locator('#nickname');
    const suggest = page.getByRole('button', { name: label });
    await suggest.click();
    const first = await nickname.inputValue();
    await suggest.click();
    const name = await nickname.inputValue();
    assert.notEqual(name, first, 'another press, another name');
    assert.match(name, /^\S+ \S+$/u);
    const animals = LEXICONS[language].animals.map((a) => a[0]);
    assert.ok(animals.some((animal) => name.includes(animal)), `${name} is a ${language} name`);
    await shot(page, `join-suggested-${language}`);

    await page.locator('form button[type="submit"]').click();
    await page.waitForURL(/\/play$/);
    await visible(page.getByText(name, { exact: true }));
    await visible(host.getByRole('button', { name: `Kick ${name}` }));
  }
  for (const context of contexts) await context.close();
  assert.deepEqual(errors, [], 'no errors in the pages');
});
