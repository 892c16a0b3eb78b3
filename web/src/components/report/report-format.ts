// Report numbers in the UI language: percentages ("66.7%", "66,7 %"), times in seconds, empty cells.
import { m } from '../../i18n';
import { formatInteger, formatNumber } from '../../lib/format';

/** A percentage the server rounded to one decimal; `null` (no right answer, no players) is a dash. */
export function percent(value: number | null | undefined): string {
  if (value === null || value === undefined) return m.reports_empty_cell();
  return m.reports_percent({ value: formatNumber(value) });
}

/** Milliseconds as seconds with one decimal ("2.5 s"). */
export function seconds(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return m.reports_empty_cell();
  return m.reports_seconds({ value: formatNumber(Math.round(ms / 100) / 10) });
}

/** A score or mean score: grouped, at most one decimal. */
export function score(value: number): string {
  return formatInteger(Math.round(value * 10) / 10);
}
