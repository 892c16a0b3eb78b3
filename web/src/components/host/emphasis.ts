// Bold parts inside a translated sentence without markup in the messages: the values to emphasise go
// into the message wrapped by `strong()`, and `emphasis()` splits the result into plain and bold runs
// ("Correct: **1969**" in English, "Richtig: **1969**" in German), whatever order the language puts them in.
const OPEN = '\u0002';
const CLOSE = '\u0003';

export function strong(value: string): string {
  return `${OPEN}${value}${CLOSE}`;
}

export interface Run {
  text: string;
  strong: boolean;
}

export function emphasis(text: string): Run[] {
  const runs: Run[] = [];
  for (const [i, part] of text.split(new RegExp(`[${OPEN}${CLOSE}]`)).entries()) {
    if (part !== '') runs.push({ text: part, strong: i % 2 === 1 });
  }
  return runs;
}
