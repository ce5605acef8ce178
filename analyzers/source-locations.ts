/**
 * The `locations` section as four columns (node ordinal, script id, line, column), looked up by
 * node ordinal, instead of a Map of one object per closure.
 *
 * A snapshot carries a location for every closure: hundreds of thousands on a big heap. As Map
 * entries each was a small object made on the parser's main thread, and those survivors were what
 * its young-generation GC spent its time copying. The columns cost 16 bytes a location and nothing
 * to the GC. Rows that came in ordinal order are found by binary search. V8 writes the locations in
 * heap address order, not node order, so on a real snapshot (every other row out of order at 761 MB)
 * an open-addressing index from ordinal to row is built once at the end (`buildIndex`), a later row
 * for an ordinal replacing the earlier one, as a Map's `set` would: one pass of random writes into
 * 4 bytes per slot, where the radix sort it replaces took two passes, a permutation and a copy of
 * each column (for 488k rows: 16–29 ms alone and 35–37 ms in the parse for the sort, 5–6 ms alone
 * and 16–32 ms in the parse for the index).
 */
import type { SourceLocation, SourceLocations } from './heap-snapshot.js';

const EMPTY = -1;

export class SourceLocationTable implements SourceLocations {
  private ordinals = new Uint32Array(1024);
  private scriptIds = new Uint32Array(1024);
  private lines = new Uint32Array(1024);
  private columns = new Uint32Array(1024);
  private count = 0;
  private sorted = true;
  /** Distinct ordinals: `count` while the rows come in order. */
  private distinct = 0;
  /** After `finish` on rows out of order: the row per slot (EMPTY for none), a power of two of them. */
  private slots: Int32Array | null = null;
  /** 32 less the index's bits: the hash's top bits pick the first slot. */
  private shift = 32;

  get size(): number {
    return this.slots === null ? this.count : this.distinct;
  }

  add(ordinal: number, scriptId: number, line: number, column: number): void {
    const at = this.count;
    if (at === this.ordinals.length) this.grow();
    if (at > 0 && ordinal <= this.ordinals[at - 1]) this.sorted = false;
    this.ordinals[at] = ordinal;
    this.scriptIds[at] = scriptId;
    this.lines[at] = line;
    this.columns[at] = column;
    this.count = at + 1;
  }

  /** Call once every row is in: indexes the rows if they came out of order, and trims the columns. */
  finish(): this {
    const n = this.count;
    this.ordinals = this.ordinals.slice(0, n);
    this.scriptIds = this.scriptIds.slice(0, n);
    this.lines = this.lines.slice(0, n);
    this.columns = this.columns.slice(0, n);
    if (!this.sorted) this.buildIndex();
    return this;
  }

  get(ordinal: number): SourceLocation | undefined {
    const row = this.slots === null ? this.search(ordinal) : this.probe(ordinal);
    if (row < 0) return undefined;
    return { scriptId: this.scriptIds[row], line: this.lines[row], column: this.columns[row] };
  }

  /** The row of `ordinal` by binary search (rows in order), or -1. */
  private search(ordinal: number): number {
    const ordinals = this.ordinals;
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (ordinals[mid] < ordinal) lo = mid + 1;
      else hi = mid;
    }
    return lo < this.count && ordinals[lo] === ordinal ? lo : -1;
  }

  /** The row of `ordinal` in the index, or -1. */
  private probe(ordinal: number): number {
    const { ordinals, shift } = this;
    const slots = this.slots!;
    const mask = slots.length - 1;
    for (let slot = slotOf(ordinal, shift); ; slot = (slot + 1) & mask) {
      const row = slots[slot];
      if (row === EMPTY || ordinals[row] === ordinal) return row;
    }
  }

  private grow(): void {
    const wider = (a: Uint32Array) => {
      const b = new Uint32Array(a.length * 2);
      b.set(a);
      return b;
    };
    this.ordinals = wider(this.ordinals);
    this.scriptIds = wider(this.scriptIds);
    this.lines = wider(this.lines);
    this.columns = wider(this.columns);
  }

  /** Every row into an index of at least twice as many slots (linear probing); a later row of an ordinal takes the slot of the earlier. */
  private buildIndex(): void {
    const n = this.count;
    const ordinals = this.ordinals;
    let bits = 10;
    while (1 << bits < 2 * n) bits++;
    const size = 1 << bits;
    const shift = 32 - bits;
    const slots = new Int32Array(size).fill(EMPTY);
    const mask = size - 1;
    let distinct = 0;
    for (let row = 0; row < n; row++) {
      const ordinal = ordinals[row];
      let slot = slotOf(ordinal, shift);
      for (;;) {
        const held = slots[slot];
        if (held === EMPTY) {
          distinct++;
          break;
        }
        if (ordinals[held] === ordinal) break;
        slot = (slot + 1) & mask;
      }
      slots[slot] = row;
    }
    this.slots = slots;
    this.shift = shift;
    this.distinct = distinct;
  }
}

/** An ordinal's first slot: the top bits of a multiplicative (Fibonacci) hash, as close ordinals would otherwise crowd together. */
function slotOf(ordinal: number, shift: number): number {
  return Math.imul(ordinal, 0x9e3779b1) >>> shift;
}
