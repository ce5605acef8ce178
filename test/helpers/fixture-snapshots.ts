/**
 * Runs a fixture through the real pipeline for tests: a child `node --expose-gc` process runs the
 * fixture at a steady rate and writes heap snapshots (fixture-snapshot-driver.mjs), then the
 * snapshots are summarized (`summarizeSnapshotFiles`) and analysed (`analyzeGrowth`) here.
 * Stands in for `memprobe run` until tests switch to the harness.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyzeGrowth, type GrowthAnalysis, type SamplingHeapProfile } from '../../analyzers/analyze-growth.js';
import { summarizeSnapshotFiles } from '../../analyzers/summarize-snapshot.js';
import type { SnapshotSummary } from '../../analyzers/snapshot-summary.js';

const here = dirname(fileURLToPath(import.meta.url));
export const PROJECT_ROOT = join(here, '..', '..');
const DRIVER = join(here, 'fixture-snapshot-driver.mjs');

export interface FixtureRunOptions {
  rps?: number;
  seconds?: number;
  snapshots?: number;
  warmup?: number;
  /** Collect a sampling heap profile for allocation sites. */
  profile?: boolean;
  env?: Record<string, string>;
  /** Keep the snapshot directory (for debugging); removed otherwise. */
  keep?: boolean;
}

export interface FixtureRun {
  summaries: SnapshotSummary[];
  analysis: GrowthAnalysis;
  snapshots: { file: string; t: number; requests: number }[];
  errors: number;
  dir: string;
}

/**
 * V8's sampling heap profiler records physical frames only: a fixture's function inlined into the
 * driver's loop by TurboFan shows up as the driver's frame. With a profile, inlining is off so that
 * allocation sites name the fixture's own lines (memory behaviour is unchanged; speed is not measured).
 */
function runDriver(args: string[], env: Record<string, string>): Promise<void> {
  const v8Flags = args.includes('--profile') ? ['--no-turbo-inlining'] : [];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', ...v8Flags, DRIVER, ...args], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`driver exited ${code}: ${stderr.slice(-2000)}`))));
  });
}

export async function runFixture(fixture: string, options: FixtureRunOptions = {}): Promise<FixtureRun> {
  const dir = await mkdtemp(join(tmpdir(), 'memprobe-fixture-'));
  try {
    const args = [join(PROJECT_ROOT, 'fixtures', fixture), dir];
    if (options.rps) args.push('--rps', String(options.rps));
    args.push('--seconds', String(options.seconds ?? 6));
    args.push('--snapshots', String(options.snapshots ?? 5));
    if (options.warmup !== undefined) args.push('--warmup', String(options.warmup));
    if (options.profile) args.push('--profile');
    await runDriver(args, options.env ?? {});
    const run = JSON.parse(await readFile(join(dir, 'run.json'), 'utf8')) as {
      snapshots: { file: string; t: number; requests: number }[];
      errors: number;
      rps: number;
    };
    const summaries = await summarizeSnapshotFiles(
      run.snapshots.map((s) => s.file),
      run.snapshots.map((s) => ({ t: s.t, requests: s.requests })),
    );
    const allocationProfile = options.profile
      ? (JSON.parse(await readFile(join(dir, 'allocation.heapprofile'), 'utf8')) as SamplingHeapProfile)
      : null;
    const analysis = analyzeGrowth(summaries, {
      heapLimitBytes: 4e9,
      runRps: run.rps,
      projectRps: [100_000],
      horizonS: 86_400,
      allocationProfile,
    });
    return { summaries, analysis, snapshots: run.snapshots, errors: run.errors, dir };
  } finally {
    if (!options.keep) await rm(dir, { recursive: true, force: true });
  }
}
