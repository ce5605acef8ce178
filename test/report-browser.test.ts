/**
 * report.html in a real browser (Debian's chromium, headless, through playwright-core), from a real
 * run of a target whose heap strings are hostile markup: the charts must be drawn, nothing logged
 * as an error, nothing fetched, and the hostile strings shown as text without running.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { realRun, scratchDirectory, writeScriptTarget } from './helpers/real-run.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
/** Under CI (`CI=true`, as CI systems and .ci/run set it) a missing browser fails the run instead of skipping the check. */
const inCi = ['true', '1'].includes((process.env.CI ?? '').trim().toLowerCase());
if (!hasChromium && !inCi) console.warn(`report-browser: skipped, ${CHROMIUM} is missing (apt-get install chromium; .ci/run installs it)`);

const IMG = '<img src=x onerror="window.__pwned=1">';
const SVG = '<svg onload="window.__pwned=2">';

/** Keeps 8 doubles per iteration in a Sink reachable only through hostile property and Map key names. */
const HOSTILE_TARGET = `
class Sink { constructor() { this.values = []; } add(v) { this.values.push(v); } }
const registry = { metrics: new Map() };
registry.metrics.set(${JSON.stringify(IMG)}, new Sink());
globalThis[${JSON.stringify(SVG)}] = registry;
export default async function iteration() {
  for (const s of registry.metrics.values()) for (let i = 0; i < 8; i++) s.add(Math.random());
}
`;

interface PageLog {
  errors: string[];
  requests: string[];
}

describe.skipIf(!hasChromium && !inCi)('report.html in headless Chromium', () => {
  const scratch = scratchDirectory('browser');
  const profileDir = mkdtempSync(join(tmpdir(), 'memprobe-chromium-'));
  let context: BrowserContext;
  let page: Page;
  let url: string;
  const log: PageLog = { errors: [], requests: [] };

  beforeAll(async () => {
    if (!hasChromium) throw new Error(`${CHROMIUM} is missing: under CI=true the browser test of report.html must run, not skip (apt-get install chromium)`);
    const script = writeScriptTarget(scratch.dir, 'hostile-target.mjs', HOSTILE_TARGET);
    const runDir = await realRun(script, join(scratch.dir, 'run'), { rps: 1000 });
    url = pathToFileURL(join(runDir, 'report.html')).href;
    context = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1366, height: 768 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (m) => m.type() === 'error' && log.errors.push(m.text()));
    page.on('pageerror', (e) => log.errors.push(e.message));
    page.on('request', (r) => log.requests.push(r.url()));
    await page.goto(url, { waitUntil: 'load' });
  });

  afterAll(async () => {
    await context?.close();
    rmSync(profileDir, { recursive: true, force: true });
    scratch.remove();
  });

  it('loads without console errors and without any request but the file itself', () => {
    expect(log.errors).toEqual([]);
    expect(log.requests).toEqual([url]);
  });

  it('draws every chart, with its data lines in their colours', async () => {
    const charts = await page.evaluate(() => {
      const hex = (c: string): [number, number, number] | null => {
        const m = /^#([0-9a-f]{6})$/i.exec(c.trim());
        return m ? [0, 2, 4].map((i) => parseInt(m[1].slice(i, i + 2), 16)) as [number, number, number] : null;
      };
      return [...document.querySelectorAll('canvas')].map((canvas) => {
        const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
        const chart = (window as any).Chart.getChart(canvas);
        const colours = chart.data.datasets
          .filter((_: unknown, i: number) => chart.isDatasetVisible(i))
          .flatMap((d: any) => (Array.isArray(d.backgroundColor) ? d.backgroundColor : [d.borderColor]))
          .map(hex)
          .filter(Boolean);
        let painted = 0;
        let inDataColours = 0;
        for (let i = 0; i < data.length; i += 4) {
          if (data[i + 3] === 0) continue;
          painted++;
          if (colours.some((c: number[]) => Math.abs(c[0] - data[i]) + Math.abs(c[1] - data[i + 1]) + Math.abs(c[2] - data[i + 2]) < 12)) inDataColours++;
        }
        return { id: canvas.id, pixels: data.length / 4, painted, inDataColours };
      });
    });
    expect(charts.map((c) => c.id)).toEqual(['chart-timeline', 'chart-owners', 'chart-per-request']);
    for (const c of charts) {
      expect(c.painted / c.pixels, `${c.id} painted share`).toBeGreaterThan(0.01);
      expect(c.inDataColours, `${c.id} data pixels`).toBeGreaterThan(200);
    }
  });

  it('shows hostile heap strings as text and runs none of them', async () => {
    const result = await page.evaluate(() => ({
      pwned: (window as any).__pwned ?? null,
      injected: document.querySelectorAll('img, svg, iframe, object, embed').length,
      scripts: document.scripts.length,
      text: document.body.innerText,
    }));
    expect(result.pwned).toBeNull();
    expect(result.injected).toBe(0);
    expect(result.scripts).toBe(3); // the data block, chart.js, the chart script
    expect(result.text).toContain(SVG);
    expect(result.text).toContain('window.__pwned=1');
  });

  it('answers on the first screen: verdict, owner, rate, fix and out-of-memory', async () => {
    const banner = page.locator('#verdict');
    const box = await banner.boundingBox();
    expect(box && box.y + box.height).toBeLessThanOrEqual(768);
    const text = await banner.innerText();
    expect(text).toMatch(/Sink accumulates \d+(\.\d+)? B\/request/);
    expect(text).toContain('Accumulation, not a leak');
    expect(text).toMatch(/What to do: .*streaming histogram/);
    expect(text).toMatch(/HEAP RUNS OUT IN\s+\d+(\.\d+)? (h|days)/i);
  });

  it('prints: the page still renders under print media, in print colours', async () => {
    await page.emulateMedia({ media: 'print', colorScheme: 'dark' });
    const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(background).toBe('rgb(255, 255, 255)');
    const pdf = await page.pdf({ format: 'A4' });
    expect(pdf.byteLength).toBeGreaterThan(50_000);
    await page.emulateMedia({ media: 'screen', colorScheme: 'dark' });
    expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).not.toBe('rgb(255, 255, 255)');
  });
});
