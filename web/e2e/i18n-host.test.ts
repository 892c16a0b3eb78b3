// The host's screens in the browser's language: a host whose browser asks for Swiss German (and, in
// further runs, Swiss French and Italian) plays a short game with two players. Every host screen —
// lobby, question, reveal, leaderboard, podium, results page — is in that language: `<html lang>`
// matches, no message key and no known English phrase shows, numbers and ordinals follow the language,
// and axe-core finds no WCAG 2.2 AA problem. Only the host's game and results screens are asserted (the
// editor and the players' screens have their own tests); the quiz is created through the REST API and
// the players use English phones.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { axeViolations } from './axe.ts';
import { PASSWORD, answer, joinAsPlayer, readStandings } from './flows.ts';
import { launchBrowser, screenshotGroup, shot, startServer, textMatching, visible, watchErrors, type Server } from './harness.ts';

let server: Server;
let browser: Browser;

before(async () => {
  screenshotGroup('i18n-host');
  server = await startServer('i18n-host');
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

type Variants = [{ match: Record<string, string> }];
type Messages = Record<string, string | Variants>;

function messages(lang: string): Messages {
  const read = (area: string) => JSON.parse(readFileSync(new URL(`../messages/${area}/${lang}.json`, import.meta.url), 'utf8')) as Messages;
  return { ...read('common'), ...read('host') };
}

/** A message with its placeholders filled (plain messages only). */
function text(msgs: Messages, key: string, values: Record<string, string | number> = {}): string {
  const message = msgs[key];
  assert.equal(typeof message, 'string', `${key} is a plain message`);
  return (message as string).replace(/\{(\w+)\}/g, (_, name: string) => String(values[name] ?? `{${name}}`));
}

/** A counted message ("2 Personen") for a count above one, i.e. its `other` variant. */
function counted(msgs: Messages, key: string, shown: string): string {
  const message = msgs[key] as Variants;
  return (message[0].match['c=*'] ?? '').replace('{shown}', shown);
}

/** Message keys, if a translation were missing and the key leaked into the page. */
const KEY = /\b(player|editor|host|common|error|feel|reports)_[a-z]/;

/** English of the host's screens; words that are the same in a language are left out for it. */
const ENGLISH: { pattern: RegExp; sameIn?: string[] }[] = [
  { pattern: /\bStart\b/ },
  { pattern: /\b(Lock|Unlock) lobby\b/ },
  { pattern: /\bWaiting for players\b/ },
  { pattern: /\bJoin at\b/ },
  { pattern: /\bGame PIN\b/ },
  { pattern: /\bOr open\b/ },
  { pattern: /\bplayers?\b/i },
  { pattern: /\banswered\b/ },
  { pattern: /\bSkip\b/ },
  { pattern: /\bNext\b/ },
  { pattern: /\bEnd game\b/ },
  { pattern: /\bShortcuts\b/ },
  { pattern: /\bFull screen\b/ },
  { pattern: /\bseconds? left\b/ },
  { pattern: /\bQuestion \d+ of\b/ },
  { pattern: /\bgot it right\b/ },
  { pattern: /\bLeaderboard\b/ },
  { pattern: /\bTop 5\b/ },
  { pattern: /\bfinal results\b/ },
  { pattern: /\bFinal standings\b/ },
  { pattern: /\b(1st|2nd|3rd)\b/ },
  { pattern: /\bpoints\b/, sameIn: ['fr'] },
  { pattern: /\bRank\b/ },
  { pattern: /\bScore\b/, sameIn: ['fr'] },
  { pattern: /\bBack to dashboard\b/ },
  { pattern: /\bView results\b/ },
  { pattern: /\bResults\b/ },
  { pattern: /\bPlayed\b/ },
  { pattern: /\bDownload\b/ },
  { pattern: /\bQuestions\b/, sameIn: ['fr'] },
  { pattern: /\banswered correctly\b/ },
  { pattern: /\bAnswers by player\b/ },
  { pattern: /\bMultiple choice\b/ },
  { pattern: /\b(True|False)\b/ },
  { pattern: /\bTrue \/ false\b/ },
  { pattern: /\bLoading\b/ },
  { pattern: /\bConnecting\b/ },
];

/** Checks the language and accessibility of one host screen and keeps a screenshot of it. */
async function screen(page: Page, lang: string, name: string): Promise<string> {
  assert.equal(await page.evaluate(() => document.documentElement.lang), lang, `${name}: <html lang>`);
  const content = `${await page.title()}\n${await page.locator('main').innerText()}`;
  assert.doesNotMatch(content, KEY, `${name} (${lang}): no message key in ${JSON.stringify(content)}`);
  for (const { pattern, sameIn } of ENGLISH) {
    if (sameIn?.includes(lang)) continue;
    assert.doesNotMatch(content, pattern, `${name} (${lang}): no English (${pattern}) in ${JSON.stringify(content)}`);
  }
  assert.deepEqual(await axeViolations(page, { within: 'main' }), [], `${name} (${lang}): WCAG 2.2 AA (axe-core)`);
  await shot(page, `${lang}-${name}`);
  return content;
}

interface Run {
  locale: string;
  lang: string;
  title: string;
  q1: { text: string; answers: string[] };
  q2: { text: string; answers: string[] };
  /** How the language writes a four-digit score on the podium ("1’900 Punkte"). */
  grouped: RegExp;
  /** The first place on the podium. */
  first: string;
  /** The results page's date. */
  date: RegExp;
}

/** A true/false question's answers are stored as "True" and "False"; the host shows them translated. */
const TRUE_FALSE = ['True', 'False'];

const RUNS: Run[] = [
  {
    locale: 'de-CH',
    lang: 'de',
    title: 'Sonnensystem',
    q1: { text: 'Welcher Planet ist der grösste?', answers: ['Mars', 'Jupiter', 'Venus'] },
    q2: { text: 'Die Sonne ist ein Stern.', answers: TRUE_FALSE },
    grouped: /\d[’']\d{3} Punkte/,
    first: '1.',
    date: /Gespielt am \d{2}\.\d{2}\.\d{4}/,
  },
  {
    locale: 'fr-CH',
    lang: 'fr',
    title: 'Système solaire',
    q1: { text: 'Quelle planète est la plus grande ?', answers: ['Mars', 'Jupiter', 'Vénus'] },
    q2: { text: 'Le Soleil est une étoile.', answers: TRUE_FALSE },
    grouped: /\d[\u202f\u00a0 ’']\d{3} points/,
    first: '1er',
    date: /Jouée le \S/,
  },
  {
    locale: 'it-CH',
    lang: 'it',
    title: 'Sistema solare',
    q1: { text: 'Qual è il pianeta più grande?', answers: ['Marte', 'Giove', 'Venere'] },
    q2: { text: 'Il Sole è una stella.', answers: TRUE_FALSE },
    // Italian groups from five digits on (CLDR's minimum grouping digits): "2100 punti", "12’345 punti".
    grouped: /\b\d{4} punti/,
    first: '1º',
    date: /Giocata il \d/,
  },
];

for (const run of RUNS) {
  test(`the host's screens in ${run.locale}`, { timeout: 180_000 }, async () => {
    const errors: string[] = [];
    const msgs = messages(run.lang);
    const context = await browser.newContext({ baseURL: server.url, viewport: { width: 1280, height: 800 }, locale: run.locale });
    context.setDefaultTimeout(20_000);
    const host = await context.newPage();
    watchErrors(host, 'host', errors);

    // An account, a quiz and a game through the REST API, in the host's browser context (so its session
    // cookie is the browser's).
    const post = async (url: string, data: unknown, token?: string): Promise<Record<string, string>> => {
      const response = await context.request.post(url, { data, headers: token ? { authorization: `Bearer ${token}` } : {} });
      assert.ok(response.ok(), `${url}: HTTP ${response.status()} ${await response.text()}`);
      return (await response.json()) as Record<string, string>;
    };
    const { access_token: token } = await post('/api/auth/register', { username: `host-${run.lang}`, password: PASSWORD });
    const quiz = await post(
      '/api/quizzes',
      {
        title: run.title,
        questions: [
          { kind: 'multiple_choice', text: run.q1.text, answers: run.q1.answers, correct: 1, time_limit_secs: 120 },
          { kind: 'true_false', text: run.q2.text, answers: run.q2.answers, correct: 0, time_limit_secs: 120 },
        ],
      },
      token,
    );
    const { game_id: gameId } = await post('/api/games', { quiz_id: quiz.id }, token);
    await host.goto(`/host/game/${encodeURIComponent(gameId!)}`);

    // Lobby
    const start = await visible(host.getByRole('button', { name: text(msgs, 'host_start'), exact: true }));
    await visible(host.getByRole('img', { name: text(msgs, 'host_qrLabel') }));
    const pinHref = (await host.getByRole('link', { name: /\?pin=\d+/ }).getAttribute('href')) ?? '';
    const pin = new URL(pinHref).searchParams.get('pin') ?? '';
    const anna = await joinAsPlayer(browser, server.lanUrl, pin, 'Anna');
    const luca = await joinAsPlayer(browser, server.lanUrl, pin, 'Luca');
    watchErrors(anna, 'Anna', errors);
    watchErrors(luca, 'Luca', errors);
    await visible(host.getByRole('button', { name: text(msgs, 'host_kick', { name: 'Luca' }) }));
    await textMatching(host.getByRole('status'), new RegExp(`^(${counted(msgs, 'host_players', '2')})$`));
    const lobby = await screen(host, run.lang, 'lobby');
    assert.ok(lobby.includes(text(msgs, 'host_shortcuts')), 'the shortcut hint in the language');
    assert.ok(lobby.includes(`${run.title} · PIN ${pin}`), 'the tab title');
    await start.click();

    // Two questions: both answer; Anna is right twice, Luca once.
    const plan = [
      { q: run.q1, anna: run.q1.answers[1]!, luca: run.q1.answers[0]! },
      { q: run.q2, anna: run.q2.answers[0]!, luca: run.q2.answers[0]! },
    ];
    for (const [i, step] of plan.entries()) {
      await visible(host.getByRole('heading', { name: step.q.text }));
      await textMatching(host.getByRole('status'), new RegExp(`^(${escape(text(msgs, 'host_answeredOf', { answered: 0, total: 2 }))})$`));
      const question = await screen(host, run.lang, `question-${i + 1}`);
      assert.ok(question.includes(text(msgs, 'host_questionOf', { n: i + 1, total: 2 })), 'question n of total');
      await answer(anna, step.anna);
      await answer(luca, step.luca);

      await visible(host.getByRole('list', { name: text(msgs, 'host_distributionLabel') }), 45_000);
      const right = i === 0 ? 1 : 2;
      await textMatching(
        host.getByRole('status'),
        new RegExp(`^(${escape(text(msgs, 'host_gotItRight', { correct: right, answered: 2 }))})$`),
      );
      const labels = await host
        .getByRole('list', { name: text(msgs, 'host_distributionLabel') })
        .locator(':scope > li')
        .evaluateAll((els) => els.map((el) => el.getAttribute('aria-label') ?? ''));
      if (i === 1) {
        // Both picked the right one: its bar says so in words, not only with a tick.
        const players = counted(msgs, 'host_players', '2');
        const label = text(msgs, 'common_true');
        assert.equal(labels[0], text(msgs, 'host_itemCountCorrect', { label, players }), labels.join(' | '));
      }
      await screen(host, run.lang, `reveal-${i + 1}`);

      await host.getByRole('button', { name: text(msgs, 'host_next'), exact: true }).click();
      await visible(host.getByRole('heading', { name: text(msgs, 'host_leaderboard') }));
      await visible(host.getByRole('list', { name: text(msgs, 'host_top5') }));
      await screen(host, run.lang, `leaderboard-${i + 1}`);
      await host.getByRole('button', { name: text(msgs, 'host_next'), exact: true }).click();
    }

    // Podium
    await visible(host.getByRole('heading', { name: text(msgs, 'host_finalResults', { title: run.title }) }));
    await visible(host.getByRole('list', { name: text(msgs, 'host_podium') }));
    const rows = await readStandings(host, text(msgs, 'host_finalStandings'));
    assert.deepEqual(
      rows.map((r) => r.nickname),
      ['Anna', 'Luca'],
    );
    const podium = await screen(host, run.lang, 'podium');
    assert.match(podium, run.grouped, 'thousands grouped the language’s way on the podium');
    assert.ok(podium.split('\n').some((line) => line.trim() === run.first), `the first place reads ${run.first}`);
    for (const player of [anna, luca]) await visible(player.getByRole('heading', { name: 'Game over' }));

    // Results page
    await host.getByRole('link', { name: text(msgs, 'host_viewResults') }).click();
    await visible(host.getByRole('heading', { name: text(msgs, 'host_resultsTitle', { title: run.title }) }));
    const results = await readStandings(host, text(msgs, 'host_standings'));
    assert.deepEqual(
      results.map((r) => [r.nickname, r.score]),
      rows.map((r) => [r.nickname, r.score]),
    );
    await visible(host.getByRole('button', { name: text(msgs, 'host_downloadCsv') }));
    await visible(host.getByRole('list', { name: text(msgs, 'host_answersToQuestion', { n: 1 }) }));
    const page = await screen(host, run.lang, 'results');
    assert.match(page, run.date, 'the date in the language');
    assert.ok(page.includes(text(msgs, 'host_correctOf', { correct: 2, total: 2 })), 'Anna: two of two right');

    assert.deepEqual(errors, [], 'no errors in the pages');
    await context.close();
    await anna.context().close();
    await luca.context().close();
  });
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
