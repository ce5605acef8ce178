/**
 * When to take heap snapshots, in seconds since the load started.
 *
 * `--snapshots N`: N evenly spaced times, the first when warm-up ends and the last shortly before the
 * load stops (so it still sees the heap under load, and has time to finish before the end).
 * `--snapshot-every D`: the first when warm-up ends, then every D seconds up to that same last point.
 * Warm-up is excluded from growth because caches, JIT code and pools fill then.
 */
import { UsageError } from '../core/usage-error.js';

export interface ScheduleInput {
  durationS: number;
  warmupS: number;
  snapshots: number | null;
  snapshotEveryS: number | null;
}

/** How long before the end of the load the last snapshot is due: 5% of the run, at most 5 s. */
export function endMarginS(durationS: number): number {
  return Math.min(5, durationS * 0.05);
}

/**
 * More snapshots than any run can use: each pauses the target for a good part of a second or more.
 * The bound also keeps a schedule from being built a billion entries long (`--snapshot-every 1ms`).
 */
export const MAX_SNAPSHOTS = 1000;

/** Snapshot times in seconds, ascending. Throws UsageError for a schedule that cannot fit. */
export function snapshotTimes(input: ScheduleInput): number[] {
  const { durationS, warmupS, snapshots, snapshotEveryS } = input;
  if (!(durationS > 0)) throw new UsageError('--duration must be longer than zero');
  if (!(warmupS >= 0)) throw new UsageError('--warmup must not be negative');
  if (snapshots !== null && snapshotEveryS !== null) {
    throw new UsageError('give either --snapshots or --snapshot-every, not both');
  }
  const lastS = durationS - endMarginS(durationS);
  if (warmupS > lastS) {
    throw new UsageError(
      `--warmup ${warmupS}s leaves no time for snapshots in a ${durationS}s run`,
      'shorten --warmup or lengthen --duration',
    );
  }
  if (snapshotEveryS !== null) {
    if (!(snapshotEveryS > 0)) throw new UsageError('--snapshot-every must be longer than zero');
    const count = Math.floor((lastS - warmupS) / snapshotEveryS + 1e-9) + 1;
    if (count > MAX_SNAPSHOTS) {
      throw new UsageError(
        `--snapshot-every ${snapshotEveryS}s gives ${count} snapshots in a ${durationS}s run; at most ${MAX_SNAPSHOTS}`,
        'each snapshot pauses the target: a few, spread over the run, show growth best',
      );
    }
    const times: number[] = [];
    // The epsilon keeps a time that lands exactly on the last point despite float steps.
    for (let t = warmupS; t <= lastS + 1e-9; t += snapshotEveryS) times.push(round(t));
    return times;
  }
  const n = snapshots ?? 5;
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`--snapshots must be a whole number, got ${n}`);
  if (n > MAX_SNAPSHOTS) throw new UsageError(`--snapshots ${n}: at most ${MAX_SNAPSHOTS}`, 'each snapshot pauses the target: a few, spread over the run, show growth best');
  if (n === 0) return [];
  // One snapshot alone shows what the heap holds at the end of the run, not at the start of it.
  if (n === 1) return [round(lastS)];
  const step = (lastS - warmupS) / (n - 1);
  return Array.from({ length: n }, (_, i) => round(warmupS + i * step));
}

function round(t: number): number {
  return Math.round(t * 1000) / 1000;
}
