/**
 * What a gate result becomes outside report.json: the lines a CI log shows, the JUnit file, and
 * GitHub Actions annotations. Shared by `memprobe gate` and `run`/`attach --gate`.
 */
import { writeFileSync } from 'node:fs';
import type { GateResult, Report } from '../core/report-schema.js';
import { renderJunit } from './junit.js';
import { renderGithubAnnotations } from './github-annotations.js';
import { findingRate } from './report-text.js';
import { safe } from '../core/control-characters.js';
import { UsageError } from '../core/usage-error.js';

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

export interface GateOutputOptions {
  /** Write JUnit XML here (`--junit`). */
  junitPath: string | null;
  /** Print GitHub Actions annotations (`GITHUB_ACTIONS=true`). */
  annotate: boolean;
  /** Where annotation lines go (the runner reads workflow commands from the job's output). */
  write: (text: string) => void;
}

export function publishGateResult(report: Report, gate: GateResult, options: GateOutputOptions): void {
  if (options.junitPath) writeJunitFile(options.junitPath, report, gate);
  if (options.annotate) {
    for (const line of renderGithubAnnotations(report, gate)) options.write(`${line}\n`);
  }
}

/** Writes the JUnit file; a path that turned out unwritable is the user's to fix (exit 2, one line). */
export function writeJunitFile(path: string, report: Report, gate: GateResult): void {
  try {
    writeFileSync(path, renderJunit(report, gate));
  } catch (err) {
    throw new UsageError(`--junit ${path}: cannot write (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}
