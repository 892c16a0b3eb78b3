// The host area in French and German: a browser set to Swiss French gets the sign-in, the dashboard and the
// editor in French (validation messages included); the language picker switches to German, which survives
// a reload; a server error (wrong password) reads in the language in use. Nothing on these screens is an
// untranslated message key or one of the English texts, and axe-core finds no WCAG 2.2 AA violation.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { axeViolations } from './axe.ts';
import { PASSWORD } from './flows.ts';
import { launchBrowser, screenshotGroup, shot, startServer, textMatching, until, visible, watchErrors, type Server } from './harness.ts';

type Messages = Record<string, unknown>;

function load(area: string, lang: string): Messages {
  return JSON.parse(readFileSync(new URL(`../messages/${area}/${lang}.json`, import.meta.url), 'utf8')) as Messages;
}

const en = load('editor', 'en');
const fr = load('editor', 'fr');
const de = load('editor', 'de');
const commonFr = load('common', 'fr');
const commonDe = load('common', 'de');
const italian = load('editor', 'it');
const errorsDe = load('errors', 'de');

/** A plain message (no variants), with its placeholders filled in. */
function t(messages: Messages, key: string, values: Record<string, string | number> = {}): string {
  const message = messages[key];
  assert.equal(typeof message, 'string', `${key} is a plain message`);
  return (message as string).replace(/\{(\w+)\}/g, (_, name: string) => String(values[name] ?? `{${name}}`));
}

/** Spaces of any kind (French puts no-break spaces before ":" and "?") as one plain space. */
const norm = (s: string) => s.replace(/\s+/g, ' ').trim();

/** A message key that was never compiled, e.g. "editor_quizTitle". */
const KEY = /\b(player|editor|host|common|error|feel|reports)_[a-z]/;

/**
 * The English texts of the host area that must not show in another language: every plain English editor
 * message that the language translates differently, and the fixed parts of some with placeholders.
 */
function englishPhrases(other: Messages): string[] {
  const phrases = Object.entries(en)
    .filter(([key, text]) => key !== '$schema' && typeof text === 'string' && !text.includes('{') && text !== other[key])
    .map(([, text]) => text as string)
    .filter((text) => text.length >= 4);
  return [...phrases, 'Signed in as', 'Move question', 'Delete question', 'Add answer to question', 'Please fix', 'must not be'];
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Everything a person can perceive on the page: its text, the title and names/hints in attributes. */
async function perceivable(page: Page): Promise<string> {
  return page.evaluate(() => {
    const attrs = [...document.querySelectorAll('[aria-label], [placeholder], [title], [alt]')].flatMap((el) =>
      ['aria-label', 'placeholder', 'title', 'alt'].map((a) => el.getAttribute(a) ?? ''),
    );
    return [document.title, document.body.innerText, ...attrs].join('\n');
  });
}

/** The page is in `lang`: `<html lang>`, no message keys, none of the English texts. */
async function assertTranslated(page: Page, lang: string, other: Messages, screen: string): Promise<void> {
  assert.equal(await page.evaluate(() => document.documentElement.lang), lang, `${screen}: <html lang>`);
  const text = await perceivable(page);
  assert.doesNotMatch(text, KEY, `${screen}: no untranslated message key`);
  const english = englishPhrases(other).filter((phrase) => new RegExp(`(^|[^\\p{L}])${escape(phrase)}($|[^\\p{L}])`, 'u').test(text));
  assert.deepEqual(english, [], `${screen}: no English text`);
}

test('the English texts checked for include the screens\' labels', () => {
  const phrases = englishPhrases(de);
  for (const phrase of ['Dashboard', 'Save quiz', 'Quiz title', 'Add question', 'Log out', 'Your quizzes', 'Slider']) {
    assert.ok(phrases.includes(phrase), phrase);
  }
});

/** axe-core's WCAG 2.2 A/AA rules on the page as it is: no violation. */
async function assertAccessible(page: Page, screen: string): Promise<void> {
  assert.deepEqual(await axeViolations(page), [], `${screen}: WCAG 2.2 AA (axe-core)`);
}

let server: Server;
let browser: Browser;
const errors: string[] = [];

before(async () => {
  screenshotGroup('i18n-editor');
  server = await startServer('i18n-editor');
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('the host area follows the browser (fr-CH), then the picker (de), and keeps it', { timeout: 180_000 }, async () => {
  const context = await browser.newContext({ baseURL: server.url, locale: 'fr-CH', viewport: { width: 1280, height: 800 } });
  context.setDefaultTimeout(20_000);
  const page = await context.newPage();
  watchErrors(page, 'host', errors);

  // Sign-in in French, with the language picker.
  await page.goto('/host');
  await visible(page.getByRole('heading', { name: t(fr, 'editor_auth_headingLogin') }));
  assert.equal(await page.getByLabel(t(commonFr, 'common_language')).inputValue(), 'fr', 'the picker shows French');
  await assertTranslated(page, 'fr', fr, 'sign-in (fr)');
  await assertAccessible(page, 'sign-in (fr)');
  await shot(page, 'signin-fr');

  // Registering with a too short password: the rule in French, tied to the field; then a good one.
  await page.getByRole('button', { name: t(fr, 'editor_auth_register') }).click();
  await page.getByLabel(t(fr, 'editor_auth_username')).fill('hote-fr');
  const password = page.getByLabel(t(fr, 'editor_auth_password'), { exact: true });
  await password.fill('court');
  await page.getByRole('button', { name: t(fr, 'editor_auth_submitRegister') }).click();
  await until(async () => (await password.getAttribute('aria-invalid')) === 'true', 'the password marked invalid');
  const described = (await password.getAttribute('aria-describedby')) ?? '';
  assert.ok(described.split(' ').includes('password-error'), `the password points at its error: ${described}`);
  assert.equal(norm(await page.locator('#password-error').innerText()), 'Un mot de passe compte au moins 8 caractères.');
  assert.ok(await password.evaluate((el) => el === document.activeElement), 'focus on the password');
  await assertAccessible(page, 'register (fr, invalid)');
  await shot(page, 'register-fr-invalid');
  await password.fill(PASSWORD);
  await page.getByRole('button', { name: t(fr, 'editor_auth_submitRegister') }).click();

  // The dashboard in French.
  await visible(page.getByRole('heading', { name: 'Tableau de bord' }));
  await visible(page.getByRole('heading', { name: t(fr, 'editor_quizzes_heading') }));
  await visible(page.getByText(t(fr, 'editor_games_empty')));
  assert.equal(await page.title(), 'Tableau de bord · Cahoot');
  await assertTranslated(page, 'fr', fr, 'dashboard (fr)');
  await assertAccessible(page, 'dashboard (fr)');
  await shot(page, 'dashboard-fr');

  // A new quiz with an empty answer: the French validation message, in the summary and at the field.
  await page.getByRole('link', { name: t(fr, 'editor_quizzes_new') }).click();
  await page.getByLabel(t(fr, 'editor_quizTitle')).fill('Capitales');
  await page.getByLabel(t(fr, 'editor_field_text', { n: 1 }), { exact: true }).fill('Quelle est la capitale de la Suisse ?');
  await page.getByLabel(t(fr, 'editor_field_answer', { n: 1, k: 1 }), { exact: true }).fill('Berne');
  await page.getByRole('button', { name: t(fr, 'editor_save') }).click();
  const summary = norm(await textMatching(page.getByRole('alert'), /^(\S[\s\S]*)$/));
  assert.equal(summary, 'Corrige ce problème : Question 1, réponse 2 : ne doit pas être vide');
  const answer2 = page.getByLabel(t(fr, 'editor_field_answer', { n: 1, k: 2 }), { exact: true });
  await until(async () => (await answer2.getAttribute('aria-invalid')) === 'true', 'answer 2 marked invalid');
  const errorId = await answer2.getAttribute('aria-describedby');
  assert.ok(errorId, 'answer 2 points at its message');
  assert.equal(norm(await page.locator(`[id="${errorId}"]`).innerText()), 'ne doit pas être vide');
  assert.ok(await answer2.evaluate((el) => el === document.activeElement), 'focus on answer 2');
  await assertTranslated(page, 'fr', fr, 'editor (fr, invalid)');
  await assertAccessible(page, 'editor (fr, invalid)');
  await shot(page, 'editor-fr-invalid');

  await answer2.fill('Zurich');
  await page.getByLabel(t(fr, 'editor_correctAnswerN', { n: 1, k: 1 })).check();
  await page.getByRole('button', { name: t(fr, 'editor_save') }).click();
  await visible(page.getByRole('status').filter({ hasText: 'Quiz enregistré.' }));
  await until(async () => /^\/host\/quiz\/[^/]+$/.test(new URL(page.url()).pathname), 'the saved quiz opens');
  await shot(page, 'editor-fr-saved');

  // The picker switches to German (the page reloads); a reload keeps German.
  await page.getByLabel(t(commonFr, 'common_language')).selectOption('de');
  await visible(page.getByRole('heading', { name: t(de, 'editor_titleEdit') }));
  await page.reload();
  await visible(page.getByRole('heading', { name: 'Quiz bearbeiten' }));
  assert.equal(await page.getByLabel(t(commonDe, 'common_language')).inputValue(), 'de');
  assert.equal(await page.getByLabel(t(de, 'editor_quizTitle')).inputValue(), 'Capitales', 'the saved quiz in the editor');
  assert.equal(await page.title(), 'Quiz bearbeiten · Cahoot');
  await assertTranslated(page, 'de', de, 'editor (de)');
  await shot(page, 'editor-de');

  // Keyboard only: add a question, move it up, delete it; the focus stays on the question being worked on.
  const focusedId = () => page.evaluate(() => document.activeElement?.id ?? '');
  await page.getByRole('button', { name: t(de, 'editor_addQuestion') }).focus();
  await page.keyboard.press('Enter');
  await until(async () => (await focusedId()) === 'q1-text', 'focus on the new question text');
  await page.keyboard.type('Welcher Fluss fliesst durch Bern?');
  await page.getByRole('button', { name: t(de, 'editor_moveUp', { n: 2 }) }).focus();
  await page.keyboard.press('Enter');
  await until(async () => (await focusedId()) === 'q0-move-down', 'focus follows the question to the top');
  assert.equal(await page.getByLabel(t(de, 'editor_field_text', { n: 1 }), { exact: true }).inputValue(), 'Welcher Fluss fliesst durch Bern?');
  await textMatching(page.getByRole('status'), /^(Frage an Position 1 verschoben\.)$/);

  // Every question kind reads German.
  const kind = page.getByLabel(`${t(de, 'editor_question', { n: 1 })} ${t(de, 'editor_type')}`);
  for (const value of ['true_false', 'multi_select', 'type_answer', 'slider', 'puzzle', 'poll', 'word_cloud', 'slide', 'multiple_choice']) {
    await kind.selectOption(value);
    await assertTranslated(page, 'de', de, `editor (de, ${value})`);
    await assertAccessible(page, `editor (de, ${value})`);
    if (value === 'slider' || value === 'puzzle') await shot(page, `editor-de-${value}`);
  }

  await page.getByRole('button', { name: t(de, 'editor_deleteQuestion', { n: 1 }) }).focus();
  await page.keyboard.press('Enter');
  await until(async () => (await focusedId()) === 'q0-text', 'focus on the question now first');
  assert.equal(await page.getByLabel(t(de, 'editor_field_text', { n: 1 }), { exact: true }).inputValue(), 'Quelle est la capitale de la Suisse ?');

  // The dashboard in German.
  await page.getByRole('link', { name: t(de, 'editor_back') }).click();
  await visible(page.getByRole('heading', { name: 'Übersicht' }));
  await visible(page.getByRole('list', { name: t(de, 'editor_quizzes_list') }).getByText('1 Frage', { exact: true }));
  await assertTranslated(page, 'de', de, 'dashboard (de)');
  await shot(page, 'dashboard-de');

  // Delete asks first; the focus goes to the question's buttons and back, so the keyboard never gets lost.
  await page.getByRole('button', { name: t(de, 'editor_quizzes_deleteNamed', { title: 'Capitales' }) }).focus();
  await page.keyboard.press('Enter');
  const confirm = page.getByRole('group', { name: t(de, 'editor_quizzes_confirmGroup', { title: 'Capitales' }) });
  await visible(confirm.getByText('Capitales» löschen?', { exact: false }));
  await until(async () => (await focusedId()) === 'quiz-0-cancel', 'focus on Cancel');
  await assertAccessible(page, 'dashboard (de, confirm deletion)');
  await page.keyboard.press('Enter');
  await until(async () => (await focusedId()) === 'quiz-0-delete', 'focus back on Delete');

  // Account settings: a wrong current password is the server's wrong_password, in German, at the field.
  await page.getByText(t(de, 'editor_account_settings')).click();
  const currentPassword = page.getByLabel(t(de, 'editor_account_current'));
  await currentPassword.fill(PASSWORD + 'x');
  await page.getByLabel(t(de, 'editor_account_new')).fill('ein ganz neues Passwort');
  await page.getByRole('button', { name: t(de, 'editor_account_changePassword') }).click();
  await until(async () => (await currentPassword.getAttribute('aria-invalid')) === 'true', 'the current password marked invalid');
  assert.equal(
    norm(await page.locator(`[id="${await currentPassword.getAttribute('aria-describedby')}"]`).innerText()),
    t(errorsDe, 'error_wrong_password'),
  );
  await assertTranslated(page, 'de', de, 'account settings (de)');
  await assertAccessible(page, 'account settings (de)');
  await shot(page, 'account-de-wrong-password');

  // Signed out, a wrong password: the server's invalid_credentials in German.
  await page.getByRole('button', { name: t(de, 'editor_logout') }).click();
  await visible(page.getByRole('heading', { name: t(de, 'editor_auth_headingLogin') }));
  await page.getByLabel(t(de, 'editor_auth_username')).fill('hote-fr');
  await page.getByLabel(t(de, 'editor_auth_password'), { exact: true }).fill(PASSWORD + 'x');
  await page.getByRole('button', { name: t(de, 'editor_auth_submitLogin'), exact: true }).click();
  const message = await textMatching(page.getByRole('alert'), /^(\S[\s\S]*)$/);
  assert.equal(message.trim(), t(errorsDe, 'error_invalid_credentials'));
  assert.equal(message.trim(), 'Benutzername oder Passwort ist falsch.');
  await assertTranslated(page, 'de', de, 'sign-in (de, wrong password)');
  await assertAccessible(page, 'sign-in (de, wrong password)');
  await shot(page, 'signin-de-wrong-password');

  // Italian from the sign-in screen's picker: signing in, the dashboard and the editor.
  await page.getByLabel(t(commonDe, 'common_language')).selectOption('it');
  await visible(page.getByRole('heading', { name: t(italian, 'editor_auth_headingLogin') }));
  await assertTranslated(page, 'it', italian, 'sign-in (it)');
  await page.getByLabel(t(italian, 'editor_auth_username')).fill('hote-fr');
  await page.getByLabel(t(italian, 'editor_auth_password'), { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: t(italian, 'editor_auth_submitLogin'), exact: true }).click();
  await visible(page.getByRole('heading', { name: t(italian, 'editor_dashboard_title') }));
  await visible(page.getByText('1 domanda', { exact: true }));
  await assertTranslated(page, 'it', italian, 'dashboard (it)');
  await shot(page, 'dashboard-it');
  await page.getByRole('link', { name: t(italian, 'editor_quizzes_editNamed', { title: 'Capitales' }) }).click();
  await visible(page.getByRole('heading', { name: t(italian, 'editor_titleEdit') }));
  await visible(page.getByLabel(t(italian, 'editor_field_text', { n: 1 }), { exact: true }));
  await assertTranslated(page, 'it', italian, 'editor (it)');
  await assertAccessible(page, 'editor (it)');
  await shot(page, 'editor-it');

  assert.deepEqual(errors, [], 'no errors in the page');
});
