/**
 * Whether a full heap snapshot may be taken now, by the snapshot cost model: its predicted RSS rise
 * (first guess, then calibrated on this process's snapshots) against the memory the process can
 * still get (its cgroup's `memory.max`, else `MemAvailable`). A refused snapshot is a note, never
 * a process pushed into the OOM killer. Also the warning attach gives up front when the run's
 * snapshots are predicted to pause the process for long.
 */
import { formatBytes, formatDuration } from '../core/units.js';
import { calibrateSnapshotCost, FIRST_GUESS, predictSnapshotCost, type SnapshotCostModel, type SnapshotMeasurement } from '../analyzers/snapshot-cost.js';
import { availableMemory, type AvailableMemory } from '../harness/memory-limit.js';

/** Predicted snapshot pauses above this (seconds, the run's total) make attach warn up front. */
export const PREDICTED_PAUSE_WARNING_S = 10;
/** Share of the memory available that a snapshot's predicted RSS rise may take. */
export const SNAPSHOT_MEMORY_SHARE = 0.9;

export class SnapshotBudget {
  private model: SnapshotCostModel = FIRST_GUESS;

  constructor(
    private readonly pid: number,
    private readonly available: (pid: number) => AvailableMemory = availableMemory,
  ) {}

  get costModel(): SnapshotCostModel {
    return this.model;
  }

  /** A refusal message, or null when the snapshot fits. */
  refusal(index: number, heapUsedBytes: number, nodeCount: number | null = null): string | null {
    const cost = predictSnapshotCost(this.model, heapUsedBytes, nodeCount);
    const available = this.available(this.pid);
    if (cost.rssRiseBytes <= SNAPSHOT_MEMORY_SHARE * available.bytes) return null;
    return (
      `snapshot ${index} refused: it is predicted to raise the target's RSS by ${formatBytes(cost.rssRiseBytes)} (${cost.basis}, for a ${formatBytes(heapUsedBytes)} heap) ` +
      `and ${formatBytes(available.bytes)} is available (${available.source}); the OOM killer would likely end the process. ` +
      'Use --sampling (growth by allocation site, no snapshots), or give the process more memory'
    );
  }

  calibrate(measurement: SnapshotMeasurement): void {
    this.model = calibrateSnapshotCost(this.model, measurement);
  }

  /** The up-front warning for `count` snapshots of this heap, or null when they are cheap. */
  pauseWarning(count: number, heapUsedBytes: number): string | null {
    if (count === 0) return null;
    const each = predictSnapshotCost(this.model, heapUsedBytes);
    const total = each.pauseS * count;
    if (total <= PREDICTED_PAUSE_WARNING_S) return null;
    return (
      `${count} heap snapshot${count === 1 ? '' : 's'} of this ${formatBytes(heapUsedBytes)} heap are predicted to pause the process for about ${formatDuration(each.pauseS)} each ` +
      `(${formatDuration(total)} in all, ${each.basis}) and to raise its RSS by up to ${formatBytes(each.rssRiseBytes)}; --sampling finds growth by allocation site without pausing it`
    );
  }
}
