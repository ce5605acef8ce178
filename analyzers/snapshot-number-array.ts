/**
 * Tokenizer for the big sections (`nodes`, `edges`, `locations`): a JSON array of non-negative
 * integers, read byte by byte straight from the chunk buffer into a batch of doubles, never through
 * a JS string. The section readers consume each batch in their own tight loop, so this loop stays
 * the same (monomorphic) for every section.
 *
 * State lives in fields between batches and chunks, so a number (or the whitespace and commas around
 * it) may be split across any chunk boundary. Each value's file offset is kept beside it so a reader
 * that rejects a value can say exactly where it is.
 */
import type { SnapshotByteSource } from './snapshot-byte-source.js';
import { describeByte } from './snapshot-byte-source.js';

const EXPECT_FIRST = 0; // just after '[': a number or ']'
const IN_NUMBER = 1;
const EXPECT_SEPARATOR = 2; // after a number: ',' or ']'
const EXPECT_NUMBER = 3; // after ',': a number

/** More digits than this cannot be an exact double; no snapshot field comes close. */
const MAX_DIGITS = 15;

export const BATCH_SIZE = 1 << 16;

export class NumberArrayReader {
  /** Values of the current batch, `count` of them. */
  readonly values = new Float64Array(BATCH_SIZE);
  /** File offset of the first digit of each value in the batch. */
  readonly offsets = new Float64Array(BATCH_SIZE);
  count = 0;
  /** True once the closing ']' has been consumed. */
  done = false;
  /** Values read so far, all batches. */
  total = 0;

  private state = EXPECT_FIRST;
  private value = 0;
  private digits = 0;
  private valueAt = 0;

  constructor(
    private readonly source: SnapshotByteSource,
    private readonly section: string,
  ) {}

  /** Consume the opening '[' (after any whitespace). */
  async open(): Promise<void> {
    await this.source.expect(0x5b, `'[' to open "${this.section}"`);
  }

  /** Fill the next batch and return how many values it holds (0 once the array has ended). */
  async next(): Promise<number> {
    if (this.done) return 0;
    const source = this.source;
    const values = this.values;
    const offsets = this.offsets;
    const capacity = values.length;
    let n = 0;
    let state = this.state;
    let value = this.value;
    let digits = this.digits;
    let valueAt = this.valueAt;
    while (n < capacity && !this.done) {
      if (source.pos >= source.end && !(await source.fill())) {
        source.fail(`file ends inside "${this.section}"`);
      }
      const buf = source.buf;
      const end = source.end;
      const base = source.base;
      let i = source.pos;
      for (; i < end; i++) {
        const c = buf[i];
        const d = c - 0x30;
        if (d >= 0 && d <= 9) {
          if (state === IN_NUMBER) {
            value = value * 10 + d;
            if (++digits > MAX_DIGITS) source.fail(`number too large in "${this.section}"`, valueAt);
          } else {
            if (state === EXPECT_SEPARATOR) source.fail(`expected ',' in "${this.section}"`, base + i);
            state = IN_NUMBER;
            value = d;
            digits = 1;
            valueAt = base + i;
          }
          continue;
        }
        if (state === IN_NUMBER) {
          values[n] = value;
          offsets[n] = valueAt;
          n++;
          state = EXPECT_SEPARATOR;
        }
        if (c === 0x2c) {
          if (state !== EXPECT_SEPARATOR) source.fail(`expected a number in "${this.section}", found ','`, base + i);
          state = EXPECT_NUMBER;
          if (n === capacity) {
            i++;
            break;
          }
        } else if (c === 0x5d) {
          if (state === EXPECT_NUMBER) source.fail(`expected a number in "${this.section}", found ']'`, base + i);
          this.done = true;
          i++;
          break;
        } else if (c !== 0x0a && c !== 0x20 && c !== 0x0d && c !== 0x09) {
          const what = c === 0x2d || c === 0x2e ? 'a non-negative integer' : state === EXPECT_SEPARATOR ? "',' or ']'" : 'a number';
          source.fail(`expected ${what} in "${this.section}", found ${describeByte(c)}`, base + i);
        }
      }
      source.pos = i;
    }
    this.state = state;
    this.value = value;
    this.digits = digits;
    this.valueAt = valueAt;
    this.count = n;
    this.total += n;
    return n;
  }
}
