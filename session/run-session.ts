/**
 * A run, start to end, for `memprobe run` and `memprobe attach`: the options checked, the run
 * directory proven writable before any load starts, the capture (`capture-session.ts`), then the
 * run directory handed to the pipeline for its report. Prints nothing but the progress line on
 * stderr: the command prints the result.
 */
import { join } from 'node:path';
import type { Report } from '../core/report-schema.js';
import { RUN_FILES } from '../core/run-directory-layout.js';
import type { LoadDriver, TargetProcess } from '../harness/target-process.js';
import { reportRunDirectory } from '../pipeline/report-run-directory.js';
import { CaptureSession } from './capture-session.js';
import { prepareRunDirectory } from './run-directory.js';
import { validateSessionOptions, type SessionOptions } from './session-options.js';
import { sessionExitCode } from './stop-reason.js';

export interface SessionResult {
  report: Report;
  exitCode: number;
  /** The run's report.html. */
  htmlPath: string;
}

export async function runSession(target: TargetProcess, load: LoadDriver | null, options: SessionOptions): Promise<SessionResult> {
  const times = validateSessionOptions(options);
  prepareRunDirectory(options.outDir);
  const { dir, stopReason } = await new CaptureSession(target, load, options, times).run();
  const report = await reportRunDirectory(dir, { budgets: options.budgets });
  return { report, exitCode: sessionExitCode(stopReason, report), htmlPath: join(dir, RUN_FILES.html) };
}
