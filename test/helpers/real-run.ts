/**
 * A real run directory for tests of what reads one (report, gate, the browser test): the target runs
 * in a child process under the real scheduler, the real capture session snapshots and summarises it,
 * and the real report code writes report.json and report.html. Short (a few seconds) but real.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runSession } from '../../session/run-session.js';
import { prepareRunDirectory } from '../../session/run-directory.js';
import { startScriptTarget } from '../../harness/script-target.js';
import type { GateBudgets } from '../../analyzers/gate.js';

export interface RealRunOptions {
  rps?: number;
  durationS?: number;
  snapshots?: number;
  warmupS?: number;
  budgets?: GateBudgets | null;
}

export function scratchDirectory(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `memprobe-${prefix}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Writes `source` as an ES module script target in `dir` and returns its path. */
export function writeScriptTarget(dir: string, name: string, source: string): string {
  const file = join(dir, name);
  writeFileSync(file, source);
  return file;
}

/**
 * Runs `script` and returns the run directory (`outDir`), with report.json and report.html written.
 * 10 s with 3 snapshots: on a loaded machine each snapshot pauses the target for seconds, and 6 s
 * with 4 of them left too few requests for a small accumulation to clear the noise floor.
 */
export async function realRun(script: string, outDir: string, options: RealRunOptions = {}): Promise<string> {
  prepareRunDirectory(outDir);
  const vus = 100;
  const started = await startScriptTarget({ script, vus, logFile: join(outDir, 'target.log') });
  const load = started.createLoad(options.rps ?? 1000, vus);
  try {
    await runSession(started.target, load, {
      outDir,
      durationS: options.durationS ?? 10,
      warmupS: options.warmupS ?? 1,
      snapshots: options.snapshots ?? 3,
      snapshotEveryS: null,
      keepSnapshots: 1,
      heapLimitBytes: null,
      horizonS: 86_400,
      projectRps: [],
      budgets: options.budgets ?? null,
    });
  } finally {
    await started.target.close();
  }
  return outDir;
}

export const CLI = fileURLToPath(new URL('../../dist/cli/memprobe.js', import.meta.url));

/** Runs the built CLI (`npm test` builds first) and returns its exit code and output. */
export function memprobe(args: string[], env: Record<string, string> = {}): { code: number; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    env: { ...process.env, GITHUB_ACTIONS: '', ...env },
    timeout: 60_000,
  });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** The CLI run in the background (the test keeps serving traffic meanwhile): exit code and output. */
export function memprobeAsync(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, GITHUB_ACTIONS: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.once('exit', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
