/**
 * `memprobe analyze --explain`: every growing root and owner the analysis considered, what became of
 * it (a finding, folded into one, or rejected) and why, largest growth first.
 */
import type { Report } from '../core/report-schema.js';
import { safe } from '../core/control-characters.js';
import { formatBytes } from '../core/units.js';

const MAX_SHOWN = 40;

export function renderCandidates(report: Report): string {
  const candidates = report.candidates;
  if (!candidates) return 'candidates: none recorded (summaries without growth roots: re-summarize the raw snapshots)\n';
  if (candidates.length === 0) return 'candidates: nothing grew above a quarter of the noise floor\n';
  const lines = [`candidates (${candidates.length}, largest growth first):`, `${'growth'.padStart(10)}  ${'status'.padEnd(9)} ${'kind'.padEnd(5)}  what, and why`];
  for (const c of candidates.slice(0, MAX_SHOWN)) {
    const why = c.status === 'folded' ? `${c.reason}: into ${c.into}` : c.reason;
    lines.push(`${formatBytes(c.growthBytes).padStart(10)}  ${c.status.padEnd(9)} ${c.kind.padEnd(5)}  ${safe(c.owner)}  [${safe(c.key)}]`);
    lines.push(`${' '.repeat(29)}${safe(why)}`);
  }
  if (candidates.length > MAX_SHOWN) lines.push(`… and ${candidates.length - MAX_SHOWN} more in report.json (candidates)`);
  return `${lines.join('\n')}\n`;
}
