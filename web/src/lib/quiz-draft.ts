// The editor's working copy of a quiz, and its conversion to the API's `QuizInput`.
import type { PointsMode, Question, QuestionKind, Quiz, QuizInput } from './api-types';
import { randomId } from './ids';

export interface DraftQuestion {
  key: string;
  kind: QuestionKind;
  text: string;
  answers: string[];
  correct: number;
  time_limit_secs: number | null;
  points: PointsMode;
  /** Multiple-choice answers kept aside while the question is switched to true/false. */
  stash: string[] | null;
}

export interface QuizDraft {
  title: string;
  questions: DraftQuestion[];
}

export const TRUE_FALSE = ['True', 'False'];
export const MIN_ANSWERS = 2;
export const MAX_ANSWERS = 4;
export const DEFAULT_TIME_LIMIT = 20;

export function newQuestion(): DraftQuestion {
  return {
    key: randomId(8),
    kind: 'multiple_choice',
    text: '',
    answers: ['', ''],
    correct: 0,
    time_limit_secs: DEFAULT_TIME_LIMIT,
    points: 'standard',
    stash: null,
  };
}

export function emptyDraft(): QuizDraft {
  return { title: '', questions: [newQuestion()] };
}

export function draftFromQuiz(quiz: Quiz): QuizDraft {
  return {
    title: quiz.title,
    questions: quiz.questions.map((q) => ({
      key: randomId(8),
      kind: q.kind ?? 'multiple_choice',
      text: q.text,
      answers: [...q.answers],
      correct: q.correct,
      time_limit_secs: q.time_limit_secs ?? DEFAULT_TIME_LIMIT,
      points: q.points ?? 'standard',
      stash: null,
    })),
  };
}

export function setKind(question: DraftQuestion, kind: QuestionKind): void {
  if (kind === question.kind) return;
  if (kind === 'true_false') {
    question.stash = question.answers;
    question.answers = [...TRUE_FALSE];
    question.correct = Math.min(question.correct, 1);
  } else {
    question.answers = question.stash ?? ['', ''];
    question.stash = null;
    question.correct = Math.min(question.correct, question.answers.length - 1);
  }
  question.kind = kind;
}

export function toInput(draft: QuizDraft): QuizInput {
  return {
    title: draft.title.trim(),
    questions: draft.questions.map(
      (q): Question => ({
        kind: q.kind,
        text: q.text.trim(),
        answers: q.answers.map((a) => a.trim()),
        correct: q.correct,
        time_limit_secs:
          typeof q.time_limit_secs === 'number' && Number.isFinite(q.time_limit_secs) ? q.time_limit_secs : 0,
        points: q.points,
      }),
    ),
  };
}

/** DOM id of the editor control that a server validation `field` names, e.g. `questions[1].answers[0]`. */
export function fieldControlId(field: string): string | null {
  if (field === 'title') return 'quiz-title';
  const m = /^questions\[(\d+)\](?:\.(\w+)(?:\[(\d+)\])?)?$/.exec(field);
  if (!m) return field === 'questions' ? 'add-question' : null;
  const [, q, prop, sub] = m;
  if (!prop) return `q${q}-text`;
  if (prop === 'answers' && sub !== undefined) return `q${q}-a${sub}`;
  if (prop === 'answers') return `q${q}-a0`;
  if (prop === 'correct') return `q${q}-correct0`;
  if (prop === 'time_limit_secs') return `q${q}-time`;
  if (prop === 'kind') return `q${q}-kind`;
  if (prop === 'points') return `q${q}-points`;
  return `q${q}-text`;
}

/** Server validation messages by the DOM id of the editor control they belong to. */
export type ControlProblems = Record<string, string>;

const PROPERTY_NAMES: Record<string, string> = {
  text: 'text',
  answers: 'answers',
  correct: 'correct answer',
  time_limit_secs: 'time limit',
  kind: 'type',
  points: 'points',
};

/** A person's name for a server validation `field`: `questions[1].answers[0]` → "Question 2 answer 1". */
export function describeField(field: string): string {
  if (field === 'title') return 'Quiz title';
  if (field === 'questions') return 'Questions';
  const m = /^questions\[(\d+)\](?:\.(\w+)(?:\[(\d+)\])?)?$/.exec(field);
  if (!m) return field;
  const n = Number(m[1]) + 1;
  if (!m[2]) return `Question ${n}`;
  if (m[2] === 'answers' && m[3] !== undefined) return `Question ${n} answer ${Number(m[3]) + 1}`;
  return `Question ${n} ${PROPERTY_NAMES[m[2]] ?? m[2]}`;
}
