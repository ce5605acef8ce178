/** What a capture session is asked to do, and the checks it cannot run without (exit 2). */
import { UsageError } from '../core/usage-error.js';
import type { GateBudgets } from '../analyzers/gate.js';
import { snapshotTimes } from '../harness/snapshot-schedule.js';
import type { RequestCountSource } from '../harness/request-counter.js';
import type { ChildInspector, ProcessSelection } from '../harness/process-tree.js';

export interface SessionOptions {
  outDir: string;
  durationS: number;
  warmupS: number;
  snapshots: number | null;
  snapshotEveryS: number | null;
  keepSnapshots: number;
  heapLimitBytes: number | null;
  horizonS: number;
  projectRps: number[];
  budgets: GateBudgets | null;
  /** Give up on a snapshot when the target shows no progress for this long (default 120). */
  snapshotStallTimeoutS?: number;
  /**
   * Fewer snapshots than this in the schedule is a usage error. The command line asks for 2 (growth
   * is a change between snapshots); library callers may take 0 or 1.
   */
  minSnapshots?: number;
  /** `--sampling`: no heap snapshots; the sampling heap profile is read every `samplingEveryS`. */
  sampling?: boolean;
  /** `--sampling-every D`: seconds between readings of the profile in sampling mode (default 5). */
  samplingEveryS?: number;
  /**
   * `--sampling-interval SIZE`: bytes allocated per sample of V8's sampling heap profiler, for the
   * allocation sites and for `--sampling` (default SAMPLING_INTERVAL_BYTES, 32 KiB).
   */
  samplingIntervalBytes?: number;
  /**
   * How to count requests inside the target (`--count-expression`, `--count-metric`). Undefined:
   * HTTP and attached targets count HTTP requests through diagnostics_channel; null: none.
   */
  countSource?: RequestCountSource | null;
  /**
   * The target's child processes to capture too (cluster workers, PM2 forks, children): all
   * (default), none, or the N busiest by CPU. Not for script targets.
   */
  processes?: ProcessSelection;
  /** Capture worker threads too (default true). */
  threads?: boolean;
  /** Inspectors of child processes opened before the target's (`attach` opens them first). */
  childInspectors?: ChildInspector[];
}

/** Default seconds between readings of the sampling profile (`--sampling-every`). */
export const DEFAULT_SAMPLING_EVERY_S = 5;

/** Checks the options a session cannot run with (UsageError, exit 2); returns the snapshot times. */
export function validateSessionOptions(o: SessionOptions): number[] {
  if (o.sampling) {
    if (!(o.durationS > 0)) throw new UsageError('--duration must be longer than zero');
    if (!(o.warmupS >= 0) || o.warmupS >= o.durationS) {
      throw new UsageError(`--warmup ${o.warmupS}s leaves no time for readings in a ${o.durationS}s run`, 'shorten --warmup or lengthen --duration');
    }
    const every = o.samplingEveryS ?? DEFAULT_SAMPLING_EVERY_S;
    if (!(every > 0)) throw new UsageError('--sampling-every must be longer than zero');
    if ((o.durationS - o.warmupS) / every < 2) {
      throw new UsageError(`--sampling-every ${every}s leaves room for fewer than two readings after warm-up`, 'shorten --sampling-every or --warmup, or lengthen --duration');
    }
  }
  const times = o.sampling ? [] : snapshotTimes(o);
  if (!o.sampling && o.minSnapshots !== undefined && times.length < o.minSnapshots) {
    throw new UsageError(
      `--snapshot-every leaves room for ${times.length} snapshot${times.length === 1 ? '' : 's'} between the end of warm-up (${o.warmupS} s) and the end of the ${o.durationS} s run; growth needs at least ${o.minSnapshots}`,
      'shorten --snapshot-every or --warmup, or lengthen --duration',
    );
  }
  if (!Number.isInteger(o.keepSnapshots) || o.keepSnapshots < 0) {
    throw new UsageError(`--keep-snapshots must be a whole number, got ${o.keepSnapshots}`);
  }
  if (o.heapLimitBytes !== null && !(o.heapLimitBytes > 0)) throw new UsageError('--heap-limit must be above zero');
  if (!(o.horizonS > 0)) throw new UsageError('--horizon must be longer than zero');
  // Zero would call every snapshot stalled before the target could send its first chunk.
  if (o.snapshotStallTimeoutS !== undefined && !(o.snapshotStallTimeoutS > 0)) throw new UsageError('--snapshot-timeout must be longer than zero');
  for (const rps of o.projectRps) {
    if (!(rps > 0) || !Number.isFinite(rps)) throw new UsageError(`--project-rps: expected rates above 0, got ${rps}`);
  }
  return times;
}
