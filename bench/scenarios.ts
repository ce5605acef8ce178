/**
 * Verdicts beyond the fixtures: runs every target in bench/scenarios/ (built on real npm libraries)
 * through `memprobe run` at 1000/s for 40 s with 5 snapshots, as the held-out check does, and prints
 * the verdict and owner memprobe found next to what a person who read the target's code expects.
 *
 *   npm run bench:scenarios                 # all of them (~8 min)
 *   npm run bench:scenarios -- timeout      # those whose name contains "timeout"
 *   DURATION=20s npm run bench:scenarios    # shorter runs
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Report } from '../core/report-schema.js';
import { freePort } from '../test/helpers/running-node.js';

/** The package root, whether this runs from bench/ (tsx) or dist/bench/ (compiled). */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return dir;
}
const root = packageRoot();
const cli = join(root, 'dist', 'cli', 'memprobe.js');

interface Scenario {
  file: string;
  http?: boolean;
  /** Expected verdict of the top finding, or null for "no finding"; owner a substring of its owner. */
  expect: { verdict: 'leak' | 'accumulation' | 'bounded' | null; owner?: string; alsoOk?: ('bounded' | null)[] };
}

const SCENARIOS: Scenario[] = [
  { file: 'prom-high-cardinality.mjs', expect: { verdict: 'accumulation', owner: 'Histogram' } },
  { file: 'prom-bounded-labels.mjs', expect: { verdict: null } },
  { file: 'lru-capped.mjs', expect: { verdict: 'bounded', alsoOk: [null] } },
  { file: 'node-cache-unbounded.mjs', expect: { verdict: 'accumulation', owner: 'NodeCache' } },
  { file: 'ee3-listener-leak.mjs', expect: { verdict: 'leak', owner: 'EventEmitter' } },
  { file: 'timeout-leak.mjs', expect: { verdict: 'leak', owner: 'Timeout' } },
  { file: 'pending-promise-leak.mjs', expect: { verdict: 'leak' } },
  { file: 'express-req-leak.mjs', http: true, expect: { verdict: 'leak' } },
  { file: 'express-healthy.mjs', http: true, expect: { verdict: null } },
];


async function runScenario(s: Scenario, duration: string): Promise<{ report: Report | null; code: number | null; stderr: string; seconds: number }> {
  const out = mkdtempSync(join(tmpdir(), 'memprobe-scenario-'));
  const target = join(root, 'bench', 'scenarios', s.file);
  const common = ['--rps', '1000', '--duration', duration, '--snapshots', '5', '--out', out, '--json'];
  let args: string[];
  const env = { ...process.env };
  if (s.http) {
    const port = await freePort();
    env.PORT = String(port);
    args = [cli, 'run', '--url', `http://127.0.0.1:${port}/`, ...common, '--', process.execPath, target];
  } else {
    args = [cli, 'run', target, ...common];
  }
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => {
      let report: Report | null = null;
      try {
        report = JSON.parse(stdout) as Report;
      } catch {
        try {
          report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as Report;
        } catch {
          report = null;
        }
      }
      resolve({ report, code, stderr, seconds: (Date.now() - started) / 1000 });
    });
  });
}

function judge(s: Scenario, report: Report | null): { ok: boolean; got: string } {
  if (!report) return { ok: false, got: 'no report' };
  const top = report.findings[0];
  const got = top ? `${top.verdict} ${top.owner} (${top.bytesPerRequest?.toFixed(1) ?? '?'} B/req)` : 'no finding';
  const verdict = top ? top.verdict : null;
  const verdictOk = verdict === s.expect.verdict || (s.expect.alsoOk ?? []).includes(verdict as 'bounded' | null);
  const ownerOk = !s.expect.owner || !top || top.owner.includes(s.expect.owner);
  // A no-growth scenario must have no leak/accumulation finding at all, not just a benign top one.
  const noFalseGrowth =
    s.expect.verdict !== null || report.findings.every((f) => f.verdict === 'bounded' && (s.expect.alsoOk ?? []).includes('bounded'));
  return { ok: verdictOk && ownerOk && noFalseGrowth, got };
}

async function main(): Promise<void> {
  const filter = process.argv[2];
  const duration = process.env.DURATION ?? '40s';
  const chosen = SCENARIOS.filter((s) => !filter || s.file.includes(filter));
  let passed = 0;
  console.log(`scenario                      expected              got`);
  for (const s of chosen) {
    const result = await runScenario(s, duration);
    const { ok, got } = judge(s, result.report);
    if (ok) passed++;
    const expected = `${s.expect.verdict ?? 'no finding'}${s.expect.owner ? ' ' + s.expect.owner : ''}`;
    console.log(`${ok ? 'ok  ' : 'FAIL'} ${s.file.padEnd(26)} ${expected.padEnd(21)} ${got}  [exit ${result.code}, ${result.seconds.toFixed(0)} s]`);
    if (!ok && result.report) {
      for (const f of result.report.findings) console.log(`       finding: ${f.verdict} ${f.owner} ${f.bytesPerRequest?.toFixed(1)} B/req — ${f.evidence[0] ?? ''}`);
    }
    if (!result.report) console.log(`       stderr: ${result.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  }
  console.log(`\nscenarios: ${passed} passed, ${chosen.length - passed} failed`);
}

await main();
