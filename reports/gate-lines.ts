/**
 * A gate result as the lines a CI log shows: one per failure naming owner, figure and budget, and
 * the growing owners the budgets let through. The JUnit file and GitHub annotations are rendered by
 * `junit.ts` and `github-annotations.ts`; `cli/publish-gate-result.ts` writes and prints them.
 */
import type { GateResult, Report } from '../core/report-schema.js';
import { findingRate } from './report-text.js';
import { safe } from '../core/control-characters.js';

/** One line per failure naming owner, figure and budget; growing owners the gate let through as notices. */
export function renderGateLines(report: Report, gate: GateResult): string[] {
  const budgets = (gate.checks ?? []).filter((c) => c.owner === undefined);
  const failedBudgets = budgets.filter((c) => !c.passed).length;
  const lines = gate.passed
    ? [`gate passed: ${budgets.length ? budgets.map((c) => c.name).join(', ') : 'no budgets exceeded'}`]
    : [`gate FAILED: ${failedBudgets} of ${budgets.length} budget${budgets.length === 1 ? '' : 's'} exceeded`];
  lines.push(...gate.reasons.map((r) => `  ✗ ${r}`));
  const failedOwners = new Set((gate.checks ?? []).filter((c) => c.owner !== undefined && !c.passed).map((c) => c.owner));
  for (const f of report.findings) {
    if (failedOwners.has(f.owner)) continue;
    lines.push(`  · ${f.owner}: ${f.verdict}, ${findingRate(f)} (allowed by these budgets)`);
  }
  return lines.map(safe);
}
