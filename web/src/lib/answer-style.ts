// Colour plus shape for each answer slot (colour-blind safe: the shape alone tells them apart). Up to six
// options (multi-select, poll, puzzle); every colour has AA contrast with its text colour.
export interface AnswerStyle {
  colour: string;
  shape: string;
  shapeName: string;
}

export const ANSWER_STYLES: readonly AnswerStyle[] = [
  { colour: 'red', shape: '▲', shapeName: 'triangle' },
  { colour: 'blue', shape: '◆', shapeName: 'diamond' },
  { colour: 'yellow', shape: '●', shapeName: 'circle' },
  { colour: 'green', shape: '■', shapeName: 'square' },
  { colour: 'violet', shape: '★', shapeName: 'star' },
  { colour: 'teal', shape: '⬢', shapeName: 'hexagon' },
];

export function answerStyle(index: number): AnswerStyle {
  return ANSWER_STYLES[index % ANSWER_STYLES.length] ?? { colour: 'red', shape: '▲', shapeName: 'triangle' };
}
