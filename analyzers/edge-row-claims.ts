/**
 * How the rows of `edges` are shared out between the edges worker, which reads them forwards from
 * the section's '[', and the main thread, which reads them backwards from its ']' whenever it has
 * nothing else to do (`edge-tail-reader.ts`). Each takes rows in blocks, from its own end, and the
 * two meet wherever they meet: on a big file the main thread, done with the other sections, would
 * otherwise wait for the worker for a second or more (at 2.56 GB, about 0.95 s), and on a small one
 * it takes a few blocks or none.
 *
 * One small shared array: a lock word, the rows the worker has taken (rows 0 .. front - 1) and the
 * first row the main thread has taken (rows back .. edgeCount - 1). A claim is made under the lock,
 * so the two ranges never overlap, and once front meets back every row has exactly one reader.
 */
const LOCK = 0;
const FRONT = 1;
const BACK = 2;

export class EdgeRowClaims {
  /** Rows up to 2^31 - 1 (the counters are Int32); files with more do not split this way. */
  static readonly MAX_ROWS = 0x7fffffff;

  constructor(readonly words: Int32Array) {}

  /** Claims for `edgeCount` rows, on shared memory (to send to the worker with its job). */
  static create(edgeCount: number): EdgeRowClaims {
    if (edgeCount > EdgeRowClaims.MAX_ROWS) throw new RangeError(`${edgeCount} edges are too many to share out`);
    const words = new Int32Array(new SharedArrayBuffer(12));
    words[BACK] = edgeCount;
    return new EdgeRowClaims(words);
  }

  /** The worker's claim: up to `rows` more rows from the front; returns how many it got (0: none left). */
  takeFront(rows: number): number {
    return this.locked(() => {
      const take = Math.min(rows, this.words[BACK] - this.words[FRONT]);
      this.words[FRONT] += take;
      return take;
    });
  }

  /** The main thread's claim: up to `rows` more rows from the back, just below those it has. */
  takeBack(rows: number): number {
    return this.locked(() => {
      const take = Math.min(rows, this.words[BACK] - this.words[FRONT]);
      this.words[BACK] -= take;
      return take;
    });
  }

  /** Rows 0 .. front - 1 are the worker's. */
  get front(): number {
    return Atomics.load(this.words, FRONT);
  }

  /** Rows back .. edgeCount - 1 are the main thread's. */
  get back(): number {
    return Atomics.load(this.words, BACK);
  }

  private locked(claim: () => number): number {
    // Held for a few instructions, a few thousand times per file: a spin costs nothing.
    while (Atomics.compareExchange(this.words, LOCK, 0, 1) !== 0);
    try {
      return claim();
    } finally {
      Atomics.store(this.words, LOCK, 0);
    }
  }
}
