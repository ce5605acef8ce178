import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { UsageError } from '../core/usage-error.js';
import { startScriptTarget } from '../harness/script-target.js';
import { processExists } from '../harness/process-exists.js';

const dir = mkdtempSync(path.join(tmpdir(), 'memprobe-script-target-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function writeTarget(name: string, source: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, source);
  return file;
}


/** Target output (the inspector's banner among it) goes here rather than into the test output. */
const log = path.join(dir, 'target.log');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The target's used heap after a full GC, through its inspector (as the capture side sees it). */
async function heapAfterGc(inspectorUrl: string): Promise<number> {
  const ws = new WebSocket(inspectorUrl);
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  let id = 0;
  const call = (method: string) =>
    new Promise<any>((resolve) => {
      const mine = ++id;
      const onMessage = (data: WebSocket.RawData) => {
        const reply = JSON.parse(String(data));
        if (reply.id === mine) {
          ws.off('message', onMessage);
          resolve(reply.result);
        }
      };
      ws.on('message', onMessage);
      ws.send(JSON.stringify({ id: mine, method }));
    });
  await call('HeapProfiler.collectGarbage');
  const { usedSize } = await call('Runtime.getHeapUsage');
  ws.close();
  return usedSize as number;
}

describe('startScriptTarget', () => {
  it('runs setup, iterations at the rate, counters over IPC, teardown, and exits on close', async () => {
    const out = path.join(dir, 'lifecycle.json');
    const script = writeTarget(
      'lifecycle.mjs',
      `import { writeFileSync } from 'node:fs';
       import v8 from 'node:v8';
       export const options = { rps: 42, duration: '1m30s' };
       export async function setup() {
         return { n: 0, heapLimit: v8.getHeapStatistics().heap_size_limit };
       }
       export default async function (state) {
         state.n++;
         if (state.n % 10 === 0) throw new Error('every tenth fails');
         await new Promise((r) => setTimeout(r, 2));
       }
       export async function teardown(state) {
         writeFileSync(${JSON.stringify(out)}, JSON.stringify({ n: state.n, heapLimit: state.heapLimit, pid: process.pid }));
       }`,
    );
    const { target, defaults, createLoad } = await startScriptTarget({
      script,
      vus: 10,
      env: { ...process.env, NODE_OPTIONS: '--max-old-space-size=96' },
      logFile: path.join(dir, 'lifecycle.log'),
    });
    expect(target.kind).toBe('script');
    expect(target.inspectorUrl).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/[0-9a-f-]+$/);
    expect(processExists(target.pid)).toBe(true);
    expect(defaults).toEqual({ rps: 42, durationS: 90 });

    const load = createLoad(400, 10);
    expect(load.targetRps).toBe(400);
    load.start();
    await sleep(1000);
    const during = load.counters();
    // Counters arrive every 100 ms while the load runs; a loaded machine may lag, not stall.
    expect(during.requests).toBeGreaterThan(150);
    expect(during.requests).toBeLessThanOrEqual(401);
    await load.stop();
    const final = load.counters();
    expect(final.requests).toBeGreaterThanOrEqual(during.requests);
    expect(final.inFlight).toBe(0);
    expect(final.errors).toBe(Math.floor(final.requests / 10));
    expect(final.errorMessages).toEqual(['every tenth fails']);
    expect(final.latencyMs!.p50).toBeGreaterThanOrEqual(1.5);

    const torn = JSON.parse(readFileSync(out, 'utf8'));
    expect(torn.n).toBe(final.requests);
    expect(torn.pid).toBe(target.pid);
    expect(torn.heapLimit).toBeLessThan(200 * 2 ** 20); // NODE_OPTIONS reached the child
    expect(readFileSync(path.join(dir, 'lifecycle.log'), 'utf8')).toContain('Debugger listening on ws://127.0.0.1:');

    await target.close();
    expect(await target.exited).toEqual({ code: 0, signal: null });
    expect(processExists(target.pid)).toBe(false);
  }, 20_000);

  it('runs TypeScript targets', async () => {
    const script = writeTarget(
      'typed.ts',
      `let count: number = 0;
       export default function iteration(): void { count++; }
       export function teardown(): void { if (count === 0) throw new Error('never ran'); }`,
    );
    const { target, defaults, createLoad } = await startScriptTarget({ script, vus: 5, logFile: log });
    expect(defaults).toEqual({ rps: null, durationS: null });
    const load = createLoad(200, 5);
    load.start();
    await sleep(500);
    await load.stop();
    expect(load.counters().requests).toBeGreaterThan(50);
    expect(load.counters().errorMessages).toEqual([]);
    await target.close();
  }, 20_000);

  it('keeps nothing per iteration in the target process (heap flat over tens of thousands)', async () => {
    const script = writeTarget('noop.mjs', `export default async function () {}`);
    const { target, createLoad } = await startScriptTarget({ script, vus: 50, logFile: log });
    const load = createLoad(8000, 50);
    load.start();
    await sleep(1000); // past the first iterations' compilation
    await heapAfterGc(target.inspectorUrl); // the inspector session's own objects, made once
    const first = await heapAfterGc(target.inspectorUrl);
    const before = load.counters().requests;
    await sleep(5000);
    const second = await heapAfterGc(target.inspectorUrl);
    const iterations = load.counters().requests - before;
    await load.stop();
    await target.close();
    expect(iterations).toBeGreaterThan(20_000);
    // Measured here: ±200 kB of noise (compiled code, IPC buffers) over 40,000 iterations, i.e.
    // ±5 B each; an object kept per iteration costs 16 B or more, plus the slot that holds it.
    expect((second - first) / iterations).toBeLessThan(12);
  }, 30_000);

  it('leaves Ctrl-C (SIGINT to the process group) to the parent', async () => {
    const script = writeTarget('interrupted.mjs', `export default function () {}`);
    const { target, createLoad } = await startScriptTarget({ script, vus: 5, logFile: log });
    const load = createLoad(200, 5);
    load.start();
    await sleep(300);
    process.kill(target.pid, 'SIGINT');
    const before = load.counters().requests;
    await sleep(500);
    expect(processExists(target.pid)).toBe(true);
    expect(load.counters().requests).toBeGreaterThan(before);
    await load.stop();
    await target.close();
    expect(await target.exited).toEqual({ code: 0, signal: null });
  }, 20_000);

  it('reports a crash mid-run through `exited`', async () => {
    const script = writeTarget('crashes.mjs', `let n = 0; export default function () { if (++n === 50) process.exit(7); }`);
    const { target, createLoad } = await startScriptTarget({ script, vus: 5, logFile: path.join(dir, 'crash.log') });
    createLoad(500, 5).start();
    expect(await target.exited).toEqual({ code: 7, signal: null });
    await target.close(); // closing a dead target is a no-op, not an error
  }, 20_000);

  it('rejects a module that throws on import with one line naming the script', async () => {
    const script = writeTarget('throws.mjs', `throw new Error('cannot reach the database\\nsecond line');\nexport default () => {};`);
    const error = await startScriptTarget({ script, vus: 1, logFile: path.join(dir, 'throws.log') }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toBe(`${script}: import failed: cannot reach the database`);
  }, 20_000);

  it('rejects a module without a default export, and a setup that throws', async () => {
    const noDefault = writeTarget('no-default.mjs', `export function iteration() {}`);
    await expect(startScriptTarget({ script: noDefault, vus: 1, logFile: log })).rejects.toThrow(`${noDefault}: has no default export function`);
    const badSetup = writeTarget('bad-setup.mjs', `export function setup() { throw new TypeError('no config'); }\nexport default () => {};`);
    await expect(startScriptTarget({ script: badSetup, vus: 1, logFile: log })).rejects.toThrow(`${badSetup}: setup failed: no config`);
  }, 20_000);

  it('rejects bad options and missing files before any load', async () => {
    const badDuration = writeTarget('bad-options.mjs', `export const options = { duration: 'soon' };\nexport default () => {};`);
    await expect(startScriptTarget({ script: badDuration, vus: 1, logFile: log })).rejects.toThrow(/bad-options\.mjs: options\.duration: expected a duration/);
    await expect(startScriptTarget({ script: path.join(dir, 'missing.mjs'), vus: 1, logFile: log })).rejects.toThrow(UsageError);
    expect(existsSync(path.join(dir, 'missing.mjs'))).toBe(false);
  }, 20_000);
});
