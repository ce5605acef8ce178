import { writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { graphPassBuffers, summarizeSnapshot, summarizeSnapshotFile, summarizeSnapshotFiles, type PassRunner } from '../analyzers/summarize-snapshot.js';
import { WorkBuffers } from '../analyzers/work-buffers.js';
import { toHeapSummaryJson } from '../analyzers/heap-summary-json.js';
import { parseSnapshotFile } from '../analyzers/snapshot-parser.js';
import type { SnapshotSummary } from '../analyzers/snapshot-summary.js';
import { writeProgramSnapshot } from './helpers/program-snapshot.js';
import { snapshotJson, type SnapshotSpec } from './helpers/snapshot-json.js';
import { heapGraph } from './helpers/heap-graph-builder.js';

// One process, two snapshots: 300 Job objects kept before the first, 500 more after it.
const TWO_SNAPSHOTS = `
class Job { constructor(i) { this.i = i; this.label = 'job ' + i; } }
class Queue { constructor() { this.jobs = []; } }
const queue = new Queue();
globalThis.queue = queue;
for (let i = 0; i < 300; i++) queue.jobs.push(new Job(i));
require('v8').writeHeapSnapshot(process.argv[2] + '.first');
for (let i = 300; i < 800; i++) queue.jobs.push(new Job(i));
`;

let first: string;
let second: string;
let summaries: SnapshotSummary[];

beforeAll(async () => {
  const { file } = writeProgramSnapshot(TWO_SNAPSHOTS);
  first = `${file}.first`;
  second = file;
  summaries = await summarizeSnapshotFiles([first, second], [{ t: 0, requests: 1000 }, { t: 30, requests: 4000 }]);
}, 60_000);

describe('summarizeSnapshotFiles', () => {
  it('uses the earlier snapshots\' maxNodeId as cohort boundaries', () => {
    const [a, b] = summaries;
    expect(a.cohortBoundaries).toEqual([]);
    expect(b.cohortBoundaries).toEqual([a.maxNodeId]);
    expect(b.maxNodeId).toBeGreaterThan(a.maxNodeId);
    expect([a.t, a.requests, b.t, b.requests]).toEqual([0, 1000, 30, 4000]);
    expect(a.source).toBe('program.heapsnapshot.first');
  });

  it('counts each owner\'s objects by birth interval', () => {
    const jobs = (s: SnapshotSummary) => s.owners.find((o) => o.owner === 'Job')!;
    expect(jobs(summaries[0]).count).toBe(300);
    expect(jobs(summaries[0]).cohortCounts).toHaveLength(1);
    const later = jobs(summaries[1]);
    expect(later.count).toBe(800);
    // Each Job is one object plus its label string (concatenated strings live in the Job).
    const [before, since] = later.cohortCounts;
    expect(before).toBeGreaterThanOrEqual(300);
    expect(before).toBeLessThan(since);
    expect(since).toBeGreaterThanOrEqual(500);
    expect(later.cohortCounts.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(Object.values(later.composition).reduce((n, c) => n + c!.count, 0));
  });

  it('keeps the summary small and every owner\'s bytes consistent', () => {
    const [, b] = summaries;
    expect(JSON.stringify(b).length).toBeLessThan(1_000_000);
    for (const owner of b.owners) {
      const composed = Object.values(owner.composition).reduce((n, c) => n + c!.bytes, 0);
      expect(composed).toBe(owner.selfBytes);
      expect(owner.cohortCounts).toHaveLength(2);
    }
    const heapBytes = Object.values(b.categories).reduce((n, c) => n + c!.bytes, 0);
    expect(heapBytes).toBe(b.totalBytes);
  });
});

describe('big-file mode on a small file', () => {
  it('gives the summary of the one-thread parse when the edges and the shortest paths are read and run on worker threads', async () => {
    const context = { source: null, t: null, requests: null, cohortBoundaries: [] };
    // The summary takes the second core when the edge columns are shared, which only the split
    // parse makes them (the node columns are in the tokenizer's shared memory either way).
    const split = await parseSnapshotFile(second, { workerMinBytes: 0 });
    expect(split.firstEdge.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(split.edgeToNode.buffer).toBeInstanceOf(SharedArrayBuffer);
    const sequential = await parseSnapshotFile(second, { workerMinBytes: Infinity });
    expect(sequential.edgeToNode.buffer).not.toBeInstanceOf(SharedArrayBuffer);
    expect(summarizeSnapshot(split, context)).toEqual(summarizeSnapshot(sequential, context));
  }, 60_000);
});

describe('graph pass buffers made ahead of time', () => {
  it('are what the passes take up to and through the dominator pass: no fresh node-sized buffer there, and the same summary', async () => {
    const context = { source: null, t: null, requests: null, cohortBoundaries: [] };
    const snapshot = await parseSnapshotFile(second, { workerMinBytes: Infinity });
    const pool = new WorkBuffers();
    while (pool.prefault(graphPassBuffers(snapshot))());
    const fresh = vi.spyOn(pool as unknown as { fresh(bytes: number): ArrayBuffer }, 'fresh');
    let freshBeforeRetainedSizes = -1;
    const run: PassRunner = (name, pass) => {
      if (name === 'retained sizes') freshBeforeRetainedSizes = fresh.mock.calls.length;
      return pass();
    };
    const summary = summarizeSnapshot(snapshot, context, run, { secondCore: null, buffers: pool });
    expect(freshBeforeRetainedSizes).toBe(0);
    expect(summary).toEqual(summarizeSnapshot(snapshot, context));
    // Emptied once the passes are done: what nobody took is garbage, not kept by the caller's pool.
    fresh.mockClear();
    pool.uint32(snapshot.nodeCount + 1);
    expect(fresh).toHaveBeenCalledTimes(1);
  }, 60_000);
});

describe('summary@1 (docs/contract.md)', () => {
  it('has the contract fields, owners largest first', async () => {
    const summary = await summarizeSnapshotFile(second, { source: null, t: null, requests: null, cohortBoundaries: [] });
    const json = toHeapSummaryJson(summary, { top: 5 });
    expect(json.schema).toBe('memprobe/summary@1');
    expect(Object.keys(json).slice(0, 5)).toEqual(['schema', 'nodeCount', 'edgeCount', 'totalBytes', 'owners']);
    expect(json.owners).toHaveLength(5);
    expect(Object.keys(json.owners[0]).slice(0, 4)).toEqual(['owner', 'count', 'retainedBytes', 'retainerPath']);
    const sizes = json.owners.map((o) => o.retainedBytes);
    expect(sizes).toEqual([...sizes].sort((x, y) => y - x));
    expect(json.nodeCount).toBe(summary.nodeCount);
  });
});

describe('the same graph from 6- and 7-field files', () => {
  const spec = (layout: 6 | 7): SnapshotSpec => ({
    layout,
    nodes: [
      { type: 'synthetic', name: '', edges: [{ type: 'shortcut', name: 'global', to: 1 }] },
      { type: 'object', name: 'global', selfSize: 16, edges: [{ type: 'property', name: 'sink', to: 2 }, { type: 'property', name: 'other', to: 4 }] },
      { type: 'object', name: 'TrendSink', selfSize: 32, edges: [{ type: 'property', name: 'values', to: 3 }] },
      { type: 'array', name: '(object elements)', selfSize: 8000 },
      { type: 'object', name: 'Object', selfSize: 24, edges: [{ type: 'property', name: 'sink', to: 2 }] },
    ],
  });

  it('gives identical summaries, with the array dominated by the sink and the sink by global', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'memprobe-layout-'));
    const results: SnapshotSummary[] = [];
    for (const layout of [6, 7] as const) {
      const path = join(dir, `l${layout}.heapsnapshot`);
      await writeFile(path, snapshotJson(spec(layout)));
      results.push(summarizeSnapshot(await parseSnapshotFile(path), { source: null, t: null, requests: null, cohortBoundaries: [] }));
    }
    expect(results[0]).toEqual(results[1]);
    const sink = results[0].owners.find((o) => o.owner === 'TrendSink')!;
    expect(sink.retainedBytes).toBe(8032);
    expect(sink.composition['value-array']?.bytes).toBe(8000);
    expect(results[0].totalBytes).toBe(8072);
  });

  it('counts the header\'s extra_native_bytes in totalBytes, as DevTools\' Total does', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'memprobe-extra-'));
    const path = join(dir, 'extra.heapsnapshot');
    const text = snapshotJson(spec(7)).replace('"trace_function_count":0', '"trace_function_count":0,"extra_native_bytes":123456');
    expect(text).toContain('"extra_native_bytes":123456');
    await writeFile(path, text);
    const summary = summarizeSnapshot(await parseSnapshotFile(path), { source: null, t: null, requests: null, cohortBoundaries: [] });
    expect(summary.totalBytes).toBe(8072 + 123456);
    // Owners and categories are the graph's: the extra bytes belong to no node.
    expect(summary.owners.find((o) => o.owner === 'TrendSink')!.retainedBytes).toBe(8032);
    expect(Object.values(summary.categories).reduce((n, c) => n + c!.bytes, 0)).toBe(8072);
  });
});

describe('summarizeSnapshot on a hand-built graph', () => {
  it('puts nodes no owner holds in (runtime) or (unattributed)', () => {
    const snapshot = heapGraph()
      .node('root', { type: 'synthetic', name: '' })
      .node('code', { type: 'code', name: 'code', size: 100 })
      .node('str', { type: 'string', name: 'hello', size: 24 })
      .edge('root', 'code', { type: 'element', name: 1 })
      .edge('root', 'str', { type: 'element', name: 2 })
      .build();
    const summary = summarizeSnapshot(snapshot, { source: null, t: null, requests: null, cohortBoundaries: [] });
    const byName = Object.fromEntries(summary.owners.map((o) => [o.owner, o]));
    expect(byName['(runtime)'].selfBytes).toBe(100);
    expect(byName['(unattributed)'].selfBytes).toBe(24);
    expect(byName['(unattributed)'].composition.string?.count).toBe(1);
  });
});
