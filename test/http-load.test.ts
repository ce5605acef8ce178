import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../core/usage-error.js';
import { createHttpLoad } from '../harness/http-load.js';

const serverPath = fileURLToPath(new URL('../fixtures/http-echo-server.mjs', import.meta.url));
let server: ChildProcess;
let base: string;

beforeAll(async () => {
  server = spawn(process.execPath, [serverPath], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, PORT: '0' } });
  base = await new Promise<string>((resolve, reject) => {
    server.stdout!.on('data', (chunk: Buffer) => {
      const m = /listening on (http:\/\/\S+)/.exec(chunk.toString());
      if (m) resolve(m[1]);
    });
    server.once('exit', (code) => reject(new Error(`echo server exited with ${code}`)));
  });
});
afterAll(() => {
  server.kill();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function drive(url: string, rps: number, vus: number, ms: number) {
  const load = createHttpLoad({ url, rps, vus });
  await load.whenReady!();
  const t0 = performance.now();
  load.start();
  await sleep(ms);
  const during = load.counters();
  const stopAfterMs = performance.now() - t0; // a busy machine wakes the test late
  await load.stop();
  return { during, final: load.counters(), stopAfterMs };
}

describe('createHttpLoad', () => {
  it('sends requests at the rate over keep-alive and counts them by status', async () => {
    const { during, final, stopAfterMs } = await drive(`${base}/hello?x=1`, 300, 100, 1500);
    // Counters stream in while the load runs (every 100 ms), not only at the end.
    expect(during.requests).toBeGreaterThan(200);
    // Arrivals at 0, 1/300, ...: no more than were due when stop() was called, give or take the
    // messages' way to the worker thread (a few ms; 10 arrivals is 33 ms).
    expect(final.requests + final.dropped).toBeGreaterThan(330);
    expect(final.requests + final.dropped).toBeLessThanOrEqual(Math.ceil((stopAfterMs * 300) / 1000) + 10);
    expect(final.statusCounts).toEqual({ '200': final.requests });
    expect(final.errors).toBe(0);
    // Drops need 100 requests in flight, i.e. a third of a second per request: only a machine
    // overloaded many times over (the first requests open connections and warm the client up).
    expect(final.dropped).toBeLessThan((final.requests + final.dropped) * 0.1);
    expect(final.inFlight).toBe(0);
    expect(final.latencyMs!.p50).toBeGreaterThan(0);
    expect(final.latencyMs!.max).toBeGreaterThanOrEqual(final.latencyMs!.p99);
  }, 20_000);

  it('counts 5xx responses as errors', async () => {
    const { final } = await drive(`${base}/status/503`, 100, 10, 600);
    expect(final.requests).toBeGreaterThan(20);
    expect(final.statusCounts).toEqual({ '503': final.requests });
    expect(final.errors).toBe(final.requests);
    expect(final.errorMessages).toEqual(['HTTP 503']);
  }, 20_000);

  it('drops arrivals when every slot waits on a slow server, and does not queue them', async () => {
    // 100/s against 300 ms responses with 2 slots: at most ~2 requests per 300 ms complete.
    const { final } = await drive(`${base}/slow/300`, 100, 2, 1000);
    expect(final.requests).toBeGreaterThanOrEqual(2);
    expect(final.requests).toBeLessThanOrEqual(10);
    expect(final.dropped).toBeGreaterThan(70);
  }, 20_000);

  it('counts network errors with their message', async () => {
    const s = net.createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const { port } = s.address() as net.AddressInfo;
    await new Promise((r) => s.close(r));
    const { final } = await drive(`http://127.0.0.1:${port}/`, 50, 5, 500);
    expect(final.requests).toBeGreaterThan(5);
    expect(final.errors).toBe(final.requests);
    expect(final.statusCounts).toEqual({});
    expect(final.errorMessages.join(' ')).toContain('ECONNREFUSED');
  }, 20_000);

  it('rejects bad URLs and rates', () => {
    expect(() => createHttpLoad({ url: 'not a url', rps: 1, vus: 1 })).toThrow(UsageError);
    expect(() => createHttpLoad({ url: base, rps: 0, vus: 1 })).toThrow(UsageError);
  });
});
