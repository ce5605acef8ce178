import { describe, expect, it } from 'vitest';
import { SourceLocationTable } from '../analyzers/source-locations.js';

/** A small deterministic generator, so that a failure reproduces. */
function random(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x / 2147483648;
  };
}

describe('SourceLocationTable', () => {
  it('finds each location by node ordinal when the rows come in node order', () => {
    const table = new SourceLocationTable();
    for (let i = 0; i < 3000; i++) table.add(i * 7, i, i + 1, i + 2);
    table.finish();
    expect(table.size).toBe(3000);
    expect(table.get(0)).toEqual({ scriptId: 0, line: 1, column: 2 });
    expect(table.get(7 * 2999)).toEqual({ scriptId: 2999, line: 3000, column: 3001 });
    expect(table.get(8)).toBeUndefined();
    expect(table.get(7 * 3000)).toBeUndefined();
  });

  it('gives what a Map would for rows in heap order, duplicates included (the last row wins)', () => {
    // V8 writes locations in address order; ordinals here go up to 2^26 so both radix passes matter.
    for (const [seed, rows, range] of [
      [1, 5000, 1 << 26],
      [2, 20000, 3000],
      [3, 1, 10],
    ] as const) {
      const next = random(seed);
      const table = new SourceLocationTable();
      const map = new Map<number, { scriptId: number; line: number; column: number }>();
      for (let i = 0; i < rows; i++) {
        const ordinal = Math.floor(next() * range);
        table.add(ordinal, seed, i, ordinal % 97);
        map.set(ordinal, { scriptId: seed, line: i, column: ordinal % 97 });
      }
      table.finish();
      expect(table.size).toBe(map.size);
      for (const [ordinal, location] of map) expect(table.get(ordinal)).toEqual(location);
      for (let probe = 0; probe < 2000; probe++) {
        const ordinal = Math.floor(next() * range);
        expect(table.get(ordinal)).toEqual(map.get(ordinal));
      }
    }
  });

  it('is empty when nothing was added', () => {
    const table = new SourceLocationTable().finish();
    expect(table.size).toBe(0);
    expect(table.get(0)).toBeUndefined();
  });
});
