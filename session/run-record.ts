/**
 * `run.json`, rewritten whole at every step of a run (its start, each snapshot and summary, the end),
 * so that whatever ends the run, the directory says what it captured and `memprobe report` can
 * rebuild the report from it.
 */
import { join } from 'node:path';
import type { SnapshotRecord } from '../core/report-schema.js';
import { RUN_FILES, type RunRecord } from '../core/run-directory-layout.js';
import { memprobeVersion } from '../core/memprobe-version.js';
import { round } from '../core/units.js';
import { writeAtomically } from '../core/write-atomically.js';
import { gateBudgetsToJson, type GateBudgets } from '../analyzers/gate.js';
import type { LoadCounters, LoadDriver, TargetProcess } from '../harness/target-process.js';
import { describeCountSource } from '../harness/request-counter.js';

export interface RunFacts {
  status: RunRecord['status'];
  target: Pick<TargetProcess, 'kind' | 'command' | 'pid'>;
  load: Pick<LoadDriver, 'targetRps'> | null;
  counters: LoadCounters | null;
  /** How long the load ran (to its stop, or so far). */
  runS: number;
  snapshots: SnapshotRecord[];
  notes: string[];
  nodeVersion: string | undefined;
  startedAtIso: string;
  pauseMsTotal: number;
  heapLimitBytes: number | null;
  horizonS: number;
  projectRps: number[];
  budgets: GateBudgets | null;
  samplingIntervalBytes: number;
  mode: 'snapshots' | 'sampling';
  memoryLimit: { bytes: number; source: string } | null;
  /** Requests counted inside the target (null: no counter), and what counted them. */
  countedInTarget?: { requests: number | null; countedBy: string } | null;
}

export function runRecord(f: RunFacts): RunRecord {
  const { counters } = f;
  const durationS = round(f.runS, 3);
  const counted = f.countedInTarget ?? null;
  // memprobe's driver counts when it drives the load; otherwise the count taken inside the target.
  const requests = counters?.requests ?? counted?.requests ?? null;
  return {
    schema: 'memprobe/run@1',
    status: f.status,
    target: { kind: f.target.kind, command: f.target.command, pid: f.target.pid },
    load: {
      targetRps: f.load?.targetRps ?? null,
      achievedRps: requests !== null && durationS > 0 ? round(requests / durationS, 1) : null,
      requests,
      dropped: counters?.dropped ?? null,
      durationS,
      ...(counters
        ? { overdue: counters.overdue ?? 0, errors: counters.errors, statusCounts: counters.statusCounts, errorMessages: counters.errorMessages }
        : {}),
      ...(counters ? { countedBy: describeCountSource({ kind: 'driver' }) } : counted ? { countedBy: counted.countedBy } : {}),
      ...(counters && counted ? { countedInTarget: counted.requests } : {}),
    },
    snapshots: f.snapshots.map((r) => ({ ...r })),
    notes: [...f.notes],
    meta: {
      nodeVersion: f.nodeVersion,
      memprobeVersion: memprobeVersion(),
      startedAt: f.startedAtIso,
      snapshotPauseMs: Math.round(f.pauseMsTotal),
      snapshotPauseShare: f.runS > 0 ? round(f.pauseMsTotal / 1000 / f.runS, 4) : 0,
      samplingIntervalBytes: f.samplingIntervalBytes,
      mode: f.mode,
    },
    analysis: { heapLimitBytes: f.heapLimitBytes, horizonS: f.horizonS, projectRps: f.projectRps, ...(f.memoryLimit ? { memoryLimit: f.memoryLimit } : {}) },
    ...(f.budgets ? { gate: gateBudgetsToJson(f.budgets) } : {}),
  };
}

export function writeRunRecord(runDir: string, record: RunRecord): void {
  writeAtomically(join(runDir, RUN_FILES.run), `${JSON.stringify(record, null, 2)}\n`);
}
