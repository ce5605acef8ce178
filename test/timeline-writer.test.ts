import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SteadyTicker, TimelineWriter } from '../harness/timeline-writer.js';
import type { TimelineSample } from '../core/report-schema.js';

const dir = mkdtempSync(join(tmpdir(), 'memprobe-timeline-'));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function sample(t: number): TimelineSample {
  return { t, requests: t * 10, dropped: 0, heapUsed: 1, heapTotal: 2, rss: 3, external: 4, arrayBuffers: 5, eventLoopDelayP99Ms: null };
}

describe('TimelineWriter', () => {
  it('puts each sample on disk as one JSON line the moment it is appended', () => {
    const file = join(dir, 'timeline.ndjson');
    const writer = new TimelineWriter(file);
    writer.append(sample(1));
    expect(readFileSync(file, 'utf8')).toBe(`${JSON.stringify(sample(1))}\n`); // before close
    writer.append({ ...sample(2), snapshotting: true });
    writer.close();
    writer.append(sample(3)); // after close: ignored, not thrown
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.t)).toEqual([1, 2]);
    expect(lines[1].snapshotting).toBe(true);
  });
});

describe('SteadyTicker', () => {
  it('ticks on an absolute clock, without drift from slow ticks', async () => {
    const start = performance.now();
    const ticks: { k: number; at: number }[] = [];
    const ticker = new SteadyTicker(start, 50, (k) => {
      ticks.push({ k, at: performance.now() - start });
      const end = performance.now() + 15; // each tick costs 15 ms: a relative timer would drift to ~65 ms
      while (performance.now() < end);
    }).start();
    await new Promise((r) => setTimeout(r, 530));
    ticker.stop();
    for (const { k, at } of ticks) expect(at).toBeGreaterThanOrEqual(k * 50); // never early
    // Tick k is due at k x 50 ms whatever the ticks cost: ten intervals fit in 530 ms, eight drifting ones.
    expect(ticks.at(-1)!.k).toBeGreaterThanOrEqual(9);
    expect(ticks.length).toBeGreaterThanOrEqual(6);
  });

  it('skips ticks that are a whole interval overdue instead of bursting', async () => {
    const start = performance.now();
    const ks: number[] = [];
    const ticker = new SteadyTicker(start, 20, (k) => ks.push(k)).start();
    const end = performance.now() + 110; // block the loop for five intervals
    while (performance.now() < end);
    await new Promise((r) => setTimeout(r, 30));
    ticker.stop();
    expect(ks[0]).toBeGreaterThanOrEqual(5);
    expect(new Set(ks).size).toBe(ks.length);
  });
});
