/**
 * The second core's share of a big snapshot: the tail of the `edges` section, parsed backwards in a
 * worker thread into the shared edge columns while the main thread parses `nodes` and the head of
 * `edges` forwards.
 *
 * Why backwards: a row's place in the columns is its ordinal, and the main thread's share ends at a
 * row count nobody knows until it has read it. From the section's closing ']' the ordinals are known
 * (the last row is edge_count - 1), so the worker writes rows where they belong and nothing is moved.
 *
 * Both threads stop at the same place by one rule: the first row boundary (the offset just past the
 * ',' that ends a row) at or after a split offset the worker picks. The main thread counts rows from
 * the '[', the worker from the ']'; the two agree exactly when the section holds whole rows, which the
 * main thread checks once it has read the later sections (its rows + the worker's rows =
 * edge_count, same boundary).
 *
 * The worker only ever says "done" or "not done": it validates as strictly as the forward tokenizer
 * and the edge row checks (digits, separators, at most 15 digits, type and to_node ranges), and gives
 * up on anything else. Error messages and offsets are never its business: when the split does not
 * work out the main thread parses the file the ordinary way, which names the problem exactly.
 *
 * This file is both sides: imported normally it exports `EdgeTailWorker`; started as the worker
 * (workerData.role) it runs one job and exits.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { parentPort, type Worker, workerData } from 'node:worker_threads';
import { startWorkerThread } from './start-worker-thread.js';

export interface EdgeTailJob {
  role: typeof ROLE;
  path: string;
  fileSize: number;
  /** Offset of the '[' of `nodes`, and how many values that section declares. */
  nodesArrayStart: number;
  nodeValues: number;
  edgeCount: number;
  edgeWidth: number;
  typeAt: number;
  nameAt: number;
  toAt: number;
  nodeWidth: number;
  typeLimit: number;
  toLimit: number;
  /** 1 for edge types whose name_or_index is a string index (as in the forward reader). */
  namedType: Uint8Array;
  /** The edge columns, on SharedArrayBuffers: the worker writes its rows into them in place. */
  edgeType: Uint8Array;
  edgeNameOrIndex: Uint32Array;
  edgeToNode: Uint32Array;
  /** The fraction of the edges section's bytes the worker takes, from the end; null: balance by cost. */
  share: number | null;
}

/** Where the worker found `edges` and where the two threads' shares meet; null when it will not split. */
export interface EdgeTailPlan {
  /** Offset of the `"edges"` key's opening quote. */
  keyAt: number;
  /** Offsets of the section's '[' and ']'. */
  arrayStart: number;
  closeAt: number;
  /** Both threads stop at the first row boundary at or after this offset. */
  splitAt: number;
}

export interface EdgeTailResult {
  /** Offset just past the ',' before the worker's first row. */
  boundary: number;
  /** Rows the worker wrote: ordinals edge_count - rows .. edge_count - 1. */
  rows: number;
  /** Largest string index among the worker's named edges, -1 if none. */
  maxStringIndex: number;
}

type WorkerMessage =
  | { type: 'plan'; plan: EdgeTailPlan | null }
  | { type: 'done'; result: EdgeTailResult | null };

const ROLE = 'memprobe-edge-tail';

const SCAN_CHUNK = 1024 * 1024;
const PARSE_CHUNK = 1024 * 1024;
const WARMUP_CHUNK = 256;
/**
 * Relative costs for balancing the shares, per byte, in units of a byte of `edges` parsed by the
 * main thread: a byte of `nodes` costs it more (six columns written per row, on fresh pages), the
 * sections after `edges` (locations, and strings, which become millions of JS strings) more still;
 * the worker's backward scan of `edges` costs about what the forward one does, and its scans for
 * `"edges"` and its ']' run at memory speed. (From CPU profiles of 0.25 to 2.5 GB snapshots: with
 * these weights the worker takes nearly all of `edges` and the main thread `nodes` and the rest.)
 */
const NODE_WEIGHT = 1.8;
const TAIL_WEIGHT = 3;
const WORKER_EDGE_WEIGHT = 0.9;
const SCAN_WEIGHT = 0.15;
/** As in the forward tokenizer: more digits than this cannot be an exact double. */
const MAX_DIGITS = 15;
const UINT32_MAX = 0xffffffff;

/** Read bytes `at..at+length` (fewer at end of file) into `buf`; returns how many. */
function readAt(fd: number, buf: Buffer, length: number, at: number): number {
  let got = 0;
  while (got < length) {
    const n = readSync(fd, buf, got, length - got, at + got);
    if (n === 0) break;
    got += n;
  }
  return got;
}

/** First offset at or after `from` where `needle` occurs, or -1. Buffer.indexOf runs at memory speed. */
function indexOfFrom(fd: number, needle: Buffer, from: number, fileSize: number, buf: Buffer): number {
  for (let at = from; at < fileSize; at += buf.length - (needle.length - 1)) {
    const got = readAt(fd, buf, Math.min(buf.length, fileSize - at), at);
    const found = buf.subarray(0, got).indexOf(needle);
    if (found >= 0) return at + found;
    if (at + got >= fileSize) break;
  }
  return -1;
}

/**
 * Find `"edges":[` and its ']' and choose the split. `nodes` is all digits, separators and
 * whitespace, and each value takes at least two bytes, so `"edges"` cannot start before
 * '[' + 2 × node values; likewise its ']' is no nearer than 2 × edge values after its '['. The
 * search starts there. What it finds is a claim the main thread checks against its own parse.
 */
function planSplit(fd: number, job: EdgeTailJob): EdgeTailPlan | null {
  const edgeValues = job.edgeCount * job.edgeWidth;
  if (edgeValues === 0) return null;
  const buf = Buffer.allocUnsafe(SCAN_CHUNK);
  const keySearchFrom = job.nodesArrayStart + 2 * job.nodeValues;
  const keyAt = indexOfFrom(fd, Buffer.from('"edges"'), keySearchFrom, job.fileSize, buf);
  if (keyAt < 0) return null;
  const head = buf.subarray(0, readAt(fd, buf, 256, keyAt + 7));
  let i = 0;
  while (i < head.length && isSpace(head[i])) i++;
  if (head[i++] !== 0x3a) return null;
  while (i < head.length && isSpace(head[i])) i++;
  if (head[i] !== 0x5b) return null;
  const arrayStart = keyAt + 7 + i;
  const closeSearchFrom = arrayStart + 2 * edgeValues;
  const closeAt = indexOfFrom(fd, Buffer.from(']'), closeSearchFrom, job.fileSize, buf);
  if (closeAt < 0) return null;
  // Equal work: main = weighted nodes + edges[arrayStart, split) + weighted tail; worker =
  // weighted edges[split, close) + its scans.
  const scanned = keyAt - keySearchFrom + (closeAt - closeSearchFrom);
  const mainFixed = NODE_WEIGHT * (arrayStart - job.nodesArrayStart) + TAIL_WEIGHT * (job.fileSize - closeAt);
  const wanted =
    job.share === null
      ? Math.round((WORKER_EDGE_WEIGHT * closeAt + SCAN_WEIGHT * scanned + arrayStart - mainFixed) / (1 + WORKER_EDGE_WEIGHT))
      : Math.round(closeAt - job.share * (closeAt - arrayStart));
  // The main thread's stop offset (splitAt - 1) must be inside the array: when nodes and the tail
  // outweigh all of edges, the worker takes all of it but the first row. The worker needs a row.
  const splitAt = Math.max(wanted, arrayStart + 2);
  if (splitAt > closeAt - 2 * job.edgeWidth) return null;
  return { keyAt, arrayStart, closeAt, splitAt };
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** Parse `edges` backwards from its ']' down to the first row boundary at or after the split. */
function parseTail(fd: number, job: EdgeTailJob, plan: EdgeTailPlan): EdgeTailResult | null {
  const scanner = new BackwardEdgeScanner(job, plan);
  const buf = Buffer.allocUnsafe(PARSE_CHUNK);
  // Never below the byte after '[': a row boundary the worker may stop at is always above it.
  const floor = plan.arrayStart + 1;
  let hi = plan.closeAt;
  // The first chunk is a few rows only, so that scanChunk runs to its end once before V8 optimises
  // it: optimised code for a function tail that has never run deoptimises on every later call.
  let size = WARMUP_CHUNK;
  while (hi > floor) {
    const lo = Math.max(floor, hi - size);
    size = buf.length;
    const length = hi - lo;
    if (readAt(fd, buf, length, lo) !== length) return null;
    // Leading digits may be the end of a number that starts in the chunk below: leave them to it,
    // so that every number is whole inside one chunk and no number state crosses chunks.
    let from = 0;
    if (lo > floor) {
      while (from < length && isDigit(buf[from])) from++;
      if (from === length) return null; // a chunk of nothing but digits is no edges section
    }
    // `| 0`: small integers, as the scan's loop counter is optimised for (file offsets are doubles).
    const status = scanner.scanChunk(buf, lo, from | 0, length | 0);
    if (status === STOPPED) return scanner.rows > 0 ? scanner.result() : null;
    if (status === GAVE_UP) return null;
    hi = lo + from;
  }
  // Down to the first row, which has no ',' before it and so is never written here: it is the
  // main thread's, and the boundary after it is the meeting point (the split fell inside it).
  return scanner.rows > 0 ? scanner.result() : null;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

const NUMBER_END = 0; // expect whitespace or the last digit of a number
const SEPARATOR = 1; // a number was read: expect whitespace or ','

const GOING = 0;
const STOPPED = 1;
const GAVE_UP = 2;

// Slots of BackwardEdgeScanner.carry: the scan's state between chunks.
const STATE = 0;
const FIELD = 1; // the field the next number fills; -1 once the row is complete
const ROWS = 2;
const MAX_NAME = 3;
const BOUNDARY = 4; // just past the ',' before the last row written (the ']' before any)

/**
 * The forward tokenizer's grammar, read right to left. Each number is found by its last digit and
 * read in one pass from there, last digit to first, and it fills the row's fields from the last; a row is written once the ',' before it is seen, since only then is it known
 * to lie past the split.
 */
class BackwardEdgeScanner {
  /**
   * State between chunks in a Float64Array rather than fields: its values outgrow small integers
   * (file offsets), and a field whose representation changes after V8 optimised the scan
   * deoptimises it.
   */
  private readonly carry = new Float64Array(5);
  private readonly row: Float64Array;
  // The job's fields copied into this object: workerData arrives as a many-keyed object V8 may keep
  // in dictionary mode, and reading it in the hot loop would be a generic (slow) property access.
  private readonly splitAt: number;
  private readonly edgeCount: number;
  private readonly edgeWidth: number;
  private readonly typeAt: number;
  private readonly nameAt: number;
  private readonly toAt: number;
  private readonly nodeWidth: number;
  private readonly typeLimit: number;
  private readonly toLimit: number;
  private readonly namedType: Uint8Array;
  private readonly edgeType: Uint8Array;
  private readonly edgeNameOrIndex: Uint32Array;
  private readonly edgeToNode: Uint32Array;

  constructor(job: EdgeTailJob, plan: EdgeTailPlan) {
    const carry = this.carry;
    carry[STATE] = NUMBER_END;
    carry[FIELD] = job.edgeWidth - 1;
    carry[MAX_NAME] = -1;
    carry[BOUNDARY] = plan.closeAt;
    this.row = new Float64Array(job.edgeWidth);
    this.splitAt = plan.splitAt;
    this.edgeCount = job.edgeCount;
    this.edgeWidth = job.edgeWidth;
    this.typeAt = job.typeAt;
    this.nameAt = job.nameAt;
    this.toAt = job.toAt;
    this.nodeWidth = job.nodeWidth;
    this.typeLimit = job.typeLimit;
    this.toLimit = job.toLimit;
    this.namedType = job.namedType;
    this.edgeType = job.edgeType;
    this.edgeNameOrIndex = job.edgeNameOrIndex;
    this.edgeToNode = job.edgeToNode;
  }

  get rows(): number {
    return this.carry[ROWS];
  }

  result(): EdgeTailResult {
    return { boundary: this.carry[BOUNDARY], rows: this.carry[ROWS], maxStringIndex: this.carry[MAX_NAME] };
  }

  /** Bytes `from..length-1` of `buf` (whose byte 0 is at file offset `base`), last to first. */
  scanChunk(buf: Buffer, base: number, from: number, length: number): number {
    const { splitAt, edgeCount, edgeWidth, typeAt, nameAt, toAt, nodeWidth, typeLimit, toLimit, namedType, edgeType, edgeNameOrIndex, edgeToNode } = this;
    const row = this.row;
    const carry = this.carry;
    let state = carry[STATE];
    let field = carry[FIELD];
    let rows = carry[ROWS];
    let maxName = carry[MAX_NAME];
    let lastBoundary = carry[BOUNDARY];
    let status = GOING;
    let i = length - 1;
    while (i >= from) {
      const c = buf[i];
      if (c >= 0x30 && c <= 0x39) {
        // Two numbers without a ',' between them, or more numbers in a row than it has fields.
        if (state === SEPARATOR || field < 0) {
          status = GAVE_UP;
          break;
        }
        // One pass over the digits, last to first, each scaled by its power of ten: exact, since
        // more than MAX_DIGITS digits (past 2^53) give up before the value is used.
        let value = c - 0x30;
        let scale = 10;
        let j = i - 1;
        while (j >= from) {
          const d = buf[j] - 0x30;
          if (d < 0 || d > 9) break;
          value += d * scale;
          scale *= 10;
          j--;
        }
        if (i - j > MAX_DIGITS) {
          status = GAVE_UP;
          break;
        }
        row[field--] = value > UINT32_MAX ? UINT32_MAX : value;
        state = SEPARATOR;
        i = j;
      } else if (c === 0x2c) {
        // ',' right before ']' or after another ','.
        if (state !== SEPARATOR) {
          status = GAVE_UP;
          break;
        }
        state = NUMBER_END;
        i--;
        if (field >= 0) continue;
        const boundary = base + i + 2;
        if (boundary < splitAt) {
          status = STOPPED; // this row is the main thread's; the previous boundary is the meeting point
          break;
        }
        const edge = edgeCount - 1 - rows;
        const type = row[typeAt];
        const to = row[toAt];
        const ordinal = to / nodeWidth;
        if (edge < 0 || type >= typeLimit || to >= toLimit || ordinal !== Math.floor(ordinal)) {
          status = GAVE_UP;
          break;
        }
        edgeType[edge] = type;
        const nameOrIndex = row[nameAt];
        edgeNameOrIndex[edge] = nameOrIndex;
        if (nameOrIndex > maxName && namedType[type] === 1) maxName = nameOrIndex;
        edgeToNode[edge] = ordinal;
        rows++;
        lastBoundary = boundary;
        field = edgeWidth - 1;
      } else if (c === 0x0a || c === 0x20 || c === 0x0d || c === 0x09) {
        i--;
      } else {
        status = GAVE_UP;
        break;
      }
    }
    carry[STATE] = state;
    carry[FIELD] = field;
    carry[ROWS] = rows;
    carry[MAX_NAME] = maxName;
    carry[BOUNDARY] = lastBoundary;
    return status;
  }
}

/** The main thread's side: one job, its plan and its result as promises that never reject. */
export class EdgeTailWorker {
  /** Null when the worker will not split (or died): the main thread then reads `edges` itself. */
  readonly plan: Promise<EdgeTailPlan | null>;
  /** Null when the worker gave up. */
  readonly result: Promise<EdgeTailResult | null>;
  private readonly worker: Worker;
  private readonly exited: Promise<void>;

  private constructor(job: Omit<EdgeTailJob, 'role'>) {
    this.worker = startWorkerThread(import.meta.url, { ...job, role: ROLE });
    let resolvePlan!: (plan: EdgeTailPlan | null) => void;
    let resolveResult!: (result: EdgeTailResult | null) => void;
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

  static start(job: Omit<EdgeTailJob, 'role'>): EdgeTailWorker {
    return new EdgeTailWorker(job);
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
  const job = workerData as EdgeTailJob;
  const post = (message: WorkerMessage): void => port.postMessage(message);
  const fd = openSync(job.path, 'r');
  try {
    const plan = planSplit(fd, job);
    post({ type: 'plan', plan });
    if (plan) post({ type: 'done', result: parseTail(fd, job, plan) });
  } finally {
    closeSync(fd);
  }
}
