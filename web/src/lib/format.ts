// Dates and numbers in the current UI language ("7.12.2026", "1’234", "0,5"); ordinals through the
// language's messages ("1st", "1.", "1er", "1º").
import { getLocale, m } from '../i18n';

/** Swiss conventions for the three national languages (the brief comes from a Swiss university). */
function intlLocale(): string {
  const lang = getLocale();
  return lang === 'en' ? 'en' : `${lang}-CH`;
}

export function formatDate(value: string | undefined | null): string {
  if (!value) return '';
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return value;
  return new Intl.DateTimeFormat(intlLocale(), { dateStyle: 'medium', timeStyle: 'short' }).format(date);
}

/** A slider value without floating-point noise, never grouped (years read "1969"): 0.30000000000000004 → "0.3"
 *  in English, "0,3" in French. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  return new Intl.NumberFormat(intlLocale(), { maximumFractionDigits: 6, useGrouping: false }).format(value);
}

/** Scores and counts, grouped by the language's convention: 12345 → "12,345", "12’345", "12 345". */
export function formatInteger(value: number): string {
  return new Intl.NumberFormat(intlLocale()).format(value);
}

/** 1 → "1st" / "1." / "1er" / "1º". */
export function formatOrdinal(n: number): string {
  return m.common_ordinal({ n });
}
