// Every question kind through the real UI: a host builds a quiz with one question of each kind (plus an
// uploaded image) in the editor, exports it and imports the file back, imports the Kahoot template, three
// players on phones answer each kind with its own control (the puzzle by keyboard for one player and by
// dragging for another), one reloads mid-question and gets their answer back, the host's reveal shows the
// right numbers per kind, the scores add up at the podium and on the results page, and the CSV and XLSX
// downloads hold the same standings and answers. Every step talks to the real server: nothing is mocked.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { strFromU8, unzipSync } from 'fflate';
import type { Browser, Download, Locator, Page } from 'playwright-core';
import { answersOpen, hostQuiz, joinAsPlayer, readScore, readStandings, registerHost, revealHeading, type Row } from './flows.ts';
import {
  launchBrowser,
  newContext,
  screenshotGroup,
  shot,
  startServer,
  textMatching,
  until,
  visible,
  watchErrors,
  type Server,
} from './harness.ts';

let server: Server;
let browser: Browser;
const errors: string[] = [];

before(async () => {
  screenshotGroup('types');
  server = await startServer('question-types');
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** A 16×16 PNG (red and blue halves). */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAIAAACQkWg2AAAAGklEQVR42mM4oWGDFYmknMCKGEY1jGoYvhoAQtY2ELktOVAAAAAASUVORK5CYII=',
  'base64',
);
const PNG_FILE = { name: 'planet.png', mimeType: 'image/png', buffer: PNG };
const KAHOOT_FIXTURE = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../crates/cahoot-formats/tests/fixtures/kahoot-template.xlsx',
);

const QUIZ = 'Every kind';
const Q = {
  mc: 'Which planet is the largest?',
  tf: 'The Sun is a star.',
  multi: 'Which of these are prime numbers?',
  typed: 'What is the capital of France?',
  slider: 'In which year did Apollo 11 land on the Moon?',
  puzzle: 'Order from smallest to largest',
  poll: 'Which season do you like best?',
  cloud: 'One word for space?',
  slide: 'Thanks for playing!',
};
const PUZZLE_ITEMS = ['Atom', 'Molecule', 'Cell', 'Organism'];
/** The kinds of the questions above, in order: one of every kind. */
const KINDS = ['multiple_choice', 'true_false', 'multi_select', 'type_answer', 'slider', 'puzzle', 'poll', 'word_cloud', 'slide'];
/** Where the server serves an uploaded image: its content hash. */
const IMAGE_PATH = /^\/api\/images\/([0-9a-f]{64})$/;
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

// ---------------------------------------------------------------------------------------------------------
// Images and downloads

async function imageLoaded(img: Locator): Promise<void> {
  await visible(img);
  await until(() => img.evaluate((el) => (el as HTMLImageElement).complete && (el as HTMLImageElement).naturalWidth > 0), 'image loaded');
}

/** Waits for the <img> to load and returns the id of the stored image it loaded (`/api/images/<id>`). */
async function storedImage(img: Locator): Promise<string> {
  await imageLoaded(img);
  const src = await img.evaluate((el) => (el as HTMLImageElement).currentSrc);
  const m = IMAGE_PATH.exec(new URL(src).pathname);
  assert.ok(m, `the picture loads from the server's image store: ${src}`);
  return m[1]!;
}

/** The stored image, fetched without a token the way a player's phone does: a PNG of 16×16 pixels. */
async function fetchImage(id: string): Promise<Buffer> {
  const response = await fetch(`${server.url}/api/images/${id}`);
  assert.equal(response.status, 200, `GET /api/images/${id}`);
  assert.equal(response.headers.get('content-type'), 'image/png');
  const bytes = Buffer.from(await response.arrayBuffer());
  assert.deepEqual(bytes.subarray(0, 8), PNG_SIGNATURE, 'a PNG');
  assert.equal(bytes.readUInt32BE(16), 16, 'width');
  assert.equal(bytes.readUInt32BE(20), 16, 'height');
  return bytes;
}

/** Clicks the button and returns the file it downloads. */
async function downloadFrom(page: Page, button: Locator): Promise<{ download: Download; bytes: Buffer }> {
  const [download] = await Promise.all([page.waitForEvent('download'), button.click()]);
  const file = await download.path();
  assert.ok(file, `${download.suggestedFilename()} downloaded`);
  return { download, bytes: await readFile(file) };
}

/** RFC 4180 CSV, enough of it for the results file: quoted cells with doubled quotes, CRLF rows. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += c;
  }
  if (cell !== '' || row.length > 0) rows.push([...row, cell]);
  return rows;
}

function xmlText(xml: string): string {
  return xml
    .replace(/<[^>]+>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

function attribute(tag: string, name: string): string | undefined {
  return new RegExp(`\\s${name}="([^"]*)"`).exec(tag)?.[1];
}

/** Column letters of a cell reference ("C7") as a 0-based index. */
function column(ref: string): number {
  let n = 0;
  for (const c of /^[A-Z]+/.exec(ref)?.[0] ?? '') n = n * 26 + (c.charCodeAt(0) - 64);
  return n - 1;
}

interface Workbook {
  /** The sheets in workbook order. */
  names: string[];
  /** Every sheet as rows of cell texts (shared strings resolved, numbers as written), '' where empty. */
  sheets: Map<string, string[][]>;
  /** xl/sharedStrings.xml's strings, in order. */
  strings: string[];
}

/** Unzips an .xlsx and reads its sheets: workbook.xml names them, its rels say which part holds each. */
function readXlsx(bytes: Buffer): Workbook {
  const files = unzipSync(new Uint8Array(bytes));
  const part = (name: string): string => {
    const data = files[name];
    assert.ok(data, `the workbook has ${name}`);
    return strFromU8(data);
  };
  const strings = [...part('xl/sharedStrings.xml').matchAll(/<si>([\s\S]*?)<\/si>/g)].map((m) => xmlText(m[1]!));
  const targets = new Map<string, string>();
  for (const [tag] of part('xl/_rels/workbook.xml.rels').matchAll(/<Relationship\b[^>]*>/g)) {
    targets.set(attribute(tag, 'Id') ?? '', attribute(tag, 'Target') ?? '');
  }
  const names: string[] = [];
  const sheets = new Map<string, string[][]>();
  for (const [tag] of part('xl/workbook.xml').matchAll(/<sheet\b[^>]*>/g)) {
    const name = xmlText(attribute(tag, 'name') ?? '');
    const target = targets.get(attribute(tag, 'r:id') ?? '') ?? '';
    const xml = part(target.startsWith('/') ? target.slice(1) : `xl/${target}`);
    const rows: string[][] = [];
    for (const [, rowTag, cells] of xml.matchAll(/(<row\b[^>]*>)([\s\S]*?)<\/row>/g)) {
      const r = Number(attribute(rowTag!, 'r')) - 1;
      const row: string[] = [];
      for (const [, cellTag, body] of cells!.matchAll(/(<c\b[^>]*?)(?:\/>|>([\s\S]*?)<\/c>)/g)) {
        const v = /<v>([\s\S]*?)<\/v>/.exec(body ?? '')?.[1];
        const type = attribute(cellTag!, 't');
        let value = '';
        if (type === 's' && v !== undefined) value = strings[Number(v)] ?? '';
        else if (type === 'inlineStr') value = xmlText(body ?? '');
        else if (v !== undefined) value = xmlText(v);
        row[column(attribute(cellTag!, 'r') ?? '')] = value;
      }
      rows[r] = Array.from(row, (c) => c ?? '');
    }
    names.push(name);
    sheets.set(name, Array.from(rows, (row) => row ?? []));
  }
  return { names, sheets, strings };
}

/** The Cahoot quiz file as the export writes it (the fields this test reads). */
interface QuizFile {
  format: string;
  version: number;
  quiz: {
    title: string;
    show_on_devices: boolean;
    questions: {
      kind: string;
      text: string;
      answers: string[];
      correct: number;
      correct_answers: number[];
      partial: boolean;
      shuffle: boolean;
      slider?: { min: number; max: number; step: number; correct: number; tolerance: number };
      image?: string;
      answer_images: (string | null)[];
      time_limit_secs: number;
    }[];
  };
  images: { id: string; content_type: string; data: string }[];
}

// ---------------------------------------------------------------------------------------------------------
// Editor

/**
 * Uploads the PNG through the real `POST /api/images` and checks the editor shows the stored image. The first
 * upload stores it (201); the same picture again is the same image, already stored (200).
 */
async function upload(page: Page, label: string, first: boolean): Promise<string> {
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/api/images'),
    page.getByLabel(label, { exact: true }).setInputFiles(PNG_FILE),
  ]);
  assert.equal(response.status(), first ? 201 : 200, `${label}: POST /api/images`);
  // (Response bodies are not read: Chromium may already have dropped them. The <img> shows the id.)
  const id = await storedImage(page.getByRole('img', { name: label, exact: true }));
  await fetchImage(id);
  return id;
}

async function fillOptions(page: Page, n: number, answers: string[]): Promise<void> {
  for (let i = 0; i < answers.length; i++) {
    if (i >= 2) await page.getByRole('button', { name: `Add answer to question ${n}` }).click();
    await page.getByLabel(`Question ${n} answer ${i + 1}`, { exact: true }).fill(answers[i]!);
  }
}

async function newQuestion(page: Page, n: number, kind: string, text: string): Promise<void> {
  if (n > 1) await page.getByRole('button', { name: 'Add question' }).click();
  await page.getByLabel(`Question ${n} type`).selectOption(kind);
  await page.getByLabel(`Question ${n} text`, { exact: true }).fill(text);
  await page.getByLabel(`Question ${n} time limit (seconds)`).fill('90');
}

/** The ids of the images uploaded in the editor. */
interface Uploads {
  question1: string;
  answer2: string;
  question9: string;
}

async function buildQuiz(page: Page): Promise<Uploads> {
  await page.getByRole('link', { name: 'New quiz' }).click();
  await page.getByLabel('Quiz title').fill(QUIZ);
  await page.getByLabel("Show questions and images on players' devices").check();

  await newQuestion(page, 1, 'multiple_choice', Q.mc);
  const question1 = await upload(page, 'Question 1 image', true);
  await fillOptions(page, 1, ['Mars', 'Jupiter', 'Venus']);
  await page.getByLabel('Question 1 correct answer 2').check();
  const answer2 = await upload(page, 'Question 1 answer 2 image', false);

  await newQuestion(page, 2, 'true_false', Q.tf);
  await page.getByLabel('Question 2 correct answer 1').check();

  await newQuestion(page, 3, 'multi_select', Q.multi);
  await fillOptions(page, 3, ['2', '4', '7', '9']);
  await page.getByLabel('Question 3 correct answer 1').check();
  await page.getByLabel('Question 3 correct answer 3').check();
  await page.getByLabel('Question 3 partial points').check();
  await page.getByLabel('Question 3 shuffle the answers').check();

  await newQuestion(page, 4, 'type_answer', Q.typed);
  await page.getByLabel('Question 4 accepted answer 1', { exact: true }).fill('Paris');
  await page.getByRole('button', { name: 'Add accepted answer to question 4' }).click();
  await page.getByLabel('Question 4 accepted answer 2', { exact: true }).fill('Paree');

  await newQuestion(page, 5, 'slider', Q.slider);
  await page.getByLabel('Question 5 slider minimum').fill('1950');
  await page.getByLabel('Question 5 slider maximum').fill('2000');
  await page.getByLabel('Question 5 slider step').fill('1');
  await page.getByLabel('Question 5 slider correct value').fill('1969');
  await page.getByLabel('Question 5 slider tolerance').fill('2');
  await textMatching(page.locator('fieldset', { hasText: 'Preview' }), /(Full points for 1967 to 1971)/);

  await newQuestion(page, 6, 'puzzle', Q.puzzle);
  // Typed out of order, then put right with the move buttons: the editor's order is the correct order.
  const typed = ['Molecule', 'Atom', 'Cell'];
  for (let i = 0; i < typed.length; i++) {
    if (i >= 2) await page.getByRole('button', { name: 'Add item to question 6' }).click();
    await page.getByLabel(`Question 6 item ${i + 1}`, { exact: true }).fill(typed[i]!);
  }
  await page.getByRole('button', { name: 'Move question 6 item 2 up' }).click();
  await page.getByRole('button', { name: 'Add item to question 6' }).click();
  await page.getByLabel('Question 6 item 4', { exact: true }).fill('Organism');
  await page.getByLabel('Question 6 partial points').check();
  for (let i = 0; i < PUZZLE_ITEMS.length; i++) {
    assert.equal(await page.getByLabel(`Question 6 item ${i + 1}`, { exact: true }).inputValue(), PUZZLE_ITEMS[i]);
  }

  await newQuestion(page, 7, 'poll', Q.poll);
  await fillOptions(page, 7, ['Spring', 'Summer', 'Autumn', 'Winter']);

  await newQuestion(page, 8, 'word_cloud', Q.cloud);

  await newQuestion(page, 9, 'slide', Q.slide);
  const question9 = await upload(page, 'Question 9 image', false);
  // The same picture three times: one stored image (its id is its content hash), public for the phones.
  assert.equal(answer2, question1);
  assert.equal(question9, question1);

  // Client-side validation, inline: a slider value off the step grid is flagged before anything is sent,
  // and the message goes away as soon as it is fixed.
  const correct = page.getByLabel('Question 5 slider correct value');
  await correct.fill('1969.5');
  await page.getByRole('button', { name: 'Save quiz' }).click();
  const alert = await textMatching(page.getByRole('alert'), /(Question 5 slider correct value: must be between min and max, on a step)/);
  assert.ok(alert);
  await until(async () => (await correct.getAttribute('aria-invalid')) === 'true', 'slider correct value marked invalid');
  assert.ok(await correct.evaluate((el) => el === document.activeElement), 'focus moves to the slider value');
  await shot(page, 'editor-inline-validation');
  await correct.fill('1969');
  await until(async () => (await correct.getAttribute('aria-invalid')) === null, 'the problem clears once fixed');

  await page.getByRole('button', { name: 'Save quiz' }).click();
  await visible(page.getByRole('status').filter({ hasText: 'Quiz saved.' }));
  await shot(page, 'editor-saved');

  // The saved quiz reads back into the editor as it was written.
  await page.reload();
  await visible(page.getByLabel('Question 6 item 1', { exact: true }));
  assert.equal(await page.getByLabel('Question 5 type').inputValue(), 'slider');
  assert.equal(await page.getByLabel('Question 5 slider correct value').inputValue(), '1969');
  for (let i = 0; i < PUZZLE_ITEMS.length; i++) {
    assert.equal(await page.getByLabel(`Question 6 item ${i + 1}`, { exact: true }).inputValue(), PUZZLE_ITEMS[i]);
  }
  assert.equal(await page.getByLabel('Question 3 correct answer 3').isChecked(), true);
  assert.equal(await page.getByLabel('Question 4 accepted answer 2', { exact: true }).inputValue(), 'Paree');
  assert.equal(await storedImage(page.getByRole('img', { name: 'Question 1 image', exact: true })), question1);
  assert.equal(await storedImage(page.getByRole('img', { name: 'Question 1 answer 2 image', exact: true })), answer2);
  assert.equal(await storedImage(page.getByRole('img', { name: 'Question 9 image', exact: true })), question9);
  return { question1, answer2, question9 };
}

// ---------------------------------------------------------------------------------------------------------
// Players

async function waitQuestion(page: Page, text: string): Promise<void> {
  await visible(page.getByRole('heading', { name: text, exact: true }), 45_000);
  await answersOpen(page);
}

async function sent(page: Page): Promise<void> {
  await visible(page.getByRole('heading', { name: 'Answer sent' }).or(revealHeading(page)));
}

async function tap(page: Page, text: string): Promise<void> {
  await page.getByRole('button', { name: text, exact: true }).click();
  await sent(page);
}

async function pickMany(page: Page, texts: string[]): Promise<void> {
  for (const text of texts) await page.getByRole('checkbox', { name: text, exact: true }).check();
  await page.getByRole('button', { name: /^Submit/ }).click();
  await sent(page);
}

async function typeAnswer(page: Page, label: string, text: string): Promise<void> {
  const field = page.getByLabel(label, { exact: true });
  await field.fill(text);
  await textMatching(page.locator('#typed-answer-count'), new RegExp(`^(${[...text].length} / 20)`));
  await page.getByRole('button', { name: 'Submit' }).click();
  await sent(page);
}

async function sliderValue(page: Page): Promise<string> {
  return (await page.locator('output[for="slider-answer"]').innerText()).trim();
}

async function puzzleOrder(page: Page): Promise<string[]> {
  const handles = page.getByRole('list', { name: 'Your order' }).getByRole('button', { name: /, position \d+ of \d+$/ });
  const labels = await handles.evaluateAll((els) => els.map((el) => el.getAttribute('aria-label') ?? ''));
  return labels.map((l) => l.replace(/, position \d+ of \d+$/, ''));
}

function handle(page: Page, item: string): Locator {
  return page.getByRole('button', { name: new RegExp(`^${item}, position \\d+ of \\d+$`) });
}

/** Keyboard only: focus each item's handle and press ↑ until it is in place. */
async function orderByKeyboard(page: Page, target: string[]): Promise<void> {
  for (let t = 0; t < target.length; t++) {
    let at = (await puzzleOrder(page)).indexOf(target[t]!);
    await handle(page, target[t]!).focus();
    for (; at > t; at--) {
      await page.keyboard.press('ArrowUp');
      await until(async () => (await puzzleOrder(page)).indexOf(target[t]!) === at - 1, `${target[t]} moved up`);
      assert.ok(
        await handle(page, target[t]!).evaluate((el) => el === document.activeElement),
        'focus stays on the moved item',
      );
    }
  }
}

/** Pointer only: drag each item's handle up onto the place it belongs. */
async function orderByDragging(page: Page, target: string[]): Promise<void> {
  const list = page.getByRole('list', { name: 'Your order' });
  const rows = list.locator(':scope > li');
  await list.scrollIntoViewIfNeeded();
  for (let t = 0; t < target.length; t++) {
    if ((await puzzleOrder(page)).indexOf(target[t]!) === t) continue;
    const from = await handle(page, target[t]!).boundingBox();
    const to = await rows.nth(t).boundingBox();
    assert.ok(from && to);
    await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
    await page.mouse.down();
    await page.mouse.move(from.x + from.width / 2, to.y + 4, { steps: 12 });
    await page.mouse.up();
    await until(async () => (await puzzleOrder(page)).indexOf(target[t]!) === t, `${target[t]} dragged into place`);
  }
}

interface Reveal {
  heading: string;
  points: number;
}

async function readPlayerReveal(page: Page): Promise<Reveal> {
  const heading = (await (await visible(revealHeading(page), 45_000)).innerText()).trim();
  const text = await page.locator('main').innerText();
  const m = /\+(\d+) points/.exec(text);
  return { heading, points: m ? Number(m[1]) : 0 };
}

// ---------------------------------------------------------------------------------------------------------
// Host

/** The accessible labels of a list's items, e.g. "Jupiter: 2 players (correct)". */
async function itemLabels(list: Locator): Promise<string[]> {
  await visible(list);
  return list.locator(':scope > li').evaluateAll((els) => els.map((el) => el.getAttribute('aria-label') ?? ''));
}

async function hostReveal(host: Page): Promise<void> {
  await visible(host.getByRole('button', { name: 'Next' }), 45_000);
}

async function hostNextQuestion(host: Page): Promise<void> {
  await host.getByRole('button', { name: 'Next' }).click();
  await visible(host.getByRole('heading', { name: 'Leaderboard' }));
  await host.getByRole('button', { name: 'Next' }).click();
}

// ---------------------------------------------------------------------------------------------------------
// Dashboard

/** The dashboard's quizzes, newest first, as [title, number of questions]. */
async function listedQuizzes(page: Page): Promise<[string, number][]> {
  const items = page.getByRole('list', { name: 'Quizzes' }).locator(':scope > li');
  const out: [string, number][] = [];
  for (const item of await items.all()) {
    const title = (await item.locator('.title').innerText()).trim();
    const count = /^(\d+) questions?$/.exec((await item.locator('.info .muted').innerText()).trim());
    out.push([title, count ? Number(count[1]) : NaN]);
  }
  return out;
}

/** Runs `pick` (choosing a file for the Import button) and checks the real `POST /api/quizzes/import` took it. */
async function importThrough(page: Page, fileName: string, pick: () => Promise<void>): Promise<void> {
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/api/quizzes/import'),
    pick(),
  ]);
  assert.equal(response.status(), 201, 'POST /api/quizzes/import');
  assert.equal(new URL(response.url()).searchParams.get('title'), fileName, 'the file name goes along as the title');
}

/** The quiz ids behind the dashboard's "Edit <title>" links, in list order. */
async function editedIds(page: Page, title: string): Promise<string[]> {
  const hrefs = await page.getByRole('link', { name: `Edit ${title}`, exact: true }).evaluateAll((els) => els.map((el) => el.getAttribute('href') ?? ''));
  return hrefs.map((href) => href.replace(/^\/host\/quiz\//, ''));
}

function sameList(listed: [string, number][], expected: [string, number][]): boolean {
  return JSON.stringify(listed) === JSON.stringify(expected);
}

/** The exported file: format and version, the nine questions as the editor wrote them, the picture inside. */
async function assertQuizFile(file: QuizFile, uploads: Uploads): Promise<void> {
  assert.equal(file.format, 'cahoot-quiz');
  assert.equal(file.version, 1);
  assert.equal(file.quiz.title, QUIZ);
  assert.equal(file.quiz.show_on_devices, true);
  const qs = file.quiz.questions;
  assert.deepEqual(qs.map((q) => q.kind), KINDS);
  assert.deepEqual(qs.map((q) => q.text), Object.values(Q));
  assert.ok(qs.every((q) => q.time_limit_secs === 90), 'every time limit as set');
  const [mc, tf, multi, typed, slider, puzzle, poll, cloud, slide] = qs;
  assert.deepEqual(mc!.answers, ['Mars', 'Jupiter', 'Venus']);
  assert.equal(mc!.correct, 1);
  assert.equal(mc!.image, uploads.question1);
  assert.equal(mc!.answer_images[1], uploads.answer2);
  assert.ok(mc!.answer_images.every((id, i) => i === 1 || id === null), 'only Jupiter has a picture');
  assert.deepEqual(tf!.answers, ['True', 'False']);
  assert.equal(tf!.correct, 0);
  assert.deepEqual(multi!.answers, ['2', '4', '7', '9']);
  assert.deepEqual(multi!.correct_answers, [0, 2]);
  assert.equal(multi!.partial, true);
  assert.equal(multi!.shuffle, true);
  assert.deepEqual(typed!.answers, ['Paris', 'Paree']);
  assert.deepEqual(slider!.slider, { min: 1950, max: 2000, step: 1, correct: 1969, tolerance: 2 });
  assert.deepEqual(puzzle!.answers, PUZZLE_ITEMS);
  assert.equal(puzzle!.partial, true);
  assert.deepEqual(poll!.answers, ['Spring', 'Summer', 'Autumn', 'Winter']);
  assert.deepEqual(cloud!.answers, []);
  assert.equal(slide!.image, uploads.question9);
  // The one picture (used three times) travels inside the file, byte for byte as the server stores it.
  assert.deepEqual(file.images.map((i) => i.id), [uploads.question1]);
  const [image] = file.images;
  assert.equal(image!.content_type, 'image/png');
  assert.deepEqual(Buffer.from(image!.data, 'base64'), await fetchImage(image!.id));
}

// ---------------------------------------------------------------------------------------------------------

test('a quiz with every question kind, built in the editor and played by three phones', { timeout: 420_000 }, async () => {
  const host = await (await newContext(browser, server.url, 'desktop')).newPage();
  watchErrors(host, 'host', errors);
  await registerHost(host, 'types-host');
  const uploads = await buildQuiz(host);
  await host.getByRole('link', { name: '← Back to dashboard' }).click();
  await until(async () => sameList(await listedQuizzes(host), [[QUIZ, 9]]), 'the quiz listed');

  // Export: a Cahoot quiz file with every question as written, and the picture itself inside.
  const exported = await downloadFrom(host, host.getByRole('button', { name: `Export ${QUIZ}` }));
  assert.match(exported.download.suggestedFilename(), /^cahoot-quiz-[0-9a-f-]{36}\.json$/);
  await assertQuizFile(JSON.parse(exported.bytes.toString('utf8')) as QuizFile, uploads);

  // Import that file back through the Import button: a second quiz of the same title and nine questions.
  const importInput = host.getByLabel('Import quiz (Cahoot .json or Kahoot .xlsx)', { exact: true });
  const [original] = await editedIds(host, QUIZ);
  await importThrough(host, exported.download.suggestedFilename(), () =>
    importInput.setInputFiles({ name: exported.download.suggestedFilename(), mimeType: 'application/json', buffer: exported.bytes }),
  );
  assert.equal(await textMatching(host.getByRole('status'), /^(Imported “.+”\.)/), `Imported “${QUIZ}”.`);
  assert.equal(await host.getByRole('list', { name: 'Skipped rows' }).count(), 0, 'a quiz file has no rows to skip');
  await until(async () => sameList(await listedQuizzes(host), [[QUIZ, 9], [QUIZ, 9]]), 'the imported copy listed beside the original');

  // The Kahoot template: the good rows become questions, the two bad rows (15 and 16) are reported.
  await importThrough(host, 'kahoot-template.xlsx', () => importInput.setInputFiles(KAHOOT_FIXTURE));
  const report = await textMatching(host.getByRole('status'), /^(Imported “kahoot-template”\.[\s\S]*)/);
  assert.match(report, /2 rows were skipped/);
  assert.deepEqual(await host.getByRole('list', { name: 'Skipped rows' }).locator(':scope > li').allInnerTexts(), [
    'Row 15: no correct answer: put the number of the right answer (1–4) in "Correct answer(s)"',
    'Row 16: the correct answer 3 points at Answer 3, which is empty',
  ]);
  await until(
    async () => sameList(await listedQuizzes(host), [['kahoot-template', 5], [QUIZ, 9], [QUIZ, 9]]),
    'the Kahoot quiz listed with its five questions',
  );
  await shot(host, 'dashboard-imported-xlsx');
  await host.getByRole('link', { name: 'Edit kahoot-template', exact: true }).click();
  const questionText = (n: number) => host.getByLabel(`Question ${n} text`, { exact: true });
  await visible(questionText(1));
  assert.equal(await questionText(1).inputValue(), 'What is the capital of Australia?');
  assert.equal(await questionText(5).inputValue(), 'Which planet is known as the Red Planet?');
  assert.equal(await questionText(6).count(), 0, 'five questions in the editor');
  await host.getByRole('link', { name: '← Back to dashboard' }).click();
  await until(async () => (await listedQuizzes(host)).length === 3, 'back on the dashboard');

  // The newest "Every kind" is listed first: the game plays the imported copy, images and all.
  const listed = await editedIds(host, QUIZ);
  assert.equal(listed.length, 2);
  assert.ok(original && listed[1] === original && listed[0] !== original, `the imported copy first: ${listed.join(', ')}`);
  const pin = await hostQuiz(host, QUIZ);
  const names = ['Ada', 'Bob', 'Cy'] as const;
  type Name = (typeof names)[number];
  const players = {} as Record<Name, Page>;
  for (const nickname of names) {
    players[nickname] = await joinAsPlayer(browser, server.lanUrl, pin, nickname, (page) => watchErrors(page, nickname, errors));
    await visible(host.getByRole('button', { name: `Kick ${nickname}` }));
  }
  const { Ada: ada, Bob: bob, Cy: cy } = players;
  await host.getByRole('button', { name: 'Start' }).click();

  const earned: Record<Name, number> = { Ada: 0, Bob: 0, Cy: 0 };
  /** Each answered question's reveal per player, in question order (the slide has none). */
  const revealed: Record<Name, Reveal>[] = [];
  /** Reads every player's reveal, checks the heading, and keeps the points. */
  async function reveals(expected: Record<Name, string | RegExp>, judged = true): Promise<Record<Name, Reveal>> {
    const out = {} as Record<Name, Reveal>;
    for (const nickname of names) {
      const r = await readPlayerReveal(players[nickname]);
      const want = expected[nickname];
      if (typeof want === 'string') assert.equal(r.heading, want, `${nickname}'s reveal`);
      else assert.match(r.heading, want, `${nickname}'s reveal`);
      if (!judged) assert.equal(r.points, 0, `${nickname}: no points for an unjudged question`);
      if (r.heading === 'Incorrect') assert.equal(r.points, 0, `${nickname}: nothing for a wrong answer`);
      if (r.heading === 'Correct!' || r.heading === 'Partly right!') assert.ok(r.points > 0, `${nickname} earns points`);
      earned[nickname] += r.points;
      assert.equal(await readScore(players[nickname]), earned[nickname], `${nickname}'s total`);
      out[nickname] = r;
    }
    revealed.push(out);
    return out;
  }

  // 1. Multiple choice, with a question image and an option image on every screen.
  // Every <img> loads the stored picture from /api/images/<id>: the host's screen, and ("show on devices")
  // the phones, which fetch it without a token.
  await visible(host.getByRole('heading', { name: Q.mc }));
  const pictureId = await storedImage(host.getByRole('img', { name: `Picture for the question: ${Q.mc}` }));
  assert.equal(await storedImage(host.getByRole('img', { name: 'Picture for “Jupiter”' })), pictureId);
  await fetchImage(pictureId);
  await textMatching(host.getByRole('status'), /^(0 of 3 answered)$/);
  for (const nickname of names) {
    const phone = players[nickname];
    await waitQuestion(phone, Q.mc);
    assert.equal(await storedImage(phone.getByRole('img', { name: `Picture for the question: ${Q.mc}` })), pictureId, `${nickname}'s phone`);
    assert.equal(await storedImage(phone.getByRole('button', { name: 'Jupiter', exact: true }).locator('img')), pictureId, `${nickname}'s Jupiter`);
    assert.equal(await phone.getByRole('button', { name: 'Mars', exact: true }).locator('img').count(), 0, 'Mars has no picture');
  }
  await shot(host, 'host-question-mc');
  await shot(ada, 'player-question-mc');
  await tap(ada, 'Jupiter');
  await textMatching(host.getByRole('status'), /^(1 of 3 answered)$/);
  await tap(bob, 'Jupiter');
  await tap(cy, 'Mars');
  await hostReveal(host);
  assert.deepEqual(await itemLabels(host.getByRole('list', { name: 'Answer distribution' })), [
    'Mars: 1 player',
    'Jupiter: 2 players (correct)',
    'Venus: 0 players',
  ]);
  await textMatching(host.getByRole('status'), /^(2 of 3 got it right)$/);
  await shot(host, 'host-reveal-mc');
  await reveals({ Ada: 'Correct!', Bob: 'Correct!', Cy: 'Incorrect' });
  await textMatching(cy.getByRole('region', { name: 'The correct answer' }), /(The answer was Jupiter)/);
  await hostNextQuestion(host);

  // 2. True / false.
  await waitQuestion(ada, Q.tf);
  await tap(ada, 'True');
  await tap(bob, 'False');
  await tap(cy, 'True');
  await hostReveal(host);
  assert.deepEqual(await itemLabels(host.getByRole('list', { name: 'Answer distribution' })), [
    'True: 2 players (correct)',
    'False: 1 player',
  ]);
  await reveals({ Ada: 'Correct!', Bob: 'Incorrect', Cy: 'Correct!' });
  await hostNextQuestion(host);

  // 3. Multi-select with partial points (shuffled: options are found by their text).
  await waitQuestion(ada, Q.multi);
  await shot(ada, 'player-question-multi');
  await pickMany(ada, ['2', '7']);
  await textMatching(ada.getByRole('list', { name: 'Your answers' }), /(2[\s\S]*7|7[\s\S]*2)/);
  await pickMany(bob, ['2']);
  await pickMany(cy, ['4']);
  await hostReveal(host);
  const multi = new Set(await itemLabels(host.getByRole('list', { name: 'Answer distribution' })));
  assert.deepEqual(multi, new Set(['2: 2 players (correct)', '4: 1 player', '7: 1 player (correct)', '9: 0 players']));
  await shot(host, 'host-reveal-multi');
  const r3 = await reveals({ Ada: 'Correct!', Bob: 'Partly right!', Cy: 'Incorrect' });
  assert.ok(r3.Bob.points < 1000, 'half the picks right earns a share of the points');
  await shot(bob, 'player-reveal-partial');
  await hostNextQuestion(host);

  // 4. Type answer: case and spaces do not matter; the accepted answers are listed with their counts.
  await waitQuestion(ada, Q.typed);
  await typeAnswer(ada, 'Your answer', 'Paris');
  await typeAnswer(bob, 'Your answer', '  paris');
  await shot(bob, 'player-answer-sent-typed');
  await typeAnswer(cy, 'Your answer', 'Lyon');
  await hostReveal(host);
  assert.deepEqual(await itemLabels(host.getByRole('list', { name: 'Accepted answers' })), ['Paris: 2 players', 'Paree: 0 players']);
  assert.deepEqual(await itemLabels(host.getByRole('list', { name: 'Other answers' })), ['Lyon: 1 player']);
  await shot(host, 'host-reveal-typed');
  await reveals({ Ada: 'Correct!', Bob: 'Correct!', Cy: 'Incorrect' });
  await textMatching(cy.getByRole('region', { name: 'The correct answer' }), /(Accepted answers: Paris, Paree)/);
  await hostNextQuestion(host);

  // 5. Slider: exact, within the tolerance (+ button), and off by 11 (keyboard): full, full, partial.
  await waitQuestion(ada, Q.slider);
  const slider = (page: Page) => page.getByRole('slider', { name: 'Your answer' });
  await slider(ada).fill('1969');
  assert.equal(await sliderValue(ada), '1969');
  await ada.getByRole('button', { name: 'Submit 1969' }).click();
  await sent(ada);
  await slider(bob).fill('1969');
  await bob.getByRole('button', { name: 'Increase by 1' }).click();
  assert.equal(await sliderValue(bob), '1970');
  await bob.getByRole('button', { name: /^Submit/ }).click();
  await sent(bob);
  await slider(cy).fill('1975');
  await slider(cy).focus();
  for (let i = 0; i < 5; i++) await cy.keyboard.press('ArrowRight');
  assert.equal(await sliderValue(cy), '1980');
  await shot(cy, 'player-question-slider');
  await cy.getByRole('button', { name: 'Submit 1980' }).click();
  await sent(cy);
  await hostReveal(host);
  const histogram = await itemLabels(host.getByRole('list', { name: 'Answer histogram' }));
  assert.equal(histogram.length, 20, 'twenty slices of 1950–2000');
  const counted = histogram.map((l) => Number(/: (\d+) players?/.exec(l)?.[1] ?? NaN));
  assert.equal(counted.reduce((a, b) => a + b, 0), 3, 'every answer in the histogram');
  assert.ok(histogram.some((l) => /^1967\.5 to 1970: 1 player \(full points\)$/.test(l)), `1969 counted: ${histogram.join(' | ')}`);
  assert.ok(histogram.some((l) => /^1980 to 1982\.5: 1 player$/.test(l)), `1980 counted: ${histogram.join(' | ')}`);
  await textMatching(host.locator('main'), /(Correct: 1969 ± 2 · 2 of 3 within the tolerance)/);
  await shot(host, 'host-reveal-slider');
  await reveals({ Ada: 'Correct!', Bob: 'Correct!', Cy: 'Partly right!' });
  await textMatching(cy.getByRole('region', { name: 'The correct answer' }), /(The answer was 1969 \(full points from 1967 to 1971\))/);
  await hostNextQuestion(host);

  // 6. Puzzle: Cy sends the shuffled order as shown and reloads (the answer comes back from the server),
  // Ada orders by keyboard, Bob by dragging.
  await waitQuestion(cy, Q.puzzle);
  const shown = await puzzleOrder(cy);
  assert.deepEqual([...shown].sort(), [...PUZZLE_ITEMS].sort(), 'every item is shown');
  assert.notDeepEqual(shown, PUZZLE_ITEMS, 'the items are shuffled');
  await shot(cy, 'player-question-puzzle');
  await cy.getByRole('button', { name: 'Submit order' }).click();
  await sent(cy);
  await until(
    () => cy.evaluate(() => Object.keys(sessionStorage).filter((k) => k.startsWith('cahoot.pending.')).every((k) => sessionStorage.getItem(k) === '[]')),
    "Cy's answer acknowledged",
  );
  await cy.reload();
  await visible(cy.getByRole('heading', { name: 'Answer sent' }));
  const restored = await cy.getByRole('list', { name: 'Your order' }).locator(':scope > li').allInnerTexts();
  assert.deepEqual(restored.map((t) => t.replace(/^\W+/, '').trim()), shown, "after the reload, Cy's order is shown as sent");
  await shot(cy, 'player-after-reload-restored');

  await waitQuestion(ada, Q.puzzle);
  await orderByKeyboard(ada, PUZZLE_ITEMS);
  assert.deepEqual(await puzzleOrder(ada), PUZZLE_ITEMS);
  await ada.getByRole('button', { name: 'Submit order' }).click();
  await sent(ada);
  await orderByDragging(bob, PUZZLE_ITEMS);
  assert.deepEqual(await puzzleOrder(bob), PUZZLE_ITEMS);
  await shot(bob, 'player-puzzle-dragged');
  await bob.getByRole('button', { name: 'Submit order' }).click();
  await sent(bob);
  await hostReveal(host);
  const inPlace = PUZZLE_ITEMS.map((item, i) => 2 + (shown[i] === item ? 1 : 0));
  assert.deepEqual(
    await itemLabels(host.getByRole('list', { name: 'Correct order' })),
    PUZZLE_ITEMS.map((item, i) => `${i + 1}. ${item}: ${inPlace[i]} players in place`),
  );
  await shot(host, 'host-reveal-puzzle');
  const cyRight = shown.filter((item, i) => item === PUZZLE_ITEMS[i]).length;
  await reveals({ Ada: 'Correct!', Bob: 'Correct!', Cy: cyRight > 0 ? 'Partly right!' : 'Incorrect' });
  await textMatching(cy.getByRole('region', { name: 'The correct answer' }), /(The right order:\s*Atom\s*Molecule\s*Cell\s*Organism)/);
  await hostNextQuestion(host);

  // 7. Poll: no right answer, no points.
  await waitQuestion(ada, Q.poll);
  await tap(ada, 'Summer');
  await tap(bob, 'Summer');
  await tap(cy, 'Winter');
  await hostReveal(host);
  assert.deepEqual(await itemLabels(host.getByRole('list', { name: 'Answer distribution' })), [
    'Spring: 0 players',
    'Summer: 2 players',
    'Autumn: 0 players',
    'Winter: 1 player',
  ]);
  await textMatching(host.getByRole('status'), /^(3 answers)$/);
  await reveals({ Ada: 'Thanks for answering!', Bob: 'Thanks for answering!', Cy: 'Thanks for answering!' }, false);
  await hostNextQuestion(host);

  // 8. Word cloud: "vast" and "Vast" are one word.
  await waitQuestion(ada, Q.cloud);
  await typeAnswer(ada, 'Your word or short phrase', 'vast');
  await typeAnswer(bob, 'Your word or short phrase', 'Vast');
  await typeAnswer(cy, 'Your word or short phrase', 'dark');
  await hostReveal(host);
  const cloud = await itemLabels(host.getByRole('list', { name: 'Word cloud' }));
  assert.equal(cloud.length, 2, `two words: ${cloud.join(' | ')}`);
  assert.ok(cloud.some((l) => /^vast: 2 players$/i.test(l)), `vast twice: ${cloud.join(' | ')}`);
  assert.ok(cloud.includes('dark: 1 player'), `dark once: ${cloud.join(' | ')}`);
  const sizes = await host
    .getByRole('list', { name: 'Word cloud' })
    .locator(':scope > li')
    .evaluateAll((els) => els.map((el) => [el.getAttribute('aria-label') ?? '', parseFloat(getComputedStyle(el).fontSize)] as const));
  const size = (re: RegExp) => sizes.find(([l]) => re.test(l))?.[1] ?? 0;
  assert.ok(size(/^vast/i) > size(/^dark/), 'the more frequent word is bigger');
  await shot(host, 'host-reveal-word-cloud');
  await reveals({ Ada: 'Thanks for answering!', Bob: 'Thanks for answering!', Cy: 'Thanks for answering!' }, false);
  await hostNextQuestion(host);

  // 9. Slide: content only; players look at the screen; Next leaves it (here: to the podium).
  await visible(host.getByRole('heading', { name: Q.slide }));
  assert.equal(await storedImage(host.getByRole('img', { name: `Picture for the question: ${Q.slide}` })), pictureId);
  assert.equal(await host.getByRole('button', { name: 'Skip' }).count(), 0, 'a slide has nothing to skip');
  for (const nickname of names) await visible(players[nickname].getByText('Look at the screen'));
  await shot(host, 'host-slide');
  await shot(ada, 'player-slide');
  await host.getByRole('button', { name: 'Next' }).click();

  // Podium: the standings are the sums of what each player earned.
  await visible(host.getByRole('heading', { name: `${QUIZ}: final results` }), 45_000);
  const rows = await readStandings(host);
  await shot(host, 'host-podium');
  assert.deepEqual(rows.map((r) => r.nickname).sort(), [...names].sort());
  assertRanked(rows);
  for (const row of rows) assert.equal(row.score, earned[row.nickname as Name], `${row.nickname}'s final score`);
  assert.equal(rows[0]!.nickname, 'Ada', 'Ada, right every time, wins');
  for (const nickname of names) {
    await visible(players[nickname].getByRole('heading', { name: 'Game over' }));
    assert.deepEqual(await readStandings(players[nickname]), rows, `${nickname} sees the host's standings`);
  }

  // Results: per-kind statistics, the same scores, and the spreadsheet download.
  await host.getByRole('link', { name: 'View results' }).click();
  const results = await readStandings(host, 'Standings');
  assert.deepEqual(
    results.map((r) => [r.nickname, r.score]),
    rows.map((r) => [r.nickname, r.score]),
  );
  assert.equal(await host.getByRole('list', { name: 'Answers to question 1' }).locator(':scope > li').count(), 3);
  await textMatching(host.getByRole('list', { name: 'Typed answers to question 4' }), /(Paris \(accepted\)\s*2)/);
  await visible(host.getByRole('list', { name: 'Answer histogram of question 5' }));
  await visible(host.getByRole('list', { name: 'Correct order of question 6' }));
  await textMatching(host.getByRole('list', { name: 'Typed answers to question 8' }), /(vast)/i);
  await shot(host, 'host-results');

  // The CSV download: the podium's standings, and how many answers each player got entirely right.
  const csv = await downloadFrom(host, host.getByRole('button', { name: 'Download CSV' }));
  assert.match(csv.download.suggestedFilename(), /^cahoot-results-.+\.csv$/);
  const [header, ...lines] = parseCsv(csv.bytes.toString('utf8'));
  assert.deepEqual(header, ['rank', 'nickname', 'score', 'correct_answers']);
  assert.deepEqual(
    lines.map(([rank, nickname, score]) => ({ rank: Number(rank), nickname, score: Number(score) })),
    rows,
    'the CSV standings are the podium',
  );
  const rightCount = (nickname: Name) => revealed.filter((r) => r[nickname].heading === 'Correct!').length;
  assert.deepEqual(
    lines.map(([, nickname, , correct]) => [nickname, Number(correct)]),
    rows.map((r) => [r.nickname, rightCount(r.nickname as Name)]),
  );
  assert.deepEqual(
    rows.map((r) => [r.nickname, rightCount(r.nickname as Name)]).sort(),
    [
      ['Ada', 6],
      ['Bob', 4],
      ['Cy', 1],
    ],
  );

  // The XLSX download: a Summary sheet with the standings, then one sheet per question with every player's
  // answer as they typed or picked it, whether it was right, and the points it earned.
  const xlsx = await downloadFrom(host, host.getByRole('button', { name: 'Download XLSX' }));
  assert.match(xlsx.download.suggestedFilename(), /^cahoot-results-.+\.xlsx$/);
  const book = readXlsx(xlsx.bytes);
  assert.deepEqual(book.names, ['Summary', 'Q1', 'Q2', 'Q3', 'Q4', 'Q5', 'Q6', 'Q7', 'Q8', 'Q9']);
  for (const text of [...names, QUIZ, Q.mc, Q.typed, 'Jupiter', 'Mars', 'Paris', 'Lyon', 'Summer', 'Winter', 'vast', 'dark']) {
    assert.ok(book.strings.includes(text), `the shared strings hold “${text}”`);
  }
  const summary = book.sheets.get('Summary')!;
  assert.equal(summary[0]![0], QUIZ);
  assert.equal(summary[1]![0], 'Played');
  assert.deepEqual(summary[2]!.slice(0, 2), ['Players', '3']);
  assert.deepEqual(summary[4], ['Rank', 'Player', 'Score']);
  assert.deepEqual(
    summary.slice(5).map(([rank, nickname, score]) => ({ rank: Number(rank), nickname, score: Number(score) })),
    rows,
    'the Summary sheet holds the podium',
  );
  const labels = ['Quiz', 'True or false', 'Multi-select', 'Type answer', 'Slider', 'Puzzle', 'Poll', 'Word cloud', 'Slide'];
  const typedOrPicked: Record<Name, string>[] = [
    { Ada: 'Jupiter', Bob: 'Jupiter', Cy: 'Mars' },
    { Ada: 'True', Bob: 'False', Cy: 'True' },
    { Ada: '2, 7', Bob: '2', Cy: '4' },
    { Ada: 'Paris', Bob: 'paris', Cy: 'Lyon' },
    { Ada: '1969', Bob: '1970', Cy: '1980' },
    { Ada: PUZZLE_ITEMS.join(' > '), Bob: PUZZLE_ITEMS.join(' > '), Cy: shown.join(' > ') },
    { Ada: 'Summer', Bob: 'Summer', Cy: 'Winter' },
    { Ada: 'vast', Bob: 'Vast', Cy: 'dark' },
    { Ada: '', Bob: '', Cy: '' },
  ];
  for (let i = 0; i < KINDS.length; i++) {
    const sheet = book.sheets.get(`Q${i + 1}`)!;
    assert.deepEqual(sheet[0]!.slice(0, 2), [`Question ${i + 1}`, labels[i]], `Q${i + 1} title`);
    assert.equal(sheet[1]![0], Object.values(Q)[i]);
    assert.deepEqual(sheet[3], ['Player', 'Answer', 'Correct', 'Time (s)', 'Points']);
    const judged = i < 6;
    const answered = i < 8;
    const got = sheet.slice(4).map(([player = '', answer = '', correct = '', time = '', points = '']) => {
      assert.equal(time !== '' && Number(time) > 0, answered, `Q${i + 1} ${player}'s time`);
      // Picks of a shuffled multi-select are listed in the played order: compared as a set.
      const text = i === 2 ? answer.split(', ').sort().join(', ') : answer;
      return [player, text, correct, Number(points)];
    });
    assert.deepEqual(
      got,
      rows.map(({ nickname }) => {
        const r = revealed[i]?.[nickname as Name];
        return [
          nickname,
          typedOrPicked[i]![nickname as Name],
          judged ? (r?.heading === 'Correct!' ? 'Yes' : 'No') : '',
          r?.points ?? 0,
        ];
      }),
      `Q${i + 1}: every player's answer`,
    );
  }

  assert.deepEqual(errors, [], 'no errors in the pages');
});

function assertRanked(rows: Row[]): void {
  for (let i = 1; i < rows.length; i++) {
    assert.ok(rows[i - 1]!.score >= rows[i]!.score, 'standings sorted by score');
    assert.ok(rows[i - 1]!.rank <= rows[i]!.rank, 'ranks ascending');
  }
  assert.equal(rows[0]!.rank, 1);
}
