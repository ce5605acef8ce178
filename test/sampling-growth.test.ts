import { describe, expect, it } from 'vitest';
import { analyzeSamplingGrowth, parseSamplingSeries, samplingLine, testSampledGrowth, type SamplingSeries } from '../analyzers/sampling-growth.js';
import type { SamplingCallFrame, SamplingHeapProfile } from '../analyzers/allocation-sites.js';

const frame = (functionName: string, url: string, lineNumber = 0): SamplingCallFrame => ({ functionName, url, lineNumber, columnNumber: 4, scriptId: 0 });
const APP = 'file:///srv/app/server.js';
const LIB = 'file:///srv/app/node_modules/cachelib/index.js';

/** A series of `n` readings 1 s and 500 requests apart; `bytes(i)` per stack id. */
function series(stacks: Record<number, SamplingCallFrame[]>, bytes: Record<number, (i: number) => number>, n = 20): SamplingSeries {
  return {
    stacks: new Map(Object.entries(stacks).map(([id, frames]) => [Number(id), frames])),
    points: Array.from({ length: n }, (_, i) => ({
      t: 6 + i,
      requests: 3000 + 500 * i,
      heapUsed: 40e6,
      values: new Map(Object.entries(bytes).map(([id, f]) => [Number(id), { bytes: f(i), objects: f(i) / 80 }])),
    })),
  };
}

const options = { intervalBytes: 32768, heapLimitBytes: 4e9, runRps: 500, projectRps: [], horizonS: 86400 };
// Deterministic jitter of ±30 KB, like work in flight and garbage not yet collected.
const jitter = (i: number) => ((i * 7919) % 13) * 5000 - 30000;

describe('growth from the sampling heap profile', () => {
  it('finds the growing site (bytes/request from the slope) and not the noisy one', () => {
    const s = series(
      { 1: [frame('handle', APP, 10), frame('remember', APP, 41)], 2: [frame('handle', APP, 10), frame('render', APP, 70)] },
      { 1: (i) => 80 * 500 * i + 100_000 + jitter(i), 2: (i) => 400_000 + jitter(i) * 3 },
    );
    const { findings, projection } = analyzeSamplingGrowth(s, options);
    expect(findings).toHaveLength(1);
    const f = findings[0];
    expect(f.owner).toBe('remember (server.js:42)');
    expect(f.site).toEqual({ functionName: 'remember', location: '/srv/app/server.js:42:5', stack: ['remember /srv/app/server.js:42:5'] });
    expect(f.bytesPerRequest!).toBeGreaterThan(75);
    expect(f.bytesPerRequest!).toBeLessThan(85);
    expect(f.bytesPerSecond).toBeCloseTo(f.bytesPerRequest! * 500, -2);
    expect(f.verdict).toBe('accumulation');
    expect(f.decidingSnapshot?.pauseS).toBeGreaterThan(0);
    expect(f.evidence.join(' ')).toMatch(/cannot tell a leak .* from an accumulation/);
    expect(projection.secondsToLimit === null || projection.secondsToLimit > 0).toBe(true);
  });

  it('names the nearest caller outside node_modules when the site is inside a library', () => {
    const s = series({ 1: [frame('handle', APP, 10), frame('set', LIB, 5), frame('store', LIB, 90)] }, { 1: (i) => 60_000 * i });
    const [f] = analyzeSamplingGrowth(s, options).findings;
    expect(f.site!.stack).toEqual(['store /srv/app/node_modules/cachelib/index.js:91:5', 'set /srv/app/node_modules/cachelib/index.js:6:5', 'handle /srv/app/server.js:11:5']);
    expect(f.allocationSites![0].calledFrom).toBe('handle /srv/app/server.js:11:5');
  });

  it('calls a stream made per request through node:zlib a leak', () => {
    const s = series({ 1: [frame('handle', APP, 10), frame('createGzip', 'node:zlib', 900), frame('Gzip', 'node:zlib', 700)] }, { 1: (i) => 50_000 * i });
    const [f] = analyzeSamplingGrowth(s, options).findings;
    expect(f.verdict).toBe('leak');
    expect(f.owner).toBe('handle (server.js:11)');
    expect(f.decidingSnapshot).toBeUndefined();
  });

  it('judges a site by its stack that grows: a flat response in flight through node:http does not make it a leak', () => {
    const s = series(
      {
        1: [frame('handler', APP, 23), frame('end', 'node:_http_outgoing', 900), frame('_storeHeader', 'node:_http_outgoing', 410)],
        2: [frame('handler', APP, 23)],
      },
      { 1: () => 300_000, 2: (i) => 60_000 * i },
    );
    const [f] = analyzeSamplingGrowth(s, options).findings;
    expect(f.owner).toBe('handler (server.js:24)');
    expect(f.verdict).toBe('accumulation');
    expect(f.decidingSnapshot).toBeDefined();
  });

  it('calls growth that levels off bounded, but not a backing store that grows in steps', () => {
    const filling = series({ 1: [frame('fill', APP, 3)] }, { 1: (i) => Math.min(i, 8) * 100_000 });
    expect(analyzeSamplingGrowth(filling, options).findings[0].verdict).toBe('bounded');
    // A large array (few objects) flat for the last readings: V8 grows it 1.5x at a time.
    expect(testSampledGrowth([0, 1, 2, 3, 4, 5, 6], [0, 200e3, 400e3, 600e3, 600e3, 600e3, 600e3], 65536, 600e3).shape).not.toBe('plateau');
    expect(testSampledGrowth([0, 1, 2, 3, 4, 5, 6], [0, 200e3, 400e3, 600e3, 600e3, 600e3, 600e3], 65536, 0).shape).toBe('plateau');
  });

  it('reports nothing for sites that only move, or whose growth is under the floor', () => {
    const s = series({ 1: [frame('a', APP)], 2: [frame('b', APP, 2)] }, { 1: (i) => 500_000 + jitter(i) * 4, 2: (i) => 2000 * i });
    expect(analyzeSamplingGrowth(s, options).findings).toEqual([]);
  });

  it('writes stacks once and reads them back (sampling.ndjson)', () => {
    const profile: SamplingHeapProfile = {
      head: {
        callFrame: frame('(root)', ''),
        selfSize: 0,
        id: 1,
        children: [{ callFrame: frame('handle', APP, 10), selfSize: 0, id: 2, children: [{ callFrame: frame('remember', APP, 41), selfSize: 65536, id: 3, children: [] }] }],
      },
      samples: [{ size: 64, nodeId: 3, ordinal: 1 }],
    };
    const known = new Map<string, number>();
    const first = samplingLine(profile, known, { t: 1, requests: 10, heapUsed: 1e6 }, 32768);
    const second = samplingLine(profile, known, { t: 2, requests: 20, heapUsed: 1e6 }, 32768);
    expect(Object.keys(first.stacks!)).toEqual(['1']);
    expect(second.stacks).toBeUndefined();
    const parsed = parseSamplingSeries(`${JSON.stringify(first)}\n${JSON.stringify(second)}\n{"torn":`);
    expect(parsed.unreadable).toBe(1);
    expect(parsed.points.map((p) => p.values.get(1))).toEqual([{ bytes: 65536, objects: 513 }, { bytes: 65536, objects: 513 }]);
    expect(parsed.stacks.get(1)!.map((f) => f.functionName)).toEqual(['handle', 'remember']);
  });
});
