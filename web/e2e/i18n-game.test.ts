// A whole game in German and in French: the teacher's browser and both phones speak the language, every
// control is found by its translated name, and every screen of host and players (sign-up, dashboard, lobby,
// question, answer sent, reveal, leaderboard, podium) is screenshotted and checked for leftover message
// keys and for any English text of the UI.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { PASSWORD, answersOpen, apiToken } from './flows.ts';
import { launchBrowser, screenshotGroup, shot, startServer, visible, watchErrors, type Server } from './harness.ts';

let server: Server;
let browser: Browser;
const errors: string[] = [];

before(async () => {
  screenshotGroup('i18n-game');
  server = await startServer('i18n-game');
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

type Lang = 'de' | 'fr';
type Messages = Record<string, unknown>;
const AREAS = ['common', 'errors', 'player', 'editor', 'host', 'feel', 'reports'];

function load(lang: string): Messages {
  const all: Messages = {};
  for (const area of AREAS) {
    Object.assign(all, JSON.parse(readFileSync(new URL(`../messages/${area}/${lang}.json`, import.meta.url), 'utf8')) as Messages);
  }
  return all;
}

const EN = load('en');

/** A plain message of `lang` with its placeholders filled in. */
function t(messages: Messages, key: string, values: Record<string, string> = {}): string {
  const message = messages[key];
  assert.equal(typeof message, 'string', `${key} is a plain message`);
  return (message as string).replace(/\{(\w+)\}/g, (_, name: string) => values[name] ?? `{${name}}`);
}

/** English UI texts that read differently in `lang`: none of them may show on a screen in that language. */
function englishOnlyPhrases(messages: Messages): string[] {
  return Object.entries(EN)
    .filter(([key, value]) => key !== '$schema' && typeof value === 'string' && value !== messages[key])
    .map(([, value]) => (value as string).replace(/\*\*/g, ''))
    // Whole phrases without placeholders: a fragment like "Next" could be part of a quiz text.
    .filter((value) => !value.includes('{') && value.split(/\s+/).length >= 2 && value.length >= 8);
}

const KEY = /\b(common|error|player|editor|host|feel|reports)_[a-z][A-Za-z_]*/;

interface Quiz {
  title: string;
  choice: { text: string; answers: string[]; correct: number };
  truth: string;
}

const QUIZZES: Record<Lang, Quiz> = {
  de: {
    title: 'Geografie der Schweiz',
    choice: { text: 'Welcher Fluss fliesst durch Basel?', answers: ['Rhein', 'Rhone', 'Aare'], correct: 0 },
    truth: 'Bern ist die Bundesstadt.',
  },
  fr: {
    title: 'Géographie de la Suisse',
    choice: { text: 'Quel fleuve traverse Genève ?', answers: ['Le Rhin', 'Le Rhône', 'L’Aar'], correct: 1 },
    truth: 'Berne est la ville fédérale.',
  },
};

for (const [lang, locale] of [
  ['de', 'de-CH'],
  ['fr', 'fr-CH'],
] as const) {
  test(`a whole game in ${locale}: host and phones`, { timeout: 180_000 }, async () => {
    const messages = load(lang);
    const english = englishOnlyPhrases(messages);
    const quiz = QUIZZES[lang];
    const check = async (page: Page, screen: string) => {
      assert.equal(await page.evaluate(() => document.documentElement.lang), lang, `${screen}: <html lang>`);
      const text = `${await page.title()}\n${await page.locator('body').innerText()}`;
      assert.doesNotMatch(text, KEY, `${screen} (${lang}): a message key shows`);
      const leftover = english.filter((phrase) => text.includes(phrase));
      assert.deepEqual(leftover, [], `${screen} (${lang}): English text shows`);
      await shot(page, `${lang}-${screen}`);
    };

    const host = await (await browser.newContext({ baseURL: server.url, locale, viewport: { width: 1280, height: 800 } })).newPage();
    watchErrors(host, 'host', errors);
    await host.goto('/host');
    await host.getByRole('button', { name: t(messages, 'editor_auth_register') }).click();
    await host.getByLabel(t(messages, 'editor_auth_username')).fill(`teacher_${lang}`);
    await host.getByLabel(t(messages, 'editor_auth_password'), { exact: true }).fill(PASSWORD);
    await check(host, 'host-register');
    await host.getByRole('button', { name: t(messages, 'editor_auth_submitRegister') }).click();
    await visible(host.getByRole('heading', { name: t(messages, 'editor_dashboard_title') }));

    const token = await apiToken(server.url, `teacher_${lang}`);
    const created = await fetch(`${server.url}/api/quizzes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({
        title: quiz.title,
        questions: [
          { kind: 'multiple_choice', ...quiz.choice, time_limit_secs: 60 },
          { kind: 'true_false', text: quiz.truth, correct: 0, time_limit_secs: 60 },
        ],
      }),
    });
    assert.equal(created.status, 201, await created.text());
    await host.reload();
    await visible(host.getByRole('button', { name: t(messages, 'editor_quizzes_hostNamed', { title: quiz.title }) }));
    await check(host, 'host-dashboard');
    await host.getByRole('button', { name: t(messages, 'editor_quizzes_hostNamed', { title: quiz.title }) }).click();
    const link = await visible(host.getByRole('link', { name: /\?pin=\d+/ }));
    const pin = new URL((await link.getAttribute('href')) ?? '').searchParams.get('pin') ?? '';
    assert.match(pin, /^\d{6}$/);

    const phones: Page[] = [];
    for (const nickname of ['Ada', 'Bo']) {
      const phone = await (await browser.newContext({ baseURL: server.lanUrl, locale, viewport: { width: 360, height: 740 } })).newPage();
      watchErrors(phone, nickname, errors);
      await phone.goto(`/?pin=${pin}`);
      if (phones.length === 0) await check(phone, 'player-join');
      await phone.getByLabel(t(messages, 'player_join_nickname')).fill(nickname);
      await phone.getByRole('button', { name: t(messages, 'player_join_submit') }).click();
      await visible(phone.getByRole('heading', { name: t(messages, 'player_lobby_heading') }));
      phones.push(phone);
    }
    const [ada, bo] = phones as [Page, Page];
    await visible(host.getByRole('listitem').filter({ hasText: 'Bo' }));
    await check(host, 'host-lobby');
    await check(ada, 'player-lobby');
    await host.getByRole('button', { name: t(messages, 'host_start') }).click();

    // Question 1: Ada right, Bo wrong. Question 2 (true/false, shown translated): both right.
    const true_ = t(messages, 'common_true');
    const rounds = [
      { text: quiz.choice.text, ada: quiz.choice.answers[quiz.choice.correct]!, bo: quiz.choice.answers[(quiz.choice.correct + 1) % 3]! },
      { text: quiz.truth, ada: true_, bo: true_ },
    ];
    for (const [i, round] of rounds.entries()) {
      for (const phone of phones) {
        await visible(phone.getByRole('heading', { name: round.text }));
        await answersOpen(phone);
      }
      await answersOpen(host);
      await check(host, `host-question-${i + 1}`);
      await check(ada, `player-question-${i + 1}`);
      await ada.getByRole('button', { name: round.ada, exact: true }).click();
      await visible(ada.getByRole('heading', { name: t(messages, 'player_sent_heading') }));
      await check(ada, `player-sent-${i + 1}`);
      await bo.getByRole('button', { name: round.bo, exact: true }).click();

      const next = host.getByRole('button', { name: t(messages, 'host_next') });
      await visible(next, 45_000);
      await check(host, `host-reveal-${i + 1}`);
      const adaHeading = t(messages, 'player_reveal_correct');
      const boHeading = round.bo === round.ada ? adaHeading : t(messages, 'player_reveal_wrong');
      await visible(ada.getByRole('heading', { name: adaHeading }));
      await visible(bo.getByRole('heading', { name: boHeading }));
      await check(ada, `player-reveal-${i + 1}`);
      await check(bo, `player-reveal-other-${i + 1}`);

      await next.click();
      await visible(host.getByRole('heading', { name: t(messages, 'host_leaderboard') }));
      await visible(ada.getByRole('heading', { name: t(messages, 'player_leaderboard_heading') }));
      await check(host, `host-leaderboard-${i + 1}`);
      await check(ada, `player-leaderboard-${i + 1}`);
      await next.click();
    }

    await visible(host.getByRole('heading', { name: t(messages, 'host_finalResults', { title: quiz.title }) }), 45_000);
    await visible(ada.getByRole('heading', { name: t(messages, 'player_podium_heading') }), 45_000);
    await check(host, 'host-podium');
    await check(ada, 'player-podium');
    await check(bo, 'player-podium-other');
    assert.deepEqual(errors, [], 'no page errors');
  });
}
