import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { InspectorClient, evaluateInTarget } from '../harness/inspector-client.js';
import { attachWorkerThreads } from '../harness/worker-threads.js';
import { enableHeapProfiler, startAllocationSampling, stopAllocationSampling, takeHeapSnapshot } from '../harness/heap-capture.js';
import { summarizeSnapshotFile } from '../analyzers/summarize-snapshot.js';
import { startInspectableNode, type InspectableNode } from './helpers/inspectable-node.js';

// A real worker_threads worker, reached through its process's real inspector (NodeWorker domain):
// the snapshot must be the worker's isolate, holding what only the worker holds.
const PROCESS = `
import { Worker } from 'node:worker_threads';
globalThis.mainOnly = new (class MainThreadThing { constructor() { this.x = 1; } })();
const worker = new Worker(\`
  class WorkerOnlyStore { constructor() { this.items = []; } }
  globalThis.store = new WorkerOnlyStore();
  for (let i = 0; i < 5000; i++) globalThis.store.items.push({ i });
  import('node:worker_threads').then((w) => w.parentPort.postMessage('ready'));
  setInterval(() => {}, 1000);
\`, { eval: true, name: 'indexer' });
await new Promise((r) => worker.once('message', r));
`;

let target: InspectableNode | null = null;
let client: InspectorClient | null = null;
const scratch = mkdtempSync(join(tmpdir(), 'memprobe-worker-threads-'));
afterEach(async () => {
  await client?.close();
  await target?.kill();
  client = null;
  target = null;
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('worker threads through NodeWorker', () => {
  it('finds the worker, names it, evaluates, snapshots and samples inside its isolate, and detaches', async () => {
    target = await startInspectableNode(PROCESS);
    client = await InspectorClient.connect(target.url);
    const threads = await attachWorkerThreads(client);
    expect(threads).toHaveLength(1);
    const [thread] = threads;
    expect(thread.info.title).toMatch(/indexer/);
    expect(await evaluateInTarget(thread, `require('node:worker_threads').threadId`)).toBe(thread.threadId);
    expect(await evaluateInTarget(thread, 'globalThis.store.items.length')).toBe(5000);

    await enableHeapProfiler(thread);
    await startAllocationSampling(thread);
    const file = join(scratch, 'worker.heapsnapshot');
    const capture = await takeHeapSnapshot(thread, file);
    expect(capture.bytes).toBeGreaterThan(100_000);
    await stopAllocationSampling(thread, join(scratch, 'worker.heapprofile'));
    const summary = await summarizeSnapshotFile(file, { source: null, t: null, requests: null, cohortBoundaries: [] });
    const owners = summary.owners.map((o) => o.owner);
    expect(owners).toContain('WorkerOnlyStore');
    expect(owners).not.toContain('MainThreadThing');

    await thread.close();
    expect(thread.isOpen).toBe(false);
    await expect(evaluateInTarget(thread, '1')).rejects.toThrow(/closed/);
    // The process and its main thread are as before.
    expect(await evaluateInTarget(client, 'globalThis.mainOnly.x')).toBe(1);
  }, 30_000);

  it('a process without workers has none', async () => {
    target = await startInspectableNode('setInterval(() => {}, 1000);');
    client = await InspectorClient.connect(target.url);
    expect(await attachWorkerThreads(client)).toEqual([]);
  });
});
