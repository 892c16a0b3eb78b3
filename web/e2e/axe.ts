// axe-core (the maintained accessibility rule engine) run inside a page, shared by the browser tests.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** WCAG 2.0–2.2 level A and AA. */
export const WCAG_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

export interface AxeOptions {
  /** Rule tags to run (default: WCAG A/AA). */
  tags?: string[];
  /** Only these impacts count (default: all). */
  impacts?: string[];
  /** CSS selector of the part of the page to check (default: the whole document). */
  within?: string;
}

/**
 * The violations axe finds on the page as it is now, one line each: "rule (impact): help — targets".
 * Entrance animations are let finish first: axe computes contrast from the colours it sees, and a row
 * fading in is not yet its final colour.
 */
export async function axeViolations(page: Page, options: AxeOptions = {}): Promise<string[]> {
  // Evaluated through the DevTools protocol, so the page's CSP (script-src 'self') does not apply.
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axeSource);
  await page.evaluate(() => Promise.all(document.getAnimations().map((a) => a.finished.catch(() => undefined))));
  const found = await page.evaluate(
    async ({ tags, within }) => {
      type Result = {
        violations: { id: string; impact: string | null; help: string; nodes: { target: unknown[]; failureSummary?: string }[] }[];
      };
      const axe = (window as unknown as { axe: { run: (ctx: Element | Document, opts: object) => Promise<Result> } }).axe;
      const context = within ? (document.querySelector(within) ?? document) : document;
      const result = await axe.run(context, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
      return result.violations.map((v) => ({
        impact: v.impact ?? 'unknown',
        line: `${v.id} (${v.impact}): ${v.help} — ${v.nodes
          .slice(0, 4)
          .map((n) => `${n.target.join(' ')} ${(n.failureSummary ?? '').split('\n').slice(1, 2).join(' ')}`.trim())
          .join('; ')}`,
      }));
    },
    { tags: options.tags ?? WCAG_AA, within: options.within ?? null },
  );
  return found.filter((v) => !options.impacts || options.impacts.includes(v.impact)).map((v) => v.line);
}
