import { afterEach, describe, expect, it } from 'vitest';
import { evaluateInTarget, InspectorClient } from '../harness/inspector-client.js';
import { MemorySampler } from '../harness/memory-sampler.js';
import { startInspectableNode, type InspectableNode } from './helpers/inspectable-node.js';

let target: InspectableNode;
let client: InspectorClient;

afterEach(async () => {
  await client.close();
  await target.kill();
});

describe('MemorySampler', () => {
  it('reads memory usage and the event-loop delay p99, which shows a stall', async () => {
    target = await startInspectableNode('setInterval(() => {}, 1000)');
    client = await InspectorClient.connect(target.url);
    const sampler = await MemorySampler.install(client);
    await sampler.read();
    // The target blocks its own loop for 150 ms, once.
    await evaluateInTarget(client, 'setTimeout(() => { const end = Date.now() + 150; while (Date.now() < end); }, 50), 0');
    await new Promise((r) => setTimeout(r, 400));
    const stalled = await sampler.read();
    expect(stalled!.heapUsed).toBeGreaterThan(100_000);
    expect(stalled!.rss).toBeGreaterThan(stalled!.heapUsed);
    expect(stalled!.heapTotal).toBeGreaterThanOrEqual(stalled!.heapUsed);
    expect(stalled!.eventLoopDelayP99Ms).toBeGreaterThan(100);
    await new Promise((r) => setTimeout(r, 300));
    const calm = await sampler.read();
    expect(calm!.eventLoopDelayP99Ms).toBeLessThan(50); // reset between readings
    expect(sampler.latest()).toEqual(calm);
  });

  it('leaves nothing behind in the target after uninstall', async () => {
    target = await startInspectableNode('setInterval(() => {}, 1000)');
    client = await InspectorClient.connect(target.url);
    const sampler = await MemorySampler.install(client);
    const key = "Symbol.for('memprobe.eventLoopDelay')";
    expect(await evaluateInTarget(client, `${key} in globalThis`)).toBe(true);
    expect(await evaluateInTarget(client, `Object.keys(globalThis).some((k) => k.includes('memprobe'))`)).toBe(false);
    await sampler.uninstall();
    expect(await evaluateInTarget(client, `${key} in globalThis`)).toBe(false);
  });

  it('removes itself from the target when memprobe goes away without uninstalling', async () => {
    target = await startInspectableNode('setInterval(() => {}, 1000)');
    const first = await InspectorClient.connect(target.url);
    await MemorySampler.install(first, { orphanAfterMs: 300 });
    await first.close(); // as if memprobe had been killed
    client = await InspectorClient.connect(target.url);
    const key = "Symbol.for('memprobe.eventLoopDelay')";
    expect(await evaluateInTarget(client, `${key} in globalThis`)).toBe(true);
    await new Promise((r) => setTimeout(r, 700));
    expect(await evaluateInTarget(client, `${key} in globalThis`)).toBe(false);
  });

  it('answers null rather than waiting when the target cannot answer', async () => {
    target = await startInspectableNode('setInterval(() => {}, 1000)');
    client = await InspectorClient.connect(target.url);
    const sampler = await MemorySampler.install(client);
    const before = sampler.latest();
    target.child.kill('SIGSTOP');
    try {
      expect(await sampler.read(300)).toBeNull();
      expect(sampler.latest()).toBe(before);
    } finally {
      target.child.kill('SIGCONT');
    }
  });
});
