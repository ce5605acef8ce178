/**
 * The `strings` section: millions of short strings (names, property keys, and in newer V8 the value
 * of every heap number), each decoded on its own, never the section as one string.
 *
 * Calling into C++ once per string (`latin1Slice`) costs more than the string itself, so for the
 * common case, plain ASCII without escapes, the rest of the current chunk is decoded once into a JS
 * string and each such string is cut from it with `substring` (a copy below 13 characters, a slice
 * above). A chunk's text therefore lives as long as one of its longer strings does: at most the
 * size of the strings section, the same as decoding each string alone. Strings with escapes or raw
 * UTF-8 are decoded one by one; a string that spans chunks goes through `readString`.
 */
import { type SnapshotByteSource, describeByte } from './snapshot-byte-source.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

const EXPECT_FIRST = 0; // after '[': a string or ']'
const EXPECT_STRING = 1; // after ',': a string
const EXPECT_SEPARATOR = 2; // after a string: ',' or ']'

const CHUNK_DONE = 0; // the chunk is used up
const ARRAY_DONE = 1; // the closing ']' was consumed
const LONG_STRING = 2; // a string runs past the chunk; the cursor is on its opening quote

export async function readStrings(source: SnapshotByteSource): Promise<string[]> {
  await source.expect(0x5b, `'[' to open "strings"`);
  const scanner = new StringArrayScanner(source);
  for (;;) {
    const status = scanner.scanChunk();
    if (status === ARRAY_DONE) return scanner.strings;
    if (status === LONG_STRING) {
      scanner.strings.push(await source.readString());
      scanner.state = EXPECT_SEPARATOR;
    } else if (!(await source.fill())) {
      source.fail('file ends inside "strings"');
    }
  }
}

class StringArrayScanner {
  readonly strings: string[] = [];
  state = EXPECT_FIRST;
  // The current chunk from `textFrom` on as latin1 text, made when its first plain string is met.
  private text = '';
  private textBuf: Buffer | null = null;
  private textBase = -1;
  private textFrom = 0;

  constructor(private readonly source: SnapshotByteSource) {}

  scanChunk(): number {
    const source = this.source;
    const strings = this.strings;
    const buf = source.buf;
    const end = source.end;
    let state = this.state;
    let i = source.pos;
    while (i < end) {
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
          strings.push(this.cut(buf, start, j));
          i = j + 1;
        } else {
          source.pos = i;
          const value = source.readStringInChunk();
          if (value === null) {
            this.state = state;
            return LONG_STRING;
          }
          strings.push(value);
          i = source.pos;
        }
        state = EXPECT_SEPARATOR;
      } else if (c === 0x2c && state === EXPECT_SEPARATOR) {
        state = EXPECT_STRING;
        i++;
      } else if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) {
        i++;
      } else if (c === 0x5d && state !== EXPECT_STRING) {
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

  /** Bytes `start..end` of the current chunk, known to be plain ASCII, as a string. */
  private cut(buf: Buffer, start: number, end: number): string {
    if (this.textBuf !== buf || this.textBase !== this.source.base) {
      this.textBuf = buf;
      this.textBase = this.source.base;
      this.textFrom = start;
      this.text = (buf as unknown as { latin1Slice(start: number, end: number): string }).latin1Slice(start, this.source.end);
    }
    return this.text.substring(start - this.textFrom, end - this.textFrom);
  }
}
