/**
 * `memprobe report <run-dir>` on a real run directory whose raw snapshots are gone: both reports
 * come back from summaries/ and timeline.ndjson alone, with the same findings.
 */
import { appendFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../core/report-schema.js';
import { defaultGateBudgets, gateBudgetsToJson } from '../analyzers/gate.js';
import { memprobe, realRun, scratchDirectory } from './helpers/real-run.js';
import { PROJECT_ROOT } from './helpers/fixture-snapshots.js';

const readReport = (dir: string): Report => JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));

describe('memprobe report', () => {
  const scratch = scratchDirectory('report-command');
  let runDir: string;
  let original: Report;

  beforeAll(async () => {
    runDir = await realRun(join(PROJECT_ROOT, 'fixtures', 'trendsink-registry.mjs'), join(scratch.dir, 'run'));
    original = readReport(runDir);
  });
  afterAll(() => scratch.remove());

  it('re-renders report.json and report.html from summaries and timeline after the snapshots are deleted', () => {
    expect(original.findings.map((f) => [f.owner, f.verdict])).toEqual([['TrendSink', 'accumulation']]);
    rmSync(join(runDir, 'snapshots'), { recursive: true, force: true });
    rmSync(join(runDir, 'report.json'));
    rmSync(join(runDir, 'report.html'));

    const { code, stdout, stderr } = memprobe(['report', runDir]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/ACCUMULATION\s+TrendSink/);
    expect(stdout.trim().split('\n').at(-1)).toBe(`report: ${join(runDir, 'report.html')}`);

    const again = readReport(runDir);
    expect(again.findings).toEqual(original.findings);
    expect(again.projection).toEqual(original.projection);
    expect(original.snapshots.some((s) => s.file !== null)).toBe(true);
    expect(again.snapshots).toEqual(original.snapshots.map((s) => ({ ...s, file: null })));
    const html = readFileSync(join(runDir, 'report.html'), 'utf8');
    expect(html).toContain('TrendSink accumulates');
    expect(html).toContain('id="chart-timeline"');
  });

  it('prints report.json with --json, the html path on stderr', () => {
    const { code, stdout, stderr } = memprobe(['report', runDir, '--json']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ schema: 'memprobe/report@1', status: 'complete' });
    expect(stderr).toContain('report.html');
  });

  it('survives a torn last timeline line, saying so in the notes', () => {
    appendFileSync(join(runDir, 'timeline.ndjson'), '{"t":99,"requests":1');
    expect(memprobe(['report', runDir]).code).toBe(0);
    expect(readReport(runDir).notes).toContain('timeline.ndjson: 1 unreadable line skipped');
  });

  it('re-applies budgets the run was gated with, and exits 1 when they fail', () => {
    const runFile = join(runDir, 'run.json');
    const run = JSON.parse(readFileSync(runFile, 'utf8'));
    writeFileSync(runFile, JSON.stringify({ ...run, gate: gateBudgetsToJson({ ...defaultGateBudgets(), failOn: ['leak', 'accumulation'] }) }));
    const { code, stdout } = memprobe(['report', runDir]);
    expect(code).toBe(1);
    expect(stdout).toMatch(/gate\s+FAILED/);
    expect(readReport(runDir).gate).toMatchObject({ passed: false });
    writeFileSync(runFile, JSON.stringify(run));
  });

  it('rejects a directory that is not a run, or a corrupt one, with one line and exit 2', () => {
    const notRun = memprobe(['report', scratch.dir]);
    expect(notRun.code).toBe(2);
    expect(notRun.stderr).toMatch(/^memprobe: .* is not a memprobe run directory \(no run.json\)\n/);

    const runFile = join(runDir, 'run.json');
    const saved = readFileSync(runFile, 'utf8');
    writeFileSync(runFile, saved.slice(0, 40));
    const corrupt = memprobe(['report', runDir]);
    writeFileSync(runFile, saved);
    expect(corrupt.code).toBe(2);
    expect(corrupt.stderr).toMatch(/run\.json: corrupt JSON/);
    expect(corrupt.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(join(runDir, 'report.json'))).toBe(true);
  });
});
