/**
 * A run directory read into values: `run.json`, `summaries/`, `timeline.ndjson` and
 * `allocation.heapprofile`, each checked for the shape the analysis relies on. The raw snapshots
 * are not read (`--keep-snapshots` may have deleted them); a report names only those still there.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { SnapshotRecord, TimelineSample } from '../core/report-schema.js';
import { RUN_FILES, type RunRecord } from '../core/run-directory-layout.js';
import { UsageError } from '../core/usage-error.js';
import type { SamplingHeapProfile } from '../analyzers/analyze-growth.js';
import type { SnapshotSummary } from '../analyzers/snapshot-summary.js';

export interface RunDirectory {
  run: RunRecord;
  summaries: SnapshotSummary[];
  timeline: TimelineSample[];
  allocationProfile: SamplingHeapProfile | null;
  /** What could not be read but did not stop the report (a torn timeline line, a bad profile). */
  notes: string[];
}

/** Reads and checks what a report is made from; anything damaged is a UsageError naming the file and field. */
export function readRunDirectory(runDir: string): RunDirectory {
  if (!existsSync(runDir)) {
    throw new UsageError(`${runDir}: no such run directory`, 'give the --out directory of a memprobe run');
  }
  if (!statSync(runDir).isDirectory()) {
    throw new UsageError(`${runDir}: is a file, not a run directory`, 'give the --out directory of a memprobe run');
  }
  const runFile = join(runDir, RUN_FILES.run);
  if (!existsSync(runFile)) {
    throw new UsageError(`${runDir} is not a memprobe run directory (no ${RUN_FILES.run})`, 'give the --out directory of a memprobe run');
  }
  const run = readJson(runFile) as RunRecord;
  if (run?.schema !== 'memprobe/run@1') {
    throw new UsageError(`${runFile}: not a memprobe run record (schema ${JSON.stringify(run?.schema)})`);
  }
  const runProblem = runRecordProblem(run);
  if (runProblem) throw new UsageError(`${runFile}: damaged run record (${runProblem})`, 'a run directory is written by memprobe run or attach; restore run.json or start a new run');
  const notes: string[] = [];
  return {
    run: { ...run, snapshots: run.snapshots.map((s) => withFileIfPresent(runDir, s)) },
    summaries: readSummaries(join(runDir, RUN_FILES.summaries)),
    timeline: readTimeline(join(runDir, RUN_FILES.timeline), notes),
    allocationProfile: readAllocationProfile(join(runDir, RUN_FILES.allocationProfile), notes),
    notes,
  };
}

/** Raw snapshots may have been deleted since the run (they are large): a report names only files that exist. */
function withFileIfPresent(runDir: string, snapshot: SnapshotRecord): SnapshotRecord {
  return snapshot.file && !existsSync(join(runDir, snapshot.file)) ? { ...snapshot, file: null } : snapshot;
}

function readSummaries(dir: string): SnapshotSummary[] {
  if (!existsSync(dir)) return [];
  // Names are zero-padded sequence numbers (001.json, 002.json …): name order is capture order.
  const files = fsOrUsageError(dir, () => readdirSync(dir))
    .filter((f) => f.endsWith('.json'))
    .sort();
  return files.map((f) => {
    const file = join(dir, f);
    const summary = readJson(file) as SnapshotSummary;
    if (summary?.schema !== 'memprobe/snapshot-summary@1' || !Array.isArray(summary.owners)) {
      throw new UsageError(`${file}: not a memprobe snapshot summary`);
    }
    const problem = summaryProblem(summary);
    if (problem) {
      throw new UsageError(`${file}: damaged snapshot summary (${problem})`, 'delete it: memprobe report summarizes the raw snapshot again when it is still there');
    }
    return summary;
  });
}

/**
 * The timeline is appended while the run goes; a run killed mid-write leaves a torn last line.
 * Unreadable lines are skipped and counted: a chart with a gap beats no report.
 */
function readTimeline(file: string, notes: string[]): TimelineSample[] {
  if (!existsSync(file)) {
    notes.push(`no ${RUN_FILES.timeline} in the run directory: the report has no timeline chart`);
    return [];
  }
  const samples: TimelineSample[] = [];
  let unreadable = 0;
  for (const line of fsOrUsageError(file, () => readFileSync(file, 'utf8')).split('\n')) {
    if (!line.trim()) continue;
    try {
      const sample = JSON.parse(line) as TimelineSample;
      if (typeof sample.t === 'number' && typeof sample.heapUsed === 'number') samples.push(sample);
      else unreadable++;
    } catch {
      unreadable++;
    }
  }
  if (unreadable) notes.push(`${RUN_FILES.timeline}: ${unreadable} unreadable line${unreadable === 1 ? '' : 's'} skipped`);
  return samples;
}

function readAllocationProfile(file: string, notes: string[]): SamplingHeapProfile | null {
  if (!existsSync(file)) return null;
  try {
    const profile = JSON.parse(readFileSync(file, 'utf8')) as SamplingHeapProfile;
    if (profile && typeof profile === 'object' && 'head' in profile) return profile;
  } catch {
    // reported below
  }
  notes.push(`${RUN_FILES.allocationProfile} is unreadable: findings have no allocation sites`);
  return null;
}

/*
 * Shape checks for the files a run directory is rebuilt from. They are written by memprobe, but
 * people edit, truncate and merge them; a damaged field must be a one-line error naming the file
 * and the field (exit 2), not a TypeError deep in the analysis.
 */

const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isNumberOrNull = (v: unknown): boolean => v === null || isNumber(v);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNumberArray = (v: unknown): boolean => Array.isArray(v) && v.every(isNumber);

function runRecordProblem(run: RunRecord): string | null {
  const r = run as unknown as Record<string, unknown>;
  if (!isObject(r.target) || typeof r.target.kind !== 'string' || typeof r.target.command !== 'string') return 'target';
  if (!isObject(r.load) || !isNumberOrNull(r.load.requests ?? null) || !isNumberOrNull(r.load.targetRps ?? null) || !isNumberOrNull(r.load.achievedRps ?? null)) {
    return 'load';
  }
  if (!Array.isArray(r.snapshots)) return 'snapshots';
  const bad = r.snapshots.findIndex(
    (s: unknown) => !isObject(s) || !isNumber(s.t) || !isNumberOrNull(s.requests) || !isNumber(s.totalBytes) || !(s.file === null || typeof s.file === 'string'),
  );
  if (bad >= 0) return `snapshots[${bad}]`;
  if (!Array.isArray(r.notes) || !r.notes.every((n) => typeof n === 'string')) return 'notes';
  if (!isObject(r.analysis) || !isNumberOrNull(r.analysis.heapLimitBytes) || !isNumber(r.analysis.horizonS) || !isNumberArray(r.analysis.projectRps)) {
    return 'analysis';
  }
  if (r.meta !== undefined && !isObject(r.meta)) return 'meta';
  if (r.gate !== undefined && !isObject(r.gate)) return 'gate';
  return null;
}

function summaryProblem(summary: SnapshotSummary): string | null {
  const s = summary as unknown as Record<string, unknown>;
  for (const field of ['nodeCount', 'edgeCount', 'totalBytes', 'maxNodeId'] as const) if (!isNumber(s[field])) return field;
  if (!isNumberOrNull(s.t) || !isNumberOrNull(s.requests)) return 't/requests';
  if (!isNumberArray(s.cohortBoundaries)) return 'cohortBoundaries';
  if (!isObject(s.categories)) return 'categories';
  const bad = summary.owners.findIndex((o: unknown) => {
    if (!isObject(o)) return true;
    return (
      typeof o.key !== 'string' ||
      typeof o.owner !== 'string' ||
      !(o.location === null || o.location === undefined || typeof o.location === 'string') ||
      !isNumber(o.count) ||
      !isNumber(o.retainedBytes) ||
      !isNumber(o.selfBytes) ||
      !isObject(o.composition) ||
      !isNumberArray(o.cohortCounts) ||
      !isNumberArray(o.cohortBytes) ||
      !(Array.isArray(o.retainerPath) && o.retainerPath.every((step) => typeof step === 'string'))
    );
  });
  return bad >= 0 ? `owners[${bad}]` : null;
}

/** A file system call on a run directory's file; failing, a one-line error that names the file. */
function fsOrUsageError<T>(file: string, call: () => T): T {
  try {
    return call();
  } catch (err) {
    throw new UsageError(`${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

function readJson(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${file}: corrupt JSON (${(err as Error).message})`);
  }
}
