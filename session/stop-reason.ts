/**
 * How a run can end early (a stop signal, the target exiting or hanging, a fault of memprobe's own),
 * the note that says so first in the report, and the exit code each ending gives.
 */
import { EXIT } from '../core/exit-codes.js';
import type { Report } from '../core/report-schema.js';
import type { TargetExit } from '../harness/target-process.js';
import { TARGET_LOG } from './run-directory.js';

/**
 * The signals that end a run early with a partial report. SIGTERM is what CI timeouts and `kill`
 * send; without a handler memprobe would die on it at once, leaving no report and, for an HTTP
 * target, a server process nobody stops.
 */
export const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const;
export type StopSignal = (typeof STOP_SIGNALS)[number];

export type StopReason =
  | { kind: 'interrupt'; atS: number; signal: StopSignal }
  | { kind: 'target-exit'; atS: number; exit: TargetExit; said: string | null }
  | { kind: 'target-hung'; atS: number; message: string }
  | { kind: 'failure'; atS: number; message: string };

export function exitCodeForSignal(signal: StopSignal): number {
  return signal === 'SIGTERM' ? EXIT.terminated : EXIT.interrupted;
}

export function describeSignal(signal: StopSignal): string {
  return signal === 'SIGTERM' ? 'terminated (SIGTERM)' : 'interrupted (Ctrl-C)';
}

export function describeExit(exit: TargetExit): string {
  return exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`;
}

/** The session's exit code: how it ended, then the gate. */
export function sessionExitCode(stopReason: StopReason | null, report: Report): number {
  if (stopReason?.kind === 'target-exit' || stopReason?.kind === 'target-hung') return EXIT.targetCrashed;
  if (stopReason?.kind === 'interrupt') return exitCodeForSignal(stopReason.signal);
  if (report.gate && !report.gate.passed) return EXIT.gateFailed;
  return EXIT.ok;
}

/** The note that opens a partial report: what ended the run, when, and what the report covers. */
export function partialRunNote(reason: StopReason, durationS: number): string {
  switch (reason.kind) {
    case 'interrupt':
      return `Partial: ${describeSignal(reason.signal)} at ${reason.atS.toFixed(1)} s of ${durationS} s; the report covers the run so far.`;
    case 'failure':
      return `Partial: memprobe stopped at ${reason.atS.toFixed(1)} s after an error of its own: ${reason.message}`;
    case 'target-hung':
      return `Partial: the target hung at ${reason.atS.toFixed(1)} s of ${durationS} s (${reason.message}); the report covers what was captured before.`;
    case 'target-exit':
      return (
        `Partial: the target exited (${describeExit(reason.exit)}) at ${reason.atS.toFixed(1)} s of ${durationS} s` +
        `${reason.said ? ` (${reason.said})` : ''}; ` +
        `the report covers what was captured before (see ${TARGET_LOG} in the run directory for its output).`
      );
  }
}
