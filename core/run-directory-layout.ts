/**
 * `<run>/run.json`: what a run directory records besides snapshots, summaries and the timeline:
 * the target, the load, the options and the snapshot list. With `summaries/` and `timeline.ndjson`
 * it is all `memprobe report <run-dir>` needs to rebuild report.json and report.html.
 */
import type { Report, SnapshotRecord } from './report-schema.js';

export interface RunRecord {
  schema: 'memprobe/run@1';
  status: Report['status'];
  target: Report['target'];
  load: Report['load'];
  snapshots: SnapshotRecord[];
  notes: string[];
  meta: NonNullable<Report['meta']>;
  /** Options that shape the analysis. */
  analysis: {
    heapLimitBytes: number | null;
    horizonS: number;
    projectRps: number[];
    /** Addition: the process's memory limit when the run started (cgroup memory.max, else physical memory). */
    memoryLimit?: { bytes: number; source: string };
  };
  /** Budgets given with `--gate`, re-applied by `memprobe report` (absent when none). */
  gate?: Record<string, unknown>;
  /**
   * Addition: present in `processes/<slug>/run.json`, the run directory of one companion of a run
   * (a child process or a worker thread, see harness/companion-capture.ts).
   */
  companion?: { kind: 'process' | 'thread'; name: string; threadId?: number; parent?: string };
}

/** File names inside a run directory (docs/contract.md, "Run directory"). */
export const RUN_FILES = {
  report: 'report.json',
  html: 'report.html',
  timeline: 'timeline.ndjson',
  run: 'run.json',
  snapshots: 'snapshots',
  summaries: 'summaries',
  allocationProfile: 'allocation.heapprofile',
  pprof: 'heap.pb.gz',
  sampling: 'sampling.ndjson',
  sourceMaps: 'sourcemaps.json',
} as const;

/** Addition: the run directories of a run's companions (child processes, worker threads), inside the run directory. */
export const PROCESSES_DIR = 'processes';
