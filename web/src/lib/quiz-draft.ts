// The editor's working copy of a quiz, its conversion to the API's `QuizInput`, and the same validation
// rules as the server (crates/cahoot-game/src/quiz.rs), so most mistakes show before anything is sent.
// Every text here is produced in the UI language at the time it is asked for (never at module load).
import type { FieldProblem, PointsMode, Question, QuestionKind, Quiz, QuizInput } from './api-types';
import { m } from '../i18n';
import { formatInteger } from './format';
import { randomId } from './ids';

/** The slider's numbers as the number inputs hold them (not a number while a field is empty). */
export interface DraftSlider {
  min: number | null;
  max: number | null;
  step: number | null;
  correct: number | null;
  tolerance: number | null;
}

/**
 * One question being edited. Every kind keeps its own fields, so switching the kind back and forth loses
 * nothing; `toInput` sends only what the chosen kind uses.
 */
export interface DraftQuestion {
  key: string;
  kind: QuestionKind;
  text: string;
  /** Options of multiple choice, multi-select and poll (true/false has fixed options). */
  options: string[];
  /** One optional image id per option. */
  optionImages: (string | null)[];
  /** The correct option: multiple choice and true/false. */
  correct: number;
  /** The correct options: multi-select. */
  correctSet: number[];
  /** Multi-select and puzzle: partial points. */
  partial: boolean;
  /** Type answer: the accepted answers. */
  accepted: string[];
  ignore_diacritics: boolean;
  slider: DraftSlider;
  /** Puzzle: the items in the correct order. */
  items: string[];
  shuffle: boolean;
  image: string | null;
  time_limit_secs: number | null;
  points: PointsMode;
}

export interface QuizDraft {
  title: string;
  show_on_devices: boolean;
  questions: DraftQuestion[];
}

/** The answers a true/false question stores (the server requires exactly these). */
export const TRUE_FALSE = ['True', 'False'];

/** How a true/false option reads in the UI language. */
export function trueFalseLabel(index: number): string {
  return index === 0 ? m.common_true() : m.common_false();
}
export const TITLE_MAX = 100;
export const QUESTION_TEXT_MAX = 250;
export const ANSWER_TEXT_MAX = 100;
export const TYPED_ANSWER_MAX = 20;
export const QUESTIONS_MAX = 100;
export const TIME_LIMIT_MIN = 5;
export const TIME_LIMIT_MAX = 240;
export const DEFAULT_TIME_LIMIT = 20;
export const SLIDER_STEPS_MAX = 100_000;

/** How many entries each kind's list may have. */
export const LIST_LIMITS: Partial<Record<QuestionKind, { min: number; max: number; textMax: number }>> = {
  multiple_choice: { min: 2, max: 4, textMax: ANSWER_TEXT_MAX },
  multi_select: { min: 2, max: 6, textMax: ANSWER_TEXT_MAX },
  poll: { min: 2, max: 6, textMax: ANSWER_TEXT_MAX },
  type_answer: { min: 1, max: 10, textMax: TYPED_ANSWER_MAX },
  puzzle: { min: 2, max: 6, textMax: ANSWER_TEXT_MAX },
};

const KIND_MESSAGES: Record<QuestionKind, () => string> = {
  multiple_choice: m.editor_kind_multiple_choice,
  true_false: m.editor_kind_true_false,
  multi_select: m.editor_kind_multi_select,
  type_answer: m.editor_kind_type_answer,
  slider: m.editor_kind_slider,
  puzzle: m.editor_kind_puzzle,
  poll: m.editor_kind_poll,
  word_cloud: m.editor_kind_word_cloud,
  slide: m.editor_kind_slide,
};

export const KINDS = Object.keys(KIND_MESSAGES) as QuestionKind[];

/** A question kind's name in the UI language. */
export function kindLabel(kind: QuestionKind): string {
  return (KIND_MESSAGES[kind] ?? (() => kind))();
}

/** Each kind's name in the UI language; every read produces it anew (so it follows the current language). */
export const KIND_LABELS: Readonly<Record<QuestionKind, string>> = Object.freeze(
  Object.defineProperties(
    {},
    Object.fromEntries(KINDS.map((kind) => [kind, { get: () => kindLabel(kind), enumerable: true }])),
  ) as Record<QuestionKind, string>,
);

/** Kinds whose options a player picks by index. */
export const OPTION_KINDS: readonly QuestionKind[] = ['multiple_choice', 'true_false', 'multi_select', 'poll'];
/** Kinds whose options can be shuffled and can have images. */
export const SHUFFLE_KINDS: readonly QuestionKind[] = ['multiple_choice', 'multi_select', 'poll'];
/** Kinds with a right answer (the others earn no points). */
export const JUDGED_KINDS: readonly QuestionKind[] = [
  'multiple_choice',
  'true_false',
  'multi_select',
  'type_answer',
  'slider',
  'puzzle',
];

export function isJudged(kind: QuestionKind): boolean {
  return JUDGED_KINDS.includes(kind);
}

function defaultSlider(): DraftSlider {
  return { min: 0, max: 100, step: 1, correct: 50, tolerance: 0 };
}

export function newQuestion(kind: QuestionKind = 'multiple_choice'): DraftQuestion {
  return {
    key: randomId(8),
    kind,
    text: '',
    options: ['', ''],
    optionImages: [null, null],
    correct: 0,
    correctSet: [],
    partial: false,
    accepted: [''],
    ignore_diacritics: true,
    slider: defaultSlider(),
    items: ['', ''],
    shuffle: false,
    image: null,
    time_limit_secs: DEFAULT_TIME_LIMIT,
    points: isJudged(kind) ? 'standard' : 'none',
  };
}

export function emptyDraft(): QuizDraft {
  return { title: '', show_on_devices: false, questions: [newQuestion()] };
}

function draftQuestion(q: Question): DraftQuestion {
  const d = newQuestion(q.kind ?? 'multiple_choice');
  d.text = q.text;
  d.time_limit_secs = q.time_limit_secs ?? DEFAULT_TIME_LIMIT;
  d.points = q.points ?? 'standard';
  d.image = q.image ?? null;
  d.shuffle = q.shuffle ?? false;
  d.partial = q.partial ?? false;
  d.ignore_diacritics = q.ignore_diacritics ?? true;
  const answers = [...(q.answers ?? [])];
  switch (d.kind) {
    case 'multiple_choice':
    case 'multi_select':
    case 'poll':
      d.options = answers;
      d.optionImages = answers.map((_, i) => q.answer_images?.[i] ?? null);
      d.correct = q.correct ?? 0;
      d.correctSet = [...(q.correct_answers ?? [])];
      break;
    case 'true_false':
      d.correct = q.correct ?? 0;
      break;
    case 'type_answer':
      d.accepted = answers.length > 0 ? answers : [''];
      break;
    case 'puzzle': {
      // Stored order plus the correct order as indices: show the items in the correct order.
      const order = q.correct_answers ?? [];
      d.items = order.length === answers.length ? order.map((i) => answers[i] ?? '') : answers;
      break;
    }
    case 'slider':
      if (q.slider) d.slider = { ...q.slider, tolerance: q.slider.tolerance ?? 0 };
      break;
    default:
      break;
  }
  return d;
}

export function draftFromQuiz(quiz: Quiz): QuizDraft {
  return {
    title: quiz.title,
    show_on_devices: quiz.show_on_devices ?? false,
    questions: quiz.questions.map(draftQuestion),
  };
}

/** Switches the kind; fields of the other kinds stay as they were. Unjudged kinds earn no points. */
export function setKind(question: DraftQuestion, kind: QuestionKind): void {
  if (kind === question.kind) return;
  const wasJudged = isJudged(question.kind);
  question.kind = kind;
  if (kind === 'true_false') question.correct = Math.min(question.correct, 1);
  // More than 4 options kept from a multi-select or poll are flagged by validation, not dropped.
  if (kind === 'multiple_choice') question.correct = Math.min(question.correct, question.options.length - 1);
  if (!isJudged(kind)) question.points = 'none';
  else if (!wasJudged) question.points = 'standard';
}

const num = (value: number | null): number => (typeof value === 'number' && Number.isFinite(value) ? value : Number.NaN);

function questionInput(q: DraftQuestion): Question {
  const base: Question = {
    kind: q.kind,
    text: q.text.trim(),
    answers: [],
    correct: 0,
    time_limit_secs: typeof q.time_limit_secs === 'number' && Number.isFinite(q.time_limit_secs) ? q.time_limit_secs : 0,
    points: isJudged(q.kind) ? q.points : 'none',
  };
  if (q.image) base.image = q.image;
  const trimmed = (list: string[]) => list.map((a) => a.trim());
  switch (q.kind) {
    case 'multiple_choice':
    case 'multi_select':
    case 'poll': {
      base.answers = trimmed(q.options);
      base.shuffle = q.shuffle;
      if (q.optionImages.some((id) => id)) base.answer_images = q.options.map((_, i) => q.optionImages[i] ?? null);
      if (q.kind === 'multiple_choice') base.correct = q.correct;
      if (q.kind === 'multi_select') {
        base.correct_answers = [...q.correctSet].sort((a, b) => a - b);
        base.partial = q.partial;
      }
      break;
    }
    case 'true_false':
      base.answers = [...TRUE_FALSE];
      base.correct = q.correct;
      break;
    case 'type_answer':
      base.answers = trimmed(q.accepted);
      base.ignore_diacritics = q.ignore_diacritics;
      break;
    case 'puzzle':
      base.answers = trimmed(q.items);
      base.correct_answers = q.items.map((_, i) => i);
      base.partial = q.partial;
      break;
    case 'slider':
      base.slider = {
        min: num(q.slider.min),
        max: num(q.slider.max),
        step: num(q.slider.step),
        correct: num(q.slider.correct),
        tolerance: Number.isFinite(num(q.slider.tolerance)) ? num(q.slider.tolerance) : 0,
      };
      break;
    default:
      break;
  }
  return base;
}

export function toInput(draft: QuizDraft): QuizInput {
  return {
    title: draft.title.trim(),
    show_on_devices: draft.show_on_devices,
    questions: draft.questions.map(questionInput),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Validation: the server's rules, with the server's field names; the messages in the UI language (the
// English ones are the server's words).

const STEP_EPSILON = 1e-6;
const chars = (s: string) => [...s].length;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

function checkText(field: string, value: string, max: number, out: FieldProblem[]): void {
  const len = chars(value.trim());
  if (len === 0) out.push({ field, message: m.editor_check_empty() });
  else if (len > max) out.push({ field, message: m.editor_check_tooLong({ max: formatInteger(max) }) });
  else if (CONTROL.test(value)) out.push({ field, message: m.editor_check_control() });
}

/** Whether `value` is on the slider: finite, between min and max, on the step grid. */
export function onSliderGrid(s: { min: number; max: number; step: number }, value: number): boolean {
  if (!Number.isFinite(value) || value < s.min || value > s.max) return false;
  const steps = (value - s.min) / s.step;
  return Math.abs(steps - Math.round(steps)) <= STEP_EPSILON;
}

function checkSlider(at: (f: string) => string, s: DraftSlider, out: FieldProblem[]): void {
  const [min, max, step, correct] = [num(s.min), num(s.max), num(s.step), num(s.correct)];
  // An empty tolerance means none (the server's default); Svelte leaves an empty number input undefined.
  const tolerance = typeof s.tolerance === 'number' ? s.tolerance : 0;
  const names = ['min', 'max', 'step', 'correct', 'tolerance'] as const;
  const values = [min, max, step, correct, tolerance];
  const missing = names.find((_, i) => !Number.isFinite(values[i]));
  if (missing) out.push({ field: at(`slider.${missing}`), message: m.editor_check_number() });
  else if (min >= max) out.push({ field: at('slider.max'), message: m.editor_check_aboveMin() });
  else if (step <= 0 || (max - min) / step > SLIDER_STEPS_MAX) {
    out.push({ field: at('slider.step'), message: m.editor_check_step({ max: formatInteger(SLIDER_STEPS_MAX) }) });
  } else if (!onSliderGrid({ min, max, step }, correct)) {
    out.push({ field: at('slider.correct'), message: m.editor_check_onStep() });
  } else if (tolerance < 0 || tolerance > max - min) {
    out.push({ field: at('slider.tolerance'), message: m.editor_check_tolerance() });
  }
}

function checkList(at: (f: string) => string, kind: QuestionKind, list: string[], out: FieldProblem[]): void {
  const limits = LIST_LIMITS[kind];
  if (!limits) return;
  if (list.length < limits.min || list.length > limits.max) {
    out.push({ field: at('answers'), message: m.editor_check_answerCount({ min: limits.min, max: limits.max }) });
  }
  list.forEach((a, j) => checkText(at(`answers[${j}]`), a, limits.textMax, out));
}

function checkQuestion(i: number, q: DraftQuestion, out: FieldProblem[]): void {
  const at = (f: string) => `questions[${i}].${f}`;
  checkText(at('text'), q.text, QUESTION_TEXT_MAX, out);
  switch (q.kind) {
    case 'multiple_choice':
    case 'poll':
      checkList(at, q.kind, q.options, out);
      break;
    case 'multi_select':
      checkList(at, q.kind, q.options, out);
      if (q.correctSet.length === 0) out.push({ field: at('correct_answers'), message: m.editor_check_markCorrect() });
      else if (q.correctSet.some((c) => c >= q.options.length)) {
        out.push({ field: at('correct_answers'), message: m.editor_check_correctIndices() });
      }
      break;
    case 'type_answer':
      checkList(at, q.kind, q.accepted, out);
      break;
    case 'puzzle':
      checkList(at, q.kind, q.items, out);
      break;
    case 'slider':
      checkSlider(at, q.slider, out);
      break;
    default:
      break;
  }
  const t = q.time_limit_secs;
  if (typeof t !== 'number' || !Number.isInteger(t) || t < TIME_LIMIT_MIN || t > TIME_LIMIT_MAX) {
    out.push({ field: at('time_limit_secs'), message: m.editor_check_time({ min: TIME_LIMIT_MIN, max: TIME_LIMIT_MAX }) });
  }
}

/** Every problem the server would report for this draft (in English, in the same words). */
export function validateDraft(draft: QuizDraft): FieldProblem[] {
  const out: FieldProblem[] = [];
  checkText('title', draft.title, TITLE_MAX, out);
  if (draft.questions.length === 0) out.push({ field: 'questions', message: m.editor_check_noQuestions() });
  else if (draft.questions.length > QUESTIONS_MAX) {
    out.push({ field: 'questions', message: m.editor_check_tooManyQuestions({ max: formatInteger(QUESTIONS_MAX) }) });
  }
  draft.questions.forEach((q, i) => checkQuestion(i, q, out));
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Field names ↔ editor controls.

const FIELD = /^questions\[(\d+)\](?:\.(\w+)(?:\[(\d+)\]|\.(\w+))?)?$/;

/**
 * DOM id of the editor control that a validation `field` names, e.g. `questions[1].answers[0]` → `q1-a0`.
 * Options, accepted answers and puzzle items all use `q{i}-a{j}` (only one list is shown at a time).
 */
export function fieldControlId(field: string): string | null {
  if (field === 'title') return 'quiz-title';
  if (field === 'show_on_devices') return 'quiz-show-on-devices';
  const match = FIELD.exec(field);
  if (!match) return field === 'questions' ? 'add-question' : null;
  const [, q, prop, sub, member] = match;
  const p = `q${q}`;
  switch (prop) {
    case undefined:
    case 'text':
      return `${p}-text`;
    case 'answers':
      return `${p}-a${sub ?? 0}`;
    case 'correct':
    case 'correct_answers':
      return `${p}-correct0`;
    case 'time_limit_secs':
      return `${p}-time`;
    case 'kind':
      return `${p}-kind`;
    case 'points':
      return `${p}-points`;
    case 'partial':
      return `${p}-partial`;
    case 'shuffle':
      return `${p}-shuffle`;
    case 'ignore_diacritics':
      return `${p}-diacritics`;
    case 'slider':
      return `${p}-slider-${member ?? 'min'}`;
    case 'image':
      return `${p}-image`;
    case 'answer_images':
      return `${p}-a${sub ?? 0}-image`;
    default:
      return `${p}-text`;
  }
}

/** Validation messages by the DOM id of the editor control they belong to. */
export type ControlProblems = Record<string, string>;

export function problemsByControl(found: FieldProblem[]): ControlProblems {
  const byControl: ControlProblems = {};
  for (const p of found) {
    const controlId = fieldControlId(p.field);
    if (controlId && !byControl[controlId]) byControl[controlId] = p.message;
  }
  return byControl;
}

/** A question's property in words, e.g. `Question 2 time limit`. */
const PROPERTY_NAMES: Record<string, (n: number) => string> = {
  text: (n) => m.editor_field_text({ n }),
  correct: (n) => m.editor_field_correct({ n }),
  correct_answers: (n) => m.editor_field_correctAnswers({ n }),
  time_limit_secs: (n) => m.editor_field_time({ n }),
  kind: (n) => m.editor_field_kind({ n }),
  points: (n) => m.editor_field_points({ n }),
  partial: (n) => m.editor_field_partial({ n }),
  shuffle: (n) => m.editor_field_shuffle({ n }),
  ignore_diacritics: (n) => m.editor_field_diacritics({ n }),
  image: (n) => m.editor_field_image({ n }),
  answer_images: (n) => m.editor_field_answerImages({ n }),
  slider: (n) => m.editor_field_slider({ n }),
};

const SLIDER_NAMES: Record<string, (n: number) => string> = {
  min: (n) => m.editor_field_sliderMin({ n }),
  max: (n) => m.editor_field_sliderMax({ n }),
  step: (n) => m.editor_field_sliderStep({ n }),
  correct: (n) => m.editor_field_sliderCorrect({ n }),
  tolerance: (n) => m.editor_field_sliderTolerance({ n }),
};

/** A question's list entry `k` (1-based) in words: an answer, an accepted answer or a puzzle item. */
export function entryLabel(kind: QuestionKind | undefined, n: number, k: number): string {
  if (kind === 'type_answer') return m.editor_field_accepted({ n, k });
  if (kind === 'puzzle') return m.editor_field_item({ n, k });
  return m.editor_field_answer({ n, k });
}

/** A question's whole list in words: its answers, accepted answers or items. */
function entriesLabel(kind: QuestionKind | undefined, n: number): string {
  if (kind === 'type_answer') return m.editor_field_acceptedList({ n });
  if (kind === 'puzzle') return m.editor_field_items({ n });
  return m.editor_field_answers({ n });
}

/**
 * A person's name for a validation `field`: `questions[1].answers[0]` → "Question 2 answer 1" (with the
 * draft, "Question 2 item 1" for a puzzle), in the UI language.
 */
export function describeField(field: string, draft?: QuizDraft): string {
  if (field === 'title') return m.editor_field_title();
  if (field === 'questions') return m.editor_field_questions();
  if (field === 'show_on_devices') return m.editor_field_showOnDevices();
  const match = FIELD.exec(field);
  if (!match) return field;
  const index = Number(match[1]);
  const n = index + 1;
  const [, , prop, sub, member] = match;
  if (!prop) return m.editor_question({ n });
  const kind = draft?.questions[index]?.kind;
  if (prop === 'answers') return sub !== undefined ? entryLabel(kind, n, Number(sub) + 1) : entriesLabel(kind, n);
  if (prop === 'answer_images' && sub !== undefined) return m.editor_field_answerImage({ n, k: Number(sub) + 1 });
  if (prop === 'slider' && member) return SLIDER_NAMES[member]?.(n) ?? m.editor_field_other({ n, name: `slider ${member}` });
  return PROPERTY_NAMES[prop]?.(n) ?? m.editor_field_other({ n, name: prop });
}

/** `aria-invalid` and `aria-describedby` for a control, pointing at its FieldError when it has a problem. */
export function fieldAttrs(
  problems: ControlProblems,
  id: string,
): { 'aria-invalid': 'true' | undefined; 'aria-describedby': string | undefined } {
  const bad = !!problems[id];
  return { 'aria-invalid': bad ? 'true' : undefined, 'aria-describedby': bad ? `${id}-error` : undefined };
}
