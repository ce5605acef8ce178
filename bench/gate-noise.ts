/**
 * No flaky gate: every target that does not grow is run several times for real and gated
 * with the default budget and with strict ones; a budget that fails on any of these runs fails on
 * noise. Prints one row per target and exits 1 when any run failed a gate.
 *
 *   npm run bench:gate-noise [-- --runs 5 --duration 10 --warmup 1 --rps 1000 --only lru-cache.mjs]
 *
 * The default budget must show zero failures. The strict budgets also fail on `accumulation`, so they
 * fail when the verdict engine sees a cache still filling after the warm-up (lru-cache fills its 3,000
 * entries in about 3 s at 1,000/s): that is a warm-up shorter than the fill, not noise.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runSession } from '../session/run-session.js';
import { prepareRunDirectory } from '../session/run-directory.js';
import { startScriptTarget } from '../harness/script-target.js';
import { defaultGateBudgets, evaluateGate, type GateBudgets } from '../analyzers/gate.js';
import type { Report } from '../core/report-schema.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    duration: { type: 'string', default: '10' },
    rps: { type: 'string', default: '1000' },
    warmup: { type: 'string' },
    only: { type: 'string' },
  },
});
const runs = Number(values.runs);
const durationS = Number(values.duration);
const rps = Number(values.rps);
const warmupS = values.warmup !== undefined ? Number(values.warmup) : durationS / 10;

/** Fixtures whose header says "Known verdict: no finding" (lru-cache: "bounded or no finding"). */
const NO_GROWTH = ['noop-iteration.mjs', 'garbage-churn.mjs', 'streaming-histogram.mjs', 'lru-cache.mjs'].filter(
  (name) => values.only === undefined || values.only.split(',').includes(name),
);

const BUDGETS: Record<string, GateBudgets> = {
  default: defaultGateBudgets(),
  strict: { ...defaultGateBudgets(), failOn: ['leak', 'accumulation'], maxBytesPerRequest: 64, maxGrowthBytesPerSecond: 10e6 / 3600 },
};

async function runOnce(script: string, outDir: string): Promise<Report> {
  prepareRunDirectory(outDir);
  const started = await startScriptTarget({ script, vus: 100, logFile: join(outDir, 'target.log') });
  try {
    await runSession(started.target, started.createLoad(rps, 100), {
      outDir,
      durationS,
      warmupS,
      snapshots: 5,
      snapshotEveryS: null,
      keepSnapshots: 0,
      heapLimitBytes: null,
      horizonS: 86_400,
      projectRps: [],
      budgets: null,
    });
  } finally {
    await started.target.close();
  }
  return JSON.parse(readFileSync(join(outDir, 'report.json'), 'utf8')) as Report;
}

const scratch = mkdtempSync(join(tmpdir(), 'memprobe-gate-noise-'));
let failures = 0;
let defaultFailures = 0;
console.log(`${runs} runs per target, ${durationS} s at ${rps}/s, warm-up ${warmupS} s, 5 snapshots; budgets: default (--fail-on leak), strict (--fail-on leak,accumulation --max-bytes-per-request 64 --max-growth 10MB/h)\n`);
console.log('target                     runs  default fails  strict fails  findings (verdict owner)');
try {
  for (const name of NO_GROWTH) {
    const script = fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
    const failed: Record<string, number> = { default: 0, strict: 0 };
    const findings: string[] = [];
    for (let i = 0; i < runs; i++) {
      const report = await runOnce(script, join(scratch, `${name}-${i}`));
      for (const [budget, b] of Object.entries(BUDGETS)) {
        const gate = evaluateGate(report, b);
        if (!gate.passed) {
          failed[budget]++;
          process.stderr.write(`  ${name} run ${i + 1}, ${budget}: ${gate.reasons.join('; ')}\n`);
        }
      }
      findings.push(...report.findings.map((f) => `${f.verdict} ${f.owner}`));
    }
    failures += failed.default + failed.strict;
    defaultFailures += failed.default;
    const distinct = [...new Set(findings)].map((f) => `${f} ×${findings.filter((x) => x === f).length}`).join(', ') || 'none';
    console.log(`${name.padEnd(26)} ${String(runs).padStart(4)}  ${String(failed.default).padStart(13)}  ${String(failed.strict).padStart(12)}  ${distinct}`);
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
console.log(
  failures === 0
    ? '\nno gate failed on a target that does not grow'
    : `\n${defaultFailures} default-gate and ${failures - defaultFailures} strict-gate failures on targets that do not grow`,
);
// The default gate failing on a target that does not grow is a flaky gate: that fails the bench.
process.exitCode = defaultFailures === 0 ? 0 : 1;
