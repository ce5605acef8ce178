import { describe, expect, it } from 'vitest';
import { analyzeGrowth, type GrowthOptions } from '../analyzers/analyze-growth.js';
import type { Category, CategoryStats, OwnerSummary, SnapshotSummary } from '../analyzers/snapshot-summary.js';

const OPTIONS: GrowthOptions = { heapLimitBytes: 4e9, runRps: 1000, projectRps: [], horizonS: 86_400, allocationProfile: null };
const SNAPSHOTS = 5;
const REQUESTS_PER_INTERVAL = 8000;

/** Bytes by category, or [bytes, objects]; objects default to one per 50 bytes. */
type Composition = Partial<Record<Category, number | [number, number]>>;

/** An owner over five snapshots: per snapshot, its composition. */
interface OwnerPlan {
  key: string;
  count: (i: number) => number;
  composition: (i: number) => Composition;
  path?: string[];
  /** Retained bytes when larger than self (holders of other owners). */
  retainedExtra?: (i: number) => number;
  location?: string;
  /** Bytes by birth cohort at snapshot i (i + 1 entries); counts are bytes / 100. */
  cohortBytes?: (i: number) => number[];
}

function stats(c: Composition): { composition: Partial<Record<Category, CategoryStats>>; bytes: number } {
  const composition: Partial<Record<Category, CategoryStats>> = {};
  let bytes = 0;
  for (const [k, v] of Object.entries(c) as [Category, number | [number, number]][]) {
    const [b, n] = typeof v === 'number' ? [v, Math.ceil(v / 50)] : v;
    composition[k] = { count: n, bytes: b };
    bytes += b;
  }
  return { composition, bytes };
}

function summaries(plans: OwnerPlan[], heap = 8_000_000): SnapshotSummary[] {
  return Array.from({ length: SNAPSHOTS }, (_, i) => {
    const owners: OwnerSummary[] = plans.map((p) => {
      const { composition, bytes } = stats(p.composition(i));
      return {
        key: p.key,
        owner: p.key.split('@')[0],
        location: p.location ?? null,
        count: p.count(i),
        retainedBytes: bytes + (p.retainedExtra?.(i) ?? 0),
        selfBytes: bytes,
        composition,
        cohortCounts: p.cohortBytes ? p.cohortBytes(i).map((b) => Math.round(b / 100)) : [],
        cohortBytes: p.cohortBytes ? p.cohortBytes(i) : [],
        retainerPath: p.path ?? ['(GC roots)', 'Module', p.key.split('@')[0]],
      };
    });
    return {
      schema: 'memprobe/snapshot-summary@1',
      source: null,
      t: 10 + 8 * i,
      requests: REQUESTS_PER_INTERVAL * (i + 1),
      nodeCount: 1,
      edgeCount: 1,
      totalBytes: heap + owners.reduce((s, o) => s + o.selfBytes, 0),
      maxNodeId: 1000 * (i + 1),
      cohortBoundaries: [],
      categories: {},
      owners,
    };
  });
}

const steady = (base: number, perInterval: number) => (i: number) => base + perInterval * i;
// A few KB of jitter, as GC timing and work in flight give.
const jitter = (i: number) => [0, 3000, -2000, 4000, -1000][i];

describe('verdicts from structure', () => {
  it('a stable set of sinks whose value arrays grow is accumulation (sample store)', () => {
    const { findings } = analyzeGrowth(
      summaries([{ key: 'TrendSink@a.mjs:3', count: () => 8, composition: (i) => ({ 'value-array': [steady(10_000, 512_000)(i), 16], instance: [640, 8] }) }]),
      OPTIONS,
    );
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ owner: 'TrendSink', verdict: 'accumulation' });
    expect(findings[0].bytesPerRequest).toBeCloseTo(64, 0);
    expect(findings[0].hint).toMatch(/streaming histogram/i);
    expect(findings[0].evidence.join('\n')).toMatch(/8 → 8 \(stable\)/);
  });

  it('sinks multiplied by label values are accumulation too, not per-request objects', () => {
    const { findings } = analyzeGrowth(
      summaries([
        {
          key: 'TrendSink',
          count: (i) => 1000 + 6000 * i,
          composition: (i) => ({ instance: 56 * (1000 + 6000 * i), 'value-array': 150 * (1000 + 6000 * i), 'plain-object': 60 * (1000 + 6000 * i), string: 40 * (1000 + 6000 * i) }),
        },
      ]),
      OPTIONS,
    );
    expect(findings[0]).toMatchObject({ owner: 'TrendSink', verdict: 'accumulation' });
    expect(findings[0].hint).toMatch(/label/i);
  });

  it('label sets as records in one metric object are accumulation with a label hint, not a sample store', () => {
    const { findings } = analyzeGrowth(
      summaries([
        {
          key: 'Histogram',
          count: () => 1,
          composition: (i) => ({ 'value-array': [500_000 * i + 1000, 8000 * i + 10], 'plain-object': [300_000 * i, 6000 * i], string: [250_000 * i, 6000 * i] }),
        },
      ]),
      OPTIONS,
    );
    expect(findings[0]).toMatchObject({ owner: 'Histogram', verdict: 'accumulation' });
    expect(findings[0].hint).toMatch(/label/);
  });

  it('a keyed store of records with one instance is accumulation with a cap hint', () => {
    const { findings } = analyzeGrowth(
      summaries([{ key: 'NodeCache', count: () => 1, composition: (i) => ({ 'plain-object': steady(1000, 700_000)(i), string: steady(0, 400_000)(i), collection: steady(0, 200_000)(i) }) }]),
      OPTIONS,
    );
    expect(findings[0]).toMatchObject({ owner: 'NodeCache', verdict: 'accumulation' });
    expect(findings[0].hint).toMatch(/max|TTL/);
  });

  it('closures, contexts and listeners piling up on an emitter are a leak with a removeListener hint', () => {
    const { findings } = analyzeGrowth(
      summaries([
        {
          key: 'ConfigWatcher',
          count: () => 1,
          composition: (i) => ({ listener: steady(0, 400_000)(i), context: steady(0, 300_000)(i), 'plain-object': steady(0, 400_000)(i), 'object-array': steady(0, 64_000)(i) }),
        },
      ]),
      OPTIONS,
    );
    expect(findings[0]).toMatchObject({ owner: 'ConfigWatcher', verdict: 'leak' });
    expect(findings[0].hint).toMatch(/removeListener|off\(\)/);
  });

  it('Timeouts multiplying are a leak with a clearInterval/clearTimeout hint', () => {
    const { findings } = analyzeGrowth(
      summaries([{ key: 'Timeout', count: (i) => 8000 * i, composition: (i) => ({ timer: 130 * 8000 * i, closure: 56 * 8000 * i, context: 48 * 8000 * i }) }]),
      OPTIONS,
    );
    expect(findings[0]).toMatchObject({ owner: 'Timeout', verdict: 'leak' });
    expect(findings[0].hint).toMatch(/clearInterval|clearTimeout/);
  });

  it('one new user-class instance per request, each of a fixed size, is a per-request leak', () => {
    const { findings } = analyzeGrowth(
      summaries([{ key: 'RequestContext', count: (i) => 100 + 8000 * i, composition: (i) => ({ instance: 64 * (100 + 8000 * i), string: 40 * (100 + 8000 * i) }) }]),
      OPTIONS,
    );
    expect(findings[0]).toMatchObject({ owner: 'RequestContext', verdict: 'leak' });
  });

  it('grew then levelled off is bounded', () => {
    const level = [0, 900_000, 1_800_000, 1_801_000, 1_800_500];
    const { findings } = analyzeGrowth(
      summaries([{ key: 'LRUCache', count: () => 1, composition: (i) => ({ 'plain-object': level[i] + 1000, string: level[i] / 2 }) }]),
      OPTIONS,
    );
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ owner: 'LRUCache', verdict: 'bounded' });
  });

  it('a named emitter holding per-request listener wrappers is the owner; the wrappers fold in', () => {
    const { findings } = analyzeGrowth(
      summaries([
        { key: 'EventEmitter', count: () => 1, composition: (i) => ({ 'object-array': 8 * 8000 * i + 100 }), retainedExtra: (i) => 180 * 8000 * i },
        {
          key: 'EE',
          count: (i) => 8000 * i,
          composition: (i) => ({ instance: 40 * 8000 * i, closure: 56 * 8000 * i, context: 40 * 8000 * i, 'plain-object': 44 * 8000 * i }),
          path: ['(GC roots)', 'bus', 'EventEmitter', '_events', 'config-changed', 'EE'],
        },
      ]),
      OPTIONS,
    );
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ owner: 'EventEmitter', verdict: 'leak' });
    expect(findings[0].hint).toMatch(/removeListener|off\(\)/);
    expect(findings[0].evidence.join('\n')).toMatch(/holds EE/);
  });

  it("an emitter's listener store is reported under the emitter's name", () => {
    const { findings } = analyzeGrowth(
      summaries([
        {
          key: 'Events',
          count: () => 1,
          composition: (i) => ({ listener: 150 * 8000 * i + 100, context: 40 * 8000 * i, 'plain-object': 40 * 8000 * i }),
          path: ['(GC roots)', 'bus', 'EventEmitter', '_events', 'Events'],
        },
      ]),
      OPTIONS,
    );
    expect(findings[0]).toMatchObject({ owner: 'EventEmitter', verdict: 'leak', key: 'Events' });
    expect(findings[0].evidence.join('\n')).toMatch(/listener store/);
  });

  it("a listener array of process's _events is reported as process", () => {
    const { findings } = analyzeGrowth(
      summaries([
        {
          key: 'Array (beforeExit)',
          count: () => 1,
          composition: (i) => ({ listener: 100 * 8000 * i + 100, context: 40 * 8000 * i, 'plain-object': 40 * 8000 * i }),
          path: ['(GC roots)', 'global', 'process', '_events', 'Object (_events)', 'beforeExit', 'Array (beforeExit)'],
        },
      ]),
      OPTIONS,
    );
    expect(findings[0]).toMatchObject({ owner: 'process', verdict: 'leak' });
    expect(analyzeGrowth(summaries([]), OPTIONS).projection.text).toMatch(/nothing grows/);
  });

  it("an accumulating store's per-entry objects are part of the accumulation, not a leak", () => {
    const { findings } = analyzeGrowth(
      summaries([
        {
          key: 'Summary',
          count: () => 1,
          composition: (i) => ({ 'plain-object': 120 * 8000 * i + 100, string: 60 * 8000 * i }),
          retainedExtra: (i) => 200 * 8000 * i,
        },
        {
          key: 'TDigest',
          count: (i) => 8000 * i,
          composition: (i) => ({ instance: 80 * 8000 * i, 'object-array': 120 * 8000 * i }),
          path: ['(GC roots)', 'registry', 'Summary', 'hashMap', 'path:/users/17', 'Object', 'td', 'TDigest'],
        },
      ]),
      OPTIONS,
    );
    expect(findings.map((f) => [f.owner, f.verdict])).toEqual([['Summary', 'accumulation']]);
    expect(findings[0].evidence.join('\n')).toMatch(/entries hold TDigest/);
  });

  it('a minified class name is shown with the package it comes from', () => {
    const { findings } = analyzeGrowth(
      summaries([
        {
          key: 'd@lru',
          location: 'file:///srv/app/node_modules/lru-cache/dist/esm/index.min.js:1',
          count: () => 1,
          composition: (i) => ({ 'plain-object': 600_000 * i + 1000, string: 300_000 * i, collection: 100_000 * i }),
        },
      ]),
      OPTIONS,
    );
    expect(findings[0]).toMatchObject({ owner: 'd (lru-cache)', verdict: 'accumulation', key: 'd@lru' });
  });

  it('a generic Array holding per-request objects gives way to the objects it holds', () => {
    const { findings } = analyzeGrowth(
      summaries([
        { key: 'Array', count: () => 1, composition: (i) => ({ 'object-array': 8 * 8000 * i + 100 }) },
        {
          key: 'IncomingMessage',
          count: (i) => 8000 * i,
          composition: (i) => ({ socket: 300 * 8000 * i, 'plain-object': 200 * 8000 * i, string: 100 * 8000 * i }),
          path: ['(GC roots)', 'recent', 'Array', '12', 'IncomingMessage'],
        },
      ]),
      OPTIONS,
    );
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ owner: 'IncomingMessage', verdict: 'leak' });
    expect(findings[0].hint).toMatch(/req\/res/);
  });

  it('jitter, warm-up code and one-off steps are not findings', () => {
    const { findings, notes } = analyzeGrowth(
      summaries([
        { key: 'Churn', count: () => 20, composition: (i) => ({ 'plain-object': 200_000 + jitter(i) * 10, string: 50_000 }) },
        { key: 'Module', count: () => 1, composition: (i) => ({ code: 100_000 + 150_000 * i, 'plain-object': 5000 }) },
        { key: 'Step', count: () => 1, composition: (i) => ({ 'object-array': i >= 2 ? 40_000 : 8_000 }) },
        { key: 'Tiny', count: () => 1, composition: (i) => ({ 'value-array': 1000 + 2000 * i }) },
      ]),
      OPTIONS,
    );
    expect(findings).toEqual([]);
    expect(notes.join('\n')).toMatch(/noise floor/);
  });

  it('requests in flight caught by the snapshots are not growth: none of their objects ages', () => {
    // More requests in flight at each snapshot, all born since the previous one.
    const inFlight = [0, 100_000, 200_000, 300_000, 400_000];
    const plan = (aged: boolean): OwnerPlan => ({
      key: 'IncomingMessage',
      count: (i) => 10 + i * 30,
      composition: (i) => ({ socket: 1000 + inFlight[i] / 2, string: inFlight[i] / 2 }),
      // Steady state: 1000 old bytes, and either only the newest cohort (in flight) or a leak's aged cohorts.
      cohortBytes: (i) => [1000, ...Array.from({ length: i }, (_, j) => (aged ? 100_000 : j === i - 1 ? inFlight[i] : 0))],
    });
    expect(analyzeGrowth(summaries([plan(false)]), OPTIONS).findings).toEqual([]);
    expect(analyzeGrowth(summaries([plan(true)]), OPTIONS).findings[0]).toMatchObject({ owner: 'IncomingMessage', verdict: 'leak' });
  });

  it('up-and-down movement well above the floor is not growth', () => {
    const wave = [0, 800_000, 100_000, 900_000, 1_000_000];
    const { findings } = analyzeGrowth(summaries([{ key: 'Buffers', count: () => 3, composition: (i) => ({ native: 100_000 + wave[i] }) }]), OPTIONS);
    expect(findings).toEqual([]);
  });

  it('without request counts bytesPerRequest is null and growth is per second', () => {
    const s = summaries([{ key: 'TrendSink', count: () => 8, composition: (i) => ({ 'value-array': [steady(10_000, 512_000)(i), 16] }) }]).map((x) => ({ ...x, requests: null }));
    const { findings } = analyzeGrowth(s, { ...OPTIONS, runRps: null });
    expect(findings[0].bytesPerRequest).toBeNull();
    expect(findings[0].bytesPerSecond).toBeCloseTo(64_000, -2);
  });

  it('orders findings largest first', () => {
    const { findings } = analyzeGrowth(
      summaries([
        { key: 'Small', count: () => 1, composition: (i) => ({ 'value-array': steady(0, 200_000)(i) }) },
        { key: 'Large', count: () => 1, composition: (i) => ({ 'value-array': steady(0, 900_000)(i) }) },
      ]),
      OPTIONS,
    );
    expect(findings.map((f) => f.owner)).toEqual(['Large', 'Small']);
  });
});
