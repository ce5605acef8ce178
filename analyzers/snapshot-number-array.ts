/**
 * Tokenizer for the big sections (`nodes`, `edges`, `locations`): a JSON array of non-negative
 * integers, read byte by byte straight from the chunk buffer into a batch of uint32s, never through
 * a JS string.
 *
 * Batches hold whole rows (the batch size is a multiple of the section's field count), so the
 * section readers consume them row by row with fixed field positions instead of dispatching on each
 * value. State lives in fields between chunks, so a number (and the whitespace and commas around it)
 * may be split across any chunk boundary. Syntax errors carry their byte offset at once; a reader
 * that rejects a value later finds its offset with `locateValue`, which re-reads the section: that
 * is cheaper than keeping an offset for each of ~10^8 values on the way.
 */
import { SnapshotByteSource, describeByte } from './snapshot-byte-source.js';
import { BATCH_VALUES, type NumberScanKernel } from './number-scan-kernel.js';

const EXPECT_FIRST = 0; // just after '[': a number or ']'
const IN_NUMBER = 1;
const EXPECT_SEPARATOR = 2; // after a number: ',' or ']'
const EXPECT_NUMBER = 3; // after ',': a number

/** More digits than this cannot be an exact double; no snapshot field comes close. */
const MAX_DIGITS = 15;
const UINT32_MAX = 0xffffffff;

const WARMUP_ROWS = 16;

export class NumberArrayReader {
  /**
   * Values of the current batch, `count` of them. Every column memprobe keeps is 32-bit, so values
   * saturate at 2^32-1: range checks downstream reject them, and a self size past 4 GiB stays huge.
   */
  readonly values: Uint32Array;
  count = 0;
  /** True once the closing ']' has been consumed. */
  done = false;
  /** Values read before the current batch. */
  before = 0;

  private readonly warmupSize: number;
  /** The source's WebAssembly loop, which writes `values` in place; null: the JavaScript loop alone. */
  private readonly kernel: NumberScanKernel | null;
  private state = EXPECT_FIRST;
  private value = 0;
  private digits = 0;
  private valueAt = 0;

  constructor(
    private readonly source: SnapshotByteSource,
    readonly section: string,
    rowWidth = 1,
  ) {
    const length = Math.max(1, Math.floor(BATCH_VALUES / rowWidth)) * rowWidth;
    // In the source's WebAssembly memory when it has one, so that the loop there writes the batch in place.
    this.kernel = source.kernel && length <= BATCH_VALUES ? source.kernel : null;
    this.values = this.kernel ? this.kernel.batch.subarray(0, length) : new Uint32Array(length);
    this.warmupSize = Math.min(this.values.length, WARMUP_ROWS * rowWidth);
  }

  /** Values read so far, the current batch included. */
  get total(): number {
    return this.before + this.count;
  }

  /** Consume the opening '[' (after any whitespace). */
  async open(): Promise<number> {
    await this.source.expect(0x5b, `'[' to open "${this.section}"`);
    return this.source.offset - 1;
  }

  /**
   * Whether the ',' after the last value read has been consumed too (the WebAssembly loop takes a
   * ',' right after a number, even when that number fills the batch).
   */
  get afterComma(): boolean {
    return this.state === EXPECT_NUMBER;
  }

  /** File offset of the first digit of the last value read. */
  get lastValueAt(): number {
    return this.valueAt;
  }

  /**
   * Fill the next batch and return how many values it holds: `limit` (default: the batch size)
   * unless the array ends first.
   */
  async next(limit: number = this.values.length): Promise<number> {
    const source = this.source;
    this.before += this.count;
    this.count = 0;
    // The first batch is a few rows only, so that scanChunk and the row consumer run to their ends
    // once before V8 optimises them mid-loop: optimised code for a function tail that has never run
    // lacks type feedback and deoptimises on every later call.
    const capacity = Math.min(limit, this.before === 0 ? this.warmupSize : this.values.length);
    while (!this.done && this.count < capacity) {
      if (source.pos >= source.end && !(await source.fill())) {
        source.fail(`file ends inside "${this.section}"`);
      }
      this.scanChunk(capacity);
    }
    return this.count;
  }

  /**
   * The hot loop: scan the current chunk until the batch is full, the array ends or the chunk does.
   * Shaped for V8: one loop driven by the byte that starts each token, the digits of a number in a
   * tight inner loop, state kept in locals and written back on the one way out. (A field written
   * only on a rare path, such as a number split by the chunk's end, has no type feedback when the
   * function is optimised, and every chunk would then deoptimise it.)
   */
  private scanChunk(capacity: number): void {
    const source = this.source;
    const buf = source.buf;
    const base = source.base;
    const end = source.end;
    const values = this.values;
    let n = this.count;
    let state = this.state;
    let value = this.value;
    let digits = this.digits;
    let valueAt = this.valueAt;
    let done = false;
    let i = source.pos;
    if (state === IN_NUMBER) {
      // A number the previous chunk ended in the middle of.
      const from = i;
      while (i < end) {
        const c = buf[i];
        if (c < 0x30 || c > 0x39) break;
        value = value * 10 + (c - 0x30);
        i++;
      }
      digits += i - from;
      if (i < end) {
        if (digits > MAX_DIGITS) source.fail(`number too long in "${this.section}"`, valueAt);
        values[n++] = value > UINT32_MAX ? UINT32_MAX : value;
        state = EXPECT_SEPARATOR;
      }
    }
    const kernel = this.kernel;
    if (kernel !== null && state !== IN_NUMBER && i < end && n < capacity) {
      // The common case in WebAssembly; what it leaves (a number cut by the chunk's end, the ']',
      // anything wrong) is the next token for the loop below, which then ends at once.
      i = kernel.scan(buf, i, end, values, n, capacity, state);
      n = kernel.count;
      state = kernel.state;
    }
    while (i < end && n < capacity) {
      const c = buf[i++];
      if (c >= 0x30 && c <= 0x39) {
        if (state === EXPECT_SEPARATOR) this.fail("expected ',' or ']'", base + i - 1, c);
        valueAt = base + i - 1;
        value = c - 0x30;
        const from = i;
        while (i < end) {
          const d = buf[i];
          if (d < 0x30 || d > 0x39) break;
          value = value * 10 + (d - 0x30);
          i++;
        }
        digits = i - from + 1;
        if (i === end) {
          state = IN_NUMBER; // the number may go on in the next chunk
          break;
        }
        if (digits > MAX_DIGITS) source.fail(`number too long in "${this.section}"`, valueAt);
        values[n++] = value > UINT32_MAX ? UINT32_MAX : value;
        state = EXPECT_SEPARATOR;
      } else if (c === 0x2c) {
        if (state !== EXPECT_SEPARATOR) this.fail('expected a number', base + i - 1, c);
        state = EXPECT_NUMBER;
      } else if (c === 0x5d) {
        if (state === EXPECT_NUMBER) this.fail('expected a number', base + i - 1, c);
        done = true;
        break;
      } else if (c !== 0x0a && c !== 0x20 && c !== 0x0d && c !== 0x09) {
        const expected =
          c === 0x2d || c === 0x2e
            ? 'expected a non-negative integer'
            : state === EXPECT_SEPARATOR
              ? "expected ',' or ']'"
              : 'expected a number';
        this.fail(expected, base + i - 1, c);
      }
    }
    source.pos = i;
    this.state = state;
    this.value = value;
    this.digits = digits;
    this.valueAt = valueAt;
    this.done = done;
    this.count = n;
  }

  private fail(expected: string, offset: number, found: number): never {
    return this.source.fail(`${expected} in "${this.section}", found ${describeByte(found)}`, offset);
  }
}

/**
 * File offset of value `valueIndex` of the number array whose '[' is at `arrayStart`. For error
 * messages about a value found bad after its chunk is gone; re-reads the file from `arrayStart`.
 */
export async function locateValue(path: string, arrayStart: number, section: string, valueIndex: number): Promise<number> {
  const source = await SnapshotByteSource.open(path, 1 << 20, undefined, arrayStart, false);
  try {
    const reader = new NumberArrayReader(source, section);
    await reader.open();
    while (!reader.done && reader.total <= valueIndex) {
      await reader.next(valueIndex + 1 - reader.total);
    }
    return reader.total > valueIndex ? reader.lastValueAt : arrayStart;
  } finally {
    await source.close();
  }
}
