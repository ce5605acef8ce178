/**
 * `memprobe analyze a b c d --out DIR`: snapshots taken elsewhere (here by `v8.writeHeapSnapshot` in
 * a process memprobe never touched, as `--heapsnapshot-signal` or an admin endpoint would) get a
 * run's report: report.json and a report.html whose charts draw in a real Chromium without errors.
 * Snapshots of two processes are refused (exit 2, one line), or compared without cohorts on request.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium } from 'playwright-core';
import type { Report } from '../core/report-schema.js';
import { memprobe } from './helpers/real-run.js';

const CHROMIUM = '/usr/bin/chromium';
const scratch = mkdtempSync(join(tmpdir(), 'memprobe-analyze-out-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/**
 * A process that keeps 2,000 records per step in a store nothing evicts, writing a snapshot after
 * each step. `warm` objects made (and kept) first stand for the traffic a replica served before: two
 * processes running the same code on the same input number their heaps the same way, and no check on
 * the snapshots alone could tell them apart.
 */
const PRODUCTION_LIKE = (prefix: string, steps: number, warm = 0) => `
const v8 = require('node:v8');
globalThis.served = Array.from({ length: ${warm} }, (_, i) => ({ session: 's' + i }));
class OrderLog { constructor() { this.orders = new Map(); } add(i) { this.orders.set(i, { id: i, sku: 'sku-' + (i % 97), at: Date.now() }); } }
const log = new OrderLog();
globalThis.log = log;
let n = 0;
for (let step = 1; step <= ${steps}; step++) {
  for (let i = 0; i < 2000; i++) log.add(n++);
  v8.writeHeapSnapshot(${JSON.stringify(prefix)} + step + '.heapsnapshot');
}
`;

function snapshotsOf(name: string, steps: number, warm = 0): string[] {
  const prefix = join(scratch, `${name}-`);
  const result = spawnSync(process.execPath, ['-e', PRODUCTION_LIKE(prefix, steps, warm)], { encoding: 'utf8', timeout: 60_000 });
  expect(result.status, result.stderr).toBe(0);
  return Array.from({ length: steps }, (_, i) => `${prefix}${i + 1}.heapsnapshot`);
}

describe('memprobe analyze --out: the full report from snapshots alone', () => {
  let files: string[];
  let other: string[];
  beforeAll(() => {
    files = snapshotsOf('prod', 4);
    other = snapshotsOf('replica', 2, 3000);
  }, 120_000);

  it('writes report.json and report.html as for a run; report.html draws its charts in Chromium with no errors', async () => {
    const out = join(scratch, 'report');
    const result = memprobe(['analyze', ...files, '--requests', '2000,4000,6000,8000', '--out', out]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`report: ${join(out, 'report.html')}`);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as Report;
    expect(report.target.kind).toBe('snapshots');
    expect(report.snapshots).toHaveLength(4);
    // The snapshots table names the user's files (relative to DIR), where they are.
    expect(report.snapshots.every((s) => s.file && existsSync(join(out, s.file)))).toBe(true);
    const finding = report.findings.find((f) => f.owner === 'OrderLog');
    expect(finding, JSON.stringify(report.findings.map((f) => f.owner))).toBeDefined();
    expect(finding!.verdict).toBe('accumulation');
    expect(finding!.bytesPerRequest).toBeGreaterThan(40);
    // `memprobe report DIR` can rebuild it later, like any run directory.
    expect(memprobe(['report', out, '--json']).code).toBe(0);

    if (!existsSync(CHROMIUM)) return; // the browser half needs Debian's chromium
    const profile = mkdtempSync(join(tmpdir(), 'memprobe-chromium-'));
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
      const page = context.pages()[0] ?? (await context.newPage());
      const errors: string[] = [];
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(pathToFileURL(join(out, 'report.html')).href, { waitUntil: 'load' });
      const charts = await page.evaluate(() =>
        [...document.querySelectorAll('canvas')].map((canvas) => {
          const chart = (window as any).Chart.getChart(canvas);
          const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
          let painted = 0;
          for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) painted++;
          return { id: canvas.id, points: chart ? chart.data.datasets.reduce((n: number, d: any) => n + d.data.length, 0) : 0, share: painted / (data.length / 4) };
        }),
      );
      expect(errors).toEqual([]);
      expect(charts.map((c) => c.id)).toEqual(['chart-timeline', 'chart-owners', 'chart-per-request']);
      for (const c of charts) {
        // A point per snapshot over time; a bar per finding per request.
        expect(c.points, c.id).toBeGreaterThanOrEqual(c.id === 'chart-per-request' ? 1 : 4);
        expect(c.share, c.id).toBeGreaterThan(0.01);
      }
      expect(await page.locator('body').innerText()).toContain('OrderLog');
    } finally {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    }
  }, 120_000);

  it('refuses snapshots of two processes in one line (exit 2), and leaves no directory behind', () => {
    const out = join(scratch, 'mixed');
    const result = memprobe(['analyze', files[0], other[1], '--out', out]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.split('\n')[0]).toMatch(/^memprobe: .*prod-1\.heapsnapshot and .*replica-2\.heapsnapshot are not snapshots of one process: of \d+ sampled node ids both hold, only \d+ name the same object$/);
    expect(existsSync(out)).toBe(false);
    // Out of order is caught too: node ids do not continue.
    expect(memprobe(['analyze', files[2], files[0]]).stderr).toMatch(/node ids do not continue from .*prod-3\.heapsnapshot/);
  });

  it('--allow-mixed compares them anyway, with a warning and cohort analysis off', () => {
    const result = memprobe(['analyze', files[0], other[1], '--allow-mixed', '--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/warning: .*not snapshots of one process.*cohort analysis is off/);
    const report = JSON.parse(result.stdout) as Report;
    expect(report.notes.some((n) => /compared anyway \(--allow-mixed\), with cohort analysis off/.test(n))).toBe(true);
  });

  it('--out needs two snapshots', () => {
    const result = memprobe(['analyze', files[0], '--out', join(scratch, 'one')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--out needs two or more snapshots/);
  });
});
