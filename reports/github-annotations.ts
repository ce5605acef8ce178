/**
 * The gate as GitHub Actions workflow commands (`::error::`, `::warning::`), printed on stdout when
 * `GITHUB_ACTIONS=true`, so failures show on the run's summary page and in pull requests.
 */
import type { GateResult, Report } from '../core/report-schema.js';
import { formatPerRequest, formatRate } from '../analyzers/gate.js';

export function isGithubActions(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.GITHUB_ACTIONS === 'true';
}

/**
 * One `::error` per gate failure; one `::warning` per growing owner the gate let through, since a
 * team that gates only on leaks still wants to see accumulation before it becomes an outage.
 */
export function renderGithubAnnotations(report: Report, gate: GateResult): string[] {
  const lines = gate.reasons.map((reason) => command('error', 'memprobe gate failed', reason));
  const failedOwners = new Set((gate.checks ?? []).filter((c) => c.owner !== undefined && !c.passed).map((c) => c.owner));
  for (const finding of report.findings) {
    if (failedOwners.has(finding.owner) || finding.verdict === 'bounded') continue;
    const rate =
      finding.bytesPerRequest !== null ? formatPerRequest(finding.bytesPerRequest) : formatRate(finding.bytesPerSecond);
    lines.push(command('warning', `memprobe: ${finding.verdict}`, `${finding.owner}: ${finding.verdict}, ${rate}. ${finding.hint}`));
  }
  return lines;
}

function command(kind: 'error' | 'warning', title: string, message: string): string {
  return `::${kind} title=${escapeProperty(title)}::${escapeData(message)}`;
}

// https://github.com/actions/toolkit/blob/main/packages/core/src/command.ts: a heap name with a
// newline or `::` must not end the command early or start another one.
function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}
