/**
 * What `memprobe run` and `memprobe attach` print when the session is over: the terminal report (or
 * report.json with --json), the JUnit file when there is a gate and --junit, and the report.html
 * path last, where it stays on screen (on stderr with --json, so that stdout stays JSON).
 */
import { writeJunitFile } from './publish-gate-result.js';
import { renderTerminalReport } from '../reports/terminal-report.js';
import type { SessionResult } from '../session/run-session.js';

export interface SessionOutput {
  json: boolean;
  junitPath: string | null;
}

export function printSessionResult({ report, htmlPath }: SessionResult, output: SessionOutput): void {
  if (output.json) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    process.stdout.write(`${renderTerminalReport(report, { color: Boolean(process.stdout.isTTY) })}\n`);
  }
  if (output.junitPath && report.gate) writeJunitFile(output.junitPath, report, report.gate);
  (output.json ? process.stderr : process.stdout).write(`report: ${htmlPath}\n`);
}

export function sessionOutputFrom(argv: { json?: boolean; junit?: string }): SessionOutput {
  return { json: argv.json ?? false, junitPath: argv.junit ?? null };
}
