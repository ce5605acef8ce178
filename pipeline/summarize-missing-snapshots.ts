/**
 * Summaries for a run directory whose snapshots were written without them: the in-process agent
 * (`memprobe/agent`) only writes raw `.heapsnapshot` files, because parsing a snapshot and computing
 * dominators inside the application it watches would cost that application seconds of CPU and
 * several times its heap. `memprobe report` and `gate` make the missing summaries here, offline, before reporting.
 *
 * Snapshots are summarized in capture order, each with the maxNodeId of the ones before it as cohort
 * boundaries, exactly as a live run does; a summary that exists is read for its boundary, not redone.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RUN_FILES, type RunRecord } from '../core/run-directory-layout.js';
import { writeAtomically } from '../core/write-atomically.js';
import { summarizeSnapshotFile } from '../analyzers/summarize-snapshot.js';
import { SnapshotSequence } from '../analyzers/snapshot-sequence.js';
import type { SnapshotSummary } from '../analyzers/snapshot-summary.js';

/** Summarizes every snapshot in run.json that has a raw file and no summary; returns how many. */
export async function summarizeMissingSnapshots(
  runDir: string,
  onProgress?: (index: number, total: number, file: string) => void,
): Promise<number> {
  const runFile = join(runDir, RUN_FILES.run);
  if (!existsSync(runFile)) return 0;
  const run = JSON.parse(readFileSync(runFile, 'utf8')) as RunRecord;
  if (run.schema !== 'memprobe/run@1' || !Array.isArray(run.snapshots)) return 0;

  const missing = run.snapshots.filter((r) => r.file !== null && !(r.summary && existsSync(join(runDir, r.summary))));
  if (missing.length === 0) return 0;

  mkdirSync(join(runDir, RUN_FILES.summaries), { recursive: true });
  const sequence = new SnapshotSequence();
  let done = 0;
  for (const record of run.snapshots) {
    const name = (record.file ?? record.summary ?? '').split('/').pop()!.replace(/\.(heapsnapshot|json)$/, '');
    const summaryRelative = record.summary ?? `${RUN_FILES.summaries}/${name}.json`;
    const summaryFile = join(runDir, summaryRelative);
    if (existsSync(summaryFile)) {
      sequence.add(JSON.parse(readFileSync(summaryFile, 'utf8')) as SnapshotSummary);
    } else if (record.file !== null && existsSync(join(runDir, record.file))) {
      onProgress?.(++done, missing.length, record.file);
      const file = record.file;
      const summary = await sequence.next((cohortBoundaries) =>
        summarizeSnapshotFile(join(runDir, file), { source: file.split('/').pop()!, t: record.t, requests: record.requests, cohortBoundaries }),
      );
      writeAtomically(summaryFile, `${JSON.stringify(summary)}\n`);
      record.summary = summaryRelative;
      // The heap in use after the snapshot's GC was the best figure until the summary said what is reachable.
      record.totalBytes = summary.totalBytes;
    } // else neither summary nor snapshot: a moment this run cannot say anything about
  }
  writeAtomically(runFile, `${JSON.stringify(run, null, 2)}\n`);
  return done;
}
