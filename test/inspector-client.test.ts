import { afterEach, describe, expect, it } from 'vitest';
import {
  evaluateInTarget,
  InspectorClient,
  InspectorClosedError,
  InspectorTimeoutError,
  ProtocolError,
} from '../harness/inspector-client.js';
import { startInspectableNode, type InspectableNode } from './helpers/inspectable-node.js';

let target: InspectableNode | null = null;
let client: InspectorClient | null = null;

afterEach(async () => {
  await client?.close();
  await target?.kill();
  client = null;
  target = null;
});

async function connect(source = 'setInterval(() => {}, 1000)'): Promise<InspectorClient> {
  target = await startInspectableNode(source);
  client = await InspectorClient.connect(target.url);
  return client;
}

describe('InspectorClient', () => {
  it('sends commands and matches answers by id, even when they complete out of order', async () => {
    const c = await connect();
    const slow = c.send<{ result: { value: number } }>('Runtime.evaluate', {
      expression: 'new Promise((r) => setTimeout(() => r(1), 300))',
      awaitPromise: true,
      returnByValue: true,
    });
    const fast = evaluateInTarget<number>(c, '2 + 2');
    expect(await fast).toBe(4);
    expect((await slow).result.value).toBe(1);
  });

  it('gives `require` to evaluated expressions in an ES-module target', async () => {
    const c = await connect();
    expect(await evaluateInTarget<string>(c, "typeof require('node:v8').getHeapStatistics")).toBe('function');
  });

  it('rejects with the protocol error for an unknown method, and with the exception for a throw', async () => {
    const c = await connect();
    await expect(c.send('NoSuch.method')).rejects.toBeInstanceOf(ProtocolError);
    await expect(evaluateInTarget(c, 'null.x')).rejects.toThrow(/TypeError/);
  });

  it('delivers events to subscribers until they unsubscribe', async () => {
    const c = await connect();
    const seen: unknown[] = [];
    const off = c.on('Runtime.consoleAPICalled', (params) => seen.push((params.args as { value: unknown }[])[0].value));
    await c.send('Runtime.enable');
    await evaluateInTarget(c, "console.log('first')");
    await new Promise((r) => setTimeout(r, 100));
    off();
    await evaluateInTarget(c, "console.log('second')");
    await new Promise((r) => setTimeout(r, 100));
    expect(seen).toEqual(['first']);
  });

  it('times out a command the target does not answer', async () => {
    const c = await connect();
    const answer = c.send(
      'Runtime.evaluate',
      { expression: 'new Promise((r) => setTimeout(r, 5000))', awaitPromise: true },
      { timeoutMs: 200 },
    );
    await expect(answer).rejects.toBeInstanceOf(InspectorTimeoutError);
    expect(await evaluateInTarget<number>(c, '1')).toBe(1); // the connection survives a timeout
  });

  it('rejects pending commands and resolves `closed` when the target dies', async () => {
    const c = await connect();
    const outcome = c
      .send('Runtime.evaluate', { expression: 'new Promise(() => {})', awaitPromise: true }, { timeoutMs: 0 })
      .catch((err: unknown) => err);
    await target!.kill();
    expect(await outcome).toBeInstanceOf(InspectorClosedError);
    await c.closed;
    expect(c.isOpen).toBe(false);
    await expect(c.send('Runtime.evaluate', { expression: '1' })).rejects.toBeInstanceOf(InspectorClosedError);
  });

  it('fails to connect with a clear message when nothing listens', async () => {
    await expect(InspectorClient.connect('ws://127.0.0.1:9/none', 2000)).rejects.toThrow(/could not connect to the inspector/);
  });
});
