// The player's screens in German, French and Italian: an English host runs a short quiz; one phone's
// browser is set to de-CH, one to fr-CH, and one starts in English and switches to Italian with the
// language picker (the choice survives a reload) and then plays by keyboard only. Every screen (join,
// lobby, question, answer sent, reveal, leaderboard, podium) must be in the phone's language: expected
// headings and labels, <html lang>, no message key left in the page, none of the screen's English phrases.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { answersOpen, createQuiz, hostQuiz, registerHost, type QuestionSpec } from './flows.ts';
import { launchBrowser, newContext, screenshotGroup, shot, startServer, until, visible, watchErrors, type Server } from './harness.ts';

let server: Server;
let browser: Browser;
const errors: string[] = [];

before(async () => {
  screenshotGroup('i18n-player');
  server = await startServer('i18n-player');
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const QUIZ = 'Planets';
const QUESTIONS: QuestionSpec[] = [
  { kind: 'multiple_choice', text: 'Which planet is the largest?', answers: ['Mars', 'Jupiter', 'Venus'], correct: 1, timeLimit: 60 },
  { kind: 'true_false', text: 'The Sun is a star.', answers: ['True', 'False'], correct: 0, timeLimit: 60 },
  // Nobody answers this one: the countdown speaks at 10 and 5 seconds left, then time is up.
  { kind: 'multiple_choice', text: 'Which planet has the brightest rings?', answers: ['Saturn', 'Mercury'], correct: 0, timeLimit: 20 },
];

type Lang = 'de' | 'fr' | 'it';

/** What each language's screens must show (regexes: French puts a (narrow) no-break space before ! ? :). */
interface Expected {
  title: RegExp;
  joinHeading: string;
  pin: string;
  nickname: string;
  join: string;
  lobby: RegExp;
  progress: (n: number) => string;
  timer: string;
  secondsLeft: (n: number) => string;
  timeUp: RegExp;
  noAnswer: string;
  sent: string;
  correct: RegExp;
  wrong: RegExp;
  correctRegion: string;
  answerWas: (answer: string) => RegExp;
  score: RegExp;
  place: RegExp;
  leaderboard: string;
  podium: string;
  finished: RegExp;
  standings: string;
  playAgain: string;
  triangle: string;
}

const EXPECTED: Record<Lang, Expected> = {
  de: {
    title: /^Spiel beitreten · Cahoot$/,
    joinHeading: 'Spiel beitreten',
    pin: 'Spiel-PIN',
    nickname: 'Spitzname',
    join: 'Beitreten',
    lobby: /^Du bist dabei! Warten auf die Spielleitung…$/,
    progress: (n) => `Frage ${n} von 3`,
    timer: 'Verbleibende Sekunden',
    secondsLeft: (n) => `Noch ${n} Sekunden`,
    timeUp: /^Die Zeit ist um!$/,
    noAnswer: 'Diesmal keine Antwort.',
    sent: 'Antwort gesendet',
    correct: /^Richtig!$/,
    wrong: /^Falsch$/,
    correctRegion: 'Die richtige Antwort',
    answerWas: (a) => new RegExp(`Die Antwort war ${a}\\.`),
    score: /Punkte: (\d+)/,
    place: /Du bist auf dem \d\. Platz/,
    leaderboard: 'Rangliste',
    podium: 'Spiel vorbei',
    finished: /Du hast den [1-3]\. Platz von 3 erreicht/,
    standings: 'Schlussrangliste',
    playAgain: 'Nochmals spielen',
    triangle: 'Dreieck',
  },
  fr: {
    title: /^Rejoindre une partie · Cahoot$/,
    joinHeading: 'Rejoindre une partie',
    pin: 'PIN de la partie',
    nickname: 'Pseudo',
    join: 'Rejoindre',
    lobby: /^Tu es dans la partie\s! On attend le lancement…$/,
    progress: (n) => `Question ${n} sur 3`,
    timer: 'Secondes restantes',
    secondsLeft: (n) => `Encore ${n} secondes`,
    timeUp: /^Temps écoulé\s!$/,
    noAnswer: 'Pas de réponse cette fois-ci.',
    sent: 'Réponse envoyée',
    correct: /^Bonne réponse\s!$/,
    wrong: /^Faux$/,
    correctRegion: 'La bonne réponse',
    answerWas: (a) => new RegExp(`La réponse était ${a}\\.`),
    score: /Points\s: (\d+)/,
    place: /Ton classement\s: [1-3](er|e)\./,
    leaderboard: 'Classement',
    podium: 'Partie terminée',
    finished: /Tu termines [1-3](er|e) sur 3/,
    standings: 'Classement final',
    playAgain: 'Rejouer',
    triangle: 'triangle',
  },
  it: {
    title: /^Partecipa a una partita · Cahoot$/,
    joinHeading: 'Partecipa a una partita',
    pin: 'PIN della partita',
    nickname: 'Soprannome',
    join: 'Partecipa',
    lobby: /^Ci sei! In attesa di chi conduce…$/,
    progress: (n) => `Domanda ${n} di 3`,
    timer: 'Secondi rimasti',
    secondsLeft: (n) => `Mancano ${n} secondi`,
    timeUp: /^Tempo scaduto!$/,
    noAnswer: 'Nessuna risposta questa volta.',
    sent: 'Risposta inviata',
    correct: /^Giusto!$/,
    wrong: /^Sbagliato$/,
    correctRegion: 'La risposta giusta',
    answerWas: (a) => new RegExp(`La risposta era ${a}\\.`),
    score: /Punteggio: (\d+)/,
    place: /Sei al [1-3]º posto/,
    leaderboard: 'Classifica',
    podium: 'Partita finita',
    finished: /Hai concluso al [1-3]º posto su 3/,
    standings: 'Classifica finale',
    playAgain: 'Gioca di nuovo',
    triangle: 'triangolo',
  },
};

/** The English wording of each screen, none of which may show up in another language. */
const ENGLISH = {
  join: ['Join a game', 'Game PIN', 'Nickname', 'Teacher?', 'Host a game'],
  game: ['Score:', 'Rank:', 'Connecting', 'Seconds left', 'seconds left'],
  lobby: ["You're in", 'Waiting for the host', 'See your nickname'],
  question: ['Question 1 of', 'Question 2 of', 'Question 3 of', 'Picture for the question'],
  sent: ['Answer sent', 'You answered', 'Waiting for the others'],
  reveal: ['Correct!', 'Incorrect', "Time's up", 'Your answer', 'The answer was', 'The correct answer', 'Total score', 'Rank #', 'No answer this time'],
  leaderboard: ['Leaderboard', 'You are #', 'You are in'],
  podium: ['Game over', 'You finished', 'Play again', 'Final standings'],
};

/** A message key that reached the page untranslated. */
const KEY = /\b(player|editor|host|common|error|feel|reports)_[a-z]/;

interface Player {
  nickname: string;
  lang: Lang;
  page: Page;
}

async function phone(locale?: string): Promise<Page> {
  const context = locale
    ? await browser.newContext({ baseURL: server.lanUrl, viewport: { width: 360, height: 740 }, locale })
    : await newContext(browser, server.lanUrl, 'phone');
  context.setDefaultTimeout(20_000);
  return context.newPage();
}

/** Asserts the screen is in the player's language, then saves a screenshot `<screen>-<lang>`. */
async function checkScreen(player: Player, screen: string, english: string[]): Promise<void> {
  const { page, lang } = player;
  const seen = await page.evaluate(() => {
    const attributes = ['aria-label', 'alt', 'title', 'placeholder'];
    return {
      lang: document.documentElement.lang,
      text: `${document.title}\n${document.body.innerText}`,
      attrs: [...document.querySelectorAll(attributes.map((a) => `[${a}]`).join(','))].flatMap((el) =>
        attributes.map((a) => el.getAttribute(a) ?? '').filter((v) => v !== ''),
      ),
    };
  });
  const where = `${player.nickname} (${lang}) ${screen}`;
  assert.equal(seen.lang, lang, `${where}: <html lang>`);
  for (const text of [seen.text, ...seen.attrs]) {
    assert.doesNotMatch(text, KEY, `${where}: a message key in the page`);
    for (const phrase of english) assert.ok(!text.includes(phrase), `${where}: English "${phrase}" in ${JSON.stringify(text)}`);
  }
  await shot(page, `${screen}-${lang}`);
}

/** Presses Tab until the focused element `el` passes `test`, a JavaScript expression (keyboard only). */
async function tabTo(page: Page, what: string, test: string): Promise<void> {
  for (let i = 0; i < 20; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate(`((el) => !!el && (${test}))(document.activeElement)`)) return;
  }
  assert.fail(`Tab never reached ${what}`);
}

/** The text of the focused element (after a screen change: that screen's heading). */
async function focusedHeading(page: Page): Promise<string> {
  return until(
    () => page.evaluate(() => (/^H[12]$/.test(document.activeElement?.tagName ?? '') ? document.activeElement!.textContent!.trim() : false)),
    'focus on a heading',
  );
}

async function join(player: Player, pin: string, keyboard: boolean): Promise<void> {
  const { page, nickname } = player;
  const t = EXPECTED[player.lang];
  assert.equal(await page.getByLabel(t.pin).inputValue(), pin, 'PIN prefilled from ?pin=');
  if (keyboard) {
    await tabTo(page, 'the nickname field', `el.id === 'nickname'`);
    await page.keyboard.type(nickname);
    await page.keyboard.press('Enter');
  } else {
    await page.getByLabel(t.nickname).fill(nickname);
    await page.getByRole('button', { name: t.join, exact: true }).click();
  }
  await visible(page.getByRole('heading', { name: t.lobby }));
}

/** Answers by tapping, or (keyboard) by tabbing from the focused question heading to the tile, then Enter. */
/** True/false options are stored in English; phones show them in their language. */
const TRUE_FALSE: Record<Lang, [string, string]> = { de: ['Richtig', 'Falsch'], fr: ['Vrai', 'Faux'], it: ['Vero', 'Falso'] };

function shownOption(lang: Lang, text: string): string {
  const i = ['True', 'False'].indexOf(text);
  return i < 0 ? text : TRUE_FALSE[lang][i as 0 | 1];
}

async function answer(player: Player, stored: string, keyboard: boolean): Promise<void> {
  const { page } = player;
  const text = shownOption(player.lang, stored);
  const tile = page.getByRole('button', { name: text, exact: true });
  await visible(tile);
  if (keyboard) {
    await tabTo(page, `the tile ${text}`, `el.getAttribute('aria-label') === ${JSON.stringify(text)}`);
    await page.keyboard.press('Enter');
  } else {
    await tile.click();
  }
}

test('player screens in German, French and Italian', { timeout: 240_000 }, async () => {
  const host = await (await newContext(browser, server.url, 'desktop')).newPage();
  watchErrors(host, 'host', errors);
  await registerHost(host, 'sprachen');
  await createQuiz(host, QUIZ, QUESTIONS);
  const pin = await hostQuiz(host, QUIZ);

  // Anna's and Louis's phones speak German and French; Giulia's browser is English.
  const anna: Player = { nickname: 'Anna', lang: 'de', page: await phone('de-CH') };
  const louis: Player = { nickname: 'Louis', lang: 'fr', page: await phone('fr-CH') };
  const giulia: Player = { nickname: 'Giulia', lang: 'it', page: await phone() };
  const players = [anna, louis, giulia];
  for (const p of players) watchErrors(p.page, p.nickname, errors);

  await giulia.page.goto(`/?pin=${pin}`);
  await visible(giulia.page.getByRole('heading', { name: 'Join a game' }));
  assert.equal(await giulia.page.evaluate(() => document.documentElement.lang), 'en', 'an English browser gets English');
  await shot(giulia.page, 'join-en');
  // The picker switches (the page reloads in Italian) and the choice survives a reload.
  await giulia.page.getByRole('combobox', { name: 'Language' }).selectOption('it');
  await visible(giulia.page.getByRole('heading', { name: EXPECTED.it.joinHeading }));
  await giulia.page.reload();
  await visible(giulia.page.getByRole('heading', { name: EXPECTED.it.joinHeading }));
  assert.equal(await giulia.page.getByRole('combobox', { name: 'Lingua' }).inputValue(), 'it');

  for (const p of [anna, louis]) {
    await p.page.goto(`/?pin=${pin}`);
    await visible(p.page.getByRole('heading', { name: EXPECTED[p.lang].joinHeading }));
  }
  for (const p of players) {
    assert.match(await p.page.title(), EXPECTED[p.lang].title);
    await checkScreen(p, 'join', ENGLISH.join);
    await join(p, pin, p === giulia);
    await visible(host.getByRole('button', { name: `Kick ${p.nickname}` }));
    await checkScreen(p, 'lobby', [...ENGLISH.game, ...ENGLISH.lobby]);
  }
  // Giulia's pick also holds on the game screen.
  assert.equal(await giulia.page.evaluate(() => document.documentElement.lang), 'it');

  await host.getByRole('button', { name: 'Start' }).click();

  // Who answers what: Anna right twice, Louis wrong then right, Giulia (keyboard only) right then wrong.
  // Nobody answers question 3.
  const plan: Record<string, string[]> = { Anna: ['Jupiter', 'True'], Louis: ['Mars', 'True'], Giulia: ['Jupiter', 'False'] };
  for (let q = 0; q < QUESTIONS.length; q++) {
    const spec = QUESTIONS[q]!;
    for (const p of players) {
      const t = EXPECTED[p.lang];
      const page = p.page;
      await visible(page.getByRole('heading', { name: spec.text, exact: true }), 45_000);
      await visible(page.getByText(t.progress(q + 1), { exact: true }));
      await visible(page.getByRole('timer', { name: t.timer }));
      assert.equal(await focusedHeading(page), spec.text, `${p.nickname}: focus on the question`);
      // The first tile's shape is named in the phone's language (its description), not only shown in colour.
      const first = page.getByRole('button', { name: shownOption(p.lang, spec.answers[0]!), exact: true });
      const shape = await first.evaluate((el) => document.getElementById(el.getAttribute('aria-describedby') ?? '')?.textContent);
      assert.equal(shape, t.triangle, `${p.nickname}: tile shape`);
      if (p !== giulia) await checkScreen(p, `question-${q + 1}`, [...ENGLISH.game, ...ENGLISH.question]);
    }
    await checkScreen(giulia, `question-${q + 1}`, [...ENGLISH.game, ...ENGLISH.question]);

    const timedOut = plan.Anna![q] === undefined;
    if (timedOut) {
      // The countdown's live region speaks at 10 s and at 5 s left, on every phone at once.
      for (const at of [10, 5]) {
        await Promise.all(
          players.map((p) =>
            until(
              async () => (await p.page.getByTestId('countdown-announcer').innerText()).trim() === EXPECTED[p.lang].secondsLeft(at),
              `${p.nickname}: "${at} seconds left" announced`,
            ),
          ),
        );
      }
    } else {
      // Anna and Louis answer first: they see "answer sent" while Giulia still thinks.
      for (const p of [anna, louis]) {
        await answer(p, plan[p.nickname]![q]!, false);
        await visible(p.page.getByRole('heading', { name: EXPECTED[p.lang].sent }));
        assert.equal(await focusedHeading(p.page), EXPECTED[p.lang].sent, `${p.nickname}: focus on "answer sent"`);
        await checkScreen(p, `sent-${q + 1}`, [...ENGLISH.game, ...ENGLISH.sent]);
      }
      await answer(giulia, plan.Giulia![q]!, true);
    }

    // Everyone answered: the question closes and every phone shows its result in its language.
    await visible(host.getByRole('button', { name: 'Next' }), 45_000);
    for (const p of players) {
      const t = EXPECTED[p.lang];
      const right = plan[p.nickname]![q] === spec.answers[spec.correct];
      const expected = timedOut ? t.timeUp : right ? t.correct : t.wrong;
      const heading = await visible(p.page.getByRole('heading', { name: expected }), 45_000);
      if (timedOut) await visible(p.page.getByText(t.noAnswer, { exact: true }));
      const headingText = (await heading.innerText()).trim();
      assert.equal(await focusedHeading(p.page), headingText, `${p.nickname}: focus on the result`);
      await visible(p.page.getByRole('region', { name: t.correctRegion }).getByText(t.answerWas(shownOption(p.lang, spec.answers[spec.correct]!))));
      // The live region says the result and the rank.
      const live = p.page.getByTestId('player-announcer');
      await until(async () => {
        const said = await live.innerText();
        return said.startsWith(headingText) && t.place.test(said);
      }, `${p.nickname}: announcement of the result and rank`);
      const score = t.score.exec(await p.page.locator('header').innerText());
      assert.ok(score, `${p.nickname}: score in the header`);
      await checkScreen(p, `reveal-${q + 1}`, [...ENGLISH.game, ...ENGLISH.reveal]);
    }

    await host.getByRole('button', { name: 'Next' }).click();
    for (const p of players) {
      const t = EXPECTED[p.lang];
      await visible(p.page.getByRole('heading', { name: t.leaderboard, exact: true }));
      assert.equal(await focusedHeading(p.page), t.leaderboard);
      await checkScreen(p, `leaderboard-${q + 1}`, [...ENGLISH.game, ...ENGLISH.leaderboard]);
    }
    await visible(host.getByRole('heading', { name: 'Leaderboard' }));
    await host.getByRole('button', { name: 'Next' }).click();
  }

  await visible(host.getByRole('heading', { name: `${QUIZ}: final results` }));
  for (const p of players) {
    const t = EXPECTED[p.lang];
    await visible(p.page.getByRole('heading', { name: t.podium }));
    assert.equal(await focusedHeading(p.page), t.podium);
    await visible(p.page.getByText(t.finished));
    await visible(p.page.getByRole('table', { name: t.standings }));
    await visible(p.page.getByRole('link', { name: t.playAgain }));
    await checkScreen(p, 'podium', [...ENGLISH.game, ...ENGLISH.podium]);
  }

  assert.deepEqual(errors, [], 'no errors in the pages');
});

/** Every kind a player answers (slides need no answer), as the REST API takes it. */
const EVERY_KIND = {
  title: 'Alles',
  show_on_devices: false,
  questions: [
    { kind: 'multiple_choice', text: 'Which planet is the largest?', answers: ['Saturn', 'Neptune', 'Jupiter'], correct: 2, time_limit_secs: 90 },
    { kind: 'true_false', text: 'Water boils at 100 °C at sea level.', answers: ['True', 'False'], correct: 0, time_limit_secs: 90 },
    { kind: 'multi_select', text: 'Which of these are prime numbers?', answers: ['2', '4', '7', '9'], correct_answers: [0, 2], time_limit_secs: 90 },
    { kind: 'type_answer', text: 'What is the capital of Switzerland?', answers: ['Bern', 'Berne'], time_limit_secs: 90 },
    {
      kind: 'slider',
      text: 'In which year did people first walk on the Moon?',
      slider: { min: 1900, max: 2000, step: 1, correct: 1969, tolerance: 2 },
      time_limit_secs: 90,
    },
    { kind: 'puzzle', text: 'Order these from smallest to largest.', answers: ['Atom', 'Cell', 'Mouse', 'Elephant'], time_limit_secs: 90 },
    { kind: 'poll', text: 'Which kind of question do you like best?', answers: ['Quiz', 'Slider', 'Puzzle'], time_limit_secs: 90 },
    { kind: 'word_cloud', text: "One word for today's lesson?", time_limit_secs: 90 },
  ],
};

/** English wording of the answer controls and their reveals. */
const ENGLISH_CONTROLS = [
  'Pick every right answer',
  'Submit',
  'picked',
  'Your answer',
  'Your word',
  'characters',
  'Put the items',
  ', position',
  'Move ',
  'Decrease by',
  'Increase by',
  'Accepted answers',
  'The accepted answer',
  'The right order',
  'The right answers',
  'How everyone answered',
  'Thanks for answering',
  ' votes',
];

/** The puzzle's items in their shown order, read from the handles' German names. */
async function puzzleOrder(page: Page): Promise<string[]> {
  const labels = await page
    .getByRole('list', { name: 'Deine Reihenfolge' })
    .getByRole('button', { name: /, Position \d+ von \d+$/ })
    .evaluateAll((els) => els.map((el) => el.getAttribute('aria-label') ?? ''));
  return labels.map((l) => l.replace(/, Position \d+ von \d+$/, ''));
}

test('keyboard only, in German: every kind of question from join to podium', { timeout: 240_000 }, async () => {
  const host = await (await newContext(browser, server.url, 'desktop')).newPage();
  watchErrors(host, 'host', errors);
  await registerHost(host, 'tastatur');
  const status = await host.evaluate(async (quiz) => {
    const session = (await (await fetch('/api/auth/refresh', { method: 'POST' })).json()) as { access_token: string };
    const created = await fetch('/api/quizzes', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${session.access_token}` },
      body: JSON.stringify(quiz),
    });
    return created.status;
  }, EVERY_KIND);
  assert.equal(status, 201, 'quiz created');
  await host.reload();
  const pin = await hostQuiz(host, EVERY_KIND.title);

  const player: Player = { nickname: 'Tabea', lang: 'de', page: await phone('de-CH') };
  const page = player.page;
  watchErrors(page, player.nickname, errors);
  await page.goto(`/?pin=${pin}`);
  await join(player, pin, true);
  await visible(host.getByRole('button', { name: `Kick ${player.nickname}` }));
  await host.getByRole('button', { name: 'Start' }).click();

  const english = [...ENGLISH.game, ...ENGLISH.question, ...ENGLISH.sent, ...ENGLISH.reveal, ...ENGLISH_CONTROLS];
  const press = async (key: string, times = 1) => {
    for (let i = 0; i < times; i++) await page.keyboard.press(key);
  };
  for (const [q, spec] of EVERY_KIND.questions.entries()) {
    await visible(page.getByRole('heading', { name: spec.text, exact: true }), 45_000);
    assert.equal(await focusedHeading(page), spec.text, `focus on question ${q + 1}`);
    await answersOpen(page);
    await checkScreen(player, `keyboard-${spec.kind}`, english);
    switch (spec.kind) {
      case 'multiple_choice':
        await answer(player, 'Jupiter', true);
        break;
      case 'true_false':
        await answer(player, 'True', true);
        break;
      case 'multi_select':
        for (const pick of ['2', '7']) {
          await tabTo(page, `checkbox ${pick}`, `el.type === 'checkbox' && el.closest('label')?.querySelector('.label')?.textContent === '${pick}'`);
          await press('Space');
        }
        await visible(page.getByRole('button', { name: 'Absenden (2 gewählt)' }));
        await tabTo(page, 'the submit button', `el.type === 'submit'`);
        await press('Enter');
        break;
      case 'type_answer':
      case 'word_cloud':
        await tabTo(page, 'the text field', `el.id === 'typed-answer'`);
        await visible(page.getByLabel(spec.kind === 'word_cloud' ? 'Dein Wort oder kurzer Ausdruck' : 'Deine Antwort', { exact: true }));
        await page.keyboard.type(spec.kind === 'word_cloud' ? 'spannend' : 'Bern');
        await press('Enter');
        break;
      case 'slider':
        await tabTo(page, 'the slider', `el.id === 'slider-answer'`);
        await press('ArrowRight', 19); // from the middle, 1950
        await visible(page.getByRole('button', { name: '1969 absenden' }));
        await tabTo(page, 'the submit button', `el.type === 'submit'`);
        await press('Enter');
        break;
      case 'puzzle': {
        const target = spec.answers!;
        for (let t = 0; t < target.length; t++) {
          const item = target[t]!;
          const at = (await puzzleOrder(page)).indexOf(item);
          if (at === t) continue;
          await tabTo(page, `the handle of ${item}`, `el.getAttribute('aria-label')?.startsWith(${JSON.stringify(`${item}, Position`)})`);
          for (let from = at; from > t; from--) {
            await press('ArrowUp');
            await until(async () => (await puzzleOrder(page)).indexOf(item) === from - 1, `${item} moved up`);
          }
        }
        assert.deepEqual(await puzzleOrder(page), target);
        await tabTo(page, 'the submit button', `el.type === 'submit'`);
        await press('Enter');
        break;
      }
      case 'poll':
        await answer(player, 'Puzzle', true);
        break;
    }
    const judged = spec.kind !== 'poll' && spec.kind !== 'word_cloud';
    const heading = judged ? EXPECTED.de.correct : /^Danke für deine Antwort!$/;
    await visible(page.getByRole('heading', { name: heading }), 45_000);
    assert.match(await focusedHeading(page), heading, `focus on the result of question ${q + 1}`);
    await checkScreen(player, `keyboard-${spec.kind}-reveal`, english);

    await visible(host.getByRole('button', { name: 'Next' }));
    await host.getByRole('button', { name: 'Next' }).click();
    await visible(page.getByRole('heading', { name: EXPECTED.de.leaderboard, exact: true }));
    await visible(host.getByRole('heading', { name: 'Leaderboard' }));
    await host.getByRole('button', { name: 'Next' }).click();
  }
  await visible(page.getByRole('heading', { name: EXPECTED.de.podium }));
  await visible(page.getByText('Du hast den 1. Platz von 1 erreicht'));
  // The way out is reachable by keyboard, too.
  await tabTo(page, '"Nochmals spielen"', `el.textContent.trim() === 'Nochmals spielen'`);
  await press('Enter');
  await visible(page.getByRole('heading', { name: EXPECTED.de.joinHeading }));

  assert.deepEqual(errors, [], 'no errors in the pages');
});
