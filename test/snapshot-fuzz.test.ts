import { describe, it, expect, beforeAll, afterAll, vi } from 'vitest';
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSnapshotFile, SnapshotFormatError } from '../analyzers/snapshot-parser.js';
import { EdgesWorker, type EdgesPlan, type EdgesResult } from '../analyzers/snapshot-edges-worker.js';
import { fuzzCases, MUTATORS, randomSnapshot, seededRandom } from './helpers/snapshot-mutations.js';
import { allStrings } from './helpers/string-table.js';

const SEED = 20261126;
const CASES = 600;
/** Fewer: each starts a worker thread (through tsx's loader from sources, ~0.1-0.5 s here). */
const WORKER_CASES = 80;

/** What a parse gives: every column and table, or the error's full message (problem and offset). */
async function outcomeOf(path: string, options: Parameters<typeof parseSnapshotFile>[1]): Promise<{ parsed: Record<string, unknown> } | { error: string }> {
  try {
    const snapshot = await parseSnapshotFile(path, options);
    const parsed: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(snapshot)) parsed[key] = ArrayBuffer.isView(value) ? Array.from(value as Uint32Array) : value;
    // The string table by content: which strings it keeps decoded depends on where chunks end.
    parsed.strings = allStrings(snapshot.strings);
    return { parsed };
  } catch (err) {
    if (!(err instanceof SnapshotFormatError)) throw err;
    return { error: err.message };
  }
}

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
        expect(allStrings(snapshot.strings)).toEqual(expected.strings);
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

  // The edges worker (snapshot-edges-worker.ts) must change nothing but speed: on each mutated
  // snapshot, the same columns or the same error, byte offset included.
  it(`gives the sequential outcome with the edges worker on ${WORKER_CASES} mutated snapshots (seed ${SEED})`, async () => {
    const path = join(dir, 'worker-case.heapsnapshot');
    // What each worker reported, to count the cases where its read was really tried (a plan) and
    // where it carried a valid parse (a result), rather than a quiet fallback.
    let reports: Promise<[EdgesPlan | null, EdgesResult | null]> | null = null;
    const start = EdgesWorker.start.bind(EdgesWorker);
    vi.spyOn(EdgesWorker, 'start').mockImplementation((job) => {
      const worker = start(job);
      reports = Promise.all([worker.plan, worker.result]);
      return worker;
    });
    let planned = 0;
    let split = 0;
    let index = 0;
    for (const fuzzCase of fuzzCases(SEED + 1, WORKER_CASES, 200)) {
      await writeFile(path, fuzzCase.bytes);
      const sequential = await outcomeOf(path, { chunkSize: fuzzCase.chunkSize, workerMinBytes: Infinity });
      const withWorker = await outcomeOf(path, { chunkSize: fuzzCase.chunkSize, workerMinBytes: 0 });
      expect(withWorker, `case ${index} (${fuzzCase.mutation})`).toEqual(sequential);
      const [plan, result] = reports ? await reports : [null, null];
      if (plan) planned++;
      if (result && 'parsed' in withWorker) split++;
      reports = null;
      index++;
    }
    vi.restoreAllMocks();
    expect(planned).toBeGreaterThan(WORKER_CASES / 8);
    expect(split).toBeGreaterThan(0);
  });
});
