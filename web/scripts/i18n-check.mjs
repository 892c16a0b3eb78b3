// Fails when a language lacks a message English has (or has one English lacks), when a translation
// uses other placeholders than English ("{name}" renamed or dropped), or when a phrase is still English. Paraglide would otherwise fall
// back to English silently. Part of `npm run check`, so of `make test`.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const settings = JSON.parse(readFileSync(path.join(root, 'project.inlang/settings.json'), 'utf8'));
const { baseLocale, locales } = settings;
const patterns = settings['plugin.inlang.messageFormat'].pathPattern;

/** Placeholders used anywhere in a message (simple string or variants). */
function placeholders(message) {
  const text = JSON.stringify(message);
  const names = new Set();
  for (const m of text.matchAll(/\{\s*([A-Za-z_][\w]*)\s*\}/g)) names.add(m[1]);
  for (const m of text.matchAll(/input ([A-Za-z_][\w]*)/g)) names.add(m[1]);
  return [...names].sort().join(',');
}

/** The same words as English: a phrase of two or more words left untranslated ("Top 5", "{title} · PIN {pin}"
 *  and "Standard (1000)" are the same in every language and pass: fewer than two words with letters). */
function untranslated(english, other) {
  if (typeof english !== 'string' || english !== other) return false;
  const words = english.replace(/\{[^}]*\}/g, ' ').split(/\s+/).filter((w) => /\p{L}{2,}/u.test(w));
  return words.length >= 2;
}

const problems = [];
const seen = new Map();
for (const pattern of patterns) {
  const load = (locale) => {
    const file = path.join(root, pattern.replace('{locale}', locale));
    const { $schema: _, ...messages } = JSON.parse(readFileSync(file, 'utf8'));
    return { file: path.relative(root, file), messages };
  };
  const base = load(baseLocale);
  for (const key of Object.keys(base.messages)) {
    if (seen.has(key)) problems.push(`${key}: defined in ${seen.get(key)} and ${base.file}`);
    seen.set(key, base.file);
  }
  for (const locale of locales.filter((l) => l !== baseLocale)) {
    const other = load(locale);
    for (const [key, message] of Object.entries(base.messages)) {
      if (!(key in other.messages)) problems.push(`${other.file}: missing "${key}"`);
      else if (placeholders(other.messages[key]) !== placeholders(message)) {
        problems.push(`${other.file}: "${key}" uses {${placeholders(other.messages[key])}}, English {${placeholders(message)}}`);
      } else if (JSON.stringify(other.messages[key]).trim() === '""') {
        problems.push(`${other.file}: "${key}" is empty`);
      } else if (untranslated(message, other.messages[key])) {
        problems.push(`${other.file}: "${key}" is still the English text`);
      }
    }
    for (const key of Object.keys(other.messages)) {
      if (!(key in base.messages)) problems.push(`${other.file}: "${key}" is not in ${base.file}`);
    }
  }
}
// Every area folder must be listed in the project settings, or its messages would be ignored.
for (const entry of readdirSync(path.join(root, 'messages'), { withFileTypes: true })) {
  if (!entry.isDirectory()) continue;
  const dir = entry.name;
  if (!patterns.some((p) => p.includes(`/messages/${dir}/`))) problems.push(`messages/${dir} is not in project.inlang/settings.json`);
}

if (problems.length > 0) {
  console.error(`i18n check: ${problems.length} problem(s)\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`i18n check: ${seen.size} messages complete in ${locales.join(', ')}`);
