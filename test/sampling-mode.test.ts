/**
 * `memprobe run --sampling` end to end through the built CLI: a real target, the real sampling
 * profiler read over the inspector, the report, and heap.pb.gz decoded with pprof-format.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { Profile } from 'pprof-format';
import { afterAll, describe, expect, it } from 'vitest';
import type { Report } from '../core/report-schema.js';

const CLI = fileURLToPath(new URL('../dist/cli/memprobe.js', import.meta.url));
const dir = mkdtempSync(path.join(tmpdir(), 'memprobe-sampling-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Keeps one record of ~200 B per request in a slot allocated up front: growth at remember().
const GROWING = `
const kept = new Array(100000).fill(null);
let n = 0;
function remember(i) { kept[i] = { id: i, payload: new Array(16).fill(i) }; }
export default function iteration() { remember(n++); }
`;
// Allocates and drops: no growth.
const CHURN = `
const ring = new Array(64).fill(null);
let n = 0;
export default function iteration() { ring[n++ % 64] = { id: n, payload: new Array(16).fill(n) }; }
`;

function memprobe(args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
}

function script(name: string, source: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, source);
  return file;
}

describe('memprobe run --sampling', () => {
  it('finds the growth at its allocation site without a snapshot, and heap.pb.gz agrees', () => {
    const target = script('growing.mjs', GROWING);
    const out = path.join(dir, 'growing-run');
    // Every 4 KiB: ~250 samples of the 1 MB it keeps, not ~30 (at 32 KiB one loaded CI run read 78 B/request).
    const result = memprobe(['run', target, '--sampling', '--sampling-every', '1s', '--sampling-interval', '4KiB', '--rps', '500', '--duration', '10s', '--warmup', '2s', '--out', out]);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^mode {6}sampling: no heap snapshots/m);
    const report = JSON.parse(readFileSync(path.join(out, 'report.json'), 'utf8')) as Report;
    expect(report.meta?.mode).toBe('sampling');
    expect(report.snapshots).toEqual([]);
    expect(readdirSync(path.join(out, 'snapshots'))).toEqual([]);
    const finding = report.findings[0];
    expect(finding, JSON.stringify(report.notes)).toBeDefined();
    expect(finding.site?.functionName).toBe('remember');
    expect(finding.site?.location).toMatch(/growing\.mjs:4:\d+$/);
    expect(finding.owner).toBe('remember (growing.mjs:4)');
    // A 16-slot array (16 + 128 B) and a two-field object: ~200 B per request, within 2x.
    expect(finding.bytesPerRequest!).toBeGreaterThan(100);
    expect(finding.bytesPerRequest!).toBeLessThan(400);
    expect(finding.decidingSnapshot?.command).toBeDefined();
    expect(report.projection.heapLimitBytes).toBeGreaterThan(0);

    expect(existsSync(path.join(out, 'sampling.ndjson'))).toBe(true);
    const pprof = Profile.decode(gunzipSync(readFileSync(path.join(out, 'heap.pb.gz'))));
    const s = (i: number | bigint) => pprof.stringTable.strings[Number(i)];
    expect(pprof.sampleType.map((t) => s(t.type))).toEqual(['inuse_objects', 'inuse_space']);
    const largest = [...pprof.sample].sort((a, b) => Number(b.value[1]) - Number(a.value[1]))[0];
    const location = pprof.location.find((l) => l.id === largest.locationId[0])!;
    const fn = pprof.function.find((f) => f.id === location.line[0].functionId)!;
    expect(`${s(fn.name)} ${s(fn.filename)}:${location.line[0].line}:${location.line[0].column}`).toBe(`remember ${finding.site!.location}`);
  });

  it('reports nothing for a target that only churns', () => {
    const target = script('churn.mjs', CHURN);
    const out = path.join(dir, 'churn-run');
    const result = memprobe(['run', target, '--sampling', '--sampling-every', '1s', '--rps', '500', '--duration', '8s', '--warmup', '2s', '--out', out, '--json']);
    expect(result.status, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as Report;
    expect(report.findings.map((f) => [f.owner, f.verdict, f.memory ?? "heap", f.growthBytes])).toEqual([]);
  });

  it('refuses --sampling with snapshot options, --sampling-every without --sampling, and a tiny --sampling-interval (exit 2, one line)', () => {
    const target = script('noop.mjs', 'export default function iteration() {}');
    const both = memprobe(['run', target, '--sampling', '--snapshots', '3', '--duration', '2s']);
    expect(both.status).toBe(2);
    expect(both.stderr.trim().split('\n')[0]).toMatch(/--sampling takes no heap snapshots: drop --snapshots/);
    const every = memprobe(['run', target, '--sampling-every', '1s', '--duration', '2s']);
    expect(every.status).toBe(2);
    expect(every.stderr).toMatch(/--sampling-every needs --sampling/);
    const tiny = memprobe(['run', target, '--sampling', '--sampling-interval', '16', '--duration', '2s']);
    expect(tiny.status).toBe(2);
    expect(tiny.stderr.trim().split('\n')).toHaveLength(1);
    expect(tiny.stderr).toMatch(/--sampling-interval: at least 64 bytes, got "16"/);
  });
});
