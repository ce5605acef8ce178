/**
 * The verdicts through the whole harness, as a user gets them: `memprobe run <fixture> --json` (child
 * process, open-model load, snapshots over the inspector, summaries in a worker, report). The
 * fixture-verdicts test covers every fixture through the analysis; this one proves the harness
 * delivers the same answers for one accumulation, one leak and one target that does not grow.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { Report } from '../core/report-schema.js';

const CLI = fileURLToPath(new URL('../dist/cli/memprobe.js', import.meta.url));
const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
const dir = mkdtempSync(path.join(tmpdir(), 'memprobe-run-verdicts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function runFixture(fixture: string): Promise<{ code: number | null; report: Report; stderr: string }> {
  const args = [CLI, 'run', path.join(FIXTURES, fixture), '--rps', '1000', '--duration', '10s', '--snapshots', '4', '--out', path.join(dir, fixture), '--json'];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => {
      try {
        resolve({ code, report: JSON.parse(stdout) as Report, stderr });
      } catch {
        reject(new Error(`memprobe run ${fixture} exited ${code} without a JSON report:\n${stderr}`));
      }
    });
  });
}

const findings = (report: Report) => JSON.stringify(report.findings.map((f) => [f.verdict, f.owner, f.bytesPerRequest]));

describe('verdicts through memprobe run', () => {
  it('a sample store is accumulation in TrendSink, with bytes per request and a projection', async () => {
    const { code, report } = await runFixture('trendsink-registry.mjs');
    expect(code).toBe(0);
    expect(report.status).toBe('complete');
    const [top] = report.findings;
    expect(top, findings(report)).toMatchObject({ owner: 'TrendSink', verdict: 'accumulation' });
    expect(top.bytesPerRequest!).toBeGreaterThan(40); // 8 samples of 8 bytes per iteration, plus spare capacity
    expect(top.bytesPerRequest!).toBeLessThan(160);
    expect(report.projection.secondsToLimit).toBeGreaterThan(0);
    expect(report.load.requests!).toBeGreaterThan(5000);
    // Every growing root and owner considered is in the report, the finding's root among them.
    expect(report.candidates?.find((c) => c.status === 'reported' && c.kind === 'root')?.owner, JSON.stringify(report.candidates)).toBe('TrendSink');
  });

  it('intervals never cleared are a leak in Timeout', async () => {
    const { code, report } = await runFixture('interval-leak.mjs');
    expect(code).toBe(0);
    expect(report.findings[0], findings(report)).toMatchObject({ owner: 'Timeout', verdict: 'leak' });
    expect(report.findings[0].hint).toMatch(/clearInterval/);
  });

  it('garbage churn gives no finding', async () => {
    const { code, report } = await runFixture('garbage-churn.mjs');
    expect(code).toBe(0);
    expect(report.findings, findings(report)).toEqual([]);
  });
});
