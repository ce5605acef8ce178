/**
 * The number-array tokenizer's inner loop in WebAssembly (`number-scan.wat`), with the memory it
 * works in: the byte source's two chunk buffers and one batch of values live in that memory, so
 * the loop reads the file's bytes where they were read into and writes values where the section
 * readers take them from, and nothing is copied.
 *
 * The memory is sized once and never grown (growing would detach every view of it). One module is
 * compiled per thread, on first use; instances are per byte source.
 */
import { NUMBER_SCAN_WASM } from './number-scan-wasm.js';

interface NumberScanExports {
  scan(pos: number, end: number, out: number, count: number, capacity: number, state: number): number;
  count: WebAssembly.Global;
  state: WebAssembly.Global;
}

/** Values per batch of the section readers: big enough that a batch costs nothing per value, small enough for the cache. */
export const BATCH_VALUES = 1 << 16;

const PAGE = 65536;
let compiled: WebAssembly.Module | null = null;

export class NumberScanKernel {
  /** The two chunk buffers, views of the kernel's memory. */
  readonly chunks: [Buffer, Buffer];
  /** The batch the section readers fill (`batchValues` long), a view of the kernel's memory. */
  readonly batch: Uint32Array;
  /** After `scan`: values in the batch, and the grammar state. */
  count = 0;
  state = 0;
  private readonly exports: NumberScanExports;

  private constructor(chunkSize: number, batchValues: number) {
    const batchAt = Math.ceil((2 * chunkSize) / 4) * 4;
    const memory = new WebAssembly.Memory({ initial: Math.ceil((batchAt + 4 * batchValues) / PAGE) || 1 });
    compiled ??= new WebAssembly.Module(Buffer.from(NUMBER_SCAN_WASM, 'base64'));
    this.exports = new WebAssembly.Instance(compiled, { env: { memory } }).exports as unknown as NumberScanExports;
    this.chunks = [Buffer.from(memory.buffer, 0, chunkSize), Buffer.from(memory.buffer, chunkSize, chunkSize)];
    this.batch = new Uint32Array(memory.buffer, batchAt, batchValues);
  }

  /**
   * A kernel, or null when WebAssembly memory cannot be had (V8 reserves gigabytes of address space
   * for each memory, which a `ulimit -v` can refuse): the JavaScript loop then does all the work.
   */
  static tryCreate(chunkSize: number, batchValues: number): NumberScanKernel | null {
    try {
      return new NumberScanKernel(chunkSize, batchValues);
    } catch {
      return null;
    }
  }

  /**
   * Scan `buf` (one of `chunks`) from `from` to `end`, filling `values` (a view of `batch`) from
   * index `count` up to `capacity`, in grammar state `state` (not mid-number). Returns the index in
   * `buf` where it stopped: `end`, the batch full, or the first byte of a token it leaves to the
   * caller. `count` and `state` are then the kernel's.
   */
  scan(buf: Buffer, from: number, end: number, values: Uint32Array, count: number, capacity: number, state: number): number {
    const exports = this.exports;
    const stop = exports.scan(buf.byteOffset + from, buf.byteOffset + end, values.byteOffset, count, capacity, state);
    this.count = exports.count.value as number;
    this.state = exports.state.value as number;
    // Addresses are unsigned in WebAssembly; an i32 past 2^31 comes back negative.
    return (stop >>> 0) - buf.byteOffset;
  }
}
