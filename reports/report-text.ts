/**
 * The sentences every rendering of a report shares (terminal, HTML): the headline, what a verdict
 * means, when memory runs out. Written once so the terminal and the page never disagree.
 */
import type { Finding, Report, Verdict } from '../core/report-schema.js';
import { formatBytes, formatCount, formatDuration } from '../core/units.js';
import { formatPerRequest, formatRate, isGrowing } from '../analyzers/gate.js';

export const VERDICT_MEANING: Record<Verdict, string> = {
  leak: 'objects that should have been transient survive and pile up; the fix is to release them',
  accumulation:
    'a long-lived owner keeps every value it is given; nothing is lost track of, but nothing bounds it; the fix is to bound, stream or aggregate it',
  bounded: 'grew, then levelled off (a cache filling, warm-up); reported, not a failure',
};

export function verdictCounts(report: Report): Record<Verdict, number> {
  const counts: Record<Verdict, number> = { leak: 0, accumulation: 0, bounded: 0 };
  for (const f of report.findings) counts[f.verdict]++;
  return counts;
}

export function countsSentence(report: Report): string {
  const c = verdictCounts(report);
  return `${plural(c.leak, 'leak')}, ${plural(c.accumulation, 'accumulation')}, ${c.bounded} bounded`;
}

/** The one line a reader needs: is there a problem, and whose. */
export function headline(report: Report): string {
  const top = report.findings.find(isGrowing) ?? report.findings[0];
  if (!top) return 'No memory growth found';
  const rate = findingRate(top);
  switch (top.verdict) {
    case 'leak':
      return `${top.owner} leaks ${rate}`;
    case 'accumulation':
      return `${top.owner} accumulates ${rate}`;
    case 'bounded':
      return `${top.owner} grew, then levelled off`;
  }
}

/** `16.1 B/request`, or a rate per hour when requests were not counted. */
export function findingRate(finding: Finding): string {
  return finding.bytesPerRequest !== null ? formatPerRequest(finding.bytesPerRequest) : formatRate(finding.bytesPerSecond);
}

/** When the heap runs out at the run's rate, as one sentence. */
export function projectionSentence(report: Report): string {
  const p = report.projection;
  if (p.text) return capitalize(p.text);
  if (!report.findings.some(isGrowing)) return 'Nothing to project: no owner keeps growing.';
  const rate = p.atRps !== null ? `At ${formatCount(p.atRps)} requests/s` : 'At the observed rate';
  if (p.heapLimitBytes === null) return `${rate} the heap limit is unknown, so no out-of-memory projection.`;
  const limit = formatBytes(p.heapLimitBytes);
  if (p.secondsToLimit === null) return `${rate} the heap does not reach its ${limit} limit within the projection horizon.`;
  return `${rate} the heap reaches its ${limit} limit in about ${formatDuration(p.secondsToLimit)}.`;
}

export function loadSentence(report: Report): string {
  const l = report.load;
  const parts = [`${l.requests !== null ? formatCount(l.requests) : 'unknown'} requests in ${formatDuration(l.durationS)}`];
  if (l.achievedRps !== null) {
    parts.push(`${trim(l.achievedRps)}/s achieved${l.targetRps !== null ? ` of ${formatCount(l.targetRps)}/s target` : ''}`);
  } else if (l.targetRps !== null) {
    parts.push(`${formatCount(l.targetRps)}/s target`);
  }
  if (l.dropped !== null) parts.push(`${formatCount(l.dropped)} dropped`);
  if (l.overdue) parts.push(`${formatCount(l.overdue)} skipped while the target was paused`);
  if (l.errors) parts.push(`${formatCount(l.errors)} errors`);
  return parts.join(' · ');
}

/** How growth was measured: `heap snapshots`, or `sampling` (no snapshots) with its interval. */
export function modeSentence(report: Report): string {
  const meta = report.meta ?? {};
  if (meta.mode === 'sampling') {
    const every = meta.samplingIntervalBytes ? `one sample per ${formatBytes(meta.samplingIntervalBytes)} allocated, ` : '';
    return `sampling: no heap snapshots; growth by allocation site from V8's sampling heap profiler (${every}live objects only)`;
  }
  return 'heap snapshots: growth by retaining owner';
}

export function snapshotSentence(report: Report): string {
  const n = report.snapshots.length;
  const meta = report.meta ?? {};
  const cost =
    meta.snapshotPauseMs !== undefined
      ? `, pausing the target ${formatPause(meta.snapshotPauseMs)} in all` +
        (meta.snapshotPauseShare !== undefined ? ` (${(meta.snapshotPauseShare * 100).toFixed(1)}% of the run)` : '')
      : '';
  return `${plural(n, 'snapshot')}${cost}`;
}

function formatPause(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : formatDuration(ms / 1000);
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : word.endsWith('s') ? 'es' : 's'}`;
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function trim(n: number): string {
  return n >= 100 ? n.toFixed(1).replace(/\.0$/, '') : String(Number(n.toPrecision(3)));
}
