/**
 * Memory outside the JS heap: a real run of a target that leaks a gzip stream per request (snapshot
 * mode), and the timeline rules on synthetic timelines (external growth with no owner, RSS growth
 * no JS object accounts for).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { Report, TimelineSample } from '../core/report-schema.js';
import { analyzeOutsideHeap } from '../analyzers/outside-heap.js';

const CLI = fileURLToPath(new URL('../dist/cli/memprobe.js', import.meta.url));
const FIXTURE = fileURLToPath(new URL('../fixtures/gzip-stream-leak.mjs', import.meta.url));
const dir = mkdtempSync(path.join(tmpdir(), 'memprobe-outside-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function timeline(n: number, f: (i: number) => Partial<TimelineSample>): TimelineSample[] {
  return Array.from({ length: n }, (_, i) => ({
    t: i,
    requests: 100 * i,
    dropped: 0,
    heapUsed: 20e6,
    heapTotal: 30e6,
    rss: 80e6,
    external: 2e6,
    arrayBuffers: 1e6,
    eventLoopDelayP99Ms: 1,
    ...f(i),
  }));
}

const base = {
  fromT: 2,
  findings: [],
  projection: { heapLimitBytes: 4e9, atRps: 100, secondsToLimit: null, text: 'nothing grows without bound' },
  runRps: 100,
  projectRps: [],
  horizonS: 86400,
  heapLimitBytes: 4e9,
  lastHeapBytes: 20e6,
  memoryLimit: { bytes: 1e9, source: 'cgroup /sys/fs/cgroup/app/memory.max' },
};

describe('memory outside the JS heap', () => {
  it('a gzip stream per request, never ended: a leak outside the heap, projected against process memory, not the heap limit', () => {
    const out = path.join(dir, 'gzip');
    const result = spawnSync(process.execPath, [CLI, 'run', FIXTURE, '--rps', '20', '--duration', '12s', '--snapshots', '3', '--warmup', '2s', '--out', out, '--json'], { encoding: 'utf8', timeout: 120_000 });
    expect(result.status, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as Report;
    // What holds the streams (the Gzip owner, or the array of open responses) is the leak, and its
    // growth is the streams' native zlib state, which the snapshot shows: outside the heap, whatever
    // the process's `external` counter did meanwhile.
    const leak = report.findings.find((f) => f.memory === 'external' && f.verdict === 'leak');
    expect(leak, JSON.stringify(report.findings.map((f) => [f.owner, f.verdict, f.memory]))).toBeDefined();
    expect(leak!.owner).toMatch(/Gzip|openResponses/);
    expect(leak!.evidence.join(' ')).toMatch(/\d+% native\/external memory/);
    expect(report.projection.memory?.text).toMatch(/memory outside the JS heap \(.*\) takes the process to its .* memory limit/);
    expect(report.projection.text).not.toMatch(/heap limit/);
  });

  it('an owner whose growth the snapshot shows is native memory (a Gzip) is the owner of that growth: a leak, out of the heap projection', () => {
    const gzip = {
      owner: 'Gzip',
      verdict: 'accumulation' as const,
      bytesPerRequest: 300_000,
      bytesPerSecond: 6e6,
      growthBytes: 80e6,
      retainerPath: ['(GC roots)', 'openResponses', 'Gzip'],
      evidence: ['the growth is 96% native/external memory (+4.5 MB), 2% other (+107 KB)'],
      hint: 'metric labels',
      key: 'Gzip@node:zlib:723',
    };
    const result = analyzeOutsideHeap({
      ...base,
      findings: [gzip],
      projection: { heapLimitBytes: 4e9, atRps: 100, secondsToLimit: 600, text: 'at 100/s Gzip alone reaches the 4.0 GB heap limit in 10 min' },
      timeline: timeline(30, (i) => ({ external: 2e6 + 1_600_000 * i, rss: 80e6 + 6e6 * i })),
      snapshotsTaken: true,
    });
    expect(result.findings).toHaveLength(1);
    const [f] = result.findings;
    expect([f.owner, f.verdict, f.memory]).toEqual(['Gzip', 'leak', 'external']);
    expect(f.evidence[0]).toMatch(/stream or handle: one per request/);
    expect(f.hint).toMatch(/end\(\)/);
    expect(result.projection.secondsToLimit).toBeNull();
    expect(result.projection.text).toMatch(/^nothing on the JS heap grows without bound; at 100\/s memory outside the JS heap \(Gzip\) takes the process to its 1\.0 GB memory limit \(cgroup/);
  });

  it('external growth no owner explains is a finding of its own, projected against the memory limit', () => {
    const result = analyzeOutsideHeap({ ...base, timeline: timeline(30, (i) => ({ external: 2e6 + 200_000 * i, rss: 80e6 + 200_000 * i })), snapshotsTaken: false });
    expect(result.findings.map((f) => [f.owner, f.memory, f.verdict])).toEqual([['(external memory: Buffers, ArrayBuffers, native)', 'external', 'leak']]);
    expect(result.findings[0].bytesPerRequest).toBeCloseTo(2000, 0);
    // 1 GB limit, RSS at 85.8 MB, 200 KB/s: about 76 minutes.
    expect(result.projection.memory!.secondsToLimit! / 60).toBeCloseTo((1e9 - 85.8e6) / 200_000 / 60, 0);
    expect(result.projection.memory!.text).toMatch(/cgroup/);
  });

  it('RSS growth no JS object accounts for is "native memory outside any JS object", with a hint; not judged with snapshots', () => {
    const grows = timeline(30, (i) => ({ rss: 80e6 + 300_000 * i }));
    const [native] = analyzeOutsideHeap({ ...base, timeline: grows, snapshotsTaken: false }).findings;
    expect(native.owner).toBe('native memory outside any JS object');
    expect(native.memory).toBe('native');
    expect(native.hint).toMatch(/heaptrack|valgrind/);
    const withSnapshots = analyzeOutsideHeap({ ...base, timeline: grows, snapshotsTaken: true });
    expect(withSnapshots.findings).toEqual([]);
    expect(withSnapshots.notes.join(' ')).toMatch(/not judged in a run with heap snapshots/);
  });

  it('flat or noisy memory outside the heap is no finding', () => {
    const noisy = timeline(30, (i) => ({ external: 2e6 + ((i * 7919) % 11) * 20_000, rss: 80e6 + ((i * 104729) % 7) * 50_000 }));
    expect(analyzeOutsideHeap({ ...base, timeline: noisy, snapshotsTaken: false }).findings).toEqual([]);
  });
});
