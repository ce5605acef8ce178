/**
 * The number-array tokenizer's inner loop in WebAssembly (`number-scan.wat`), with the memory it
 * works in: the byte source's two chunk buffers and one batch of values live in that memory, so
 * the loop reads the file's bytes where they were read into and writes values where the section
 * readers take them from, and nothing is copied.
 *
 * The memory is sized once and never grown (growing would detach every view of it). It is a shared
 * memory (the threads proposal's), so that a kernel can also work in one made elsewhere: the edges
 * worker's holds the edge columns after its own region (`edge-column-memory.ts`), and there the
 * edges reader's row loop is WebAssembly too (`splitEdgeRows`). One module is compiled per thread,
 * on first use; instances are per byte source.
 */
import { NUMBER_SCAN_WASM } from './number-scan-wasm.js';

interface NumberScanExports {
  scan(pos: number, end: number, out: number, count: number, capacity: number, state: number): number;
  string_scan(pos: number, end: number, out: number, count: number, capacity: number, state: number): number;
  node_rows(
    input: number, rows: number, stride: number, typeOff: number, nameOff: number, idOff: number, sizeOff: number, edgesOff: number, detachedOff: number,
    typeOut: number, nameOut: number, idOut: number, sizeOut: number, firstEdgeOut: number, detachedOut: number, typeLimit: number, edgeCount: number,
  ): number;
  edge_rows(
    input: number, rows: number, stride: number, typeOff: number, nameOff: number, toOff: number,
    typeOut: number, nameOut: number, toOut: number, shift: number, inverse: number, typeLimit: number, ordinalLimit: number, namedMask: number,
  ): number;
  count: WebAssembly.Global;
  state: WebAssembly.Global;
  maxName: WebAssembly.Global;
  edgeSum: WebAssembly.Global;
}

/** Values per batch of the section readers: big enough that a batch costs nothing per value, small enough for the cache. */
export const BATCH_VALUES = 1 << 16;

const PAGE = 65536;
/** wasm32 addresses: a memory of more pages cannot be had. */
const MAX_PAGES = 65536;
let compiled: WebAssembly.Module | null = null;

/** Where the batch starts in a kernel's memory, after the two chunk buffers. */
function batchOffset(chunkSize: number): number {
  return Math.ceil((2 * chunkSize) / 4) * 4;
}

/** The bytes a kernel's own region takes at the start of its memory: two chunk buffers and a batch. */
export function kernelRegionBytes(chunkSize: number, batchValues: number): number {
  return batchOffset(chunkSize) + 4 * batchValues;
}

/**
 * A shared WebAssembly memory of at least `bytes` (whole pages, never grown), or null when it cannot
 * be had: more than wasm32's 4 GiB, or a reservation the system refuses (V8 reserves address space
 * for each memory, which a `ulimit -v` can refuse).
 */
export function sharedKernelMemory(bytes: number, growable = false): WebAssembly.Memory | null {
  const pages = Math.max(1, Math.ceil(bytes / PAGE));
  if (pages > MAX_PAGES) return null;
  try {
    // A shared memory's maximum is reserved up front (address space only: V8 reserves guard
    // regions of several GiB around every memory anyway), and growing it moves nothing.
    return new WebAssembly.Memory({ initial: pages, maximum: growable ? MAX_PAGES : pages, shared: true });
  } catch {
    return null;
  }
}

/**
 * How `edges` rows are laid out and checked (`EdgeRows` in `snapshot-sections.ts`): field positions
 * in a row, the limits of type and to_node, and which types name their edge by a string index.
 */
export interface EdgeRowChecks {
  width: number;
  typeAt: number;
  nameAt: number;
  toAt: number;
  nodeWidth: number;
  typeLimit: number;
  toLimit: number;
  /** Bit t set when type t's name_or_index is a string index; types of 32 and up are not taken. */
  namedMask: number;
}

/** How `nodes` rows are laid out and checked (`NodeRows` in `snapshot-sections.ts`); `detachedAt` -1 without that field. */
export interface NodeRowChecks {
  width: number;
  typeAt: number;
  nameAt: number;
  idAt: number;
  sizeAt: number;
  edgesAt: number;
  detachedAt: number;
  typeLimit: number;
  edgeCount: number;
}

/** The node columns as `splitNodeRows` writes them. */
export interface NodeColumnViews {
  nodeType: Uint8Array;
  nodeName: Uint32Array;
  nodeId: Uint32Array;
  nodeSelfSize: Uint32Array;
  nodeDetachedness: Uint8Array;
  firstEdge: Uint32Array;
}

/** The edge columns as `splitEdgeRows` writes them. */
export interface EdgeColumnViews {
  edgeType: Uint8Array;
  edgeNameOrIndex: Uint32Array;
  edgeToNode: Uint32Array;
}

export class NumberScanKernel {
  /** The two chunk buffers, views of the kernel's memory. */
  readonly chunks: [Buffer, Buffer];
  /** The batch the section readers fill (`batchValues` long), a view of the kernel's memory. */
  readonly batch: Uint32Array;
  /** After `scan`: values in the batch, and the grammar state. */
  count = 0;
  state = 0;
  /** After `splitEdgeRows`: the largest string index among the named edges taken, -1 if none. */
  maxName = -1;
  /** After `splitNodeRows`: the edge counts of the rows so far, summed. */
  edgeSum = 0;
  private readonly exports: NumberScanExports;
  private readonly memory: WebAssembly.Memory;
  /** The memory's buffer (a SharedArrayBuffer, though typed as an ArrayBuffer); a new one after each grow. */
  private buffer: ArrayBufferLike;
  /** Every buffer the memory has had: views of any of them are views of the memory. */
  private readonly buffers: ArrayBufferLike[] = [];

  private constructor(chunkSize: number, batchValues: number, memory: WebAssembly.Memory) {
    const batchAt = batchOffset(chunkSize);
    compiled ??= new WebAssembly.Module(Buffer.from(NUMBER_SCAN_WASM, 'base64'));
    this.exports = new WebAssembly.Instance(compiled, { env: { memory } }).exports as unknown as NumberScanExports;
    this.memory = memory;
    this.buffer = memory.buffer;
    this.buffers.push(this.buffer);
    this.chunks = [Buffer.from(this.buffer, 0, chunkSize), Buffer.from(this.buffer, chunkSize, chunkSize)];
    this.batch = new Uint32Array(this.buffer, batchAt, batchValues);
  }

  /**
   * A kernel, or null when WebAssembly memory cannot be had: the JavaScript loop then does all the
   * work. With `memory` (from `sharedKernelMemory`, at least `kernelRegionBytes` long) the kernel
   * works in its first `kernelRegionBytes(chunkSize, batchValues)` bytes and leaves the rest to
   * whoever made it; without, it gets a memory of its own.
   */
  static tryCreate(chunkSize: number, batchValues: number, memory?: WebAssembly.Memory): NumberScanKernel | null {
    const bytes = kernelRegionBytes(chunkSize, batchValues);
    // Its own memory can grow, for columns the kernel's row loops then write (`columnsInMemory`).
    const own = memory ?? sharedKernelMemory(bytes, true);
    if (own === null || own.buffer.byteLength < bytes) return null;
    try {
      return new NumberScanKernel(chunkSize, batchValues, own);
    } catch {
      return null;
    }
  }

  /** Whether `view` is a view of this kernel's memory (then the row loops can read or write it). */
  holds(view: ArrayBufferView): boolean {
    return this.buffers.includes(view.buffer);
  }

  /**
   * The memory grown by `bytes` (rounded up to pages) for columns of the caller's; returns the byte
   * offset where they start, or -1 when it cannot grow (a memory made elsewhere, or 4 GiB reached).
   * Views made before stay valid: a shared memory's buffer grows in place.
   */
  grow(bytes: number): number {
    const at = this.memory.buffer.byteLength;
    try {
      this.memory.grow(Math.ceil(bytes / PAGE));
    } catch {
      return -1;
    }
    this.buffer = this.memory.buffer;
    this.buffers.push(this.buffer);
    return at;
  }

  /** A view of `length` elements of this memory from byte `at` (from `grow`). */
  view<T extends Uint8Array | Uint32Array>(kind: { new (buffer: ArrayBufferLike, at: number, length: number): T }, at: number, length: number): T {
    return new kind(this.buffer, at, length);
  }

  /**
   * Split `rows` whole rows of `nodes` from `values` (a view of this memory, from value index
   * `from`) into `columns` (views of this memory) from node `node` on, with `checks`' checks;
   * `maxName` and `edgeSum` carried through. Returns the rows taken: `rows`, or the index of the
   * first that fails a check (nothing of it written), which the caller's loop then takes.
   * `maxName` and `edgeSum` are then the kernel's.
   */
  splitNodeRows(values: Uint32Array, from: number, rows: number, columns: NodeColumnViews, node: number, checks: NodeRowChecks, maxName: number, edgeSum: number): number {
    const exports = this.exports;
    exports.maxName.value = BigInt(maxName);
    exports.edgeSum.value = BigInt(edgeSum);
    const taken = exports.node_rows(
      values.byteOffset + 4 * from, rows, 4 * checks.width,
      4 * checks.typeAt, 4 * checks.nameAt, 4 * checks.idAt, 4 * checks.sizeAt, 4 * checks.edgesAt, checks.detachedAt < 0 ? -1 : 4 * checks.detachedAt,
      columns.nodeType.byteOffset + node, columns.nodeName.byteOffset + 4 * node, columns.nodeId.byteOffset + 4 * node,
      columns.nodeSelfSize.byteOffset + 4 * node, columns.firstEdge.byteOffset + 4 * (node + 1), columns.nodeDetachedness.byteOffset + node,
      checks.typeLimit, checks.edgeCount,
    );
    this.maxName = Number(exports.maxName.value as bigint);
    this.edgeSum = Number(exports.edgeSum.value as bigint);
    return taken;
  }

  /**
   * Scan `buf` (one of `chunks`) from `from` to `end`, filling `values` (a view of `batch`) from
   * index `count` up to `capacity`, in grammar state `state` (not mid-number). Returns the index in
   * `buf` where it stopped: `end`, the batch full (past the ',' or V8's "\n," right after the last
   * number, if there is one: state 3), or the first byte of a token it leaves to the caller. `count` and
   * `state` are then the kernel's.
   */
  scan(buf: Buffer, from: number, end: number, values: Uint32Array, count: number, capacity: number, state: number): number {
    const exports = this.exports;
    const stop = exports.scan(buf.byteOffset + from, buf.byteOffset + end, values.byteOffset, count, capacity, state);
    this.count = exports.count.value as number;
    this.state = exports.state.value as number;
    // Addresses are unsigned in WebAssembly; an i32 past 2^31 comes back negative.
    return (stop >>> 0) - buf.byteOffset;
  }

  /**
   * Split `rows` whole rows of `edges` from `values` (a view of this memory, from value index
   * `from`) into `columns` (views of this memory) from edge `edge` on, with `checks`' checks, and
   * `maxName` (the largest named string index so far) carried through. Returns the rows taken:
   * `rows`, or the index of the first that fails a check, which the caller's loop then takes.
   * `maxName` is then the kernel's.
   */
  /**
   * Plain strings of `strings` in `buf` (one of `chunks`) from `from` to `end`: the index in `buf`
   * of each one's first byte into `starts` (a view of `batch`) from index `count` up to
   * `capacity`, in the strings reader's state `state` (`snapshot-strings.ts`). Returns the index
   * in `buf` where it stopped: `end`, the batch full, or the first byte of a token it leaves to the
   * caller (a string that is not plain or not ended in `buf`, a ']', a byte out of place).
   * `count` and `state` are then the kernel's.
   */
  scanStrings(buf: Buffer, from: number, end: number, starts: Uint32Array, count: number, capacity: number, state: number): number {
    const exports = this.exports;
    const stop = exports.string_scan(buf.byteOffset + from, buf.byteOffset + end, starts.byteOffset, count, capacity, state);
    this.count = exports.count.value as number;
    this.state = exports.state.value as number;
    // Addresses back to indexes in `buf`: the module wrote memory addresses.
    const base = buf.byteOffset;
    for (let k = count; k < this.count; k++) starts[k] = (starts[k] >>> 0) - base;
    return (stop >>> 0) - base;
  }

  splitEdgeRows(values: Uint32Array, from: number, rows: number, columns: EdgeColumnViews, edge: number, checks: EdgeRowChecks, maxName: number): number {
    const exports = this.exports;
    exports.maxName.value = BigInt(maxName);
    // Addresses and limits past 2^31 go in as their 32 bits (ToInt32), which the module reads unsigned.
    const division = edgeRowDivision(checks.nodeWidth, checks.toLimit);
    const taken = exports.edge_rows(
      values.byteOffset + 4 * from, rows, 4 * checks.width, 4 * checks.typeAt, 4 * checks.nameAt, 4 * checks.toAt,
      columns.edgeType.byteOffset + edge, columns.edgeNameOrIndex.byteOffset + 4 * edge, columns.edgeToNode.byteOffset + 4 * edge,
      division.shift, division.inverse, checks.typeLimit, division.ordinalLimit, checks.namedMask,
    );
    this.maxName = Number(exports.maxName.value as bigint);
    return taken;
  }
}

/**
 * `edge_rows`'s division-free test of a to_node: `nodeWidth` as 2^shift times an odd m, m's inverse
 * modulo 2^32, and the ordinal limit. A to_node below `toLimit` (and below 2^32 - 1: the values the
 * kernel reads are saturated there) that is a multiple of nodeWidth is exactly one whose quotient,
 * so computed, is below that limit.
 */
export function edgeRowDivision(nodeWidth: number, toLimit: number): { shift: number; inverse: number; ordinalLimit: number } {
  if (!(Number.isInteger(nodeWidth) && nodeWidth >= 1 && nodeWidth < 2 ** 31)) throw new RangeError(`node width ${nodeWidth}`);
  let shift = 0;
  let odd = nodeWidth;
  while ((odd & 1) === 0) {
    odd >>>= 1;
    shift++;
  }
  // Newton's iteration doubles the correct low bits each step: 3 (odd * odd = 1 mod 8), 6, 12, 24, 48.
  let inverse = odd;
  for (let i = 0; i < 4; i++) inverse = Math.imul(inverse, 2 - Math.imul(odd, inverse));
  return { shift, inverse, ordinalLimit: Math.ceil(Math.min(toLimit, 0xffffffff) / nodeWidth) };
}
