import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import autocannon from 'autocannon';
import type { Report } from '../core/report-schema.js';
import { memprobeAsync } from './helpers/real-run.js';
import { freePort, killAll, startNode } from './helpers/running-node.js';

// The built CLI (`npm test` builds first) against a server that autocannon drives, not memprobe:
// bytes per request must come from the requests the server itself counted.
const RECORD_SERVER = fileURLToPath(new URL('../fixtures/http-record-leak-server.mjs', import.meta.url));
const QUEUE_CONSUMER = fileURLToPath(new URL('../fixtures/queue-consumer.mjs', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'memprobe-in-target-count-'));
afterEach(killAll);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const RATE = 400;
const DURATION_S = 30;

describe('requests counted in the target: attach without --url under an external load tool', () => {
  it('autocannon drives, memprobe attach <pid> watches: bytes/request within 25% of memprobe run --url on the same server', async () => {
    // Its own random inspector port on SIGUSR1: other tests may attach by 9229 meanwhile.
    const server = await startNode(['--inspect-port=0', RECORD_SERVER]);
    const external = autocannon({ url: `http://127.0.0.1:${server.port}/`, connections: 5, overallRate: RATE, duration: DURATION_S + 3 });
    const attached = await memprobeAsync([
      'attach', String(server.pid), '--duration', `${DURATION_S}s`, '--warmup', '3s', '--snapshots', '6', '--out', join(scratch, 'attach'), '--json',
    ]);
    const served = await external;
    expect(attached.code, attached.stderr).toBe(0);
    const watched = JSON.parse(attached.stdout) as Report;
    expect(watched.load.countedBy).toMatch(/diagnostics_channel 'http.server.request.start'/);
    expect(watched.load.targetRps).toBeNull();
    // The target counted what autocannon sent while memprobe watched (not before: 0 at install).
    // (autocannon falls behind on a loaded machine: what matters is that what it sent was counted)
    expect(watched.load.requests).toBeGreaterThan(RATE * DURATION_S * 0.1);
    expect(watched.load.requests).toBeLessThanOrEqual(served.requests.total);
    const counts = watched.snapshots.map((s) => s.requests!);
    expect(counts.every((c, i) => i === 0 || c > counts[i - 1])).toBe(true);
    const fromAttach = watched.findings.find((f) => f.owner === 'AuditLog');
    expect(fromAttach, JSON.stringify(watched.findings.map((f) => f.owner))).toBeDefined();
    expect(JSON.parse(readFileSync(join(scratch, 'attach', 'run.json'), 'utf8')).load.countedBy).toBe(watched.load.countedBy);

    const port = await freePort();
    const run = await memprobeAsync([
      'run', '--url', `http://127.0.0.1:${port}/`, '--rps', String(RATE), '--duration', `${DURATION_S}s`, '--warmup', '3s', '--snapshots', '6',
      '--out', join(scratch, 'run'), '--json', '--', 'env', `PORT=${port}`, process.execPath, RECORD_SERVER,
    ]);
    expect(run.code, run.stderr).toBe(0);
    const driven = JSON.parse(run.stdout) as Report;
    expect(driven.load.countedBy).toMatch(/load driver/);
    const fromRun = driven.findings.find((f) => f.owner === 'AuditLog')!;
    expect(fromRun.bytesPerRequest).toBeGreaterThan(50);
    const ratio = fromAttach!.bytesPerRequest! / fromRun.bytesPerRequest!;
    console.log(`AuditLog: attach (autocannon) ${fromAttach!.bytesPerRequest!.toFixed(1)} B/request, run --url ${fromRun.bytesPerRequest!.toFixed(1)} B/request`);
    expect(ratio, `attach ${fromAttach!.bytesPerRequest} B/request, run --url ${fromRun.bytesPerRequest} B/request`).toBeGreaterThan(0.75);
    expect(ratio).toBeLessThan(1.25);
  }, 150_000);

  it('work that is not HTTP: --count-expression and --count-metric (prom-client) name the counter', async () => {
    const consumer = await startNode(['--inspect-port=0', QUEUE_CONSUMER]);
    for (const [flag, value, countedBy] of [
      ['--count-expression', 'globalThis.jobsDone', /the expression globalThis\.jobsDone/],
      ['--count-metric', 'jobs_processed_total', /the prom-client metric 'jobs_processed_total'/],
    ] as const) {
      const result = await memprobeAsync(['attach', String(consumer.pid), flag, value, '--duration', '8s', '--warmup', '1s', '--snapshots', '3', '--json', '--out', join(scratch, flag)]);
      expect(result.code, result.stderr).toBe(0);
      const report = JSON.parse(result.stdout) as Report;
      expect(report.load.countedBy).toMatch(countedBy);
      // At most 2,000 jobs a second (fewer while snapshots pause it), counted from memprobe's first
      // reading, and the snapshots' counts rise with them.
      expect(report.load.requests, flag).toBeGreaterThan(1000);
      expect(report.load.requests, flag).toBeLessThan(8 * 2000 * 1.3);
      const counts = report.snapshots.map((s) => s.requests!);
      expect(counts.every((c, i) => i === 0 || c > counts[i - 1]), JSON.stringify(counts)).toBe(true);
      const store = report.findings.find((f) => f.owner === 'ResultStore');
      expect(store, JSON.stringify(report.findings.map((f) => f.owner))).toBeDefined();
      expect(store!.bytesPerRequest).toBeGreaterThan(40);
    }
    const bad = await memprobeAsync(['attach', String(consumer.pid), '--count-expression', 'globalThis.nothing.here', '--duration', '4s', '--out', join(scratch, 'bad')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr.split('\n')[0]).toMatch(/^memprobe: --count-expression globalThis\.nothing\.here: evaluation in the target failed: TypeError/);
  }, 90_000);
});
