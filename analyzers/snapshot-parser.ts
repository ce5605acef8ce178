/**
 * Streaming `.heapsnapshot` parser: file in, `HeapSnapshot` columns out.
 *
 * The file is read in fixed chunks (`SnapshotByteSource`); the top level is walked section by
 * section, and the big number arrays go byte by byte into typed-array columns (`NumberArrayReader`),
 * so neither the file nor its `strings` section ever becomes one JS string: files past V8's 512 MB
 * string limit parse in memory close to the size of the columns plus the strings.
 *
 * Files of 64 MiB and more use the second core: a worker thread reads `edges` into shared columns
 * while this thread reads `nodes`, jumps past `edges`, reads the later sections and then the rows
 * of `edges` the worker has not got to, backwards from their end (`snapshot-edges-worker.ts`).
 * Anything unexpected there, a corrupt file included, and the file is parsed again the ordinary
 * way, so results and errors are exactly those of one thread.
 *
 * Everything is checked as it is read, against the layout and counts in the file's own `meta`:
 * a corrupt, truncated or mis-shaped file throws `SnapshotFormatError` naming what is wrong and the
 * byte offset, and nothing is allocated from a declared count the file's size cannot back.
 */
import { closeSync, openSync } from 'node:fs';
import type { HeapSnapshot, SourceLocations } from './heap-snapshot.js';
import { SourceLocationTable } from './source-locations.js';
import { SnapshotByteSource, describeByte } from './snapshot-byte-source.js';
import { readSnapshotHeader, type SnapshotHeader } from './snapshot-header.js';
import { locateValue } from './snapshot-number-array.js';
import { EdgesWorker, type EdgesPlan } from './snapshot-edges-worker.js';
import { allocateEdgeColumnMemory, edgeColumnsIn } from './edge-column-memory.js';
import { indexOfFrom, lastIndexesBefore, readAt } from './snapshot-file-search.js';
import { EdgeRowClaims } from './edge-row-claims.js';
import { EdgeTailReader, isRowSeparator } from './edge-tail-reader.js';
import { SnapshotFormatError } from './snapshot-format-error.js';
import { allocateEdgeColumns, readEdges, readLocations, readNodes, type EdgeColumns, type NodeColumns, type ReadSection } from './snapshot-sections.js';
import { readStrings, type StringTable } from './snapshot-strings.js';
import { findBadStringReference } from './snapshot-string-references.js';

export { SnapshotFormatError } from './snapshot-format-error.js';

export interface ParseSnapshotOptions {
  /** Bytes read per chunk (two buffers of this size are held). Default 4 MiB. */
  chunkSize?: number;
  /** Called after each chunk is read. */
  onProgress?: (bytesRead: number, totalBytes: number) => void;
  /**
   * Files at least this large have `edges` read by a worker thread, on the second core
   * (`snapshot-edges-worker.ts`). Default 64 MiB: below that the worker's start-up (tens of ms)
   * eats the gain. Infinity turns it off.
   */
  workerMinBytes?: number;
  /**
   * Work for this thread while it waits for the edges worker (it has read every other section),
   * given the snapshot's counts: the returned step is called, with the event loop turning between
   * calls, until it returns false or the worker is done. A step should take a few milliseconds.
   */
  whileWaiting?: (counts: { nodeCount: number; edgeCount: number }) => () => boolean;
  /**
   * Told, for a file parsed on two threads, whether the split held (true) or was abandoned and the
   * file parsed again on one thread (false), which gives the same result, only later. For
   * benchmarks and tests.
   */
  onSplit?: (held: boolean) => void;
}

// 4 MiB: as fast as larger chunks here (a read per chunk is cheap next to tokenizing it), and the
// two buffers are most of what the edges worker adds to peak RSS.
const DEFAULT_CHUNK_SIZE = 4 * 1024 * 1024;
const MAX_CHUNK_SIZE = 1 << 30;
/** Files this large are parsed on two threads, into shared columns (`workerMinBytes`' default). */
export const SPLIT_PARSE_MIN_BYTES = 64 * 1024 * 1024;
/** Rows of `edges` the main thread claims at a time when it reads their tail (`readTail`): about 250 KB of text, a millisecond's work. */
const TAIL_BLOCK_ROWS = 16384;

/** An `edges` read by the worker that did not work out: the file is parsed again without one. */
class SplitAbandoned extends Error {}

/** Sections V8 writes whose content the model does not hold (allocation tracking): checked to be arrays, then skipped. */
const SKIPPED_ARRAY_SECTIONS = new Set(['trace_function_infos', 'trace_tree', 'samples']);

export async function parseSnapshotFile(path: string, options: ParseSnapshotOptions = {}): Promise<HeapSnapshot> {
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  if (!Number.isInteger(chunkSize) || chunkSize < 1 || chunkSize > MAX_CHUNK_SIZE) {
    throw new RangeError(`chunkSize must be an integer from 1 to ${MAX_CHUNK_SIZE}, not ${chunkSize}`);
  }
  const workerMinBytes = options.workerMinBytes ?? SPLIT_PARSE_MIN_BYTES;
  try {
    return await parseOnce(path, chunkSize, options.onProgress, workerMinBytes, options.whileWaiting, options.onSplit);
  } catch (err) {
    // Rare (a corrupt file, or one whose edges section is not what the worker expected): the
    // ordinary sequential parse gives the verdict, and the exact error if there is one.
    if (err instanceof SplitAbandoned) {
      options.onSplit?.(false);
      return await parseOnce(path, chunkSize, options.onProgress, Infinity, undefined, undefined);
    }
    throw err;
  }
}

async function parseOnce(
  path: string,
  chunkSize: number,
  onProgress: ParseSnapshotOptions['onProgress'],
  workerMinBytes: number,
  whileWaiting: ParseSnapshotOptions['whileWaiting'],
  onSplit: ParseSnapshotOptions['onSplit'],
): Promise<HeapSnapshot> {
  const source = await SnapshotByteSource.open(path, chunkSize, onProgress);
  const parser = new SnapshotParser(source, source.fileSize >= workerMinBytes ? chunkSize : null, whileWaiting, onSplit);
  try {
    return await parser.parse();
  } finally {
    await parser.stopWorker();
    await source.close();
  }
}

/** The key V8 writes right after `edges`. */
const NEXT_SECTION_KEY = Buffer.from('"trace_function_infos"');

/**
 * The ']' just before `,key:` (whitespace allowed around each), the key searched for from the end
 * of the file down to `floor`; -1 if there is none.
 */
function closeBeforeKey(fd: number, key: Buffer, floor: number, fileSize: number): number {
  const near = Buffer.allocUnsafe(64);
  const isSpace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
  for (const at of lastIndexesBefore(fd, key, fileSize, floor)) {
    // A ':' after the key: a key, not a string of that text in `strings`.
    const after = near.subarray(0, readAt(fd, near, near.length, at + key.length));
    let i = 0;
    while (i < after.length && isSpace(after[i])) i++;
    if (after[i] !== 0x3a) continue;
    const from = Math.max(floor, at - near.length);
    const before = near.subarray(0, readAt(fd, near, at - from, from));
    let j = before.length - 1;
    while (j >= 0 && isSpace(before[j])) j--;
    if (before[j--] !== 0x2c) return -1;
    while (j >= 0 && isSpace(before[j])) j--;
    return j >= 0 && before[j] === 0x5d ? from + j : -1;
  }
  return -1;
}

class SnapshotParser {
  private header: SnapshotHeader | null = null;
  private nodes: ReadSection<NodeColumns> | null = null;
  private edges: ReadSection<EdgeColumns> | null = null;
  private locations: SourceLocations = new SourceLocationTable();
  private strings: StringTable | null = null;
  private seen = new Set<string>();
  /** The edges worker, started when `nodes` begins (header known), stopped once its `edges` are confirmed. */
  private worker: EdgesWorker | null = null;
  private sharedEdgeColumns: EdgeColumns | null = null;
  /** The section the worker is reading, until its result is confirmed. */
  private pendingEdges: ReadSection<EdgeColumns> | null = null;
  /** How the rows of `edges` are shared out with the worker (`edge-row-claims.ts`). */
  private claims: EdgeRowClaims | null = null;
  /** This thread's share of the pending `edges`, read backwards from their ']'. */
  private tail: EdgeTailReader | null = null;
  /** The file, open for `tail` until the pending `edges` are confirmed. */
  private tailFd: number | null = null;

  constructor(
    private readonly source: SnapshotByteSource,
    /** Null: no worker; otherwise the chunk size the worker reads `edges` with. */
    private readonly workerChunkSize: number | null,
    private readonly whileWaiting: ParseSnapshotOptions['whileWaiting'],
    private readonly onSplit: ParseSnapshotOptions['onSplit'],
  ) {}

  async stopWorker(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    if (worker) await worker.stop();
    if (this.tailFd !== null) closeSync(this.tailFd);
    this.tailFd = null;
  }

  async parse(): Promise<HeapSnapshot> {
    try {
      await this.parseSections();
    } catch (err) {
      // An error after the worker's `edges` counts only if those were whole: otherwise the ordinary
      // parse would have stopped in them first, and it must be the one to say where.
      await this.confirmEdges();
      throw err;
    }
    if (this.pendingEdges) await this.workWhileWaiting(this.worker!.result);
    await this.confirmEdges();
    return await this.finish();
  }

  /** Wait for the worker's `edges`; abandon its read unless it read every row. */
  private async confirmEdges(): Promise<void> {
    const section = this.pendingEdges;
    if (!section) return;
    this.pendingEdges = null;
    const result = await this.worker!.result;
    const tail = this.tail!;
    const claims = this.claims!;
    // Every row read once: the worker's from the '[' and this thread's from the ']', meeting with
    // exactly the separator between them that a forward read would have met.
    const whole =
      result !== null &&
      !tail.failed &&
      claims.front === claims.back &&
      result.rows === claims.front &&
      tail.rows === this.header!.edgeCount - claims.back &&
      this.tailFd !== null &&
      isRowSeparator(this.tailFd, result.endOffset, tail.pos, result.rows > 0 && tail.rows > 0, result.afterComma);
    await this.stopWorker();
    if (!whole) throw new SplitAbandoned();
    section.maxStringIndex = Math.max(result.maxStringIndex, tail.maxName);
    this.onSplit?.(true);
  }

  /**
   * Blocks of the pending `edges` read backwards from their ']' (`EdgeTailReader`), claimed from
   * the back until the worker's rows and these meet; stops early once a block cannot be read (the
   * split is then abandoned).
   */
  private readTail(): void {
    const tail = this.tail;
    const claims = this.claims;
    if (!tail || !claims) return;
    for (let taken = claims.takeBack(TAIL_BLOCK_ROWS); taken > 0; taken = claims.takeBack(TAIL_BLOCK_ROWS)) {
      if (!tail.readRows(claims.back, taken)) return;
    }
  }

  /**
   * While the worker reads: first the steps of `whileWaiting` (work the caller needs done anyway)
   * until `pending` settles (it never rejects) or they run out, then this thread's share of
   * `edges`, from the back, until it meets the worker's.
   */
  private async workWhileWaiting(pending: Promise<unknown>): Promise<void> {
    let settled = false;
    void pending.then(() => (settled = true));
    if (this.whileWaiting) {
      // One turn of the event loop first: a worker already done has its message delivered then.
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (!settled) {
        const step = this.whileWaiting({ nodeCount: this.header!.nodeCount, edgeCount: this.header!.edgeCount });
        while (!settled && step()) await new Promise<void>((resolve) => setImmediate(resolve));
      }
    }
    // A worker that has settled took every row it was going to: nothing is left to claim then.
    if (!settled) this.readTail();
  }

  private async parseSections(): Promise<void> {
    const source = this.source;
    const first = await source.peekToken();
    if (first === -1) source.fail(source.fileSize === 0 ? 'file is empty' : 'file holds only whitespace');
    if (first !== 0x7b) source.fail(`not a heap snapshot: expected '{', found ${describeByte(first)}`);
    source.pos++;
    if ((await source.peekToken()) === 0x7d) source.fail('not a heap snapshot: empty object');
    for (;;) {
      const quote = await source.peekToken();
      if (quote !== 0x22) source.fail(`expected a section name, found ${describeByte(quote)}`);
      const keyAt = source.offset;
      const key = await source.readString();
      await source.expect(0x3a, `':' after "${key}"`);
      if (this.seen.has(key)) source.fail(`section "${key}" appears twice`, keyAt);
      this.seen.add(key);
      await this.readSection(key, keyAt);
      const next = await source.peekToken();
      source.pos++;
      if (next === 0x7d) break;
      if (next !== 0x2c) source.fail(`expected ',' or '}' after "${key}", found ${describeByte(next)}`, source.offset - 1);
    }
    const trailing = await source.peekToken();
    if (trailing !== -1) source.fail(`unexpected ${describeByte(trailing)} after the end of the snapshot`);
  }

  private async readSection(key: string, keyAt: number): Promise<void> {
    const source = this.source;
    switch (key) {
      case 'snapshot':
        this.header = await readHeader(source);
        return;
      case 'nodes': {
        const header = this.requireHeader(key);
        if (
          this.workerChunkSize !== null &&
          !this.seen.has('edges') &&
          header.edgeCount <= EdgeRowClaims.MAX_ROWS &&
          (await source.peekToken()) === 0x5b
        ) {
          this.startWorker(header, this.workerChunkSize);
        }
        this.nodes = await readNodes(source, header, this.sharedEdgeColumns !== null);
        return;
      }
      case 'edges':
        this.edges = await this.readEdges(keyAt);
        return;
      case 'locations':
        this.locations = await readLocations(source, this.requireHeader(key));
        return;
      case 'strings':
        this.strings = await readStrings(source);
        return;
      default: {
        const first = await source.peekToken();
        if (SKIPPED_ARRAY_SECTIONS.has(key) && first !== 0x5b) {
          source.fail(`expected '[' to open "${key}", found ${describeByte(first)}`);
        }
        await source.skipValue();
      }
    }
  }

  /** The worker reads `edges` while this thread reads `nodes` and the sections after `edges`. */
  private startWorker(header: SnapshotHeader, chunkSize: number): void {
    // In the worker's WebAssembly memory, where its kernel splits the rows itself; else on
    // SharedArrayBuffers of their own.
    const columnMemory = allocateEdgeColumnMemory(header.edgeCount, chunkSize);
    const columns = columnMemory ? edgeColumnsIn(columnMemory) : allocateEdgeColumns(header, true);
    this.sharedEdgeColumns = columns;
    this.claims = EdgeRowClaims.create(header.edgeCount);
    try {
      this.worker = EdgesWorker.start({
        claims: this.claims.words,
        path: this.source.path,
        fileSize: this.source.fileSize,
        nodesArrayStart: this.source.offset,
        header,
        columns,
        columnMemory,
        chunkSize,
      });
    } catch {
      // No thread to be had (a resource limit, say): the shared columns serve the ordinary read.
      this.worker = null;
    }
  }

  private async readEdges(keyAt: number): Promise<ReadSection<EdgeColumns>> {
    const header = this.requireHeader('edges');
    const worker = this.worker;
    const columns = this.sharedEdgeColumns ?? undefined;
    const plan = worker ? await worker.plan : null;
    if (!worker || !plan || !(await this.isAt(plan, keyAt))) {
      // The worker is not reading these edges: it must be gone before this thread writes the
      // columns it shares.
      await this.stopWorker();
      return await readEdges(this.source, header, columns);
    }
    // The worker may still be reading: the later sections are read meanwhile (they do not touch
    // the edge columns), then this thread reads rows from the ']' found here backwards until it
    // meets the worker (`readTail`), and `confirmEdges` checks that every row was read once before
    // anything uses them.
    const closeAt = this.findEdgesClose(header, plan.arrayStart);
    if (closeAt < 0) {
      await this.stopWorker();
      return await readEdges(this.source, header, columns);
    }
    try {
      this.tailFd = openSync(this.source.path, 'r');
    } catch {
      await this.stopWorker();
      return await readEdges(this.source, header, columns);
    }
    await this.source.seek(closeAt + 1);
    this.tail = new EdgeTailReader(this.tailFd, header, columns!, plan.arrayStart, closeAt);
    this.pendingEdges = { columns: columns!, arrayStart: plan.arrayStart, maxStringIndex: -1 };
    return this.pendingEdges;
  }

  /**
   * Where `edges` ends, or -1. V8 writes `trace_function_infos` next, and its key (a quote, the
   * name, a quote, then ':') cannot occur inside the later sections, which hold numbers and escaped
   * strings: found from the end of the file, some 30 MB of reading at 759 MB, the ']' before it is
   * the one. Otherwise the first ']' past the least room the edge values take (two bytes each),
   * `edges` holding only digits, separators and whitespace up to its ']' (some 300 MB at 759 MB).
   * A wrong ']' would only make the split fail its checks (`confirmEdges`), never change a result.
   */
  private findEdgesClose(header: SnapshotHeader, arrayStart: number): number {
    let fd: number;
    try {
      fd = openSync(this.source.path, 'r');
    } catch {
      return -1; // the ordinary read says why, if it cannot read either
    }
    try {
      const floor = arrayStart + 2 * header.edgeCount * header.edgeFields.length;
      const closeAt = closeBeforeKey(fd, NEXT_SECTION_KEY, floor, this.source.fileSize);
      return closeAt >= 0 ? closeAt : indexOfFrom(fd, Buffer.from(']'), floor, this.source.fileSize);
    } catch {
      return -1;
    } finally {
      closeSync(fd);
    }
  }

  /** Whether the worker's plan is for the section starting here: its key, and its '[' next. */
  private async isAt(plan: EdgesPlan, keyAt: number): Promise<boolean> {
    return plan.keyAt === keyAt && (await this.source.peekToken()) === 0x5b && this.source.offset === plan.arrayStart;
  }

  private requireHeader(section: string): SnapshotHeader {
    if (!this.header) this.source.fail(`"${section}" comes before the "snapshot" header`);
    return this.header;
  }

  private async finish(): Promise<HeapSnapshot> {
    const source = this.source;
    for (const required of ['snapshot', 'nodes', 'edges', 'strings']) {
      if (!this.seen.has(required)) source.fail(`section "${required}" is missing`);
    }
    const header = this.header!;
    const nodes = this.nodes!;
    const edges = this.edges!;
    const strings = this.strings!;
    const inRange = Math.max(nodes.maxStringIndex, edges.maxStringIndex) < strings.length;
    const bad = inRange ? null : findBadStringReference(nodes.columns.nodeName, edges.columns.edgeType, edges.columns.edgeNameOrIndex, header.edgeTypeNames, strings.length);
    if (bad) {
      const isNode = bad.section === 'nodes';
      const fields = isNode ? header.nodeFields : header.edgeFields;
      const valueIndex = bad.ordinal * fields.length + fields.indexOf(isNode ? 'name' : 'name_or_index');
      const arrayStart = isNode ? nodes.arrayStart : edges.arrayStart;
      source.fail(
        `${isNode ? 'node' : 'edge'} ${bad.ordinal} names string ${bad.index}, but "strings" has ${strings.length}`,
        await locateValue(source.path, arrayStart, bad.section, valueIndex),
      );
    }
    return {
      nodeCount: header.nodeCount,
      edgeCount: header.edgeCount,
      ...nodes.columns,
      ...edges.columns,
      strings,
      nodeTypeNames: header.nodeTypeNames,
      edgeTypeNames: header.edgeTypeNames,
      locations: this.locations,
      ...(header.extraNativeBytes === undefined ? {} : { extraNativeBytes: header.extraNativeBytes }),
    };
  }
}

/** The `snapshot` section: small, so captured whole, JSON.parsed, then checked field by field. */
async function readHeader(source: SnapshotByteSource): Promise<SnapshotHeader> {
  const at = source.offset;
  const first = await source.peekToken();
  if (first !== 0x7b) source.fail(`"snapshot" is not an object: found ${describeByte(first)}`);
  const bytes = await source.captureValue();
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    // V8's message may quote the text (newlines and all) and gives a position within it.
    const message = (err instanceof Error ? err.message : String(err)).replace(/\s+/g, ' ');
    const position = /at position (\d+)/.exec(message);
    source.fail(`"snapshot" is not valid JSON (${message})`, position ? at + Number(position[1]) : at);
  }
  const header = readSnapshotHeader(value);
  if ('problem' in header) return source.fail(header.problem, at);
  // Every value takes at least one digit and one separator, so a declared count the file's size
  // cannot hold is a lie; refuse it before allocating columns for it.
  const values = header.nodeCount * header.nodeFields.length + header.edgeCount * header.edgeFields.length;
  if (values * 2 > source.fileSize + 2) {
    source.fail(
      `node_count ${header.nodeCount} and edge_count ${header.edgeCount} need at least ${values * 2} bytes, ` +
        `but the file has ${source.fileSize}`,
      at,
    );
  }
  return header;
}
