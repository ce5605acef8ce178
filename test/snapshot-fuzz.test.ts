import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSnapshotFile, SnapshotFormatError } from '../analyzers/snapshot-parser.js';
import { fuzzCases, MUTATORS, randomSnapshot, seededRandom } from './helpers/snapshot-mutations.js';

const SEED = 20261126;
const CASES = 600;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'memprobe-fuzz-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('parseSnapshotFile under fuzzing', () => {
  it('parses every unmutated random snapshot at every chunk size', async () => {
    const random = seededRandom(SEED);
    for (let i = 0; i < 20; i++) {
      const text = randomSnapshot(random, 1 + Math.floor(random() * 30), i % 2 ? 6 : 7);
      const path = join(dir, `valid-${i}.heapsnapshot`);
      await writeFile(path, text);
      const expected = JSON.parse(text);
      for (const chunkSize of [undefined, 3]) {
        const snapshot = await parseSnapshotFile(path, { chunkSize });
        expect(snapshot.nodeCount).toBe(expected.snapshot.node_count);
        expect(snapshot.edgeCount).toBe(expected.snapshot.edge_count);
        expect(snapshot.strings).toEqual(expected.strings);
      }
    }
  });

  it(`either parses or throws SnapshotFormatError on ${CASES} mutated snapshots (seed ${SEED})`, async () => {
    const outcomes: Record<string, { parsed: number; rejected: number }> = {};
    const path = join(dir, 'case.heapsnapshot');
    let index = 0;
    for (const fuzzCase of fuzzCases(SEED, CASES, 20)) {
      await writeFile(path, fuzzCase.bytes);
      const outcome = (outcomes[fuzzCase.mutation] ??= { parsed: 0, rejected: 0 });
      try {
        const snapshot = await parseSnapshotFile(path, { chunkSize: fuzzCase.chunkSize });
        // A mutation that still parses must still be a consistent graph.
        expect(snapshot.firstEdge[snapshot.nodeCount]).toBe(snapshot.edgeCount);
        for (let e = 0; e < snapshot.edgeCount; e++) expect(snapshot.edgeToNode[e]).toBeLessThan(snapshot.nodeCount);
        outcome.parsed++;
      } catch (err) {
        if (!(err instanceof SnapshotFormatError)) {
          throw new Error(`case ${index} (${fuzzCase.mutation}, chunkSize ${fuzzCase.chunkSize}) threw ${String(err)}`);
        }
        expect(err.message).not.toContain('\n');
        if (err.offset !== null) expect(err.offset).toBeLessThanOrEqual(fuzzCase.bytes.length);
        outcome.rejected++;
      }
      index++;
    }
    // Every mutation kind ran, and the corrupting ones were caught at least sometimes.
    expect(Object.keys(outcomes).sort()).toEqual(Object.keys(MUTATORS).sort());
    for (const kind of ['truncate', 'random bytes', 'empty', 'huge counts', 'drop section', 'random JSON']) {
      expect(outcomes[kind].rejected, kind).toBeGreaterThan(0);
      expect(outcomes[kind].parsed, kind).toBe(0);
    }
  });
});
