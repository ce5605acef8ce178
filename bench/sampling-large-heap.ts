/**
 * `--sampling` on a ~500 MB heap of millions of small objects: 60 s at
 * 500 requests/s, the target growing by exactly 80 B/request (bench/targets/large-heap-growth.mjs).
 * Prints what the target paid (its longest event-loop stall, measured inside it), the achieved
 * rate, and the finding: its site and bytes/request against the truth.
 *
 *   npm run build && npx tsx bench/sampling-large-heap.ts [-- --duration 60s --rps 500 --objects 7000000]
 *   add --snapshot to also time one full heap snapshot of the same target (minutes, GBs of RSS)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import type { Report, TimelineSample } from '../core/report-schema.js';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '60s' },
    rps: { type: 'string', default: '500' },
    objects: { type: 'string', default: '7000000' },
    snapshot: { type: 'boolean', default: false },
  },
});
const root = fileURLToPath(new URL('..', import.meta.url)).replace(/\/dist\/$/, '/');
const cli = join(root, 'dist/cli/memprobe.js');
const target = join(root, 'bench/targets/large-heap-growth.mjs');
const TRUTH = 80;

function run(extra: string[]): { report: Report; dir: string; wallS: number } {
  const dir = join(mkdtempSync(join(tmpdir(), 'memprobe-large-heap-')), 'run');
  const started = performance.now();
  const result = spawnSync(process.execPath, [cli, 'run', target, '--rps', values.rps!, '--duration', values.duration!, '--out', dir, '--json', ...extra], {
    env: { ...process.env, LARGE_HEAP_OBJECTS: values.objects },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.status !== 0) throw new Error(`memprobe exited ${result.status}: ${result.stderr.slice(-2000)}`);
  return { report: JSON.parse(result.stdout) as Report, dir, wallS: (performance.now() - started) / 1000 };
}

console.log(`load average before: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
const { report, dir, wallS } = run(['--sampling']);
const log = readFileSync(join(dir, 'target.log'), 'utf8');
const stall = /large-heap-target: (.*)/.exec(log)?.[1] ?? '(no stall line in target.log)';
const timeline = readFileSync(join(dir, 'timeline.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as TimelineSample);
const heapMax = Math.max(...timeline.map((s) => s.heapUsed));
const rssMax = Math.max(...timeline.map((s) => s.rss));
const p99Max = Math.max(...timeline.map((s) => s.eventLoopDelayP99Ms ?? 0));
console.log(`sampling run, ${values.duration} at ${values.rps}/s, ${values.objects} objects in the heap (${wallS.toFixed(0)} s wall):`);
console.log(`  heap used up to ${(heapMax / 1e6).toFixed(0)} MB, RSS up to ${(rssMax / 1e6).toFixed(0)} MB`);
console.log(`  target: ${stall}`);
console.log(`  worst per-second event-loop p99 in the timeline: ${p99Max.toFixed(0)} ms`);
console.log(`  achieved ${report.load.achievedRps}/s of ${report.load.targetRps}/s (${((100 * (report.load.achievedRps ?? 0)) / (report.load.targetRps ?? 1)).toFixed(1)}%), ${report.load.dropped} dropped`);
for (const f of report.findings) {
  const ratio = f.bytesPerRequest === null ? null : f.bytesPerRequest / TRUTH;
  console.log(`  finding: ${f.verdict} ${f.owner}: ${f.bytesPerRequest?.toFixed(1)} B/request (truth ${TRUTH}, ratio ${ratio?.toFixed(2)}), site ${f.site?.location}`);
}
if (report.findings.length === 0) console.log('  no finding');
for (const n of report.notes) console.log(`  note: ${n}`);
console.log(`  run directory: ${dir}`);

if (values.snapshot) {
  const snap = run(['--snapshots', '2', '--keep-snapshots', '0']);
  console.log(`snapshot run: pauses ${snap.report.snapshots.map((s) => `${((s.pauseMs ?? 0) / 1000).toFixed(1)} s`).join(', ')}; achieved ${snap.report.load.achievedRps}/s`);
  rmSync(snap.dir, { recursive: true, force: true });
}
console.log(`load average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
