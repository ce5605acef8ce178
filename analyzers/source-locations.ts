/**
 * The `locations` section as four columns (node ordinal, script id, line, column) looked up by
 * binary search, instead of a Map of one object per closure.
 *
 * A snapshot carries a location for every closure: hundreds of thousands on a big heap. As Map
 * entries each was a small object made on the parser's main thread, and those survivors were what
 * its young-generation GC spent its time copying. The columns cost 16 bytes a location and nothing
 * to the GC. V8 writes the locations in heap address order, not node order, so on a real snapshot
 * the rows are sorted by ordinal once at the end (`sortByOrdinal`), the last row for an ordinal
 * winning, as a Map's `set` would; rows that came in order are only trimmed.
 */
import type { SourceLocation, SourceLocations } from './heap-snapshot.js';

export class SourceLocationTable implements SourceLocations {
  private ordinals = new Uint32Array(1024);
  private scriptIds = new Uint32Array(1024);
  private lines = new Uint32Array(1024);
  private columns = new Uint32Array(1024);
  private count = 0;
  private sorted = true;
  /** After a sort: the row of each sorted ordinal (null while the rows came in order). */
  private rows: Uint32Array | null = null;

  get size(): number {
    return this.count;
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

  /** Call once every row is in: sorts the rows if they came out of order, and trims the columns. */
  finish(): this {
    if (!this.sorted) {
      this.sortByOrdinal();
      return this;
    }
    const n = this.count;
    this.ordinals = this.ordinals.slice(0, n);
    this.scriptIds = this.scriptIds.slice(0, n);
    this.lines = this.lines.slice(0, n);
    this.columns = this.columns.slice(0, n);
    return this;
  }

  get(ordinal: number): SourceLocation | undefined {
    const ordinals = this.ordinals;
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (ordinals[mid] < ordinal) lo = mid + 1;
      else hi = mid;
    }
    if (lo === this.count || ordinals[lo] !== ordinal) return undefined;
    const row = this.rows === null ? lo : this.rows[lo];
    return { scriptId: this.scriptIds[row], line: this.lines[row], column: this.columns[row] };
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

  /**
   * Rows in ordinal order, stable (rows of one ordinal keep their order), then of each run of one
   * ordinal only the last row is kept. V8 writes the locations in heap address order, not node
   * order, so a big heap's half million rows need sorting: an LSD radix sort on the ordinal, in two
   * passes of half its bits, then a row permutation (`rows`) instead of four gathered columns.
   */
  private sortByOrdinal(): void {
    const n = this.count;
    const ordinals = this.ordinals;
    let largest = 0;
    for (let i = 0; i < n; i++) if (ordinals[i] > largest) largest = ordinals[i];
    const digit = Math.max(1, Math.ceil((32 - Math.clz32(largest)) / 2));
    const mask = (1 << digit) - 1;
    let order = new Uint32Array(n);
    let spare = new Uint32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    const counts = new Uint32Array(1 << digit);
    for (let shift = 0; shift < 2 * digit; shift += digit) {
      counts.fill(0);
      for (let i = 0; i < n; i++) counts[(ordinals[i] >>> shift) & mask]++;
      let sum = 0;
      for (let d = 0; d < counts.length; d++) {
        const c = counts[d];
        counts[d] = sum;
        sum += c;
      }
      for (let i = 0; i < n; i++) {
        const row = order[i];
        spare[counts[(ordinals[row] >>> shift) & mask]++] = row;
      }
      const sorted = spare;
      spare = order;
      order = sorted;
    }
    // The last row of each ordinal; `spare` becomes the sorted ordinals.
    let kept = 0;
    for (let i = 0; i < n; i++) {
      const row = order[i];
      const ordinal = ordinals[row];
      if (i + 1 < n && ordinals[order[i + 1]] === ordinal) continue;
      order[kept] = row;
      spare[kept++] = ordinal;
    }
    this.rows = order.slice(0, Math.max(1, kept));
    this.ordinals = spare.slice(0, Math.max(1, kept));
    this.count = kept;
    this.sorted = true;
  }
}
