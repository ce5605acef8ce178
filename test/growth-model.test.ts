import { describe, expect, it } from 'vitest';
import { cohortSurvival, fitLine, growthAxes, monotonicity, ownerGrowthModels, plateauTest, turnoverTest } from '../analyzers/growth-model.js';
import type { OwnerSummary, SnapshotSummary } from '../analyzers/snapshot-summary.js';

function owner(key: string, retained: number, extra: Partial<OwnerSummary> = {}): OwnerSummary {
  return {
    key,
    owner: key,
    location: null,
    count: 1,
    retainedBytes: retained,
    selfBytes: retained,
    composition: {},
    cohortCounts: [],
    cohortBytes: [],
    retainerPath: ['(GC roots)', key],
    ...extra,
  };
}

function summary(i: number, owners: OwnerSummary[], requests: number | null = 1000 * (i + 1)): SnapshotSummary {
  return {
    schema: 'memprobe/snapshot-summary@1',
    source: null,
    t: i + 1,
    requests,
    nodeCount: 1,
    edgeCount: 1,
    totalBytes: 5_000_000,
    maxNodeId: 1000 * (i + 1),
    cohortBoundaries: [],
    categories: {},
    owners,
  };
}

describe('fitLine', () => {
  it('recovers slope, intercept and r² of an exact line', () => {
    const f = fitLine([1, 2, 3, 4], [10, 30, 50, 70]);
    expect(f.slope).toBeCloseTo(20);
    expect(f.intercept).toBeCloseTo(-10);
    expect(f.r2).toBeCloseTo(1);
  });
  it('gives a low r² to scatter and a flat series r² 1 with slope 0', () => {
    expect(fitLine([1, 2, 3, 4, 5], [5, 1, 5, 1, 5]).r2).toBeLessThan(0.1);
    const flat = fitLine([1, 2, 3], [7, 7, 7]);
    expect(flat.slope).toBe(0);
    expect(flat.r2).toBe(1);
  });
  it('has no slope without two distinct x values', () => {
    expect(fitLine([3, 3], [1, 9]).slope).toBe(0);
  });
});

describe('monotonicity and plateau', () => {
  it('counts rising steps within a tolerance', () => {
    expect(monotonicity([1, 2, 3, 4], 0)).toBe(1);
    expect(monotonicity([1, 3, 2, 4], 0)).toBeCloseTo(2 / 3);
    expect(monotonicity([1, 3, 2, 4], 1)).toBe(1);
  });
  it('finds grew-then-flat and rejects a straight line', () => {
    const x = [0, 1, 2, 3, 4];
    const p = plateauTest(x, [0, 1_000_000, 2_000_000, 2_001_000, 2_000_500], 10_000);
    expect(p.plateaued).toBe(true);
    expect(p.flatFrom).toBe(2);
    expect(p.riseBytes).toBe(2_000_000);
    expect(plateauTest(x, [0, 1e6, 2e6, 3e6, 4e6], 10_000).plateaued).toBe(false);
    // Flat all along is not a plateau: it never grew.
    expect(plateauTest(x, [5, 5, 5, 5, 5], 10_000).plateaued).toBe(false);
  });
  it('does not call a backing-store staircase a plateau when the flat stretch fits in its spare capacity', () => {
    // Eight sample arrays at 1.5x capacity steps: 84 KB, 285 KB, 428 KB, then flat for two
    // intervals while the arrays fill their spare capacity.
    const x = [900, 2180, 3450, 4730, 6000];
    const y = [83_776, 284_992, 427_968, 427_968, 427_968];
    expect(plateauTest(x, y, 16_000).plateaued).toBe(true);
    expect(plateauTest(x, y, 16_000, 427_968 / 2).plateaued).toBe(false);
    // A long flat stretch after a rise outgrows any such slack: a real plateau.
    const long = [0, 1000, 2000, 8000, 14000];
    expect(plateauTest(long, [0, 500_000, 1_000_000, 1_000_000, 1_000_000], 16_000, 250_000).plateaued).toBe(true);
  });
});

describe('growthAxes', () => {
  it('prefers requests, falls back to time, then to snapshot order', () => {
    const s = [summary(0, []), summary(1, [])];
    expect(growthAxes(s).primaryUnit).toBe('request');
    const noReq = [summary(0, [], null), summary(1, [], null)];
    expect(growthAxes(noReq).primaryUnit).toBe('second');
    const none = noReq.map((x) => ({ ...x, t: null }));
    expect(growthAxes(none)).toMatchObject({ primaryUnit: 'snapshot', primary: [0, 1], requests: null, seconds: null });
  });
});

describe('ownerGrowthModels', () => {
  it('measures slopes per request and per second, composition deltas, and counts', () => {
    const summaries = [0, 1, 2, 3].map((i) =>
      summary(i, [
        owner('Sink', 100_000 + 64_000 * i, {
          count: 8,
          composition: { 'value-array': { count: 8, bytes: 64_000 * i + 1000 }, code: { count: 1, bytes: 500 * i } },
          selfBytes: 100_000 + 64_000 * i + 500 * i,
        }),
        owner('Flat', 50_000),
      ]),
    );
    const models = ownerGrowthModels(summaries);
    const sink = models.find((m) => m.key === 'Sink')!;
    expect(sink.retainedPerRequest!.slope).toBeCloseTo(64);
    expect(sink.retainedPerSecond!.slope).toBeCloseTo(64_000);
    expect(sink.retainedGrowth).toBe(192_000);
    // VM metadata (code) is not the program's growth.
    expect(sink.programSelfGrowth).toBe(192_000);
    expect(sink.compositionDelta['value-array']).toEqual({ count: 0, bytes: 192_000 });
    expect(sink.countGrowth).toBe(0);
    const flat = models.find((m) => m.key === 'Flat')!;
    expect(flat.retainedGrowth).toBe(0);
  });
  it('takes an owner missing from a summary as 0 and says how often it was present', () => {
    const summaries = [summary(0, []), summary(1, [owner('New', 200_000)]), summary(2, [owner('New', 400_000)])];
    const m = ownerGrowthModels(summaries).find((x) => x.key === 'New')!;
    expect(m.retainedBytes).toEqual([null, 200_000, 400_000]);
    expect(m.presentIn).toBe(2);
    expect(m.retainedGrowth).toBe(400_000);
  });
});

describe('cohortSurvival', () => {
  it('counts objects born after the first snapshot that are still alive', () => {
    const at = (counts: number[], bytes: number[]) => owner('L', 0, { cohortCounts: counts, cohortBytes: bytes });
    const c = cohortSurvival([at([10], [100]), at([10, 50], [100, 500]), at([10, 40, 60], [100, 400, 600])]);
    expect(c).toEqual({ bornCount: 110, bornBytes: 1100, survivingCount: 100, survivingBytes: 1000, oldestCohortSurvivalShare: 0.8, agedSurvivorBytes: 400 });
  });
  it('is null when the cohort arrays do not have one entry per snapshot', () => {
    expect(cohortSurvival([owner('L', 0), owner('L', 0)])).toBeNull();
  });
});

describe('turnoverTest', () => {
  it('sees a cap at work: flat object count, many births, bytes stepping up once at most', () => {
    const model = { objectCounts: [5000, 18000, 18020, 18010, 18000], bornCounts: [null, 14000, 7000, 7100, 6900] };
    expect(turnoverTest(model, [1e5, 6e5, 7e5, 7e5, 7e5], 16_000)).toMatchObject({ steady: true, steadyFrom: 1, bornPerInterval: 6900 });
  });
  it('is not fooled by arrays reallocated larger at every interval, or by few births', () => {
    const reallocating = { objectCounts: [600, 600, 600, 600, 600], bornCounts: [null, 200, 200, 200, 200] };
    expect(turnoverTest(reallocating, [1e5, 2e5, 3e5, 4e5, 5e5], 16_000).steady).toBe(false);
    const quiet = { objectCounts: [600, 600, 600, 600, 600], bornCounts: [null, 8, 8, 8, 8] };
    expect(turnoverTest(quiet, [1e5, 1e5, 1e5, 1e5, 1e5], 16_000).steady).toBe(false);
  });
});
