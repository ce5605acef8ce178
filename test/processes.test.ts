/**
 * Services of several processes and threads, for real: a 2-worker cluster in which only the workers
 * grow (a record per request in a Map), under `memprobe run --url -- node cluster.js` and under
 * `memprobe attach <primary pid>` while another tool drives it; and a worker_threads worker that
 * keeps what it is given. Each finding must name its owner and the process or thread it grows in.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import autocannon from 'autocannon';
import type { Report } from '../core/report-schema.js';
import { listeningSocketsOf } from '../harness/inspector-discovery.js';
import { nodeDescendants } from '../harness/process-tree.js';
import { memprobeAsync } from './helpers/real-run.js';
import { freePort, killAll, startNode } from './helpers/running-node.js';

const CLUSTER = fileURLToPath(new URL('../fixtures/cluster-record-leak.mjs', import.meta.url));
const WORKER_THREAD = fileURLToPath(new URL('../fixtures/worker-thread-leak.mjs', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'memprobe-processes-'));
afterEach(killAll);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const CAPTURE = ['--duration', '20s', '--warmup', '2s', '--snapshots', '4', '--json'];

/** Both workers' AuditLog found, per worker, named; the primary grows nothing; one line for both. */
function expectPerWorker(report: Report, workers: number[]): void {
  const names = report.processes!.map((p) => p.name);
  for (const pid of workers) expect(names).toContain(`pid ${pid} (cluster worker ${workers.indexOf(pid) + 1})`);
  for (const pid of workers) {
    const finding = report.findings.find((f) => f.owner === 'AuditLog' && f.process?.startsWith(`pid ${pid} `));
    expect(finding, `${pid}: ${JSON.stringify(report.findings.map((f) => [f.owner, f.process]))}`).toBeDefined();
    expect(finding!.verdict).toBe('accumulation');
    expect(finding!.bytesPerRequest).toBeGreaterThan(40);
  }
  expect(report.findings.filter((f) => f.owner === 'AuditLog' && /the (target|attached process)/.test(f.process ?? ''))).toEqual([]);
  expect(report.notes).toContainEqual(expect.stringMatching(/^AuditLog: accumulation in 2 of 2 cluster workers \(pid \d+ [\d.]+ B\/request, pid \d+ [\d.]+ B\/request\)\.$/));
}

describe('clusters: every worker captured and reported by name', () => {
  it('memprobe run --url -- node cluster.js: the workers (not the primary that holds the socket) grow', async () => {
    const port = await freePort();
    const out = join(scratch, 'run-cluster');
    const result = await memprobeAsync(['run', '--url', `http://127.0.0.1:${port}/`, '--rps', '300', ...CAPTURE, '--out', out, '--', 'env', `PORT=${port}`, process.execPath, CLUSTER]);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as Report;
    const workers = report.processes!.filter((p) => p.name.includes('cluster worker')).map((p) => p.pid!);
    // A worker left out says why in the notes ("Not captured: ...").
    expect(workers, JSON.stringify(report.notes)).toHaveLength(2);
    expectPerWorker(report, workers);
  }, 90_000);

  it('memprobe attach <primary> while autocannon drives it: workers found in /proc, opened one by one, closed again', async () => {
    const cluster = await startNode([CLUSTER]);
    const workers = nodeDescendants(cluster.pid).map((p) => p.pid);
    expect(workers).toHaveLength(2);
    const load = autocannon({ url: `http://127.0.0.1:${cluster.port}/`, connections: 4, overallRate: 300, duration: 23 });
    const result = await memprobeAsync(['attach', String(cluster.pid), ...CAPTURE, '--out', join(scratch, 'attach-cluster')]);
    await load;
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as Report;
    expectPerWorker(report, workers);
    // Counted inside each worker: the service's requests are theirs.
    const perWorker = report.processes!.filter((p) => workers.includes(p.pid!)).map((p) => p.requests!);
    expect(perWorker.every((n) => n > 300)).toBe(true);
    expect(report.load.requests).toBe(perWorker[0] + perWorker[1]);
    // The inspectors memprobe opened are closed again: each process listens on what it did before.
    await new Promise((r) => setTimeout(r, 1500));
    for (const pid of [cluster.pid, ...workers]) {
      const ports = (listeningSocketsOf(pid) ?? []).map((s) => s.port);
      expect(ports.filter((p) => p !== cluster.port), `pid ${pid} still listens on ${ports}`).toEqual([]);
    }
    expect(cluster.alive()).toBe(true);

    // report.html: the processes table links each worker's own report; no error in a real browser.
    if (!existsSync('/usr/bin/chromium')) return;
    const profile = mkdtempSync(join(tmpdir(), 'memprobe-chromium-'));
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
      const page = context.pages()[0] ?? (await context.newPage());
      const errors: string[] = [];
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(pathToFileURL(join(scratch, 'attach-cluster', 'report.html')).href, { waitUntil: 'load' });
      const rows = await page.locator('#processes tbody tr').allInnerTexts();
      expect(rows).toHaveLength(3);
      for (const pid of workers) expect(rows.some((r) => r.includes(`pid ${pid} (cluster worker`) && r.includes(`processes/pid-${pid}/report.html`))).toBe(true);
      expect(await page.locator('#findings').innerText()).toMatch(/in pid \d+ \(cluster worker 1\)/);
      await page.goto(pathToFileURL(join(scratch, 'attach-cluster', 'processes', `pid-${workers[0]}`, 'report.html')).href, { waitUntil: 'load' });
      expect(await page.locator('#verdict').innerText()).toContain('AuditLog');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    }
  }, 120_000);

  it('--processes none captures the target alone', async () => {
    const cluster = await startNode([CLUSTER]);
    const result = await memprobeAsync(['attach', String(cluster.pid), '--duration', '4s', '--warmup', '1s', '--snapshots', '2', '--processes', 'none', '--json', '--out', join(scratch, 'none')]);
    expect(result.code, result.stderr).toBe(0);
    expect((JSON.parse(result.stdout) as Report).processes).toBeUndefined();
  }, 60_000);
});

describe('worker threads: growth inside a worker isolate', () => {
  it('memprobe run --url: the worker thread\'s owner found, named with its thread', async () => {
    const port = await freePort();
    const result = await memprobeAsync(['run', '--url', `http://127.0.0.1:${port}/`, '--rps', '300', ...CAPTURE, '--out', join(scratch, 'thread'), '--', 'env', `PORT=${port}`, process.execPath, WORKER_THREAD]);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as Report;
    const thread = report.processes!.find((p) => p.kind === 'thread');
    expect(thread?.name).toMatch(/^worker thread \d+ \(indexer\) of pid \d+ \(the target\)$/);
    const finding = report.findings.find((f) => f.owner === 'DocumentIndex');
    expect(finding, JSON.stringify(report.findings.map((f) => [f.owner, f.process]))).toBeDefined();
    expect(finding!.process).toBe(thread!.name);
    expect(finding!.verdict).toBe('accumulation');
    // Credited with the process's requests: bytes per request are known.
    expect(finding!.bytesPerRequest).toBeGreaterThan(100);
    expect(report.findings.some((f) => f.owner === 'DocumentIndex' && !f.process?.startsWith('worker thread'))).toBe(false);
  }, 90_000);
});
