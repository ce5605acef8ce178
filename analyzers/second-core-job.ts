/**
 * The second core's share of the graph passes: jobs the main thread would otherwise run itself, run
 * in one worker thread on columns that live on SharedArrayBuffers (the parser puts the graph
 * columns there for big files, the ones the edges worker writes, and the work-buffer pool then
 * makes shared arrays too). Six jobs:
 *
 * - `essential-sweep`: the per-edge sweep of the essential-edge rules (`essential-edge-sweep.ts`),
 *   while the main thread marks the user-owned nodes and classifies every node;
 * - `retainer-fill`: the dominator pass's retainer lists, filled close behind its DFS as it
 *   numbers the nodes (`fillRetainerLists`), the two in step through a shared progress counter;
 * - `shortest-paths`: the shortest-path BFS (`distances.ts`), while the main thread computes
 *   the semidominators and dominators;
 * - `retained-sizes`: every node's retained size (`retained-sizes.ts`), and
 * - `dominated-children`: the dominator tree's children lists, both while the main thread gives
 *   every node its owner;
 * - `identity-pick`: which objects the identity sample takes (`pickIdentityNodes`, a sweep of
 *   every node id), queued after the essential-edge sweep, in the time left while the main
 *   thread marks the user-owned nodes and classifies every node;
 * - `retained-once`: the owners' walk of the dominator tree that counts each owner's retained
 *   bytes once (`countRetainedOnce`), while the main thread sums self bytes and composition. It
 *   reads the two before, and is queued behind them without waiting for them: it runs only if
 *   both were done there (`after`).
 *
 * Each result is byte for byte what the main thread would compute: it is the same function, run
 * elsewhere, writing into shared output columns. The thread is started once per snapshot, while
 * the file is parsed, so that a job costs a message, not a thread's start-up.
 *
 * The main thread never depends on the worker: one shared word per job says who does it. The
 * worker claims it when it gets to it (pending -> running); the main thread, when it needs the
 * result, claims it if the worker has not yet (pending -> main), and then does the job itself, as
 * it would if the worker failed. Only a job the worker has already taken is waited for,
 * synchronously (`Atomics.wait`: the passes are synchronous code), to its end.
 *
 * This file is both sides: imported normally it exports `SecondCore`; started as the worker
 * (workerData.role) it runs the jobs it is sent until it is terminated.
 */
import { parentPort, type Worker, workerData } from 'node:worker_threads';
import type { HeapSnapshot } from './heap-snapshot.js';
import { computeShortestPaths, type ShortestPaths } from './distances.js';
import { buildDominatedChildren, fillRetainerLists, type DominatedChildren, type DominatorTree, type RetainerFill } from './dominators.js';
import { NO_SHARING } from './work-buffers.js';
import type { EssentialEdgeBits, SweepElsewhere } from './essential-edges.js';
import { sweepEssentialEdges, type EssentialEdgeSweep } from './essential-edge-sweep.js';
import { startWorkerThread } from './start-worker-thread.js';
import { countRetainedOnce, type RetainedOnceWalk } from './owners.js';
import { computeRetainedSizes } from './retained-sizes.js';
import { pickIdentityNodes, type IdentityPick } from './identity-sample.js';

const ROLE = 'memprobe-second-core';

const PENDING = 0;
const RUNNING = 1;
const DONE = 2;
const CLAIMED_BY_MAIN = 3;
const FAILED = 4;

interface ShortestPathsInput {
  nodeCount: number;
  firstEdge: Uint32Array;
  edgeToNode: Uint32Array;
  essential: Uint8Array;
  parentEdge: Uint32Array;
}

interface DominatedChildrenInput {
  tree: Pick<DominatorTree, 'dominator' | 'preorder'>;
  into: DominatedChildren;
}

interface RetainedSizesInput {
  selfSize: Uint32Array;
  tree: Pick<DominatorTree, 'dominator' | 'preorder'>;
  into: Float64Array;
}

type JobInput =
  | { kind: 'shortest-paths'; input: ShortestPathsInput }
  | { kind: 'essential-sweep'; input: EssentialEdgeSweep }
  | { kind: 'dominated-children'; input: DominatedChildrenInput }
  | { kind: 'retained-sizes'; input: RetainedSizesInput }
  | { kind: 'retainer-fill'; input: RetainerFill }
  | { kind: 'retained-once'; input: RetainedOnceWalk }
  | { kind: 'identity-pick'; input: IdentityPick };

/** `after`: the state words of jobs queued before this one that it reads the results of; it runs only if all are done. */
type JobMessage = JobInput & { state: Int32Array; after: Int32Array[] };

const isShared = (array: ArrayBufferView | null): boolean => array === null || array.buffer instanceof SharedArrayBuffer;

/** One job on the second core, claimed by whoever gets to it first. */
export class SecondCoreJob {
  constructor(readonly state: Int32Array) {}

  /** Whether the worker has taken the job (it then finishes it, unless it fails). */
  get started(): boolean {
    return Atomics.load(this.state, 0) !== PENDING;
  }

  /**
   * True when the worker did the job; false when the caller must do it (and may: the worker will
   * not, and has stopped writing). A job the worker has taken is waited for, however long it takes:
   * it ends either way (an exception marks it failed), and the caller may redo it in the same
   * output arrays only once the worker is out of them.
   */
  join(): boolean {
    const { state } = this;
    let seen = Atomics.compareExchange(state, 0, PENDING, CLAIMED_BY_MAIN);
    while (seen === RUNNING) {
      Atomics.wait(state, 0, RUNNING);
      seen = Atomics.load(state, 0);
    }
    return seen === DONE;
  }
}

/**
 * A worker thread kept for the graph passes of one snapshot, so that each job costs a message
 * rather than a thread's start-up. Opened early (while the file is parsed), closed when the
 * summary is done.
 */
export class SecondCore {
  private closed = false;

  private constructor(private readonly worker: Worker) {}

  /** The thread, or null when none can be had (the passes then all run on the calling thread). */
  static open(): SecondCore | null {
    let worker: Worker;
    try {
      worker = startWorkerThread(import.meta.url, { role: ROLE });
    } catch {
      return null;
    }
    // A worker that fails says so here; the main thread then finds its jobs unclaimed.
    worker.on('error', () => {});
    worker.unref();
    return new SecondCore(worker);
  }

  /** Lets the thread go; jobs not yet taken are the caller's. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    void this.worker.terminate();
  }

  private submit(job: JobInput, after: SecondCoreJob[] = []): SecondCoreJob | null {
    if (this.closed) return null;
    const state = new Int32Array(new SharedArrayBuffer(4));
    try {
      this.worker.postMessage({ ...job, state, after: after.map((job) => job.state) } satisfies JobMessage);
    } catch {
      return null;
    }
    return new SecondCoreJob(state);
  }

  /**
   * The shortest-path BFS, or null when the columns it reads are not shared (a small file, or one
   * parsed on one thread).
   */
  shortestPaths(snapshot: Pick<HeapSnapshot, 'nodeCount' | 'firstEdge' | 'edgeToNode'>, essential: EssentialEdgeBits): ShortestPathsJob | null {
    if (!isShared(snapshot.firstEdge) || !isShared(snapshot.edgeToNode) || !isShared(essential)) return null;
    const parentEdge = new Uint32Array(new SharedArrayBuffer(4 * Math.max(1, snapshot.nodeCount)), 0, snapshot.nodeCount);
    const input = { nodeCount: snapshot.nodeCount, firstEdge: snapshot.firstEdge, edgeToNode: snapshot.edgeToNode, essential, parentEdge };
    const job = this.submit({ kind: 'shortest-paths', input });
    return job ? new ShortestPathsJob(job, parentEdge) : null;
  }

  /** The essential-edge sweep (`EssentialEdgeWork.sweepElsewhere`), or null when its columns are not all shared. */
  essentialSweep(sweep: EssentialEdgeSweep): SweepElsewhere | null {
    const { firstEdge, edgeType, edgeToNode, edgeNameOrIndex, nodeId, ephemeronName, bits, counts } = sweep;
    if (![firstEdge, edgeType, edgeToNode, edgeNameOrIndex, nodeId, ephemeronName, bits, counts].every(isShared)) return null;
    return this.submit({ kind: 'essential-sweep', input: sweep });
  }

  /** The dominator pass's retainer lists, behind its DFS (`DominatorWork.fillElsewhere`), or null when its arrays are not all shared. */
  retainerFill(fill: RetainerFill): SecondCoreJob | null {
    const { vertex, firstEdge, edgeToNode, essential, firstRetainer, retainingNumbers, progress } = fill;
    if (![vertex, firstEdge, edgeToNode, essential, firstRetainer, retainingNumbers, progress].every(isShared)) return null;
    return this.submit({ kind: 'retainer-fill', input: fill });
  }

  /** The identity sample's pick (`pickIdentityNodes`), or null when its arrays are not all shared. */
  identityPick(pick: IdentityPick): SecondCoreJob | null {
    if (![pick.nodeId, pick.ordinals, pick.result].every(isShared)) return null;
    return this.submit({ kind: 'identity-pick', input: pick });
  }

  /**
   * The owners' retained-once walk (`OwnerWork.retainedElsewhere`), or null when its arrays are not
   * all shared. `after`: jobs submitted before that fill its inputs; it runs only if they were done.
   */
  retainedOnce(walk: RetainedOnceWalk, after: SecondCoreJob[] = []): SecondCoreJob | null {
    const { firstDominated, dominated, retainedSizes, ownerOfNode, isInstance, counts, retained, representative, stack } = walk;
    if (![firstDominated, dominated, retainedSizes, ownerOfNode, isInstance, counts, retained, representative, stack ?? null].every(isShared)) return null;
    return this.submit({ kind: 'retained-once', input: walk }, after);
  }

  /** Every node's retained size, into `into` (length nodeCount), or null when the arrays are not all shared. */
  retainedSizes(selfSize: Uint32Array, tree: DominatorTree, into: Float64Array): SecondCoreJob | null {
    if (![selfSize, tree.dominator, tree.preorder, into].every(isShared)) return null;
    return this.submit({ kind: 'retained-sizes', input: { selfSize, tree: { dominator: tree.dominator, preorder: tree.preorder }, into } });
  }

  /**
   * The dominator tree's children lists, into `into` (sized by `allocateDominatedChildren`), or
   * null when the arrays are not all shared.
   */
  dominatedChildren(tree: DominatorTree, into: DominatedChildren): SecondCoreJob | null {
    if (![tree.dominator, tree.preorder, into.firstDominated, into.dominated].every(isShared)) return null;
    return this.submit({ kind: 'dominated-children', input: { tree: { dominator: tree.dominator, preorder: tree.preorder }, into } });
  }
}

/** The shortest-path BFS on the second core: its result column once joined. */
export class ShortestPathsJob {
  constructor(
    private readonly job: SecondCoreJob,
    private readonly parentEdge: Uint32Array,
  ) {}

  /** Whether the worker has taken the job. For tests. */
  get started(): boolean {
    return this.job.started;
  }

  /** The worker's paths, or null when the main thread must compute them (and may: the worker will not). */
  join(): ShortestPaths | null {
    return this.job.join() ? { parentEdge: this.parentEdge } : null;
  }
}

function runJob(job: JobMessage): void {
  const { state } = job;
  if (Atomics.compareExchange(state, 0, PENDING, RUNNING) !== PENDING) return;
  let outcome = FAILED;
  try {
    // Jobs before this one in the queue, so already over: unless all were done here, its inputs
    // are not there (the main thread does it itself then).
    if (!job.after.every((before) => Atomics.load(before, 0) === DONE)) return;
    if (job.kind === 'shortest-paths') computeShortestPaths(job.input, job.input.essential, undefined, job.input.parentEdge);
    else if (job.kind === 'essential-sweep') sweepEssentialEdges(job.input);
    else if (job.kind === 'retainer-fill') fillRetainerLists(job.input);
    else if (job.kind === 'retained-once') countRetainedOnce(job.input);
    else if (job.kind === 'identity-pick') pickIdentityNodes(job.input);
    else if (job.kind === 'retained-sizes') computeRetainedSizes(job.input.selfSize, job.input.tree, undefined, job.input.into);
    else buildDominatedChildren(job.input.tree, NO_SHARING, job.input.into);
    outcome = DONE;
  } finally {
    Atomics.store(state, 0, outcome);
    Atomics.notify(state, 0);
  }
}

// The worker's entry, last in the file: one job per message, until terminated.
if ((workerData as { role?: string } | null)?.role === ROLE && parentPort) {
  parentPort.on('message', (job: JobMessage) => {
    try {
      runJob(job);
    } catch {
      // FAILED is in the job's state word: the main thread does the job itself.
    }
  });
}
