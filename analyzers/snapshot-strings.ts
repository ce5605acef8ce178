/**
 * The `strings` section: millions of short strings (names, property keys, string values, and in
 * newer V8 the text of every heap number), of which an analysis reads a few thousand.
 *
 * So the section is checked as it is read but not decoded: its bytes are kept (one copy per chunk)
 * with the offset where each string starts, and a string becomes a JS string when it is first asked
 * for (`StringTable.get`). Two million strings made up front cost the parser's main thread about
 * 0.5 s at 759 MB, most of it young-generation GC copying them, all of them survivors.
 *
 * A *plain* string (bytes 0x20-0x7f, no quote, no backslash) is its own bytes, which is the common
 * case. Any other string (escapes, raw UTF-8, one that runs past the chunk) is decoded right away by
 * the byte source's JSON string reader, which also reports its errors at their offsets; those are
 * few, and kept decoded. The file is therefore checked exactly as when every string was decoded.
 */
import type { SnapshotStrings } from './heap-snapshot.js';
import { type SnapshotByteSource, describeByte } from './snapshot-byte-source.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

const EXPECT_FIRST = 0; // after '[': a string or ']'
const EXPECT_STRING = 1; // after ',': a string
const EXPECT_SEPARATOR = 2; // after a string: ',' or ']'

const CHUNK_DONE = 0; // the chunk is used up
const ARRAY_DONE = 1; // the closing ']' was consumed
const LONG_STRING = 2; // a string runs past the chunk; the cursor is on its opening quote

export async function readStrings(source: SnapshotByteSource): Promise<StringTable> {
  await source.expect(0x5b, `'[' to open "strings"`);
  // The pool never holds more than the rest of the file: made that large at once, it never grows
  // (each doubling was a copy, and fresh pages to fault in), and only the bytes written to it take
  // memory.
  const table = new StringTableBuilder(source.fileSize - source.offset);
  const scanner = new StringArrayScanner(source, table);
  for (;;) {
    const status = scanner.scanChunk();
    if (status === ARRAY_DONE) return table.finish();
    if (status === LONG_STRING) {
      const at = scanner.poolOffsetOf(source.pos + 1);
      table.addDecoded(at, await source.readString());
      scanner.state = EXPECT_SEPARATOR;
    } else if (!(await source.fill())) {
      source.fail('file ends inside "strings"');
    }
  }
}

/** Whether `text` is a plain string, as the scanner tells them: bytes 0x20-0x7f, no quote or backslash. */
function isPlainText(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c >= 0x80 || c === QUOTE || c === BACKSLASH) return false;
  }
  return true;
}

type Latin1 = { latin1Slice(start: number, end: number): string };

/**
 * The parsed table: the section's bytes (`pool`), each string's start in them, and the strings
 * decoded so far. Plain strings end at the next quote; the others were decoded when read.
 */
export class StringTable implements SnapshotStrings {
  /** Bit per string index: decoded when read (not plain), so its bytes are not its text. */
  private readonly decodedWhenRead: Uint32Array;

  constructor(
    private readonly pool: Buffer,
    private readonly starts: Uint32Array,
    private readonly eagerIndexes: number[],
    private readonly decoded: Map<number, string>,
  ) {
    this.decodedWhenRead = new Uint32Array((starts.length + 31) >>> 5);
    for (const i of eagerIndexes) this.decodedWhenRead[i >>> 5] |= 1 << (i & 31);
  }

  get length(): number {
    return this.starts.length;
  }

  get(index: number): string {
    let text = this.decoded.get(index);
    if (text !== undefined) return text;
    if (!(index >= 0 && index < this.starts.length)) return '';
    const start = this.starts[index];
    text = (this.pool as unknown as Latin1).latin1Slice(start, this.pool.indexOf(QUOTE, start));
    this.decoded.set(index, text);
    return text;
  }

  indexOf(text: string): number {
    let best = -1;
    for (const i of this.eagerIndexes) {
      if (this.decoded.get(i) === text) {
        best = i;
        break;
      }
    }
    if (!isPlainText(text)) return best;
    // Plain strings are their own bytes between quotes, in index order in the pool: the first
    // `"text"` that starts a plain string is the first plain string equal to `text`.
    const needle = Buffer.from(`"${text}"`, 'latin1');
    for (let at = this.pool.indexOf(needle); at >= 0; at = this.pool.indexOf(needle, at + 1)) {
      const index = this.indexStartingAt(at + 1);
      if (index >= 0 && !this.isDecodedWhenRead(index)) return best < 0 || index < best ? index : best;
    }
    return best;
  }

  indexesContaining(fragment: string): number[] {
    const found = new Set<number>();
    for (const i of this.eagerIndexes) if (this.decoded.get(i)!.includes(fragment)) found.add(i);
    if (!isPlainText(fragment) || fragment.length === 0) {
      for (let i = 0; i < this.length; i++) if (!this.isDecodedWhenRead(i) && this.get(i).includes(fragment)) found.add(i);
    } else {
      const needle = Buffer.from(fragment, 'latin1');
      for (let at = this.pool.indexOf(needle); at >= 0; at = this.pool.indexOf(needle, at + 1)) {
        const index = this.indexContaining(at);
        if (index < 0 || this.isDecodedWhenRead(index)) continue;
        if (this.get(index).includes(fragment)) found.add(index);
      }
    }
    return [...found].sort((a, b) => a - b);
  }

  private isDecodedWhenRead(index: number): boolean {
    return (this.decodedWhenRead[index >>> 5] & (1 << (index & 31))) !== 0;
  }

  /** The index of the string whose text starts at pool offset `at`, or -1. */
  private indexStartingAt(at: number): number {
    const index = this.indexContaining(at);
    return index >= 0 && this.starts[index] === at ? index : -1;
  }

  /** The last string starting at or before pool offset `at`, or -1. */
  private indexContaining(at: number): number {
    const starts = this.starts;
    let lo = 0;
    let hi = starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (starts[mid] <= at) lo = mid + 1;
      else hi = mid;
    }
    return lo - 1;
  }
}

/** The table as the section is read: the pool grows by whole chunks, the starts by one per string. */
class StringTableBuilder {
  pool: Buffer;
  poolLength = 0;
  private starts = new Uint32Array(1 << 16);
  private count = 0;
  private readonly eagerIndexes: number[] = [];
  private readonly decoded = new Map<number, string>();

  /** `capacity`: the bytes the pool is first made for (it grows past them if it must). */
  constructor(capacity: number) {
    this.pool = Buffer.allocUnsafe(Math.min(0xffffffff, Math.max(1 << 16, capacity)));
  }

  /** Append bytes `from..to` of `buf`; returns the pool offset of `buf[0]`. */
  append(buf: Buffer, from: number, to: number): number {
    const need = this.poolLength + (to - from);
    if (need > 0xffffffff) throw new RangeError('the "strings" section is over 4 GB');
    if (need > this.pool.length) {
      const grown = Buffer.allocUnsafe(Math.min(0xffffffff, Math.max(need, this.pool.length * 2)));
      this.pool.copy(grown, 0, 0, this.poolLength);
      this.pool = grown;
    }
    buf.copy(this.pool, this.poolLength, from, to);
    const base = this.poolLength - from;
    this.poolLength = need;
    return base;
  }

  addPlain(start: number): void {
    if (this.count === this.starts.length) this.grow();
    this.starts[this.count++] = start;
  }

  addDecoded(start: number, text: string): void {
    this.eagerIndexes.push(this.count);
    this.decoded.set(this.count, text);
    this.addPlain(start);
  }

  /** Cut the pool at the section's ']' (what followed it in that chunk is not the table's). */
  truncate(length: number): void {
    this.poolLength = length;
  }

  finish(): StringTable {
    // The pool's untouched end was never memory; the table keeps the part written.
    return new StringTable(this.pool.subarray(0, this.poolLength), this.starts.slice(0, this.count), this.eagerIndexes, this.decoded);
  }

  private grow(): void {
    const wider = new Uint32Array(this.starts.length * 2);
    wider.set(this.starts);
    this.starts = wider;
  }
}

class StringArrayScanner {
  state = EXPECT_FIRST;
  /** Pool offset of byte 0 of the current chunk, from the bytes copied at its first scan. */
  private base = 0;

  constructor(
    private readonly source: SnapshotByteSource,
    private readonly table: StringTableBuilder,
  ) {}

  poolOffsetOf(index: number): number {
    return this.base + index;
  }

  scanChunk(): number {
    const source = this.source;
    const table = this.table;
    const buf = source.buf;
    const end = source.end;
    let state = this.state;
    let i = source.pos;
    // Each call starts a chunk (the first, or one after `fill` or a long string): its rest is kept.
    const base = (this.base = table.append(buf, i, end));
    // The byte source's WebAssembly loop, when it has one and the chunk is in its memory, takes the
    // plain strings and their separators, and leaves this loop one token at a time: a string to
    // decode, the ']', an error.
    const kernel = source.kernel !== null && source.kernel.holds(buf) ? source.kernel : null;
    const starts = kernel?.batch;
    while (i < end) {
      if (kernel !== null && starts !== undefined) {
        i = kernel.scanStrings(buf, i, end, starts, 0, starts.length, state);
        for (let k = 0; k < kernel.count; k++) table.addPlain(base + starts[k]);
        state = kernel.state;
        if (i >= end) break;
      }
      const c = buf[i];
      if (c === QUOTE && state !== EXPECT_SEPARATOR) {
        const start = i + 1;
        let plain = true;
        let j = start;
        for (; j < end; j++) {
          const b = buf[j];
          if (b === QUOTE) break;
          if (b < 0x20 || b >= 0x80 || b === BACKSLASH) {
            plain = false;
            break;
          }
        }
        if (plain && j < end) {
          table.addPlain(base + start);
          i = j + 1;
        } else {
          source.pos = i;
          const value = source.readStringInChunk();
          if (value === null) {
            this.state = state;
            return LONG_STRING;
          }
          table.addDecoded(base + start, value);
          i = source.pos;
        }
        state = EXPECT_SEPARATOR;
      } else if (c === 0x2c && state === EXPECT_SEPARATOR) {
        state = EXPECT_STRING;
        i++;
      } else if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) {
        i++;
      } else if (c === 0x5d && state !== EXPECT_STRING) {
        table.truncate(base + i);
        source.pos = i + 1;
        return ARRAY_DONE;
      } else {
        source.pos = i;
        source.fail(`expected ${state === EXPECT_SEPARATOR ? "',' or ']'" : 'a string'} in "strings", found ${describeByte(c)}`);
      }
    }
    source.pos = i;
    this.state = state;
    return CHUNK_DONE;
  }
}
