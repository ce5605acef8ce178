/**
 * Verdicts from structure: what the growth is made of and how the owner's instance count moves,
 * never from the shape of the curve alone (a leak and an accumulation are both straight lines).
 *
 * - `leak`: things that should have been transient pile up: closures and their contexts,
 *   listeners, timers, promises, sockets/requests/responses, or per-request instances (about one
 *   new instance of the owner per request or more, each of a stable size).
 * - `accumulation`: a long-lived owner keeps every plain value it is given: doubles in array backing
 *   stores (sample stores), strings, records, Map/Set tables; or a keyed store whose number of
 *   entries/series keeps growing (label sets, cache entries) at well under one per request.
 * - `bounded`: grew, then levelled off.
 *
 * Input: a growth model that passed the noise test; output: verdict, the pattern (for the hint) and
 * evidence lines with figures a user can check in DevTools.
 */
import type { Verdict } from '../core/report-schema.js';
import { formatBytes, formatCount } from '../core/units.js';
import { type GrowthAxes, type OwnerGrowth, VM_METADATA_CATEGORIES, filledSeries } from './growth-model.js';
import type { GrowthTest } from './noise-floor.js';
import type { Category, CategoryStats } from './snapshot-summary.js';
import { LEGACY_OWNER_VERDICT } from './thresholds.js';

/** The shape of a finding, which decides the hint. */
export type GrowthPattern =
  | 'listeners'
  | 'timers'
  | 'sockets'
  | 'promises'
  | 'closures'
  | 'per-request-objects'
  | 'sample-store'
  | 'series-multiplying'
  | 'keyed-store'
  | 'value-store'
  | 'memoized'
  | 'async-contexts'
  | 'levelled-off';

export interface VerdictResult {
  verdict: Verdict;
  pattern: GrowthPattern;
  evidence: string[];
}

/** Objects a program creates for one request or one event and should let go of. */
export const TRANSIENT_CATEGORIES: readonly Category[] = ['closure', 'context', 'listener', 'timer', 'promise', 'socket'];
/** Plain values: what a store of samples, labels or cache entries is made of. */
export const VALUE_CATEGORIES: readonly Category[] = ['value-array', 'number', 'string', 'bigint', 'native'];
export const RECORD_CATEGORIES: readonly Category[] = ['plain-object', 'collection'];

const {
  transientShareForLeak: TRANSIENT_SHARE_FOR_LEAK,
  transientCountShareForLeak: TRANSIENT_COUNT_SHARE_FOR_LEAK,
  kindShare: KIND_SHARE,
  valueArrayShare: VALUE_ARRAY_SHARE,
  inPlaceBytesPerNewObject: IN_PLACE_BYTES_PER_NEW_OBJECT,
  seriesValueArrayShare: SERIES_VALUE_ARRAY_SHARE,
  perRequestInstances: PER_REQUEST_INSTANCES,
} = LEGACY_OWNER_VERDICT;

const CATEGORY_WORDS: Partial<Record<Category, string>> = {
  closure: 'closures',
  context: 'closure contexts',
  listener: 'event listeners',
  timer: 'timers',
  promise: 'promises',
  socket: 'sockets/requests/responses',
  instance: 'class instances',
  'plain-object': 'plain objects',
  collection: 'Map/Set tables',
  'value-array': 'values in array backing stores',
  'object-array': 'arrays of references',
  string: 'strings',
  number: 'heap numbers',
  bigint: 'bigints',
  native: 'native/external memory',
  other: 'other',
};

/** Growth by category, VM metadata left out, only categories that grew. */
export function growthComposition(model: OwnerGrowth): {
  total: number;
  share: (c: Category) => number;
  top: [Category, number][];
  /** Share of the new objects (by count, not bytes) in a category. */
  countShare: (c: Category) => number;
  newObjects: number;
} {
  const grown: [Category, number][] = [];
  const newObjects = new Map<Category, number>();
  let totalNew = 0;
  for (const [c, stats] of Object.entries(model.compositionDelta) as [Category, CategoryStats][]) {
    if (VM_METADATA_CATEGORIES.includes(c)) continue;
    if (stats.bytes > 0) grown.push([c, stats.bytes]);
    if (stats.count > 0) {
      newObjects.set(c, stats.count);
      totalNew += stats.count;
    }
  }
  grown.sort((a, b) => b[1] - a[1]);
  const total = grown.reduce((s, [, b]) => s + b, 0);
  const byCat = new Map(grown);
  return {
    total,
    share: (c) => (total > 0 ? (byCat.get(c) ?? 0) / total : 0),
    top: grown,
    countShare: (c) => (totalNew > 0 ? (newObjects.get(c) ?? 0) / totalNew : 0),
    newObjects: totalNew,
  };
}

const shareOf = (share: (c: Category) => number, cats: readonly Category[]) => cats.reduce((s, c) => s + share(c), 0);
const pct = (x: number) => `${Math.round(x * 100)}%`;

/** Owner names that are, by construction in Node's runtime, one of the transient kinds. */
function transientKindOfOwner(owner: string): GrowthPattern | null {
  if (owner === 'Timeout' || owner === 'Immediate' || owner === 'TimersList') return 'timers';
  if (/^(Socket|TLSSocket|IncomingMessage|ServerResponse|ClientRequest|TCP|TLSWrap|HTTPParser)$/.test(owner)) return 'sockets';
  if (owner === 'Promise') return 'promises';
  return null;
}

/** Edge names on a retainer path that mean "held as an event listener" (Node's and eventemitter3's `_events`, EventTarget). */
const LISTENER_EDGES = /^(_events|_eventsCount|listeners|\[\[Listeners\]\]|kEvents)$/;

function transientPattern(share: (c: Category) => number, model: OwnerGrowth): GrowthPattern {
  const byName = transientKindOfOwner(model.owner) ?? model.heldOwners.map((h) => transientKindOfOwner(h.owner)).find((k) => k);
  if (byName) return byName;
  const paths = [model.retainerPath, ...model.heldOwners.map((h) => h.retainerPath)];
  if (share('listener') >= KIND_SHARE || paths.some((p) => p.some((step) => LISTENER_EDGES.test(step)))) return 'listeners';
  if (share('timer') >= KIND_SHARE) return 'timers';
  if (share('socket') >= KIND_SHARE) return 'sockets';
  if (share('promise') >= KIND_SHARE) return 'promises';
  return 'closures';
}

function countLine(model: OwnerGrowth): string {
  const c = filledSeries(model.counts);
  const first = c[0];
  const last = c[c.length - 1];
  const stable = Math.abs(last - first) <= Math.max(2, 0.1 * first);
  return `instances of ${model.owner}: ${formatCount(first)} → ${formatCount(last)}${stable ? ' (stable)' : ''}`;
}

function compositionLine(top: [Category, number][], total: number): string {
  const parts = top.slice(0, 3).map(([c, b]) => `${pct(b / total)} ${CATEGORY_WORDS[c] ?? c} (+${formatBytes(b)})`);
  return `the growth is ${parts.join(', ')}`;
}

function cohortLine(model: OwnerGrowth): string | null {
  const c = model.cohorts;
  if (!c || c.survivingCount === 0) return null;
  // A few objects born (backing stores reallocated as they grow) say nothing about survival.
  const oldest =
    c.oldestCohortSurvivalShare === null || c.bornCount < 100
      ? ''
      : `; ${pct(c.oldestCohortSurvivalShare)} of those born in the first interval are still alive`;
  return `objects born after the first snapshot and still alive at the last: ${formatCount(c.survivingCount)} (${formatBytes(c.survivingBytes)})${oldest}`;
}

function fitEvidenceLine(model: OwnerGrowth, test: GrowthTest, axes: GrowthAxes): string {
  const n = model.retainedBytes.length;
  const rose = Math.round(test.monotonicity * (n - 1));
  const perReq = model.retainedPerRequest ? `${model.retainedPerRequest.slope.toFixed(1)} B/request, ` : '';
  const perSec = model.retainedPerSecond ? `${formatBytes(model.retainedPerSecond.slope)}/s, ` : '';
  const axis = axes.primaryUnit === 'snapshot' ? ' (no request counts or times: fitted over snapshot order)' : '';
  return `retained ${formatBytes(filledSeries(model.retainedBytes)[0])} → ${formatBytes(filledSeries(model.retainedBytes)[n - 1])}: ${perReq}${perSec}r² ${test.r2.toFixed(3)}, rose at ${rose} of ${n - 1} intervals${axis}`;
}

export function decideVerdict(model: OwnerGrowth, test: GrowthTest, axes: GrowthAxes): VerdictResult {
  const { total, share, top, countShare, newObjects } = growthComposition(model);
  const counts = filledSeries(model.counts);
  // The instances that multiply: the owner's own, or those of the owners it holds (folded in).
  const ownNew = counts[counts.length - 1] - counts[0];
  const heldNew = model.heldOwners.reduce((s, h) => s + h.counts[h.counts.length - 1] - h.counts[0], 0);
  const heldFirst = model.heldOwners.reduce((s, h) => s + h.counts[0], 0);
  const multiplyingOwner = heldNew > ownNew ? model.heldOwners.map((h) => h.owner).join('/') : model.owner;
  const newInstances = Math.max(ownNew, heldNew);
  const firstCount = heldNew > ownNew ? heldFirst : counts[0];
  const requestSpan = axes.requests ? axes.requests[axes.requests.length - 1] - axes.requests[0] : null;
  const instancesPerRequest = requestSpan ? newInstances / requestSpan : null;
  const perRequestText = instancesPerRequest !== null ? `${instancesPerRequest.toFixed(3)} per request` : `+${formatCount(newInstances)}`;

  // Facts first gathered, then each verdict puts its one-line reason in front of them: a summary
  // that shows only the first lines still shows why.
  const evidence: string[] = [];
  evidence.push(countLine(model));
  if (total > 0) evidence.push(compositionLine(top, total));
  const result = (verdict: Verdict, pattern: GrowthPattern, reason: string, caveat?: string): VerdictResult => ({
    verdict,
    pattern,
    evidence: [reason, ...evidence, ...(caveat ? [caveat] : [])],
  });

  if (test.shape === 'plateau') {
    const p = test.plateau;
    const tail = model.retainedBytes.length - 1 - p.flatFrom;
    const reason = test.turnover.steady
      ? `grew ${formatBytes(p.riseBytes)} up to snapshot ${p.flatFrom + 1}; since then it holds a steady ${formatCount(test.turnover.objectsAtSteady)} objects while at least ${formatCount(test.turnover.bornPerInterval)} new ones arrive per interval: old entries are evicted`
      : `grew ${formatBytes(p.riseBytes)} up to snapshot ${p.flatFrom + 1}, then moved only ${formatBytes(p.flatChangeBytes)} over the last ${tail} interval(s)`;
    return result('bounded', 'levelled-off', reason);
  }

  evidence.push(fitEvidenceLine(model, test, axes));
  const cohort = cohortLine(model);
  if (cohort) evidence.push(cohort);

  const transient = shareOf(share, TRANSIENT_CATEGORIES);
  const transientCount = shareOf(countShare, TRANSIENT_CATEGORIES);
  const ownerKind = transientKindOfOwner(model.owner);
  if (transient >= TRANSIENT_SHARE_FOR_LEAK || transientCount >= TRANSIENT_COUNT_SHARE_FOR_LEAK || (ownerKind && newInstances > 0)) {
    return result(
      'leak',
      transientPattern(share, model),
      `transient kinds (closures, contexts, listeners, timers, promises, sockets) outlive the work that made them: ${pct(transientCount)} of the new objects, ${pct(transient)} of the new bytes`,
    );
  }

  const multiplying = newInstances >= Math.max(10, 0.2 * firstCount);
  const valueArray = share('value-array');
  // Growing in place: the bytes grow while hardly any objects are added (arrays reallocated
  // larger). A store of records adds objects with every entry.
  const inPlace = newObjects === 0 || total / newObjects >= IN_PLACE_BYTES_PER_NEW_OBJECT;
  if ((multiplying && valueArray >= SERIES_VALUE_ARRAY_SHARE) || (!multiplying && inPlace && valueArray >= VALUE_ARRAY_SHARE)) {
    if (multiplying) {
      return result(
        'accumulation',
        'series-multiplying',
        `new ${multiplyingOwner} instances keep appearing (${perRequestText}), each keeping plain values: a store multiplied by distinct keys or labels`,
      );
    }
    return result(
      'accumulation',
      'sample-store',
      `a stable set of ${model.owner} instances keeps every value it is given in array backing stores`,
      'array backing stores grow in steps of 1.5x capacity, so a rate from a few snapshots can read up to 1.5x the bytes actually used',
    );
  }

  if (multiplying && share('instance') + share('object-array') >= 0.15 && instancesPerRequest !== null && instancesPerRequest >= PER_REQUEST_INSTANCES) {
    // Per-request objects: one (or more) new instance per request that survives. A keyed store
    // grows by fewer entries than requests (keys repeat); a store of values holds arrays of them.
    return result('leak', 'per-request-objects', `${instancesPerRequest.toFixed(2)} new ${multiplyingOwner} per request survive: per-request objects that are never released`);
  }

  const records = shareOf(share, RECORD_CATEGORIES);
  const values = shareOf(share, VALUE_CATEGORIES);
  // A growing Map/Set table or dictionary means entries are added by key, whatever the values are.
  // So do new records (label sets, cache entries) among the new objects.
  const keyed = share('collection') >= 0.05 || countShare('plain-object') >= 0.1;
  if (multiplying || keyed || records >= values) {
    // Instances of the owner itself multiplying are series (one per label set); entries of a
    // keyed store it holds are just entries.
    return result(
      'accumulation',
      multiplying && multiplyingOwner === model.owner ? 'series-multiplying' : 'keyed-store',
      `a long-lived ${model.owner} keeps adding entries (records, keys, table slots) and none are evicted` +
        (multiplying ? ` (${perRequestText} new ${multiplyingOwner})` : ''),
    );
  }
  return result('accumulation', 'value-store', `a long-lived ${model.owner} keeps every value it is given (strings, numbers, buffers)`);
}
