/**
 * `memprobe attach --sampling` against a running HTTP server that leaks a listener and a context per
 * request: no snapshot, the leak found at its allocation site, the process left as it was found.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Report } from '../core/report-schema.js';
import { listeningSocketsOf } from '../harness/inspector-discovery.js';
import { memprobeAsync } from './helpers/real-run.js';
import { LEAKY_SERVER, drive, killAll, startNode } from './helpers/running-node.js';

const scratch = mkdtempSync(join(tmpdir(), 'memprobe-attach-sampling-'));
afterEach(killAll);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('memprobe attach --sampling', () => {
  it('finds the per-request growth of a running server at its allocation sites, takes no snapshot, and closes the inspector it opened', async () => {
    const server = await startNode(['--inspect-port=0', LEAKY_SERVER]);
    const out = join(scratch, 'leaky');
    const result = await memprobeAsync([
      'attach', String(server.pid), '--url', `http://127.0.0.1:${server.port}/`, '--rps', '300',
      '--duration', '12s', '--warmup', '2s', '--sampling', '--sampling-every', '1s',
      // The listener closures are ~100 B a request: at the default 32 KiB a sample, a loaded machine's
      // ten seconds leave too few of them to clear the noise test.
      '--sampling-interval', '4KiB', '--out', out, '--json',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as Report;
    expect(report.meta?.mode).toBe('sampling');
    expect(report.meta?.samplingIntervalBytes).toBe(4096);
    expect(report.snapshots).toEqual([]);
    expect(readdirSync(join(out, 'snapshots'))).toEqual([]);
    const summary = JSON.stringify(report.findings.map((f) => [f.owner, f.verdict, f.site?.stack]));
    // The request handler keeps a closure (its listener) and a RequestContext per request. A profile
    // cannot see that the closure is a listener: the site is named, and the verdict is left to the
    // snapshot the finding names, with its predicted cost.
    const handler = report.findings.find((f) => f.site?.location.includes('http-leaky-server.mjs:24:'));
    expect(handler, summary).toBeDefined();
    expect(handler!.bytesPerRequest!).toBeGreaterThan(20);
    expect(handler!.verdict === 'leak' || handler!.decidingSnapshot !== undefined, summary).toBe(true);
    expect(report.findings.some((f) => f.owner === 'RequestContext (http-leaky-server.mjs:14)'), summary).toBe(true);
    // Left as found: serving, and no inspector listening any more.
    expect(listeningSocketsOf(server.pid)!.map((s) => s.port)).toEqual([server.port]);
    await drive(server.port!, 10);
    expect(server.alive()).toBe(true);
  });
});
