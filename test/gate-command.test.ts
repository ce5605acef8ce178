/**
 * `memprobe gate` on real run directories: an accumulating target (TrendSink), and targets with no
 * growth (streaming histogram, pure garbage, an empty iteration) that must never fail a gate.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../core/report-schema.js';
import { memprobe, realRun, scratchDirectory } from './helpers/real-run.js';
import { PROJECT_ROOT } from './helpers/fixture-snapshots.js';

const fixture = (name: string): string => join(PROJECT_ROOT, 'fixtures', name);
const readReport = (path: string): Report => JSON.parse(readFileSync(path, 'utf8'));
const NO_GROWTH = ['streaming-histogram.mjs', 'garbage-churn.mjs', 'noop-iteration.mjs'];

describe('memprobe gate', () => {
  const scratch = scratchDirectory('gate-command');
  let accumulating: string;
  const clean: Record<string, string> = {};

  beforeAll(async () => {
    accumulating = await realRun(fixture('trendsink-registry.mjs'), join(scratch.dir, 'trendsink'));
    for (const name of NO_GROWTH) clean[name] = await realRun(fixture(name), join(scratch.dir, name));
  });
  afterAll(() => scratch.remove());

  it('passes an accumulating target under the default gate and writes the gate block', () => {
    const { code, stdout } = memprobe(['gate', accumulating]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^gate passed: --fail-on leak\n/);
    expect(stdout).toMatch(/· TrendSink: accumulation, [\d.]+ B\/request \(allowed by these budgets\)/);
    expect(readReport(join(accumulating, 'report.json')).gate).toMatchObject({ passed: true, reasons: [] });
    expect(readFileSync(join(accumulating, 'report.html'), 'utf8')).toContain('<div class="figure">passed</div>');
  });

  it('fails it with --fail-on accumulation: one line naming owner, figure and budget; JUnit names the owner', () => {
    const junit = join(scratch.dir, 'junit.xml');
    const { code, stdout } = memprobe(['gate', accumulating, '--fail-on', 'leak,accumulation', '--junit', junit]);
    expect(code).toBe(1);
    expect(stdout).toMatch(/ {2}✗ TrendSink: accumulation, [\d.]+ B\/request \([\d.]+ MB\/h\) \(budget --fail-on leak,accumulation\)\n/);
    expect(readReport(join(accumulating, 'report.json')).gate?.passed).toBe(false);
    const xml = readFileSync(junit, 'utf8');
    expect(xml).toContain('<testcase classname="memprobe.owner" name="accumulation TrendSink"');
    expect(xml).toMatch(/<failure message="TrendSink: accumulation/);
  });

  it('fails a report with a new growing owner against a clean baseline, and passes it against itself', () => {
    const baseline = join(clean['streaming-histogram.mjs'], 'report.json');
    const regressed = memprobe(['gate', accumulating, '--baseline', baseline]);
    expect(regressed.code).toBe(1);
    expect(regressed.stdout).toMatch(/✗ TrendSink: new growing owner \(accumulation, .*\), not growing in the baseline \(budget --baseline, tolerance 20%\)/);

    const own = join(scratch.dir, 'own-baseline.json');
    writeFileSync(own, readFileSync(join(accumulating, 'report.json')));
    expect(memprobe(['gate', accumulating, '--baseline', own, '--tolerance', '20%']).code).toBe(0);
  });

  it.each(NO_GROWTH)('never fails %s: default gate, --max-bytes-per-request 64, --max-growth 10MB/h', (name) => {
    const dir = clean[name];
    expect(readReport(join(dir, 'report.json')).findings.filter((f) => f.verdict !== 'bounded')).toEqual([]);
    const result = memprobe(['gate', dir, '--fail-on', 'leak,accumulation', '--max-bytes-per-request', '64', '--max-growth', '10MB/h']);
    expect(result.stdout).toMatch(/^gate passed/);
    expect(result.code).toBe(0);
  });

  it('annotates on GitHub Actions and gates a report.json without rewriting it', () => {
    const file = join(scratch.dir, 'given-report.json');
    writeFileSync(file, readFileSync(join(accumulating, 'report.json')));
    const before = readFileSync(file, 'utf8');
    const { code, stdout } = memprobe(['gate', file, '--max-growth', '1MB/h'], { GITHUB_ACTIONS: 'true' });
    expect(code).toBe(1);
    expect(stdout).toMatch(/^::error title=memprobe gate failed::TrendSink [\d.]+ MB\/h: retained growth [\d.]+ MB\/h exceeds budget --max-growth 1.0 MB\/h$/m);
    expect(readFileSync(file, 'utf8')).toBe(before);
  });

  it('prints the gated report with --json', () => {
    const { code, stdout, stderr } = memprobe(['gate', accumulating, '--json', '--fail-on', 'accumulation']);
    expect(code).toBe(1);
    expect(JSON.parse(stdout).gate).toMatchObject({ passed: false });
    expect(stderr).toMatch(/^gate FAILED/);
  });

  it('exits 2 with one line on bad input', () => {
    const cases: [string[], RegExp][] = [
      [['gate', join(scratch.dir, 'missing.json')], /missing\.json: cannot read \(ENOENT\)/],
      [['gate', accumulating, '--tolerance', '10%'], /--tolerance needs --baseline/],
      [['gate', accumulating, '--max-growth', '10MB'], /--max-growth: expected a rate such as 10MB\/h/],
      [['gate', accumulating, '--baseline', join(accumulating, 'run.json')], /not a memprobe report/],
      [['gate', accumulating, '--fail-on', 'leaks'], /--fail-on: unknown verdict "leaks"/],
    ];
    for (const [args, message] of cases) {
      const { code, stderr } = memprobe(args);
      expect(code, args.join(' ')).toBe(2);
      expect(stderr).toMatch(message);
      expect(stderr.trim().split('\n').length).toBeLessThanOrEqual(2);
    }
  });
});
