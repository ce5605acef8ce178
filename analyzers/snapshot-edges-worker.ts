/**
 * The second core's share of a big snapshot: the rows of the `edges` section from its '[', read in
 * a worker thread into the shared edge columns while the main thread reads `nodes` and the sections
 * after `edges` (`locations`, `strings`), and then, with nothing else left to do, takes rows from
 * the section's other end, backwards (`edge-tail-reader.ts`). Rows are claimed in blocks from each
 * end (`edge-row-claims.ts`) until the two meet.
 *
 * The worker finds the section itself: `nodes` holds only digits, separators and whitespace and
 * declares how many values it has, so the `"edges"` key is the first one past the least room those
 * values take (two bytes each). Edge ordinals count from the '[', so the worker reads the section
 * with the very reader the main thread would use (the WebAssembly tokenizer and the same row
 * checks, `readClaimedEdges`), and every row lands where it belongs. The main thread checks the
 * claim when it gets there (the `"edges"` key and its '[' where the worker found them), finds the
 * section's ']' the same way (the first past the least room the edge values take), jumps past it
 * and reads on. Before anything uses the edges it waits for the worker's result and checks that
 * every row was read once, the two shares meeting at one separator. (The ']' is the main thread's
 * to find because the search, some 300 MB of reading at 759 MB, came before the worker's first row,
 * and the worker's share is the longer.)
 *
 * On heap snapshots the two shares come out close: `edges` is about 2.4 times the bytes of `nodes`,
 * but a byte of `nodes` costs more (six columns per row, shorter numbers), and the main thread also
 * decodes the strings, millions of JS strings.
 *
 * The worker only ever says "done" or "not done": a format error is not its to report. When it
 * gives up the main thread parses the file again the ordinary way, which names the problem exactly.
 *
 * This file is both sides: imported normally it exports `EdgesWorker`; started as the worker
 * (workerData.role) it runs one job and exits.
 */
import { closeSync, openSync } from 'node:fs';
import { indexOfFrom, readAt, searchBuffer } from './snapshot-file-search.js';
import { parentPort, type Worker, workerData } from 'node:worker_threads';
import { startWorkerThread } from './start-worker-thread.js';
import { SnapshotByteSource } from './snapshot-byte-source.js';
import type { SnapshotHeader } from './snapshot-header.js';
import { readClaimedEdges, type EdgeColumns } from './snapshot-sections.js';
import { EdgeRowClaims } from './edge-row-claims.js';
import { edgeColumnsIn, type EdgeColumnMemory } from './edge-column-memory.js';

export interface EdgesJob {
  role: typeof ROLE;
  path: string;
  fileSize: number;
  /** Offset of the '[' of `nodes`. */
  nodesArrayStart: number;
  header: SnapshotHeader;
  /** The edge columns, on SharedArrayBuffers: the worker writes the rows into them in place. */
  columns: EdgeColumns;
  /**
   * The memory `columns` are views of, when it is a WebAssembly memory for the worker's kernel
   * (`edge-column-memory.ts`): the worker reads into it and splits the rows there. Else null.
   */
  columnMemory: EdgeColumnMemory | null;
  /** Bytes read per chunk, as the main thread's. */
  chunkSize: number;
  /** The words of the rows' `EdgeRowClaims`: the worker takes rows from the front, the main thread from the back. */
  claims: Int32Array;
}

/** Where the worker found `edges`; null when it will not read them. */
export interface EdgesPlan {
  /** Offset of the `"edges"` key's opening quote. */
  keyAt: number;
  /** Offset of the section's '['. */
  arrayStart: number;
}

export interface EdgesResult {
  /** Rows read, from the first: all those the worker claimed (else it would have given up). */
  rows: number;
  /** Largest string index among the named edges, -1 if none. */
  maxStringIndex: number;
  /** File offset just past the last value read (past the '[' when no row was), or past the ',' after it when `afterComma`. */
  endOffset: number;
  afterComma: boolean;
}

type WorkerMessage = { type: 'plan'; plan: EdgesPlan | null } | { type: 'done'; result: EdgesResult | null };

const ROLE = 'memprobe-edges';

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/**
 * Find `"edges":[`. What it finds is a claim the main thread checks; the section's ']' is the main
 * thread's to find (`snapshot-parser.ts`), while this thread is already reading.
 */
function planEdges(job: EdgesJob): EdgesPlan | null {
  const { header } = job;
  if (header.edgeCount * header.edgeFields.length === 0) return null;
  const fd = openSync(job.path, 'r');
  try {
    const buf = searchBuffer();
    const keyAt = indexOfFrom(fd, Buffer.from('"edges"'), job.nodesArrayStart + 2 * header.nodeCount * header.nodeFields.length, job.fileSize, buf);
    if (keyAt < 0) return null;
    const head = buf.subarray(0, readAt(fd, buf, 256, keyAt + 7));
    let i = 0;
    while (i < head.length && isSpace(head[i])) i++;
    if (head[i++] !== 0x3a) return null;
    while (i < head.length && isSpace(head[i])) i++;
    if (head[i] !== 0x5b) return null;
    return { keyAt, arrayStart: keyAt + 7 + i };
  } finally {
    closeSync(fd);
  }
}

/** Read the rows of `edges` it can claim, from its '['; null unless every row claimed was read. */
async function readPlannedEdges(job: EdgesJob, plan: EdgesPlan): Promise<EdgesResult | null> {
  const { columnMemory } = job;
  const source = await SnapshotByteSource.open(job.path, job.chunkSize, undefined, plan.arrayStart, columnMemory?.memory ?? true);
  try {
    // Views made here, of this thread's handle on the memory, which is what its kernel checks for.
    const columns = columnMemory ? edgeColumnsIn(columnMemory) : job.columns;
    const claims = new EdgeRowClaims(job.claims);
    const read = await readClaimedEdges(source, job.header, columns, (rows) => claims.takeFront(rows));
    return read && { rows: read.rows, maxStringIndex: read.maxStringIndex, endOffset: read.endOffset, afterComma: read.afterComma };
  } catch {
    return null; // a format error (or a failed read): the main thread's ordinary parse will say
  } finally {
    await source.close();
  }
}

/** The main thread's side: one job, its plan and its result as promises that never reject. */
export class EdgesWorker {
  /** Null when the worker will not read `edges` (or died): the main thread then reads them itself. */
  readonly plan: Promise<EdgesPlan | null>;
  /** Null when the worker gave up. */
  readonly result: Promise<EdgesResult | null>;
  private readonly worker: Worker;
  private readonly exited: Promise<void>;

  private constructor(job: Omit<EdgesJob, 'role'>) {
    this.worker = startWorkerThread(import.meta.url, { ...job, role: ROLE });
    let resolvePlan!: (plan: EdgesPlan | null) => void;
    let resolveResult!: (result: EdgesResult | null) => void;
    this.plan = new Promise((resolve) => (resolvePlan = resolve));
    this.result = new Promise((resolve) => (resolveResult = resolve));
    this.worker.on('message', (message: WorkerMessage) => {
      if (message.type === 'plan') {
        resolvePlan(message.plan);
        if (!message.plan) resolveResult(null);
      } else resolveResult(message.result);
    });
    // A worker that fails or exits early has said all it will: whatever is unresolved is null.
    const settle = (): void => {
      resolvePlan(null);
      resolveResult(null);
    };
    this.worker.on('error', settle);
    this.exited = new Promise((resolve) => this.worker.once('exit', () => (settle(), resolve())));
  }

  static start(job: Omit<EdgesJob, 'role'>): EdgesWorker {
    return new EdgesWorker(job);
  }

  /** Stop the worker and wait until it can no longer write to the shared columns. */
  async stop(): Promise<void> {
    await this.worker.terminate();
    await this.exited;
  }
}

// The worker's entry, last in the file: the classes and constants above must be initialised first.
if (parentPort && (workerData as { role?: string } | null)?.role === ROLE) {
  const port = parentPort;
  const job = workerData as EdgesJob;
  const post = (message: WorkerMessage): void => port.postMessage(message);
  let plan: EdgesPlan | null = null;
  try {
    plan = planEdges(job);
  } catch {
    plan = null; // the file cannot be read here: the main thread's parse will say why
  }
  post({ type: 'plan', plan });
  if (plan) post({ type: 'done', result: await readPlannedEdges(job, plan) });
}
