/**
 * The second core's share of the graph passes: the shortest-path BFS (`distances.ts`) in a worker
 * thread, while the main thread computes dominators and retained sizes. The BFS needs only the
 * essential-edge bits, `firstEdge` and `edgeToNode`, which the parser puts on SharedArrayBuffers
 * for big files (the ones the edge-tail worker splits); its result goes into a shared column too.
 * The result is byte for byte what `computeShortestPaths` gives on the main thread: it is that
 * function, run elsewhere.
 *
 * The main thread never depends on the worker: one shared word says who does the BFS. The worker
 * claims it when it starts (pending -> running); the main thread, when it needs the paths, claims
 * it if the worker has not yet (pending -> main), and then does the BFS itself, as it would if the
 * worker failed. Only a worker already running is waited for, synchronously (`Atomics.wait`): the
 * passes are synchronous code.
 *
 * This file is both sides: imported normally it exports `ShortestPathsJob`; started as the worker
 * (workerData.role) it runs one job and exits.
 */
import { Worker, workerData } from 'node:worker_threads';
import type { HeapSnapshot } from './heap-snapshot.js';
import { computeShortestPaths, type ShortestPaths } from './distances.js';
import type { EssentialEdgeBits } from './essential-edges.js';

const ROLE = 'memprobe-shortest-paths';

const PENDING = 0;
const RUNNING = 1;
const DONE = 2;
const CLAIMED_BY_MAIN = 3;
const FAILED = 4;

/** How long the main thread waits for a running BFS before doing it itself (a worker that hangs). */
const WAIT_MS = 120_000;

interface JobData {
  role: typeof ROLE;
  nodeCount: number;
  firstEdge: Uint32Array;
  edgeToNode: Uint32Array;
  essential: Uint8Array;
  parentEdge: Uint32Array;
  state: Int32Array;
}

const isShared = (array: ArrayBufferView): boolean => array.buffer instanceof SharedArrayBuffer;

/** Starts this file as a worker; from TypeScript sources (tests) through tsx's loader. */
function startWorker(data: JobData): Worker {
  const self = new URL(import.meta.url);
  if (self.pathname.endsWith('.ts')) {
    const bootstrap = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(self.href)}); })`;
    return new Worker(bootstrap, { eval: true, workerData: data });
  }
  return new Worker(self, { workerData: data });
}

export class ShortestPathsJob {
  private constructor(
    private readonly worker: Worker,
    private readonly data: JobData,
  ) {}

  /**
   * Start the BFS on another thread, or return null when the columns it reads are not shared (a
   * small file, or one parsed on one thread) or no thread can be had.
   */
  static start(snapshot: Pick<HeapSnapshot, 'nodeCount' | 'firstEdge' | 'edgeToNode'>, essential: EssentialEdgeBits): ShortestPathsJob | null {
    if (!isShared(snapshot.firstEdge) || !isShared(snapshot.edgeToNode) || !isShared(essential)) return null;
    const data: JobData = {
      role: ROLE,
      nodeCount: snapshot.nodeCount,
      firstEdge: snapshot.firstEdge,
      edgeToNode: snapshot.edgeToNode,
      essential,
      parentEdge: new Uint32Array(new SharedArrayBuffer(4 * Math.max(1, snapshot.nodeCount)), 0, snapshot.nodeCount),
      state: new Int32Array(new SharedArrayBuffer(4)),
    };
    let worker: Worker;
    try {
      worker = startWorker(data);
    } catch {
      return null;
    }
    // A worker that fails to start says so here; the main thread then finds the job unclaimed.
    worker.on('error', () => {});
    worker.unref();
    return new ShortestPathsJob(worker, data);
  }

  /** Whether the worker has taken the job (it then finishes it, unless it fails). For tests. */
  get started(): boolean {
    return Atomics.load(this.data.state, 0) !== PENDING;
  }

  /** The worker's paths, or null when the main thread must compute them (and may: the worker will not). */
  join(): ShortestPaths | null {
    const { state } = this.data;
    let seen = Atomics.compareExchange(state, 0, PENDING, CLAIMED_BY_MAIN);
    const deadline = Date.now() + WAIT_MS;
    while (seen === RUNNING && Date.now() < deadline) {
      Atomics.wait(state, 0, RUNNING, deadline - Date.now());
      seen = Atomics.load(state, 0);
    }
    // Gone in every case (done, failed, or never started). A worker still running past the
    // deadline writes only its own column, which is dropped: the main thread computes its own.
    if (seen === RUNNING) Atomics.compareExchange(state, 0, RUNNING, CLAIMED_BY_MAIN);
    void this.worker.terminate();
    return seen === DONE ? { parentEdge: this.data.parentEdge } : null;
  }
}

// The worker's entry, last in the file.
if ((workerData as { role?: string } | null)?.role === ROLE) {
  const data = workerData as JobData;
  const { state } = data;
  if (Atomics.compareExchange(state, 0, PENDING, RUNNING) === PENDING) {
    let outcome = FAILED;
    try {
      computeShortestPaths(data, data.essential, undefined, data.parentEdge);
      outcome = DONE;
    } finally {
      Atomics.store(state, 0, outcome);
      Atomics.notify(state, 0);
    }
  }
}
