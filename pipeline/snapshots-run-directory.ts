/**
 * `memprobe analyze a b c --out DIR`: snapshots taken elsewhere (`--heapsnapshot-signal`,
 * `v8.writeHeapSnapshot`, DevTools) become a run directory (run.json, summaries/, a timeline of one
 * point per snapshot) and go through the same step as a run's, so the report is a run's: charts,
 * findings, snapshots table, and `memprobe report DIR` re-renders it later. The raw files stay where
 * they are; the snapshots table names them relative to DIR.
 */
import { join, relative, resolve } from 'node:path';
import type { Report, TimelineSample } from '../core/report-schema.js';
import { RUN_FILES, type RunRecord } from '../core/run-directory-layout.js';
import { writeAtomically } from '../core/write-atomically.js';
import type { SnapshotSummary } from '../analyzers/snapshot-summary.js';
import { reportRunDirectory } from './report-run-directory.js';

export async function reportSnapshotsIntoDirectory(outDir: string, run: RunRecord, summaries: SnapshotSummary[]): Promise<Report> {
  const dir = resolve(outDir);
  const names = summaries.map((_, i) => String(i + 1).padStart(3, '0'));
  summaries.forEach((summary, i) => writeAtomically(join(dir, RUN_FILES.summaries, `${names[i]}.json`), JSON.stringify(summary)));
  const timeline: TimelineSample[] = summaries.map((s) => ({
    t: s.t ?? 0,
    requests: s.requests ?? 0,
    dropped: 0,
    heapUsed: s.totalBytes,
    heapTotal: s.totalBytes,
    rss: 0,
    external: 0,
    arrayBuffers: 0,
    eventLoopDelayP99Ms: null,
  }));
  writeAtomically(join(dir, RUN_FILES.timeline), timeline.map((l) => JSON.stringify(l)).join('\n') + '\n');
  const record: RunRecord = {
    ...run,
    snapshots: run.snapshots.map((s, i) => ({ ...s, file: s.file ? relative(dir, resolve(s.file)) : null, summary: `${RUN_FILES.summaries}/${names[i]}.json` })),
    notes: [...run.notes, 'Timeline: one point per snapshot (its reachable heap); the snapshots were not taken by memprobe, so there is no RSS or event-loop record.'],
  };
  writeAtomically(join(dir, RUN_FILES.run), `${JSON.stringify(record, null, 2)}\n`);
  return reportRunDirectory(dir, { budgets: null });
}
