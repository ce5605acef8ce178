import { afterEach, describe, expect, it } from 'vitest';
import { InspectorClient, evaluateInTarget } from '../harness/inspector-client.js';
import { RequestCounter } from '../harness/request-counter.js';
import { startInspectableNode, type InspectableNode } from './helpers/inspectable-node.js';

// A real server in a real child, counted over its real inspector: no fakes between the
// diagnostics_channel subscriber and the number memprobe reads.
const SERVER = `
import { createServer } from 'node:http';
const server = createServer((req, res) => res.end('ok'));
await new Promise((r) => server.listen(0, '127.0.0.1', r));
globalThis.port = server.address().port;
globalThis.jobsDone = 1000;
setInterval(() => {}, 1000);
`;

let target: InspectableNode | null = null;
let client: InspectorClient | null = null;
afterEach(async () => {
  await client?.close();
  await target?.kill();
  client = null;
  target = null;
});

async function get(port: number, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await (await fetch(`http://127.0.0.1:${port}/x${i}`)).arrayBuffer();
}

describe('RequestCounter: requests counted inside the target', () => {
  it('counts every HTTP request through diagnostics_channel, from 0 at install, and leaves nothing behind', async () => {
    target = await startInspectableNode(SERVER);
    client = await InspectorClient.connect(target.url);
    const port = await evaluateInTarget<number>(client, 'globalThis.port');
    await get(port, 5); // served before memprobe came: not counted
    const counter = await RequestCounter.install(client);
    expect(counter.latest()).toBe(0);
    await get(port, 37);
    expect(await counter.read()).toBe(37);
    // A second install (a second memprobe, or a reconnect) shares the one subscriber.
    const again = await RequestCounter.install(client);
    await get(port, 3);
    expect(await counter.read()).toBe(40);
    expect(await again.read()).toBe(3);
    const installed = `(() => ({ key: Symbol.for('memprobe.requestCounter') in globalThis,
      subscribed: require('diagnostics_channel').channel('http.server.request.start').hasSubscribers,
      enumerable: Object.keys(globalThis).some((k) => k.includes('memprobe')) }))()`;
    expect(await evaluateInTarget(client, installed)).toEqual({ key: true, subscribed: true, enumerable: false });
    await counter.uninstall();
    expect(await evaluateInTarget(client, installed)).toEqual({ key: false, subscribed: false, enumerable: false });
  });

  it('removes itself when memprobe stops reading it (killed, or the connection lost)', async () => {
    target = await startInspectableNode(SERVER);
    client = await InspectorClient.connect(target.url);
    await RequestCounter.install(client, undefined, { orphanAfterMs: 300 });
    await new Promise((r) => setTimeout(r, 900));
    const subscribed = await evaluateInTarget(client, `require('diagnostics_channel').channel('http.server.request.start').hasSubscribers`);
    expect(subscribed).toBe(false);
  });

  it('--count-expression: the change in a number the target keeps, promises awaited', async () => {
    target = await startInspectableNode(SERVER);
    client = await InspectorClient.connect(target.url);
    const counter = await RequestCounter.install(client, { kind: 'expression', expression: 'Promise.resolve(globalThis.jobsDone)' });
    await evaluateInTarget(client, 'globalThis.jobsDone += 250');
    expect(await counter.read()).toBe(250);
  });

  it('an expression that throws or is no number is a usage error naming the flag', async () => {
    target = await startInspectableNode(SERVER);
    client = await InspectorClient.connect(target.url);
    await expect(RequestCounter.install(client, { kind: 'expression', expression: 'globalThis.nope.count' })).rejects.toThrow(
      /--count-expression globalThis.nope.count: evaluation in the target failed: TypeError/,
    );
    await expect(RequestCounter.install(client, { kind: 'expression', expression: '"12"' })).rejects.toThrow(/evaluates to "12", not a number/);
    await expect(RequestCounter.install(client, { kind: 'prom-client', metric: 'jobs_total' })).rejects.toThrow(/--count-metric jobs_total/);
  });
});
