/**
 * What a full heap snapshot will cost the target: how long it stops (V8 builds the whole graph on
 * the main thread, then serializes it) and how far its RSS rises meanwhile (the graph, the
 * serializer's buffers, the strings of every name). Both scale with the heap and with its object
 * count; neither depends on the run.
 *
 * Before a process's first snapshot the figures are a conservative first guess from what was
 * measured on this project's 2-core machine under load: 525 MB / 3 M objects took 53 to
 * 77 s and raised RSS to 13x the heap; 1.5 GB / 27 M nodes took 118 s and 8x; a 100 MB heap 8 to
 * 13 s and 15x. So the guess is 150 s per GB of heap or 10 µs per node (whichever is larger, when
 * the node count is known), plus half a second, and an RSS rise of 15x the heap. Every snapshot
 * taken calibrates the model for the next: the rates measured on this process, with a 25% margin
 * (a busier machine, a larger heap), never below what the last snapshot showed.
 */

export interface SnapshotCostModel {
  /** Seconds of pause per byte of heap used. */
  secondsPerByte: number;
  /** Seconds of pause per heap-graph node (object), used when the node count is known. */
  secondsPerNode: number;
  /** RSS rise during the snapshot per byte of heap used. */
  rssRisePerHeapByte: number;
  /** Snapshots this model was calibrated on (0: the first guess). */
  calibratedOn: number;
}

export interface SnapshotCost {
  pauseS: number;
  /** How far the target's RSS rises above its RSS before the snapshot. */
  rssRiseBytes: number;
  /** `first guess` or `measured on N snapshot(s)`. */
  basis: string;
}

/** Fixed cost of a snapshot whatever the heap: the forced GC, the inspector round trips. */
const FIXED_PAUSE_S = 0.5;
/** Margin over rates measured on this process. */
const MARGIN = 1.25;

export const FIRST_GUESS: SnapshotCostModel = {
  secondsPerByte: 150 / 1e9,
  secondsPerNode: 10e-6,
  rssRisePerHeapByte: 15,
  calibratedOn: 0,
};

export function predictSnapshotCost(model: SnapshotCostModel, heapUsedBytes: number, nodeCount: number | null = null): SnapshotCost {
  const byBytes = heapUsedBytes * model.secondsPerByte;
  const byNodes = nodeCount === null ? 0 : nodeCount * model.secondsPerNode;
  return {
    pauseS: FIXED_PAUSE_S + Math.max(byBytes, byNodes),
    rssRiseBytes: heapUsedBytes * model.rssRisePerHeapByte,
    basis: model.calibratedOn === 0 ? 'first guess' : `measured on ${model.calibratedOn} snapshot${model.calibratedOn === 1 ? '' : 's'}`,
  };
}

export interface SnapshotMeasurement {
  heapUsedBytes: number;
  nodeCount: number | null;
  pauseMs: number;
  /** RSS rise observed during the snapshot; null when it could not be read (no /proc). */
  rssRiseBytes: number | null;
}

/**
 * The model after one more snapshot of the same process. The first measurement replaces the guess
 * (it may be far lower: a quiet machine, a heap of few large objects); later ones keep the largest
 * rate seen, since a snapshot's cost does not shrink by being measured again.
 */
export function calibrateSnapshotCost(model: SnapshotCostModel, m: SnapshotMeasurement): SnapshotCostModel {
  if (!(m.heapUsedBytes > 0)) return model;
  const variable = Math.max(0, m.pauseMs / 1000 - FIXED_PAUSE_S);
  const perByte = (MARGIN * variable) / m.heapUsedBytes;
  const perNode = m.nodeCount ? (MARGIN * variable) / m.nodeCount : null;
  const rss = m.rssRiseBytes === null ? null : (MARGIN * m.rssRiseBytes) / m.heapUsedBytes;
  const first = model.calibratedOn === 0;
  const pick = (previous: number, measured: number | null) => (measured === null ? previous : first ? measured : Math.max(previous, measured));
  return {
    secondsPerByte: pick(model.secondsPerByte, perByte),
    secondsPerNode: pick(model.secondsPerNode, perNode),
    rssRisePerHeapByte: pick(model.rssRisePerHeapByte, rss),
    calibratedOn: model.calibratedOn + 1,
  };
}
