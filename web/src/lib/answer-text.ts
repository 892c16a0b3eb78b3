// An answer in words, for "Answer sent", the reveal and the results.
import { formatNumber } from './format';
import type { AnswerValue } from './protocol';

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

export function playersLabel(count: number): string {
  return `${count} ${count === 1 ? 'player' : 'players'}`;
}
