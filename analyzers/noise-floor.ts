/**
 * The noise floor: how much an owner may appear to grow without it meaning anything, and the test
 * an owner's growth must pass to be reported.
 *
 * Why growth appears where nothing grows: snapshots are taken after a full GC, so uncollected
 * garbage is not the issue; what moves is work caught in flight (iterations running when the
 * snapshot starts, their promises and buffers), lazily compiled code and feedback vectors, string
 * table and compilation-cache entries, pooled buffers, and V8's backing stores that double in
 * capacity at unpredictable moments. All of these are bounded in size and do not add up request
 * after request, so the floor is an absolute minimum plus a share of the heap, and the test asks for
 * growth that is sustained (rising at almost every interval, close to a straight line or a clean
 * rise-then-flat), not merely a difference between two snapshots.
 */
import { type GrowthAxes, type OwnerGrowth, type TurnoverTest, elasticSlackBytes, filledSeries, monotonicity, plateauTest, fitLine, turnoverTest } from './growth-model.js';
import { NOISE } from './thresholds.js';
import type { SnapshotSummary } from './snapshot-summary.js';

/** The floor's figures, with what each guards, are in `thresholds.ts` (NOISE). */
export const { minGrowthBytes: MIN_GROWTH_BYTES, heapShare: HEAP_SHARE, minR2: MIN_R2, minR2WithSurvivors: MIN_R2_WITH_SURVIVORS } = NOISE;

export interface NoiseFloor {
  /** Smallest first-to-last growth of one owner that can count as real (bytes). */
  growthBytes: number;
  /** Largest fall between two consecutive snapshots still counted as "not falling" (bytes). */
  stepBytes: number;
  /** The same floor per request over the measured span (null without request counts). */
  bytesPerRequest: number | null;
  /** One line for the report's notes. */
  explanation: string;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function noiseFloor(summaries: readonly SnapshotSummary[], axes: GrowthAxes): NoiseFloor {
  const heap = summaries.length ? median(summaries.map((s) => s.totalBytes)) : 0;
  const growthBytes = Math.max(MIN_GROWTH_BYTES, HEAP_SHARE * heap);
  const stepBytes = growthBytes / 4;
  const span = axes.requests ? axes.requests[axes.requests.length - 1] - axes.requests[0] : 0;
  const bytesPerRequest = span > 0 ? growthBytes / span : null;
  const perReq = bytesPerRequest === null ? '' : ` (${bytesPerRequest.toFixed(2)} B/request over ${span} requests)`;
  return {
    growthBytes,
    stepBytes,
    bytesPerRequest,
    explanation:
      `noise floor: an owner must grow by at least ${Math.round(growthBytes / 1024)} KB${perReq}, ` +
      `steadily across snapshots, to be reported`,
  };
}

export type GrowthShape = 'linear' | 'plateau' | 'none';

export interface GrowthTest {
  real: boolean;
  shape: GrowthShape;
  /** Share of intervals that did not fall by more than the step tolerance. */
  monotonicity: number;
  r2: number;
  plateau: ReturnType<typeof plateauTest>;
  turnover: TurnoverTest;
  /** Why it is not real, when it is not (for debugging and `--verbose` notes). */
  reason: string | null;
}

/**
 * Is this owner's growth real? Judged on its program self bytes (exclusive bytes without VM
 * metadata), so that a container is not credited with what its nested owners grow.
 */
export function testGrowth(model: OwnerGrowth, axes: GrowthAxes, floor: NoiseFloor): GrowthTest {
  const y = filledSeries(model.programSelfBytes);
  const x = axes.primary;
  const mono = monotonicity(y, floor.stepBytes);
  const fit = fitLine(x, y);
  const turnover = turnoverTest(model, y, floor.stepBytes);
  let plateau = plateauTest(x, y, floor.stepBytes, elasticSlackBytes(model));
  const n = y.length;
  if (turnover.steady) {
    // Objects replaced at a flat count: a cap at work. Growth before the steady state, if any, was
    // the filling (bounded); byte movement after it is table capacity, not content.
    const rise = y[turnover.steadyFrom] - y[0];
    const tail = y.slice(turnover.steadyFrom);
    plateau = { plateaued: rise >= floor.growthBytes, flatFrom: turnover.steadyFrom, riseBytes: rise, flatChangeBytes: Math.max(...tail) - Math.min(...tail) };
    const base = { monotonicity: mono, r2: fit.r2, plateau, turnover };
    return plateau.plateaued
      ? { ...base, real: true, shape: 'plateau', reason: null }
      : { ...base, real: false, shape: 'none', reason: 'steady state: objects replaced at a flat count' };
  }
  const base = { monotonicity: mono, r2: fit.r2, plateau, turnover };
  if (n < 2) return { ...base, real: false, shape: 'none', reason: 'fewer than two snapshots' };

  if (plateau.plateaued && plateau.riseBytes >= floor.growthBytes && monotonicity(y.slice(0, plateau.flatFrom + 1), floor.stepBytes) === 1) {
    return { ...base, real: true, shape: 'plateau', reason: null };
  }
  const growth = y[n - 1] - y[0];
  if (growth < floor.growthBytes) return { ...base, real: false, shape: 'none', reason: `grew ${growth} B, under the floor` };
  // With five or more snapshots one interval may dip a little (a backing store caught just after
  // a shrink, work in flight at one snapshot), but a series that falls more often, or falls by a
  // tenth of its growth, is moving, not growing.
  const allowedDips = n >= 5 ? 1 : 0;
  const dips = Math.round((1 - mono) * (n - 1));
  let deepest = 0;
  for (let i = 1; i < n; i++) deepest = Math.max(deepest, y[i - 1] - y[i]);
  if (dips > allowedDips || (dips > 0 && deepest > Math.max(2 * floor.stepBytes, 0.1 * growth))) {
    return { ...base, real: false, shape: 'none', reason: `fell at ${dips} of ${n - 1} intervals (by up to ${deepest} B)` };
  }
  const survivors = model.cohorts && model.cohorts.survivingBytes >= 0.5 * growth;
  const minR2 = survivors ? MIN_R2_WITH_SURVIVORS : MIN_R2;
  if (n >= 3 && fit.r2 < minR2) return { ...base, real: false, shape: 'none', reason: `r² ${fit.r2.toFixed(2)} < ${minR2}` };
  if (caughtInFlight(model, growth, n)) {
    return { ...base, real: false, shape: 'none', reason: 'the growth is young objects only (work in flight at snapshot time)' };
  }
  return { ...base, real: true, shape: 'linear', reason: null };
}

const { manyNewObjects: MANY_NEW_OBJECTS, agedSurvivorShare: AGED_SURVIVOR_SHARE } = NOISE;

/**
 * Requests in flight when a snapshot is taken (an HTTP server's requests, responses and buffers)
 * are live, so a snapshot that happens to catch more of them looks like growth. But they are all
 * young: none of them is still there a snapshot later. Growth made of many objects must include
 * objects that have aged: at least a quarter of what steady growth would have put in the cohorts
 * before the last interval. Growth in place (a few backing stores reallocated larger, so always
 * young) is exempt; so are summaries without cohorts.
 */
function caughtInFlight(model: OwnerGrowth, growth: number, n: number): boolean {
  const c = model.cohorts;
  if (!c || n < 3) return false;
  let newObjects = 0;
  for (const [cat, stats] of Object.entries(model.compositionDelta)) {
    if (cat !== 'code' && stats && stats.count > 0) newObjects += stats.count;
  }
  if (newObjects < MANY_NEW_OBJECTS) return false;
  const expectedAged = (growth * (n - 2)) / (n - 1);
  return c.agedSurvivorBytes < AGED_SURVIVOR_SHARE * expectedAged;
}
