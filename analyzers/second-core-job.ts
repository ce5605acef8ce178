/**
 * The second core's share of the graph passes: a job the main thread would otherwise run itself,
 * run in a worker thread on columns that live on SharedArrayBuffers (the parser puts the graph
 * columns there for big files, the ones the edge-tail worker splits). Two jobs:
 *
 * - `essential-sweep`: the per-edge sweep of the essential-edge rules (`essential-edge-sweep.ts`),
 *   while the main thread marks the user-owned nodes and classifies every node;
 * - `shortest-paths`: the shortest-path BFS (`distances.ts`), while the main thread computes
 *   dominators and retained sizes.
 *
 * Either result is byte for byte what the main thread would compute: it is the same function, run
 * elsewhere, writing into shared output columns.
 *
 * The main thread never depends on the worker: one shared word says who does the job. The worker
 * claims it when it starts (pending -> running); the main thread, when it needs the result, claims
 * it if the worker has not yet (pending -> main), and then does the job itself, as it would if the
 * worker failed. Only a worker already running is waited for, synchronously (`Atomics.wait`): the
 * passes are synchronous code.
 *
 * This file is both sides: imported normally it exports the jobs; started as the worker
 * (workerData.role) it runs one job and exits.
 */
import { type Worker, workerData } from 'node:worker_threads';
import type { HeapSnapshot } from './heap-snapshot.js';
import { computeShortestPaths, type ShortestPaths } from './distances.js';
import type { EssentialEdgeBits, SweepElsewhere } from './essential-edges.js';
import { sweepEssentialEdges, type EssentialEdgeSweep } from './essential-edge-sweep.js';
import { startWorkerThread } from './start-worker-thread.js';

const ROLE = 'memprobe-second-core';

const PENDING = 0;
const RUNNING = 1;
const DONE = 2;
const CLAIMED_BY_MAIN = 3;
const FAILED = 4;

/** How long the main thread waits for a running job before doing it itself (a worker that hangs). */
const WAIT_MS = 120_000;

interface ShortestPathsInput {
  nodeCount: number;
  firstEdge: Uint32Array;
  edgeToNode: Uint32Array;
  essential: Uint8Array;
  parentEdge: Uint32Array;
}

type JobInput = { kind: 'shortest-paths'; input: ShortestPathsInput } | { kind: 'essential-sweep'; input: EssentialEdgeSweep };

type JobData = JobInput & { role: typeof ROLE; state: Int32Array };

const isShared = (array: ArrayBufferView | null): boolean => array === null || array.buffer instanceof SharedArrayBuffer;

/** One job on the second core, claimed by whoever gets to it first. */
class SecondCoreJob {
  private constructor(
    private readonly worker: Worker,
    private readonly state: Int32Array,
  ) {}

  /** Starts the job on another thread, or returns null when no thread can be had. */
  static start(job: JobInput): SecondCoreJob | null {
    const state = new Int32Array(new SharedArrayBuffer(4));
    let worker: Worker;
    try {
      worker = startWorkerThread(import.meta.url, { ...job, role: ROLE, state } satisfies JobData);
    } catch {
      return null;
    }
    // A worker that fails to start says so here; the main thread then finds the job unclaimed.
    worker.on('error', () => {});
    worker.unref();
    return new SecondCoreJob(worker, state);
  }

  /** Whether the worker has taken the job (it then finishes it, unless it fails). */
  get started(): boolean {
    return Atomics.load(this.state, 0) !== PENDING;
  }

  /** True when the worker did the job; false when the caller must do it (and may: the worker will not). */
  join(): boolean {
    const { state } = this;
    let seen = Atomics.compareExchange(state, 0, PENDING, CLAIMED_BY_MAIN);
    const deadline = Date.now() + WAIT_MS;
    while (seen === RUNNING && Date.now() < deadline) {
      Atomics.wait(state, 0, RUNNING, deadline - Date.now());
      seen = Atomics.load(state, 0);
    }
    // Gone in every case (done, failed, or never started). A worker still running past the
    // deadline writes only its own output columns, which are dropped: the caller computes its own.
    if (seen === RUNNING) Atomics.compareExchange(state, 0, RUNNING, CLAIMED_BY_MAIN);
    void this.worker.terminate();
    return seen === DONE;
  }
}

/** The shortest-path BFS on the second core. */
export class ShortestPathsJob {
  private constructor(
    private readonly job: SecondCoreJob,
    private readonly parentEdge: Uint32Array,
  ) {}

  /**
   * Start the BFS on another thread, or return null when the columns it reads are not shared (a
   * small file, or one parsed on one thread) or no thread can be had.
   */
  static start(snapshot: Pick<HeapSnapshot, 'nodeCount' | 'firstEdge' | 'edgeToNode'>, essential: EssentialEdgeBits): ShortestPathsJob | null {
    if (!isShared(snapshot.firstEdge) || !isShared(snapshot.edgeToNode) || !isShared(essential)) return null;
    const parentEdge = new Uint32Array(new SharedArrayBuffer(4 * Math.max(1, snapshot.nodeCount)), 0, snapshot.nodeCount);
    const input = { nodeCount: snapshot.nodeCount, firstEdge: snapshot.firstEdge, edgeToNode: snapshot.edgeToNode, essential, parentEdge };
    const job = SecondCoreJob.start({ kind: 'shortest-paths', input });
    return job ? new ShortestPathsJob(job, parentEdge) : null;
  }

  /** Whether the worker has taken the job. For tests. */
  get started(): boolean {
    return this.job.started;
  }

  /** The worker's paths, or null when the main thread must compute them (and may: the worker will not). */
  join(): ShortestPaths | null {
    return this.job.join() ? { parentEdge: this.parentEdge } : null;
  }
}

/**
 * The essential-edge sweep on the second core (`EssentialEdgeWork.sweepElsewhere`), or null when
 * its columns are not all shared or no thread can be had.
 */
export function sweepEssentialEdgesElsewhere(sweep: EssentialEdgeSweep): SweepElsewhere | null {
  const { firstEdge, edgeType, edgeToNode, edgeNameOrIndex, nodeId, ephemeronName, bits, counts } = sweep;
  if (![firstEdge, edgeType, edgeToNode, edgeNameOrIndex, nodeId, ephemeronName, bits, counts].every(isShared)) return null;
  return SecondCoreJob.start({ kind: 'essential-sweep', input: sweep });
}

// The worker's entry, last in the file.
if ((workerData as { role?: string } | null)?.role === ROLE) {
  const data = workerData as JobData;
  const { state } = data;
  if (Atomics.compareExchange(state, 0, PENDING, RUNNING) === PENDING) {
    let outcome = FAILED;
    try {
      if (data.kind === 'shortest-paths') computeShortestPaths(data.input, data.input.essential, undefined, data.input.parentEdge);
      else sweepEssentialEdges(data.input);
      outcome = DONE;
    } finally {
      Atomics.store(state, 0, outcome);
      Atomics.notify(state, 0);
    }
  }
}
