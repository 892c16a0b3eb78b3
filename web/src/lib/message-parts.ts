// Messages with markup inside ("Signed in as <strong>ada</strong>"): the message is rendered with a marker
// for each placeholder and split around them, so translations can put the placeholders in any order and
// the markup is still Svelte's (never HTML from a string).

export type Part<K extends string> = { text: string; slot?: undefined } | { slot: K; text?: undefined };

/** `parts((s) => m.editor_signedInAs({ username: s.username }), ['username'])` → text and slot parts. */
export function messageParts<K extends string>(render: (slots: Record<K, string>) => string, keys: readonly K[]): Part<K>[] {
  const slots = Object.fromEntries(keys.map((key, i) => [key, `\u0000${i}\u0000`])) as Record<K, string>;
  const pieces = render(slots).split(/\u0000(\d+)\u0000/);
  const out: Part<K>[] = [];
  pieces.forEach((piece, i) => {
    if (i % 2 === 0) {
      if (piece) out.push({ text: piece });
    } else {
      const key = keys[Number(piece)];
      if (key !== undefined) out.push({ slot: key });
    }
  });
  return out;
}
