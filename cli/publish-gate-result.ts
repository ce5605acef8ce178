/**
 * What a gate result becomes outside report.json: the JUnit file (`--junit`) and GitHub Actions
 * annotations (`GITHUB_ACTIONS=true`). Shared by `memprobe gate` and `run`/`attach --gate`.
 */
import { writeFileSync } from 'node:fs';
import type { GateResult, Report } from '../core/report-schema.js';
import { UsageError } from '../core/usage-error.js';
import { renderGithubAnnotations } from '../reports/github-annotations.js';
import { renderJunit } from '../reports/junit.js';

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
