/**
 * The growth model of one owner across the snapshots of one process: least-squares slope of its
 * bytes over requests and over time, r², monotonicity and a plateau test, plus what the growth is
 * made of (composition deltas) and cohort survival.
 *
 * Input: `SnapshotSummary[]` in capture order. Output: one `OwnerGrowth` per owner key, plain values.
 * Whether a growth is real (above noise) and what it means (leak, accumulation, bounded) is decided
 * elsewhere (`noise-floor.ts`, `verdicts.ts`): this file only measures.
 */
import type { Category, CategoryStats, OwnerSummary, SnapshotSummary } from './snapshot-summary.js';
import { TURNOVER } from './thresholds.js';

export interface LinearFit {
  slope: number;
  intercept: number;
  /** Coefficient of determination, 0..1; 1 when the series is exactly a line (including flat). */
  r2: number;
}

/** Ordinary least squares of y on x. Needs two distinct x values; otherwise slope 0, r² 0. */
export function fitLine(x: readonly number[], y: readonly number[]): LinearFit {
  const n = Math.min(x.length, y.length);
  if (n < 2) return { slope: 0, intercept: n === 1 ? y[0] : 0, r2: 0 };
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i];
    my += y[i];
  }
  mx /= n;
  my /= n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i] - mx;
    const dy = y[i] - my;
    sxx += dx * dx;
    sxy += dx * dy;
    syy += dy * dy;
  }
  if (sxx === 0) return { slope: 0, intercept: my, r2: 0 };
  const slope = sxy / sxx;
  // A flat series is perfectly explained by a flat line; say so rather than divide 0 by 0.
  const r2 = syy === 0 ? 1 : (sxy * sxy) / (sxx * syy);
  return { slope, intercept: my - slope * mx, r2 };
}

/**
 * Share of steps that do not fall by more than `tolerance` bytes (0..1). A leak or an accumulation
 * rises at every step; GC timing and churn move up and down.
 */
export function monotonicity(y: readonly number[], tolerance: number): number {
  if (y.length < 2) return 0;
  let rising = 0;
  for (let i = 1; i < y.length; i++) if (y[i] - y[i - 1] >= -tolerance) rising++;
  return rising / (y.length - 1);
}

export interface PlateauTest {
  /** Grew early, then stayed flat for the last interval(s). */
  plateaued: boolean;
  /** Index of the first snapshot of the flat stretch (meaningful when plateaued). */
  flatFrom: number;
  /** Growth before the flat stretch, bytes. */
  riseBytes: number;
  /** Change across the flat stretch, bytes. */
  flatChangeBytes: number;
}

/**
 * Grew, then levelled off. The flat stretch is the longest tail (at least the last interval) whose
 * change stays within `tolerance` and within a fifth of the rise per interval before it; the rise
 * must exceed `tolerance` too. A straight line never passes: its last interval grows like the rest.
 *
 * `hiddenBytes`: growth that can happen without showing. V8 grows array backing stores and hash
 * tables by a factor (1.5x for arrays, 2x for tables), so a store that is still filling looks flat
 * until its capacity runs out: a staircase, not a plateau. The flat stretch only counts when the
 * earlier rise, continued at half its apparent rate (capacity jumps overstate it up to 2x), would
 * have outgrown that slack and forced a visible step.
 */
export function plateauTest(x: readonly number[], y: readonly number[], tolerance: number, hiddenBytes = 0): PlateauTest {
  const n = y.length;
  const none: PlateauTest = { plateaued: false, flatFrom: n - 1, riseBytes: 0, flatChangeBytes: 0 };
  if (n < 3) return none;
  let best: PlateauTest = none;
  for (let from = n - 2; from >= 1; from--) {
    const rise = y[from] - y[0];
    const tail = y.slice(from);
    const flatChange = Math.max(...tail) - Math.min(...tail);
    const riseRate = rise / Math.max(x[from] - x[0], Number.EPSILON);
    const flatSpan = x[n - 1] - x[from];
    const flatRate = flatChange / Math.max(flatSpan, Number.EPSILON);
    const flat = flatChange <= tolerance && flatRate <= riseRate / 5;
    if (!flat) break;
    const wouldHaveShown = (riseRate / 2) * flatSpan > hiddenBytes + tolerance;
    if (rise > tolerance && wouldHaveShown) best = { plateaued: true, flatFrom: from, riseBytes: rise, flatChangeBytes: flatChange };
  }
  return best;
}

/** Categories stored in backing stores that V8 grows by a factor, ahead of use. */
export const ELASTIC_CATEGORIES: readonly Category[] = ['value-array', 'object-array', 'collection', 'listener'];

/** Growth an owner's elastic stores can absorb without their size changing: up to half their capacity. */
export function elasticSlackBytes(model: Pick<OwnerGrowth, 'compositionLast'>): number {
  let elastic = 0;
  for (const c of ELASTIC_CATEGORIES) elastic += model.compositionLast[c]?.bytes ?? 0;
  return elastic / 2;
}

export interface TurnoverTest {
  /** From `steadyFrom` on, the object count stays flat while many objects are born and as many die. */
  steady: boolean;
  steadyFrom: number;
  /** Objects born per interval over the steady stretch (smallest interval). */
  bornPerInterval: number;
  objectsAtSteady: number;
}

const { minBorn: TURNOVER_MIN_BORN, minShare: TURNOVER_MIN_SHARE } = TURNOVER;

/**
 * Steady state by turnover: a capped cache, a pool, a ring buffer. The owner keeps about the same
 * number of objects while new ones keep arriving, so the old ones are let go. This is what a cap
 * looks like from the inside, and it holds even when a hash table doubles its capacity once after
 * filling up (V8 grows a table with many deleted entries), which the byte curve alone would read
 * as growth. Needs cohort data (objects first seen per snapshot); at least two flat intervals
 * when there are five or more snapshots, over which `bytes` rise (by more than `stepBytes`) once
 * at most.
 */
export function turnoverTest(model: Pick<OwnerGrowth, 'objectCounts' | 'bornCounts'>, bytes: readonly number[], stepBytes: number): TurnoverTest {
  const counts = model.objectCounts;
  const n = counts.length;
  const none: TurnoverTest = { steady: false, steadyFrom: n - 1, bornPerInterval: 0, objectsAtSteady: 0 };
  const minFlat = n >= 5 ? 2 : 1;
  for (let from = 0; from <= n - 1 - minFlat; from++) {
    const base = counts[from];
    const flat = counts.slice(from).every((c) => Math.abs(c - base) <= 0.02 * base + 10);
    if (!flat) continue;
    // Bytes may step up once (a table doubling after filling); a store whose arrays are
    // reallocated larger at every interval has a flat object count too, but keeps growing.
    let rises = 0;
    for (let i = from + 1; i < n; i++) if (bytes[i] - bytes[i - 1] > stepBytes) rises++;
    if (rises > 1) return none;
    const born = model.bornCounts.slice(from + 1);
    if (born.some((b) => b === null)) return none;
    const fewest = Math.min(...(born as number[]));
    if (fewest < Math.max(TURNOVER_MIN_BORN, TURNOVER_MIN_SHARE * base)) return none;
    return { steady: true, steadyFrom: from, bornPerInterval: fewest, objectsAtSteady: base };
  }
  return none;
}

/** Objects born between two snapshots and whether they are still alive at the last one. */
export interface CohortSurvival {
  /** Exclusively attributed objects born after the first snapshot, counted when first seen. */
  bornCount: number;
  bornBytes: number;
  /** Of those, the ones still alive at the last snapshot. */
  survivingCount: number;
  survivingBytes: number;
  /**
   * Objects born in the earliest interval (between snapshots 1 and 2) still alive at the last
   * snapshot: the strongest sign of "kept for good", since they had the longest time to die.
   */
  oldestCohortSurvivalShare: number | null;
  /**
   * Bytes at the last snapshot of objects born after the first snapshot but before the one before
   * last: growth that has already outlived at least one later snapshot. Work in flight at snapshot
   * time is always young; a leak's objects grow old.
   */
  agedSurvivorBytes: number;
}

export interface OwnerGrowth {
  key: string;
  owner: string;
  location: string | null;
  /** Latest retainer path seen. */
  retainerPath: string[];
  /** Per snapshot (null where the owner is missing from a summary). */
  retainedBytes: (number | null)[];
  selfBytes: (number | null)[];
  counts: (number | null)[];
  /** Bytes with the VM's own metadata (code, feedback) taken out: what a program can make grow. */
  programSelfBytes: (number | null)[];
  /** First-to-last change of retained / self / program self bytes. */
  retainedGrowth: number;
  selfGrowth: number;
  programSelfGrowth: number;
  countGrowth: number;
  /** Slopes over requests (null without request counts) and over time (null without times). */
  retainedPerRequest: LinearFit | null;
  retainedPerSecond: LinearFit | null;
  /** Slopes of the program self bytes (self bytes without VM metadata). */
  programSelfPerRequest: LinearFit | null;
  programSelfPerSecond: LinearFit | null;
  countPerRequest: LinearFit | null;
  /** Last minus first composition of the exclusively attributed bytes, per category. */
  compositionDelta: Partial<Record<Category, CategoryStats>>;
  /** Composition at the first and the last snapshot. */
  compositionFirst: Partial<Record<Category, CategoryStats>>;
  compositionLast: Partial<Record<Category, CategoryStats>>;
  cohorts: CohortSurvival | null;
  /** Snapshots the owner appears in. */
  presentIn: number;
  /** Objects the owner holds exclusively at each snapshot (VM metadata left out; 0 where missing). */
  objectCounts: number[];
  /** Objects first seen at each snapshot (born since the previous one; null at the first, or without cohorts). */
  bornCounts: (number | null)[];
  /** Owners whose growth was folded into this one because it holds them (see `foldHeldOwners`). */
  heldOwners: { owner: string; counts: number[]; programSelfGrowth: number; retainerPath: string[] }[];
}

/** Categories that are the VM's bookkeeping, not the program's data: they grow with warm-up. */
export const VM_METADATA_CATEGORIES: readonly Category[] = ['code'];

/** The axis to measure growth along: requests when every summary has them, else time, else order. */
export interface GrowthAxes {
  requests: number[] | null;
  seconds: number[] | null;
  /** Whichever of the two is available (requests first), else snapshot ordinals. */
  primary: number[];
  primaryUnit: 'request' | 'second' | 'snapshot';
}

export function growthAxes(summaries: readonly SnapshotSummary[]): GrowthAxes {
  const req = summaries.every((s) => typeof s.requests === 'number') ? summaries.map((s) => s.requests as number) : null;
  const sec = summaries.every((s) => typeof s.t === 'number') ? summaries.map((s) => s.t as number) : null;
  const distinct = (a: number[] | null) => (a && new Set(a).size > 1 ? a : null);
  const requests = distinct(req);
  const seconds = distinct(sec);
  if (requests) return { requests, seconds, primary: requests, primaryUnit: 'request' };
  if (seconds) return { requests, seconds, primary: seconds, primaryUnit: 'second' };
  return { requests, seconds, primary: summaries.map((_, i) => i), primaryUnit: 'snapshot' };
}


function programBytes(o: OwnerSummary): number {
  let vm = 0;
  for (const c of VM_METADATA_CATEGORIES) vm += o.composition[c]?.bytes ?? 0;
  return o.selfBytes - vm;
}

function programObjects(o: OwnerSummary): number {
  let n = 0;
  for (const [c, stats] of Object.entries(o.composition) as [Category, CategoryStats][]) {
    if (!VM_METADATA_CATEGORIES.includes(c)) n += stats.count;
  }
  return n;
}

function compositionDelta(
  first: Partial<Record<Category, CategoryStats>>,
  last: Partial<Record<Category, CategoryStats>>,
): Partial<Record<Category, CategoryStats>> {
  const out: Partial<Record<Category, CategoryStats>> = {};
  const cats = new Set([...Object.keys(first), ...Object.keys(last)] as Category[]);
  for (const c of cats) {
    const a = first[c] ?? { count: 0, bytes: 0 };
    const b = last[c] ?? { count: 0, bytes: 0 };
    if (a.count !== b.count || a.bytes !== b.bytes) out[c] = { count: b.count - a.count, bytes: b.bytes - a.bytes };
  }
  return out;
}

/**
 * Cohort survival from the owner's per-snapshot cohort arrays. At snapshot j the last cohort entry
 * counts objects first seen in snapshot j (born since snapshot j-1); entry i of the final snapshot
 * counts those of them still alive. Returns null when the arrays do not have the documented shape.
 */
export function cohortSurvival(perSnapshot: (OwnerSummary | null)[]): CohortSurvival | null {
  const n = perSnapshot.length;
  const last = perSnapshot[n - 1];
  if (n < 2 || !last || last.cohortCounts.length !== n || last.cohortBytes.length !== n) return null;
  let bornCount = 0;
  let bornBytes = 0;
  let survivingCount = 0;
  let survivingBytes = 0;
  let oldest: number | null = null;
  let aged = 0;
  for (let j = 1; j < n; j++) {
    if (j < n - 1) aged += last.cohortBytes[j];
    const at = perSnapshot[j];
    const atBirth = at && at.cohortCounts.length === j + 1 ? at.cohortCounts[j] : 0;
    const atBirthBytes = at && at.cohortBytes.length === j + 1 ? at.cohortBytes[j] : 0;
    bornCount += atBirth;
    bornBytes += atBirthBytes;
    survivingCount += last.cohortCounts[j];
    survivingBytes += last.cohortBytes[j];
    if (j === 1 && n > 2 && atBirth > 0) oldest = Math.min(1, last.cohortCounts[1] / atBirth);
  }
  return { bornCount, bornBytes, survivingCount, survivingBytes, oldestCohortSurvivalShare: oldest, agedSurvivorBytes: aged };
}

/**
 * One growth model per owner key seen in any summary.
 *
 * An owner missing from a summary is not necessarily absent: summaries cut the long tail of small
 * owners. A missing point is taken as 0 (the owner was below the summary's cut, so at most the
 * smallest kept owner's size); `presentIn` tells the caller how much the series is measured rather
 * than inferred, and the noise floor makes a growth of "cut size" from 0 insignificant.
 */
export function ownerGrowthModels(summaries: readonly SnapshotSummary[]): OwnerGrowth[] {
  const n = summaries.length;
  const axes = growthAxes(summaries);
  const byKey = new Map<string, (OwnerSummary | null)[]>();
  summaries.forEach((s, i) => {
    for (const o of s.owners) {
      let row = byKey.get(o.key);
      if (!row) {
        row = new Array<OwnerSummary | null>(n).fill(null);
        byKey.set(o.key, row);
      }
      // Two entries with one key in a summary would be a summarizer bug; keep the larger.
      if (!row[i] || row[i]!.retainedBytes < o.retainedBytes) row[i] = o;
    }
  });

  const models: OwnerGrowth[] = [];
  for (const [key, row] of byKey) {
    const latest = [...row].reverse().find((o): o is OwnerSummary => o !== null)!;
    const retained = row.map((o) => (o ? o.retainedBytes : null));
    const self = row.map((o) => (o ? o.selfBytes : null));
    const counts = row.map((o) => (o ? o.count : null));
    const program = row.map((o) => (o ? programBytes(o) : null));
    const rf = filledSeries(retained);
    const sf = filledSeries(self);
    const cf = filledSeries(counts);
    const pf = filledSeries(program);
    const first = row[0]?.composition ?? {};
    const last = row[n - 1]?.composition ?? {};
    const fit = (axis: number[] | null, y: number[]) => (axis ? fitLine(axis, y) : null);
    models.push({
      key,
      owner: latest.owner,
      location: latest.location,
      retainerPath: latest.retainerPath,
      retainedBytes: retained,
      selfBytes: self,
      counts,
      programSelfBytes: program,
      retainedGrowth: rf[n - 1] - rf[0],
      selfGrowth: sf[n - 1] - sf[0],
      programSelfGrowth: pf[n - 1] - pf[0],
      countGrowth: cf[n - 1] - cf[0],
      retainedPerRequest: fit(axes.requests, rf),
      retainedPerSecond: fit(axes.seconds, rf),
      programSelfPerRequest: fit(axes.requests, pf),
      programSelfPerSecond: fit(axes.seconds, pf),
      countPerRequest: fit(axes.requests, cf),
      compositionDelta: compositionDelta(first, last),
      compositionFirst: first,
      compositionLast: last,
      cohorts: cohortSurvival(row),
      presentIn: row.filter((o) => o !== null).length,
      heldOwners: [],
      objectCounts: row.map((o) => (o ? programObjects(o) : 0)),
      bornCounts: row.map((o, j) => (o && j > 0 && o.cohortCounts.length === j + 1 ? o.cohortCounts[j] : null)),
    });
  }
  return models;
}

/** Filled numeric series (missing points as 0), for fits and charts. */
export function filledSeries(series: (number | null)[]): number[] {
  return series.map((v) => v ?? 0);
}

function addComposition(
  into: Partial<Record<Category, CategoryStats>>,
  from: Partial<Record<Category, CategoryStats>>,
): Partial<Record<Category, CategoryStats>> {
  const out = { ...into };
  for (const [c, v] of Object.entries(from) as [Category, CategoryStats][]) {
    const a = out[c] ?? { count: 0, bytes: 0 };
    out[c] = { count: a.count + v.count, bytes: a.bytes + v.bytes };
  }
  return out;
}

function addSeries(a: (number | null)[], b: (number | null)[]): number[] {
  return a.map((v, i) => (v ?? 0) + (b[i] ?? 0));
}

/**
 * A long-lived holder together with the owners it holds: its exclusive bytes plus theirs, for a
 * finding named after the holder (the emitter whose listener list grows, the tracker whose Map of
 * per-request entries grows). Retained bytes stay the holder's own, which already include them.
 */
export function foldHeldOwners(holder: OwnerGrowth, held: OwnerGrowth[], axes: GrowthAxes): OwnerGrowth {
  let program: number[] = filledSeries(holder.programSelfBytes);
  let delta = holder.compositionDelta;
  let first = holder.compositionFirst;
  let last = holder.compositionLast;
  let cohorts = holder.cohorts;
  for (const h of held) {
    program = addSeries(program, h.programSelfBytes);
    delta = addComposition(delta, h.compositionDelta);
    first = addComposition(first, h.compositionFirst);
    last = addComposition(last, h.compositionLast);
    if (h.cohorts) {
      const c = cohorts ?? { bornCount: 0, bornBytes: 0, survivingCount: 0, survivingBytes: 0, oldestCohortSurvivalShare: null, agedSurvivorBytes: 0 };
      cohorts = {
        agedSurvivorBytes: c.agedSurvivorBytes + h.cohorts.agedSurvivorBytes,
        bornCount: c.bornCount + h.cohorts.bornCount,
        bornBytes: c.bornBytes + h.cohorts.bornBytes,
        survivingCount: c.survivingCount + h.cohorts.survivingCount,
        survivingBytes: c.survivingBytes + h.cohorts.survivingBytes,
        oldestCohortSurvivalShare: h.cohorts.oldestCohortSurvivalShare ?? c.oldestCohortSurvivalShare,
      };
    }
  }
  const n = program.length;
  return {
    ...holder,
    programSelfBytes: program,
    programSelfGrowth: program[n - 1] - program[0],
    programSelfPerRequest: axes.requests ? fitLine(axes.requests, program) : null,
    programSelfPerSecond: axes.seconds ? fitLine(axes.seconds, program) : null,
    compositionDelta: delta,
    compositionFirst: first,
    compositionLast: last,
    cohorts,
    heldOwners: [
      ...holder.heldOwners,
      ...held.map((h) => ({ owner: h.owner, counts: filledSeries(h.counts), programSelfGrowth: h.programSelfGrowth, retainerPath: h.retainerPath })),
    ],
  };
}
