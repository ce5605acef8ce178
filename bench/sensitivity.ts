/**
 * Sensitivity: the smallest leak, in bytes per request, that the growth analysis finds at a fixed
 * rate within a fixed run, with no false finding on the no-growth fixtures at the same settings.
 *
 *   npx tsx bench/sensitivity.ts [--rps 1000] [--seconds 60] [--snapshots 5] [--sizes 32,16,8,4,2,1]
 *                                [--kind values|objects] [--controls garbage-churn,streaming-histogram,lru-cache]
 *
 * Each run is a child process (test/helpers/fixture-snapshot-driver.mjs) driving a fixture at the
 * rate, with forced-GC heap snapshots after warm-up; then summarizeSnapshotFiles + analyzeGrowth,
 * as `memprobe run` does. `fixtures/sized-leak.mjs` retains MEMPROBE_FIXTURE_BYTES per request, as
 * doubles in one array (`--kind values`) or as small records (`--kind objects`).
 * A size counts as found when a leak or accumulation finding names the planted owner
 * (`RetainedSamples`); any growing finding on a no-growth fixture is a false one.
 * Target: 16 B/request or less at 1000/s within 60 s. Two runs at a time (2 cores).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyzeGrowth } from '../analyzers/analyze-growth.js';
import { summarizeSnapshotFiles } from '../analyzers/summarize-snapshot.js';
import type { Finding } from '../core/report-schema.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const driver = join(root, 'test', 'helpers', 'fixture-snapshot-driver.mjs');

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}
const rps = Number(option('rps', '1000'));
const seconds = Number(option('seconds', '60'));
const snapshots = Number(option('snapshots', '5'));
const sizes = option('sizes', '32,16,8,4,2,1').split(',').map(Number);
const controls = option('controls', 'garbage-churn,streaming-histogram,lru-cache').split(',').filter(Boolean);
const kind = option('kind', 'values');

interface Outcome {
  label: string;
  findings: Finding[];
  requests: number;
  wallS: number;
}

async function runOnce(label: string, fixture: string, env: Record<string, string>): Promise<Outcome> {
  const dir = await mkdtemp(join(tmpdir(), 'memprobe-sensitivity-'));
  const started = performance.now();
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        ['--expose-gc', driver, join(root, 'fixtures', fixture), dir, '--rps', String(rps), '--seconds', String(seconds), '--snapshots', String(snapshots)],
        { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] },
      );
      child.on('error', reject);
      child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${label}: driver exited ${code}`))));
    });
    const run = JSON.parse(await readFile(join(dir, 'run.json'), 'utf8')) as { snapshots: { file: string; t: number; requests: number }[] };
    const summaries = await summarizeSnapshotFiles(
      run.snapshots.map((s) => s.file),
      run.snapshots.map((s) => ({ t: s.t, requests: s.requests })),
    );
    const { findings } = analyzeGrowth(summaries, { heapLimitBytes: null, runRps: rps, projectRps: [], horizonS: 86_400, allocationProfile: null });
    const requests = run.snapshots[run.snapshots.length - 1].requests - run.snapshots[0].requests;
    return { label, findings, requests, wallS: (performance.now() - started) / 1000 };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Runs jobs two at a time, in order of submission. */
async function twoAtATime<T>(jobs: (() => Promise<T>)[]): Promise<T[]> {
  const results: T[] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await jobs[i]();
    }
  };
  await Promise.all([worker(), worker()]);
  return results;
}

/** Where fixtures/sized-leak.mjs plants its growth: a finding on any other owner is not a detection. */
const PLANTED_OWNER = 'RetainedSamples';
const unbounded = (f: Finding) => f.verdict !== 'bounded';
/** The leak was found: a leak or accumulation finding on the planted owner. */
const detected = (o: Outcome) => o.findings.some((f) => unbounded(f) && f.owner === PLANTED_OWNER);
const describe = (f: Finding) => `${f.owner} ${f.verdict} ${f.bytesPerRequest === null ? '' : `${f.bytesPerRequest.toFixed(1)} B/req`}`;

console.log(`sensitivity at ${rps}/s for ${seconds} s, ${snapshots} snapshots, leak as ${kind} (timings on a shared 2-core machine are noisy)`);
const jobs = [
  ...sizes.map((n) => () => runOnce(`sized-leak ${n} B/request (${kind})`, 'sized-leak.mjs', { MEMPROBE_FIXTURE_BYTES: String(n), MEMPROBE_FIXTURE_KIND: kind })),
  ...controls.map((c) => () => runOnce(`control ${c}`, `${c}.mjs`, {})),
];
const outcomes = await twoAtATime(jobs);

let smallestFound: number | null = null;
for (const [i, o] of outcomes.entries()) {
  const verdictText = o.findings.length ? o.findings.map(describe).join('; ') : 'no finding';
  console.log(`${o.label.padEnd(40)} ${String(o.requests).padStart(7)} requests  ${o.wallS.toFixed(0).padStart(4)} s  ${verdictText}`);
  if (i < sizes.length && detected(o)) smallestFound = smallestFound === null ? sizes[i] : Math.min(smallestFound, sizes[i]);
}
const falseFindings = outcomes.slice(sizes.length).filter((o) => o.findings.some(unbounded));
// The smallest size such that it and every larger size tried were found.
let contiguous: number | null = null;
for (const [i, n] of [...sizes.entries()].sort((a, b) => b[1] - a[1])) {
  if (!detected(outcomes[i])) break;
  contiguous = n;
}
console.log(
  `smallest leak found (every larger size found too): ${contiguous === null ? 'none' : `${contiguous} B/request`}` +
    `${smallestFound !== null && smallestFound !== contiguous ? ` (smallest found at all: ${smallestFound})` : ''}; ` +
    `false findings on no-growth fixtures: ${falseFindings.length === 0 ? 'none' : falseFindings.map((o) => o.label).join(', ')}; target <= 16 B/request`,
);
process.exitCode = falseFindings.length === 0 && contiguous !== null && contiguous <= 16 ? 0 : 1;
