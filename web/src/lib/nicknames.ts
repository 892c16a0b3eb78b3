// Friendly two-word nicknames, an adjective and an animal, in the UI language: "Brave Otter",
// "Flinker Fuchs", "Renard Rusé", "Volpe Furba". Adjectives agree with the animal's grammatical gender.
// Word lists are hand-picked: kind words only, no animal that doubles as an insult in that language.
// No imports, so the browser tests can load this file directly and check every list.

export type Gender = 'm' | 'f' | 'n';

export interface Lexicon {
  animals: readonly (readonly [name: string, gender: Gender])[];
  /** en: one form; de: the stem (the ending follows the gender); fr/it: "masculine|feminine" or one form. */
  adjectives: readonly string[];
  combine: (adjective: string, animal: string, gender: Gender) => string;
}

/** The server's limit (crates/cahoot-game/src/names.rs, NICKNAME_MAX). */
export const NICKNAME_MAX = 20;

const capitalize = (word: string) => word.charAt(0).toLocaleUpperCase() + word.slice(1);

/** "masculine|feminine" → the form for the gender (one form when the adjective does not change). */
function agree(adjective: string, gender: Gender): string {
  const [masculine = adjective, feminine = masculine] = adjective.split('|');
  return gender === 'f' ? feminine : masculine;
}

const GERMAN_ENDING: Record<Gender, string> = { m: 'er', f: 'e', n: 'es' };

export const LEXICONS: Record<'en' | 'de' | 'fr' | 'it', Lexicon> = {
  en: {
    adjectives: [
      'Brave', 'Happy', 'Clever', 'Swift', 'Sunny', 'Jolly', 'Lucky', 'Mighty', 'Gentle', 'Cosmic',
      'Curious', 'Bright', 'Calm', 'Bold', 'Cheerful', 'Daring', 'Eager', 'Fuzzy', 'Kind', 'Witty',
      'Zippy', 'Bouncy', 'Sparkly', 'Speedy', 'Noble', 'Merry', 'Wise', 'Friendly', 'Nimble', 'Playful',
    ],
    animals: (
      [
        'Otter', 'Panda', 'Fox', 'Owl', 'Koala', 'Tiger', 'Dolphin', 'Penguin', 'Falcon', 'Badger',
        'Hedgehog', 'Rabbit', 'Squirrel', 'Turtle', 'Lynx', 'Parrot', 'Lemur', 'Llama', 'Zebra', 'Giraffe',
        'Whale', 'Moose', 'Seal', 'Swan', 'Gecko', 'Hamster', 'Panther', 'Raccoon', 'Wombat', 'Puffin',
      ] as const
    ).map((name) => [name, 'n'] as const),
    combine: (adjective, animal) => `${adjective} ${animal}`,
  },
  de: {
    adjectives: [
      'flink', 'mutig', 'fröhlich', 'schlau', 'sonnig', 'tapfer', 'munter', 'lustig', 'stark', 'sanft',
      'kühn', 'heiter', 'fleissig', 'neugierig', 'freundlich', 'pfiffig', 'flauschig', 'glücklich', 'quirlig',
      'witzig', 'emsig', 'wach', 'gemütlich', 'schnell', 'klug', 'wild', 'froh', 'treu', 'listig', 'tüchtig',
    ],
    animals: [
      ['Fuchs', 'm'], ['Bär', 'm'], ['Igel', 'm'], ['Luchs', 'm'], ['Dachs', 'm'], ['Biber', 'm'],
      ['Hase', 'm'], ['Delfin', 'm'], ['Pinguin', 'm'], ['Panda', 'm'], ['Tiger', 'm'], ['Adler', 'm'],
      ['Falke', 'm'], ['Koala', 'm'], ['Otter', 'm'], ['Hamster', 'm'], ['Papagei', 'm'], ['Elch', 'm'],
      ['Steinbock', 'm'], ['Eule', 'f'], ['Katze', 'f'], ['Robbe', 'f'], ['Giraffe', 'f'], ['Ente', 'f'],
      ['Gämse', 'f'], ['Libelle', 'f'], ['Hummel', 'f'], ['Biene', 'f'], ['Schildkröte', 'f'],
      ['Reh', 'n'], ['Zebra', 'n'], ['Lama', 'n'], ['Pony', 'n'], ['Eichhörnchen', 'n'], ['Murmeltier', 'n'],
      ['Känguru', 'n'], ['Erdmännchen', 'n'],
    ],
    // Strong declension, no article: "Flinker Fuchs", "Flinke Eule", "Flinkes Reh".
    combine: (adjective, animal, gender) => `${capitalize(adjective)}${GERMAN_ENDING[gender]} ${animal}`,
  },
  fr: {
    adjectives: [
      'rapide', 'rusé|rusée', 'courageux|courageuse', 'joyeux|joyeuse', 'curieux|curieuse', 'agile', 'sage',
      'souriant|souriante', 'gentil|gentille', 'heureux|heureuse', 'rêveur|rêveuse', 'futé|futée',
      'malicieux|malicieuse', 'espiègle', 'câlin|câline', 'génial|géniale', 'intrépide', 'pétillant|pétillante',
      'radieux|radieuse', 'vif|vive', 'calme', 'aimable', 'farceur|farceuse', 'audacieux|audacieuse', 'fier|fière',
    ],
    animals: [
      ['Renard', 'm'], ['Hibou', 'm'], ['Panda', 'm'], ['Lapin', 'm'], ['Dauphin', 'm'], ['Pingouin', 'm'],
      ['Hérisson', 'm'], ['Castor', 'm'], ['Koala', 'm'], ['Tigre', 'm'], ['Lynx', 'm'], ['Écureuil', 'm'],
      ['Faucon', 'm'], ['Zèbre', 'm'], ['Lama', 'm'], ['Chat', 'm'], ['Loup', 'm'], ['Ours', 'm'],
      ['Perroquet', 'm'], ['Kangourou', 'm'], ['Chouette', 'f'], ['Loutre', 'f'],
      ['Tortue', 'f'], ['Girafe', 'f'], ['Abeille', 'f'], ['Baleine', 'f'], ['Gazelle', 'f'], ['Licorne', 'f'],
      ['Marmotte', 'f'], ['Panthère', 'f'], ['Coccinelle', 'f'], ['Mouette', 'f'], ['Hirondelle', 'f'],
    ],
    // The adjective follows the animal and agrees with it: "Renard Rusé", "Loutre Rusée".
    combine: (adjective, animal, gender) => `${animal} ${capitalize(agree(adjective, gender))}`,
  },
  it: {
    adjectives: [
      'veloce', 'felice', 'coraggioso|coraggiosa', 'allegro|allegra', 'curioso|curiosa', 'furbo|furba',
      'saggio|saggia', 'gentile', 'vivace', 'simpatico|simpatica', 'sereno|serena', 'audace', 'brillante',
      'agile', 'tenace', 'fiero|fiera', 'buffo|buffa', 'giocoso|giocosa', 'sorridente', 'solare', 'scattante',
      'geniale', 'ardito|ardita', 'sveglio|sveglia', 'fortunato|fortunata',
    ],
    animals: [
      ['Gatto', 'm'], ['Lupo', 'm'], ['Orso', 'm'], ['Riccio', 'm'], ['Delfino', 'm'], ['Pinguino', 'm'],
      ['Panda', 'm'], ['Falco', 'm'], ['Castoro', 'm'], ['Koala', 'm'], ['Leone', 'm'],
      ['Scoiattolo', 'm'], ['Gufo', 'm'], ['Canguro', 'm'], ['Pappagallo', 'm'], ['Camoscio', 'm'],
      ['Stambecco', 'm'], ['Fenicottero', 'm'], ['Volpe', 'f'], ['Tigre', 'f'], ['Giraffa', 'f'], ['Lontra', 'f'],
      ['Tartaruga', 'f'], ['Zebra', 'f'], ['Ape', 'f'], ['Balena', 'f'], ['Farfalla', 'f'], ['Gazzella', 'f'],
      ['Lince', 'f'], ['Marmotta', 'f'], ['Foca', 'f'], ['Coccinella', 'f'], ['Rondine', 'f'],
    ],
    // The adjective follows the animal and agrees with it: "Lupo Furbo", "Volpe Furba".
    combine: (adjective, animal, gender) => `${animal} ${capitalize(agree(adjective, gender))}`,
  },
};

function lexicon(locale: string): Lexicon {
  const language = locale.toLowerCase().split(/[-_]/)[0] ?? 'en';
  return Object.hasOwn(LEXICONS, language) ? LEXICONS[language as keyof typeof LEXICONS] : LEXICONS.en;
}

/** Every name one animal can get, within the server's length limit. */
export function namesFor(lex: Lexicon, [animal, gender]: readonly [string, Gender]): string[] {
  return lex.adjectives
    .map((adjective) => lex.combine(adjective, animal, gender))
    .filter((name) => [...name].length <= NICKNAME_MAX);
}

/** A random friendly nickname in `locale` (en, de, fr or it; anything else gets English). */
export function suggestNickname(locale: string, random: () => number = Math.random, avoid = ''): string {
  const lex = lexicon(locale);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length) % items.length]!;
  for (let attempt = 0; attempt < 8; attempt++) {
    const names = namesFor(lex, pick(lex.animals)).filter((name) => name !== avoid);
    if (names.length > 0) return pick(names);
  }
  return lex.combine(lex.adjectives[0]!, lex.animals[0]![0], lex.animals[0]![1]);
}
