import { describe, expect, it } from 'vitest';
import { allocationSitesByOwner, type SamplingHeapProfile, type SamplingHeapProfileNode } from '../analyzers/allocation-sites.js';

let nextId = 1;
function node(functionName: string, url: string, line: number, selfSize: number, children: SamplingHeapProfileNode[] = []): SamplingHeapProfileNode {
  return { callFrame: { functionName, url, lineNumber: line - 1, columnNumber: 4, scriptId: url.length }, selfSize, id: nextId++, children };
}

const APP = 'file:///srv/app/metrics.mjs';
const LIB = 'file:///srv/app/node_modules/prom-client/lib/histogram.js';
const HARNESS = 'file:///opt/memprobe/dist/harness/script-runner.js';
const HARNESS_STATS = 'file:///opt/memprobe/dist/harness/load-stats.js';
const HARNESS_LIB = 'file:///opt/memprobe/node_modules/hdr-histogram-js/dist/JsHistogram.js';

const profile: SamplingHeapProfile = {
  head: node('(root)', '', 0, 0, [
    node('recordLatency', HARNESS_STATS, 80, 0, [node('recordSingleValue', HARNESS_LIB, 174, 2048)]),
    node('runIteration', HARNESS, 10, 4096, [
      node('iteration', APP, 40, 0, [
        node('add', APP, 12, 900_000),
        node('record', APP, 30, 0, [node('TrendSink', APP, 5, 40_000)]),
        node('observe', LIB, 120, 0, [node('setValue', LIB, 200, 300_000)]),
        node('on', 'node:events', 500, 0, [node('_addListener', 'node:events', 550, 64_000)]),
        node('tempWork', APP, 60, 0),
      ]),
    ]),
  ]),
};

describe('allocationSitesByOwner', () => {
  it('links sites through the owner constructor and the owner script, largest first', () => {
    const [sink] = allocationSitesByOwner(profile, [{ owner: 'TrendSink', location: '/srv/app/metrics.mjs:3', pattern: 'sample-store', unbounded: true }]).sites;
    expect(sink[0]).toMatchObject({ functionName: 'add', location: '/srv/app/metrics.mjs:12:5', bytes: 900_000, link: 'owner-script' });
    expect(sink.find((s) => s.functionName === 'TrendSink')).toMatchObject({ link: 'owner-function', bytes: 40_000 });
  });

  it('names the caller outside node_modules and keeps each sample with one owner', () => {
    const [sink, histogram, emitter] = allocationSitesByOwner(profile, [
      { owner: 'TrendSink', location: '/srv/app/metrics.mjs:3', pattern: 'sample-store', unbounded: true },
      { owner: 'Histogram', location: `${LIB}:10`, pattern: 'keyed-store', unbounded: true },
      { owner: 'Bus', location: null, pattern: 'listeners', unbounded: true },
    ]).sites;
    // The Histogram's script is the library's, and that link beats the app script seen higher up.
    expect(histogram).toEqual([
      expect.objectContaining({ functionName: 'setValue', bytes: 300_000, link: 'owner-script', calledFrom: 'iteration /srv/app/metrics.mjs:40:5' }),
    ]);
    expect(emitter).toEqual([expect.objectContaining({ functionName: 'iteration', bytes: 64_000, link: 'pattern-module' })]);
    expect(sink.some((s) => s.functionName === 'setValue')).toBe(false);
  });

  it('gives unlinked samples to the only unbounded owner and never reports harness frames', () => {
    const { sites: [only], toolOnlyBytes, totalBytes } = allocationSitesByOwner(profile, [{ owner: 'Map', location: null, pattern: 'closures', unbounded: true }]);
    // The harness's own sample (its frame and nothing of the target's under it) is counted apart.
    // So is what a library allocates when the harness calls it (its latency histogram).
    expect(toolOnlyBytes).toBe(4096 + 2048);
    expect(totalBytes).toBe(2048 + 4096 + 900_000 + 40_000 + 300_000 + 64_000);
    expect(only.some((s) => s.location.includes('hdr-histogram-js'))).toBe(false);
    expect(only.map((s) => s.link)).toEqual(expect.arrayContaining(['only-growing-owner']));
    expect(only.some((s) => s.location.includes('/harness/'))).toBe(false);
    const none = allocationSitesByOwner(profile, [
      { owner: 'Map', location: null, pattern: 'closures', unbounded: true },
      { owner: 'Set', location: null, pattern: 'closures', unbounded: true },
    ]).sites;
    expect(none).toEqual([[], []]);
  });
});

describe('allocation site noise', () => {
  it('drops sites with under 2% of the bytes linked to the owner', () => {
    const small: SamplingHeapProfile = {
      head: node('(root)', '', 0, 0, [node('iteration', APP, 40, 0, [node('add', APP, 12, 990_000), node('rare', APP, 90, 10_000)])]),
    };
    const [sites] = allocationSitesByOwner(small, [{ owner: 'TrendSink', location: '/srv/app/metrics.mjs:3', pattern: 'sample-store', unbounded: true }]).sites;
    expect(sites.map((s) => s.functionName)).toEqual(['add']);
  });
});
