/**
 * The main thread's share of `edges` in a split parse: rows read backwards from the section's ']',
 * in blocks it claims from the back (`edge-row-claims.ts`) while the edges worker reads forwards.
 * Reading backwards is what lets it start at once: a row's index counts from the end there, where
 * forwards it would count from a '[' hundreds of megabytes away.
 *
 * The grammar is the number array's, read from its end: values of one to fifteen digits,
 * separated by one ',' with any whitespace around it; each number is read in one pass, digit by
 * digit from its last, scaled by powers of ten. Every row gets the checks of the forward reader
 * (`EdgeRows` in `snapshot-sections.ts`). Anything else (a sign, a sixteenth digit, a byte out of
 * place, a row that fails a check) and the reader stops and says so: the split is then abandoned
 * and the file parsed again the ordinary way, which names the problem where it is. The reader
 * never words an error itself.
 */
import { readSync } from 'node:fs';
import type { SnapshotHeader } from './snapshot-header.js';
import { edgeRowLayout, type EdgeColumns, type EdgeRowLayout } from './snapshot-sections.js';

const WINDOW = 1 << 20;
const COMMA = 0x2c;
const MAX_DIGITS = 15;

/**
 * Bytes the window keeps below the cursor before each value: more than a value and its separator
 * take, unless whitespace runs longer, and then the reader stops (the split is abandoned).
 */
const MARGIN = 64;

export class EdgeTailReader {
  /** Rows read so far (the last ones of the section). */
  rows = 0;
  /** Largest string index among the named edges read, -1 if none. */
  maxName = -1;
  /**
   * File offset of the first digit of the lowest row read, or of the ']' before any: the worker's
   * last row must end just before it, with one ',' in between (none when this reader has no row).
   */
  pos: number;
  /** Set once a row could not be read as the forward reader would read it. */
  failed = false;
  /** Values read so far: a ',' comes below each, but not between the section's last value and its ']'. */
  private valuesRead = 0;

  private readonly buf: Buffer;
  /** File offset of buf[0]; the window holds what is below the cursor, up to it. */
  private windowStart = 0;
  private readonly layout: EdgeRowLayout;
  private readonly row: Float64Array;

  constructor(
    private readonly fd: number,
    header: SnapshotHeader,
    private readonly columns: EdgeColumns,
    /** Offset of the section's '[': nothing before it is read. */
    private readonly arrayStart: number,
    /** Offset of the section's ']'. */
    closeAt: number,
    /** Bytes read at a time (at least 2 x MARGIN); tests make it small, to move the window often. */
    windowBytes = WINDOW,
  ) {
    this.buf = Buffer.allocUnsafe(Math.max(2 * MARGIN, windowBytes));
    this.layout = edgeRowLayout(header);
    this.row = new Float64Array(this.layout.width);
    this.pos = closeAt;
    // An empty window, at the cursor: the first byte asked for loads one.
    this.windowStart = closeAt;
  }

  /**
   * Read rows `first .. first + count - 1` (the block just below those read so far) into the
   * columns. Returns false, and sets `failed`, if they cannot be read as the forward reader would.
   */
  readRows(first: number, count: number): boolean {
    if (this.failed || count <= 0) return !this.failed;
    const { width, typeAt, nameAt, toAt, nodeWidth, typeLimit, toLimit, namedType } = this.layout;
    const { row, arrayStart } = this;
    const { edgeType, edgeNameOrIndex, edgeToNode } = this.columns;
    const buf = this.buf;
    // The cursor `i` indexes the window (file offset `base + i`) and moves down. Before each value
    // the window is made to hold at least MARGIN bytes below it (unless the '[' is nearer), so that
    // the loops read bytes with no check but `i > 0` where whitespace could run on.
    let base = this.windowStart;
    let i = this.pos - base;
    let valuesRead = this.valuesRead;
    let maxName = this.maxName;
    for (let edge = first + count - 1; edge >= first; edge--) {
      for (let field = width - 1; field >= 0; field--) {
        if (i < MARGIN && base > arrayStart) {
          const end = base + i;
          const loaded = this.load(end - 1);
          if (loaded < 0) return this.fail();
          base = loaded;
          i = end - base;
        }
        // Whitespace, the ',' between two values (none between the last value and the ']'),
        // whitespace, then the digits from the last.
        let c = i > 0 ? buf[--i] : -1;
        while ((c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) && i > 0) c = buf[--i];
        if (valuesRead > 0) {
          if (c !== COMMA) return this.fail();
          c = i > 0 ? buf[--i] : -1;
          while ((c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) && i > 0) c = buf[--i];
        }
        let value = 0;
        let scale = 1;
        let digits = 0;
        while (c >= 0x30 && c <= 0x39) {
          value += (c - 0x30) * scale;
          scale *= 10;
          digits++;
          c = i > 0 ? buf[--i] : -1;
        }
        // c < 0: the window ran out inside the number (whitespace longer than MARGIN came first).
        if (c < 0 || digits === 0 || digits > MAX_DIGITS) return this.fail();
        // The cursor is on the byte below the digits (or past the window's start): back on the first.
        i++;
        valuesRead++;
        row[field] = value > 0xffffffff ? 0xffffffff : value;
      }
      const type = row[typeAt];
      const to = row[toAt];
      const ordinal = to / nodeWidth;
      if (type >= typeLimit || to >= toLimit || ordinal !== Math.floor(ordinal)) return this.fail();
      const name = row[nameAt];
      edgeType[edge] = type;
      edgeNameOrIndex[edge] = name;
      if (name > maxName && namedType[type] === 1) maxName = name;
      edgeToNode[edge] = ordinal;
    }
    this.rows += count;
    this.valuesRead = valuesRead;
    this.pos = base + i;
    this.windowStart = base;
    this.maxName = maxName;
    return true;
  }

  /**
   * The window moved to end at file offset `at` + 1 (`buf`'s length, or down to the '['); returns its
   * new start, or -1 when `at` is before the '[' or the file cannot be read.
   */
  private load(at: number): number {
    if (at < this.arrayStart) return -1;
    const end = at + 1;
    const start = Math.max(this.arrayStart, end - this.buf.length);
    let got = 0;
    try {
      while (got < end - start) {
        const n = readSync(this.fd, this.buf, got, end - start - got, start + got);
        if (n === 0) break;
        got += n;
      }
    } catch {
      return -1;
    }
    if (got !== end - start) return -1;
    this.windowStart = start;
    return start;
  }

  private fail(): false {
    this.failed = true;
    return false;
  }
}

/**
 * Whether the file's bytes from `from` (just past the worker's last value, or past the ',' after
 * it when `commaTaken`) to `to` (this reader's first digit, or the ']') hold whitespace and the
 * ',' still missing: one in all when `between` (both read rows), none else. The two shares then
 * meet exactly where one forward read would have gone on.
 */
export function isRowSeparator(fd: number, from: number, to: number, between: boolean, commaTaken = false): boolean {
  const wanted = (between ? 1 : 0) - (commaTaken ? 1 : 0);
  const length = to - from;
  if (wanted < 0 || length < wanted || length > 4096) return false;
  const bytes = Buffer.alloc(length);
  let got = 0;
  try {
    while (got < length) {
      const n = readSync(fd, bytes, got, length - got, from + got);
      if (n === 0) return false;
      got += n;
    }
  } catch {
    return false;
  }
  let commas = 0;
  for (const c of bytes) {
    if (c === COMMA) commas++;
    else if (!(c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09)) return false;
  }
  return commas === wanted;
}
