// An answer in words, for "Answer sent", the reveal and the results.
import { m } from '../i18n';
import { formatInteger, formatNumber } from './format';
import type { AnswerValue, QuestionKind, StateMsg } from './protocol';

/** The option (or item) texts an answer refers to by index, in the answer's order. */
export function pickedIndices(answer: AnswerValue): number[] {
  if ('choice' in answer) return [answer.choice];
  if ('choices' in answer) return answer.choices;
  if ('order' in answer) return answer.order;
  return [];
}

/** One line: "Paris", "Red, Blue", "Atom → Cell → Organ", "42". */
export function describeAnswer(answer: AnswerValue, options: readonly string[]): string {
  const name = (i: number) => options[i] ?? `#${i + 1}`;
  if ('choice' in answer) return name(answer.choice);
  if ('choices' in answer) return answer.choices.map(name).join(', ');
  if ('order' in answer) return answer.order.map(name).join(' → ');
  if ('text' in answer) return answer.text;
  return formatNumber(answer.number);
}

/** The options as shown: a true/false question stores "True" and "False" (the server requires exactly
 *  those), shown in the UI language. */
export function optionTexts(kind: QuestionKind | null | undefined, answers: readonly string[]): string[] {
  if (kind === 'true_false' && answers.length === 2) return [m.common_true(), m.common_false()];
  return [...answers];
}

/** A player's state with its question's options as shown (every player component reads them from it). */
export function localizeOptions(state: StateMsg): StateMsg {
  const q = state.question;
  if (!q || q.kind !== 'true_false') return state;
  return { ...state, question: { ...q, answers: optionTexts(q.kind, q.answers) } };
}

/** "1 player", "12 players", "1’234 Personen": counts in the UI language, plural and grouping included. */
export function playersLabel(count: number): string {
  return m.host_players({ count, shown: formatInteger(count) });
}

export function answersLabel(count: number): string {
  return m.host_answers({ count, shown: formatInteger(count) });
}

export function pointsLabel(count: number): string {
  return m.host_points({ count, shown: formatInteger(count) });
}
