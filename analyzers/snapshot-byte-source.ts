/**
 * A `.heapsnapshot` file as a stream of bytes: fixed-size chunks read into two reused Buffers (the
 * next chunk is read while the current one is parsed), a cursor, and the few token-level helpers the
 * parser's sections share (whitespace, punctuation, JSON strings, skipping or capturing any value).
 *
 * Nothing here ever holds more than one chunk of the file, except a single JSON string or a captured
 * small value, whose size is capped; that is what lets files beyond V8's 512 MB string limit parse.
 * The hot loops (number arrays) read `buf`, `pos` and `end` directly and call `fill()` when a chunk
 * runs out.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { SnapshotFormatError } from './snapshot-format-error.js';
import { decodeJsonString, JsonStringError } from './snapshot-json-string.js';
import { BATCH_VALUES, NumberScanKernel } from './number-scan-kernel.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** Deepest nesting `skipValue` follows: V8's deepest section, `trace_tree`, is a call tree. */
const MAX_NESTING = 100_000;

/** Largest value `captureValue` will buffer: the `snapshot` header is a few KB in practice. */
export const MAX_CAPTURE_BYTES = 16 * 1024 * 1024;

export class SnapshotByteSource {
  /** The current chunk; bytes `pos..end-1` are still to be consumed. */
  buf: Buffer;
  pos = 0;
  end = 0;
  /** File offset of `buf[0]`. */
  base = 0;

  /**
   * The number arrays' WebAssembly loop, whose memory holds `buf` and the spare buffer; null for a
   * source without it (`locateValue`, which needs each value's offset, which only the JavaScript
   * loop keeps).
   */
  readonly kernel: NumberScanKernel | null;

  private spare: Buffer;
  private pending: Promise<number> | null = null;
  private pendingAt = 0;
  private nextReadAt = 0;
  /** Reused buffer for strings that span chunks. */
  private carry: Buffer = Buffer.allocUnsafe(0);

  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
    readonly fileSize: number,
    chunkSize: number,
    private readonly onProgress: ((bytesRead: number, totalBytes: number) => void) | undefined,
    withKernel: boolean | WebAssembly.Memory,
  ) {
    this.kernel = withKernel === false ? null : NumberScanKernel.tryCreate(chunkSize, BATCH_VALUES, withKernel === true ? undefined : withKernel);
    [this.buf, this.spare] = this.kernel ? this.kernel.chunks : [Buffer.allocUnsafe(chunkSize), Buffer.allocUnsafe(chunkSize)];
  }

  static async open(
    path: string,
    chunkSize: number,
    onProgress?: (bytesRead: number, totalBytes: number) => void,
    startAt = 0,
    /**
     * False: number arrays are read by the JavaScript loop alone, which keeps each value's offset.
     * A memory: the kernel works in that one (the edges worker's, `edge-column-memory.ts`).
     */
    withKernel: boolean | WebAssembly.Memory = true,
  ): Promise<SnapshotByteSource> {
    let handle: FileHandle;
    try {
      handle = await open(path, 'r');
    } catch (err) {
      throw new SnapshotFormatError(path, `cannot open: ${describeFsError(err)}`, null);
    }
    try {
      const stat = await handle.stat();
      if (!stat.isFile()) throw new SnapshotFormatError(path, 'not a regular file', null);
      // No need for buffers larger than what is left to read.
      const bufferSize = Math.max(1, Math.min(chunkSize, stat.size - startAt));
      const source = new SnapshotByteSource(path, handle, stat.size, bufferSize, onProgress, withKernel);
      source.base = source.nextReadAt = source.pendingAt = startAt;
      source.startRead(source.spare);
      return source;
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  async close(): Promise<void> {
    // A read may still be in flight when parsing stopped early on an error; let it settle first.
    if (this.pending) await this.pending.catch(() => 0);
    await this.handle.close();
  }

  /** File offset of the next unconsumed byte. */
  get offset(): number {
    return this.base + this.pos;
  }

  fail(problem: string, offset: number | null = this.offset): never {
    throw new SnapshotFormatError(this.path, problem, offset);
  }

  /**
   * Replace the consumed chunk with the next one. Returns false at end of file (the cursor then
   * stays at the end, so `offset` is the file length).
   */
  async fill(): Promise<boolean> {
    if (this.pending === null) return false;
    let got: number;
    try {
      got = await this.pending;
    } catch (err) {
      this.pending = null;
      this.fail(`read failed: ${describeFsError(err)}`);
    }
    const filled = this.spare;
    this.spare = this.buf;
    this.buf = filled;
    this.base = this.pendingAt;
    this.pos = 0;
    this.end = got;
    this.pending = null;
    // The next read starts where this one really ended, so a short read cannot skip bytes.
    this.nextReadAt = this.base + got;
    if (got === 0) return false;
    this.onProgress?.(this.base + got, this.fileSize);
    this.startRead(this.spare);
    return true;
  }

  /**
   * Move the cursor forward to file offset `to`, skipping the bytes between (a section another
   * thread has parsed). Waits for the read in flight, then reads on from `to`.
   */
  async seek(to: number): Promise<void> {
    if (to < this.offset || to > this.fileSize) throw new RangeError(`seek to ${to}: outside ${this.offset}..${this.fileSize}`);
    if (to < this.base + this.end) {
      this.pos = to - this.base;
      return;
    }
    if (this.pending) await this.pending.catch(() => 0);
    this.pending = null;
    this.base = this.nextReadAt = to;
    this.pos = this.end = 0;
    this.startRead(this.spare);
  }

  private startRead(into: Buffer): void {
    if (this.nextReadAt >= this.fileSize) return;
    this.pendingAt = this.nextReadAt;
    this.pending = this.handle.read(into, 0, into.length, this.nextReadAt).then((r) => r.bytesRead);
  }

  /** Skip whitespace and return the next byte without consuming it, or -1 at end of file. */
  async peekToken(): Promise<number> {
    for (;;) {
      const buf = this.buf;
      const end = this.end;
      let i = this.pos;
      while (i < end) {
        const c = buf[i];
        if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
        else {
          this.pos = i;
          return c;
        }
      }
      this.pos = end;
      if (!(await this.fill())) return -1;
    }
  }

  /** Consume the next non-whitespace byte, which must be `expected`. */
  async expect(expected: number, what: string): Promise<void> {
    const c = await this.peekToken();
    if (c !== expected) this.fail(`expected ${what}, found ${describeByte(c)}`);
    this.pos++;
  }

  /** Read a JSON string; the cursor is on its opening quote. */
  async readString(): Promise<string> {
    return this.readStringInChunk() ?? this.readLongString();
  }

  /**
   * The fast path: if the string (cursor on its opening quote) ends in the current chunk, consume
   * and return it; otherwise return null and leave the cursor where it was.
   */
  readStringInChunk(): string | null {
    const buf = this.buf;
    const end = this.end;
    const start = this.pos + 1;
    let hasEscape = false;
    let hasNonAscii = false;
    for (let i = start; i < end; i++) {
      const c = buf[i];
      if (c === QUOTE) {
        this.pos = i + 1;
        return this.decode(buf, start, i, hasEscape, hasNonAscii, this.base + start);
      }
      if (c === BACKSLASH) {
        hasEscape = true;
        i++;
      } else if (c < 0x20) {
        this.fail('control character inside a string', this.base + i);
      } else if (c >= 0x80) {
        hasNonAscii = true;
      }
    }
    return null;
  }

  /** A string that spans chunks: its bytes are gathered in `carry` and decoded once. */
  private async readLongString(): Promise<string> {
    const quoteAt = this.offset;
    this.pos++;
    let carried = 0;
    let hasEscape = false;
    let hasNonAscii = false;
    let skipFirst = false; // a backslash ended the previous chunk: the escaped byte starts this one
    for (;;) {
      const buf = this.buf;
      const end = this.end;
      const start = this.pos;
      let i = skipFirst ? start + 1 : start;
      skipFirst = false;
      for (; i < end; i++) {
        const c = buf[i];
        if (c === QUOTE) break;
        if (c === BACKSLASH) {
          hasEscape = true;
          i++;
          if (i === end) {
            skipFirst = true;
            break;
          }
        } else if (c < 0x20) {
          this.fail('control character inside a string', this.base + i);
        } else if (c >= 0x80) {
          hasNonAscii = true;
        }
      }
      if (i < end) {
        this.pos = i + 1;
        carried = this.appendCarry(carried, buf, start, i);
        return this.decode(this.carry, 0, carried, hasEscape, hasNonAscii, quoteAt + 1);
      }
      carried = this.appendCarry(carried, buf, start, end);
      this.pos = end;
      if (!(await this.fill())) this.fail('file ends inside a string', this.offset);
    }
  }

  private decode(
    bytes: Buffer,
    start: number,
    end: number,
    hasEscape: boolean,
    hasNonAscii: boolean,
    fileOffset: number,
  ): string {
    try {
      return decodeJsonString(bytes, start, end, hasEscape, hasNonAscii);
    } catch (err) {
      if (err instanceof JsonStringError) this.fail(err.problem, fileOffset + (err.byteIndex - start));
      throw err;
    }
  }

  private appendCarry(carried: number, from: Buffer, start: number, end: number): number {
    const need = carried + (end - start);
    if (need > this.carry.length) {
      // A string cannot be longer than the file; doubling keeps copies amortised.
      const grown = Buffer.allocUnsafe(Math.min(Math.max(need, this.carry.length * 2, 4096), this.fileSize));
      this.carry.copy(grown, 0, 0, carried);
      this.carry = grown;
    }
    from.copy(this.carry, carried, start, end);
    return need;
  }

  /**
   * Skip one JSON value of any shape (used for sections memprobe does not keep, and ones it does not
   * know). Containers are checked for balanced brackets and terminated strings, nothing more.
   */
  async skipValue(): Promise<void> {
    await this.walkValue(null);
  }

  /** Consume one JSON value and return its bytes (at most `limit`), for JSON.parse of small parts. */
  async captureValue(limit: number = MAX_CAPTURE_BYTES): Promise<Buffer> {
    const sink = { bytes: Buffer.allocUnsafe(4096), length: 0, limit, startedAt: this.offset };
    await this.walkValue(sink);
    return sink.bytes.subarray(0, sink.length);
  }

  private async walkValue(capture: CaptureSink | null): Promise<void> {
    const first = await this.peekToken();
    if (first === -1) this.fail('file ends where a value was expected');
    // Strings are skipped byte by byte like everything else: never decoded, whatever their size.
    const containers: number[] = [];
    let inString = false;
    let escaped = false;
    const scalar = first !== 0x5b && first !== 0x7b && first !== QUOTE;
    if (scalar && !isScalarByte(first)) this.fail(`expected a value, found ${describeByte(first)}`);
    for (;;) {
      const buf = this.buf;
      const end = this.end;
      const start = this.pos;
      let i = start;
      let done = false;
      for (; i < end; i++) {
        const c = buf[i];
        if (inString) {
          if (escaped) escaped = false;
          else if (c === BACKSLASH) escaped = true;
          else if (c === QUOTE) {
            inString = false;
            if (containers.length === 0) {
              i++;
              done = true;
              break;
            }
          } else if (c < 0x20) this.fail('control character inside a string', this.base + i);
          continue;
        }
        if (scalar) {
          if (isScalarByte(c)) continue;
          done = true;
          break;
        }
        if (c === QUOTE) inString = true;
        else if (c === 0x5b || c === 0x7b) {
          if (containers.length === MAX_NESTING) this.fail(`nesting deeper than ${MAX_NESTING}`, this.base + i);
          containers.push(c + 2); // the matching close: ] or }
        }
        else if (c === 0x5d || c === 0x7d) {
          if (containers.pop() !== c) this.fail(`unbalanced ${String.fromCharCode(c)}`, this.base + i);
          if (containers.length === 0) {
            i++;
            done = true;
            break;
          }
        }
      }
      if (capture) captureBytes(this, capture, buf, start, i);
      this.pos = i;
      if (done) return;
      if (!(await this.fill())) {
        if (scalar) return; // a number or literal may end at end of file; the caller objects if it must
        this.fail(inString ? 'file ends inside a string' : 'file ends inside an unfinished value');
      }
    }
  }
}

interface CaptureSink {
  bytes: Buffer;
  length: number;
  limit: number;
  startedAt: number;
}

function captureBytes(source: SnapshotByteSource, sink: CaptureSink, from: Buffer, start: number, end: number): void {
  const need = sink.length + (end - start);
  if (need > sink.limit) source.fail(`value larger than ${sink.limit} bytes`, sink.startedAt);
  if (need > sink.bytes.length) {
    const grown = Buffer.allocUnsafe(Math.min(Math.max(need, sink.bytes.length * 2), sink.limit));
    sink.bytes.copy(grown, 0, 0, sink.length);
    sink.bytes = grown;
  }
  from.copy(sink.bytes, sink.length, start, end);
  sink.length = need;
}

/** Bytes that can appear in a JSON number or literal (true, false, null). */
function isScalarByte(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x7a) || c === 0x2d || c === 0x2b || c === 0x2e || c === 0x45;
}

export function describeByte(c: number): string {
  if (c === -1) return 'end of file';
  if (c >= 0x21 && c <= 0x7e) return `'${String.fromCharCode(c)}'`;
  return `byte 0x${c.toString(16).padStart(2, '0')}`;
}

function describeFsError(err: unknown): string {
  if (err && typeof err === 'object' && 'code' in err && typeof err.code === 'string') {
    const message = 'message' in err && typeof err.message === 'string' ? err.message : err.code;
    return message.replace(/^[A-Z]+: /, '').split(',')[0];
  }
  return String(err);
}
