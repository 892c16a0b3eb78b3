// Player-screen wording shared by several components: the reveal's outcome and heading, answer shapes by
// name (for screen readers: colour alone tells nothing), and **bold** spans inside translated sentences
// (translators move the bold part with the words; the values stay plain text, never HTML).
import { m } from '../i18n';
import { ANSWER_STYLES } from './answer-style';
import type { AnswerValue, LastResult, QuestionKind } from './protocol';
import { isJudged } from './quiz-draft';

export type RevealOutcome = 'slide' | 'none' | 'thanks' | 'correct' | 'partial' | 'wrong';

export function revealOutcome(kind: QuestionKind, answered: AnswerValue | null, result: LastResult | null): RevealOutcome {
  if (kind === 'slide') return 'slide';
  if (!answered) return 'none';
  if (!isJudged(kind)) return 'thanks';
  if (result?.correct) return 'correct';
  return (result?.points ?? 0) > 0 ? 'partial' : 'wrong';
}

export function revealHeading(outcome: RevealOutcome): string {
  switch (outcome) {
    case 'slide':
      return m.player_question_lookAtScreen();
    case 'none':
      return m.player_reveal_timeUp();
    case 'thanks':
      return m.player_reveal_thanks();
    case 'correct':
      return m.player_reveal_correct();
    case 'partial':
      return m.player_reveal_partial();
    case 'wrong':
      return m.player_reveal_wrong();
  }
}

const SHAPE_NAMES: Record<string, () => string> = {
  triangle: m.player_shape_triangle,
  diamond: m.player_shape_diamond,
  circle: m.player_shape_circle,
  square: m.player_shape_square,
  star: m.player_shape_star,
  hexagon: m.player_shape_hexagon,
};

/** The shape of answer slot `index` in words ("triangle", "Dreieck"). */
export function shapeName(index: number): string {
  const style = ANSWER_STYLES[index % ANSWER_STYLES.length];
  const name = style ? SHAPE_NAMES[style.shapeName] : undefined;
  return name ? name() : '';
}

export interface TextPart {
  text: string;
  strong: boolean;
}

/** "Total score: **1234** · Rank **#2**" → plain and bold parts. */
export function emphasisParts(text: string): TextPart[] {
  return text
    .split('**')
    .map((part, i) => ({ text: part, strong: i % 2 === 1 }))
    .filter((part) => part.text !== '');
}

/** The same sentence without the bold markers (for live regions and titles). */
export function plainText(text: string): string {
  return text.replaceAll('**', '');
}
