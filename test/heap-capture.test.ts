import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, statSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InspectorClient } from '../harness/inspector-client.js';
import {
  enableHeapProfiler,
  checkpointAllocationProfile,
  SnapshotAbandonedError,
  SnapshotStalledError,
  startAllocationSampling,
  stopAllocationSampling,
  takeHeapSnapshot,
} from '../harness/heap-capture.js';
import { startInspectableNode, type InspectableNode } from './helpers/inspectable-node.js';

// A small heap that keeps allocating, so sampling has something to record.
const TARGET = `
globalThis.kept = [];
class Retained { constructor(i) { this.payload = 'x'.repeat(64) + i; } }
setInterval(() => { for (let i = 0; i < 200; i++) globalThis.kept.push(new Retained(i)); }, 20);
`;

let dir: string;
let target: InspectableNode;
let client: InspectorClient;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'memprobe-capture-'));
  target = await startInspectableNode(TARGET);
  client = await InspectorClient.connect(target.url);
  await enableHeapProfiler(client);
});

afterEach(async () => {
  await client.close();
  await target.kill();
  rmSync(dir, { recursive: true, force: true });
});

describe('takeHeapSnapshot', () => {
  it('streams a complete DevTools snapshot to an owner-only file', async () => {
    const file = join(dir, '001.heapsnapshot');
    const capture = await takeHeapSnapshot(client, file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(file).size).toBe(capture.bytes);
    const snapshot = JSON.parse(readFileSync(file, 'utf8'));
    const fields = snapshot.snapshot.meta.node_fields.length;
    expect(snapshot.nodes.length / fields).toBe(snapshot.snapshot.node_count);
    expect(snapshot.strings.indexOf('Retained')).toBeGreaterThanOrEqual(0);
    expect(capture.pauseMs).toBeGreaterThan(0);
    expect(capture.gcMs).toBeLessThanOrEqual(capture.pauseMs);
  });

  it('prepares the target as DevTools does (Debugger enabled, then disabled) and leaves it unpausable', async () => {
    let scripts = 0;
    const off = client.on('Debugger.scriptParsed', () => (scripts += 1));
    await takeHeapSnapshot(client, join(dir, 'prepared.heapsnapshot'));
    off();
    expect(scripts).toBeGreaterThan(0); // the domain was enabled: V8 reported its scripts
    // ...and disabled again: a debugger statement does not stop the target.
    const answer = await client.send<{ result: { value: number } }>('Runtime.evaluate', { expression: 'debugger; 41 + 1', returnByValue: true }, { timeoutMs: 5000 });
    expect(answer.result.value).toBe(42);
  });

  it('never overwrites an existing file', async () => {
    const file = join(dir, 'existing.heapsnapshot');
    writeFileSync(file, 'keep me');
    await expect(takeHeapSnapshot(client, file)).rejects.toThrow(/EEXIST/);
    expect(readFileSync(file, 'utf8')).toBe('keep me');
  });

  it('abandons on signal and leaves no partial file', async () => {
    const file = join(dir, 'abandoned.heapsnapshot');
    const controller = new AbortController();
    const capture = takeHeapSnapshot(client, file, { signal: controller.signal });
    controller.abort();
    await expect(capture).rejects.toBeInstanceOf(SnapshotAbandonedError);
    expect(existsSync(file)).toBe(false);
  });

  it('times out with a clear error when the target stops answering, and deletes the partial file', async () => {
    const file = join(dir, 'stalled.heapsnapshot');
    target.child.kill('SIGSTOP'); // the whole process, inspector thread included, stops: a hung target
    try {
      await expect(takeHeapSnapshot(client, file, { stallTimeoutMs: 1500 })).rejects.toBeInstanceOf(SnapshotStalledError);
      expect(existsSync(file)).toBe(false);
    } finally {
      target.child.kill('SIGCONT');
    }
  });

  it('rejects and deletes the partial file when the target dies mid-snapshot', async () => {
    const file = join(dir, 'died.heapsnapshot');
    const capture = takeHeapSnapshot(client, file).catch((err: unknown) => err);
    setTimeout(() => target.child.kill('SIGKILL'), 5);
    expect(await capture).toBeInstanceOf(Error);
    expect(existsSync(file)).toBe(false);
  });
});

describe('allocation sampling', () => {
  it('records allocation sites through the run and writes a .heapprofile', async () => {
    await startAllocationSampling(client, 4096);
    await new Promise((r) => setTimeout(r, 400));
    const checkpoint = join(dir, 'allocation.heapprofile');
    await checkpointAllocationProfile(client, checkpoint);
    const first = JSON.parse(readFileSync(checkpoint, 'utf8'));
    expect(first.head.callFrame.functionName).toBe('(root)');
    await new Promise((r) => setTimeout(r, 200));
    await stopAllocationSampling(client, checkpoint);
    const profile = JSON.parse(readFileSync(checkpoint, 'utf8'));
    expect(profile.samples.length).toBeGreaterThan(0);
    const names: string[] = [];
    const walk = (node: { callFrame: { functionName: string }; children: unknown[] }) => {
      names.push(node.callFrame.functionName);
      for (const child of node.children) walk(child as typeof node);
    };
    walk(profile.head);
    expect(names).toContain('Retained');
    expect(statSync(checkpoint).mode & 0o777).toBe(0o600);
    expect(existsSync(`${checkpoint}.tmp`)).toBe(false);
  });
});
