/**
 * Findings from growth roots: one finding per root whose growth is real, named after its holder,
 * judged by what it keeps (`root-verdicts.ts`), with the owners it holds folded in as its contents.
 *
 * Series: a root's *new bytes* at snapshot k are the objects born since the first snapshot and
 * alive at k that hang under it (0 at the first snapshot, by definition). Where the holder is an
 * owner of the summaries (a class instance, a named collection) and this is its only growing root,
 * the figures come from the owner's retained bytes instead: they include what the holder had at the
 * first snapshot, so a store that reallocates its arrays (whose new copies are all "new") is
 * measured by what it actually added.
 *
 * Every owner that grew is accounted for: reported as a root's holder, folded into the root that
 * holds it (its instances are that root's new contents), or rejected with the test it failed.
 */
import { formatBytes, formatCount } from '../core/units.js';
import type { GrowthCandidate, Verdict } from '../core/report-schema.js';
import type { GrowthRootSummary } from './growth-roots.js';
import { type CohortSurvival, type GrowthAxes, type LinearFit, type OwnerGrowth, filledSeries, fitLine } from './growth-model.js';
import { type GrowthTest, type NoiseFloor, testGrowth } from './noise-floor.js';
import { judgeRoot } from './root-verdicts.js';
import type { GrowthPattern } from './verdicts.js';
import type { SnapshotSummary } from './snapshot-summary.js';
import { OUTSIDE_HEAP, ROOT_VERDICT } from './thresholds.js';

export interface RootModel {
  key: string;
  latest: GrowthRootSummary;
  /**
   * The root's size per snapshot: the attach points' retained bytes from the second snapshot on;
   * at the first (which has no growth roots) what the second held minus what was new there.
   */
  sizeBytes: number[];
  newBytes: number[];
  agedBytes: number[];
  newObjects: number[];
}

/** Why a growing owner or root is, or is not, a finding (report.json `candidates`). */
export type Candidate = GrowthCandidate;

export interface RootFinding {
  model: RootModel;
  /** The owner whose retained bytes give the figures, when there is one. */
  ownerModel: OwnerGrowth | null;
  test: GrowthTest;
  verdict: Verdict;
  pattern: GrowthPattern;
  evidence: string[];
  growthBytes: number;
  perRequest: LinearFit | null;
  perSecond: LinearFit | null;
  series: number[];
  countSeries: number[];
  folded: OwnerGrowth[];
}

export function hasGrowthRoots(summaries: readonly SnapshotSummary[]): boolean {
  return summaries.length >= 2 && summaries.slice(1).every((s) => Array.isArray(s.growthRoots));
}

/**
 * One model per root, its series across the snapshots. A root is found again by its key, or, when
 * its key is new in a snapshot, by its attach points' ids: the same array under its function in
 * one snapshot and, with a request in flight that also holds it, under no named holder in the next
 * (its dominator moved up) is one root, not two half-series that each fail the fit. The model is
 * then known by the key it had in the most snapshots (the latest of those on a tie).
 */
export function rootGrowthModels(summaries: readonly SnapshotSummary[]): RootModel[] {
  const n = summaries.length;
  const byKey = new Map<string, RootModel>();
  const byAttachId = new Map<number, RootModel>();
  const seen = new Map<RootModel, { at: boolean[]; keys: Map<string, { snapshots: number; latest: GrowthRootSummary }> }>();
  summaries.forEach((s, i) => {
    const roots = s.growthRoots ?? [];
    // Known keys first: an attach id only brings together a root whose key is new here with a
    // model that no root of this snapshot has claimed yet.
    const ordered = [...roots.filter((r) => byKey.has(r.key)), ...roots.filter((r) => !byKey.has(r.key))];
    for (const r of ordered) {
      let model = byKey.get(r.key) ?? (r.attachIds ?? []).map((id) => byAttachId.get(id)).find((m) => m !== undefined && !seen.get(m)!.at[i]);
      if (!model) {
        model = { key: r.key, latest: r, sizeBytes: new Array(n).fill(0), newBytes: new Array(n).fill(0), agedBytes: new Array(n).fill(0), newObjects: new Array(n).fill(0) };
        seen.set(model, { at: new Array(n).fill(false), keys: new Map() });
      }
      byKey.set(r.key, model);
      for (const id of r.attachIds ?? []) if (!byAttachId.has(id)) byAttachId.set(id, model);
      const record = seen.get(model)!;
      // Keys are unique within a summary: one count per snapshot.
      const named = record.keys.get(r.key) ?? { snapshots: 0, latest: r };
      named.snapshots++;
      named.latest = r;
      record.keys.set(r.key, named);
      // Two roots of one snapshot in one model (two keys already known as one root): added up.
      const add = record.at[i];
      record.at[i] = true;
      model.latest = add ? model.latest : r;
      model.sizeBytes[i] = (add ? model.sizeBytes[i] : 0) + r.retainedBytes;
      model.newBytes[i] = (add ? model.newBytes[i] : 0) + r.newBytes;
      model.agedBytes[i] = (add ? model.agedBytes[i] : 0) + r.agedBytes;
      model.newObjects[i] = (add ? model.newObjects[i] : 0) + r.newObjects;
    }
  });
  const models = [...seen.keys()];
  for (const model of models) {
    const { keys } = seen.get(model)!;
    if (keys.size > 1) {
      // Figures from the latest snapshot, the holder's identity from the key seen most often.
      const [key, { latest }] = [...keys].reduce((a, b) => (b[1].snapshots >= a[1].snapshots ? b : a));
      const { holderKey, owner, ownerKey, holderKind, asyncHookStore, location, container, retainerPath, via, above } = latest;
      model.key = key;
      model.latest = { ...model.latest, key, holderKey, owner, ownerKey, holderKind, asyncHookStore, location, container, retainerPath, via, above };
    }
    // Before its first appearance a root held at most what was old at that appearance.
    const first = model.newBytes.findIndex((v, i) => i > 0 && model.sizeBytes[i] > 0);
    if (first > 0) for (let i = 0; i < first; i++) model.sizeBytes[i] = Math.max(0, model.sizeBytes[first] - model.newBytes[first]);
  }
  return models;
}

/** A root's size series in the shape the owners' noise test reads. */
function asGrowthModel(root: RootModel, axes: GrowthAxes): OwnerGrowth {
  const y = root.sizeBytes;
  const n = y.length;
  const fit = (axis: number[] | null) => (axis ? fitLine(axis, y) : null);
  return {
    key: root.key,
    owner: root.latest.owner,
    location: root.latest.location,
    retainerPath: root.latest.retainerPath,
    retainedBytes: y,
    selfBytes: y,
    counts: root.newObjects,
    programSelfBytes: y,
    retainedGrowth: y[n - 1] - y[0],
    selfGrowth: y[n - 1] - y[0],
    programSelfGrowth: y[n - 1] - y[0],
    countGrowth: root.newObjects[n - 1],
    retainedPerRequest: fit(axes.requests),
    retainedPerSecond: fit(axes.seconds),
    programSelfPerRequest: fit(axes.requests),
    programSelfPerSecond: fit(axes.seconds),
    countPerRequest: axes.requests ? fitLine(axes.requests, root.newObjects) : null,
    compositionDelta: {},
    compositionFirst: {},
    // Spare capacity of the stores the growth lives in (see `elasticSlackBytes`).
    compositionLast: { 'value-array': { count: 1, bytes: root.latest.elasticBytes } },
    cohorts: rootCohorts([root]),
    presentIn: y.filter((v) => v > 0).length,
    objectCounts: root.newObjects,
    bornCounts: y.map(() => null),
    heldOwners: [],
  };
}

/**
 * Survival as the owners' noise test reads it, from roots: what is new at the last snapshot
 * survived since its birth, and what was already new one snapshot earlier has aged. (In-flight work
 * is judged by `inFlight`, on the roots' own ages.)
 */
function rootCohorts(roots: RootModel[]): CohortSurvival {
  const n = roots[0].newBytes.length;
  const sum = (f: (r: RootModel) => number) => roots.reduce((s, r) => s + f(r), 0);
  return {
    bornCount: 0,
    bornBytes: 0,
    survivingCount: sum((r) => r.newObjects[n - 1]),
    survivingBytes: sum((r) => r.newBytes[n - 1]),
    oldestCohortSurvivalShare: null,
    agedSurvivorBytes: sum((r) => r.agedBytes[n - 1]),
  };
}

/** Many new objects, none of them older than one snapshot: requests caught in flight, not growth. */
function inFlight(root: RootModel): boolean {
  const n = root.newBytes.length;
  if (n < 3 || root.newObjects[n - 1] < ROOT_VERDICT.manyNewObjects) return false;
  const growth = root.newBytes[n - 1];
  return root.agedBytes[n - 1] < ROOT_VERDICT.agedGrowthShare * ((growth * (n - 2)) / (n - 1));
}

export function testRoot(root: RootModel, axes: GrowthAxes, floor: NoiseFloor): GrowthTest {
  const test = testGrowth(asGrowthModel(root, axes), axes, floor);
  const n = root.newBytes.length;
  if (test.real && root.newBytes[n - 1] < floor.growthBytes) {
    // The size grew but hardly anything new survives under it: old objects grew in place.
    return { ...test, real: false, shape: 'none', reason: `only ${root.newBytes[n - 1]} B of it is new objects, under the floor` };
  }
  if (test.real && test.shape === 'linear' && inFlight(root)) {
    return { ...test, real: false, shape: 'none', reason: 'the new objects are all younger than one snapshot (work in flight at snapshot time)' };
  }
  return test;
}

export function findRootGrowth(
  summaries: readonly SnapshotSummary[],
  axes: GrowthAxes,
  floor: NoiseFloor,
  owners: { model: OwnerGrowth; test: GrowthTest }[],
): { findings: RootFinding[]; candidates: Candidate[] } {
  const n = summaries.length;
  const requestSpan = axes.requests ? axes.requests[n - 1] - axes.requests[0] : null;
  const candidates: Candidate[] = [];
  const tested = rootGrowthModels(summaries).map((model) => ({ model, test: testRoot(model, axes, floor) }));
  // What hangs straight from the runtime's roots and native handles (open connections, pending I/O)
  // is live work the runtime holds; the program keeps nothing there. Accounted for, never reported.
  for (const t of tested) {
    if (t.model.latest.holderKind === 'runtime' && t.test.real) {
      t.test = { ...t.test, real: false, shape: 'none', reason: "held by the runtime's own roots and handles (open connections, pending I/O): live work, not kept by the program" };
    }
  }
  const growthOf = (m: RootModel) => Math.min(m.sizeBytes[n - 1] - m.sizeBytes[0], m.newBytes[n - 1]);

  // One finding per holder: the roots under one holder (a cache's key map and its value arrays)
  // are one thing to fix. Roots of a holder that did not pass on their own still belong to it.
  const groups = new Map<string, { model: RootModel; test: GrowthTest }[]>();
  for (const t of tested) if (t.test.real) groups.set(t.model.latest.holderKey, [...(groups.get(t.model.latest.holderKey) ?? []), t]);
  for (const t of tested) {
    if (t.test.real) continue;
    const group = groups.get(t.model.latest.holderKey);
    if (group && growthOf(t.model) > 0) group.push(t);
    else if (growthOf(t.model) >= floor.growthBytes / 4) {
      candidates.push({ kind: 'root', owner: t.model.latest.owner, key: t.model.key, growthBytes: growthOf(t.model), status: 'rejected', reason: t.test.reason ?? 'not growing' });
    }
  }

  const ownerByKey = new Map(owners.map((o) => [o.model.key, o]));
  const findings: RootFinding[] = [];
  for (const members of groups.values()) {
    members.sort((a, b) => Number(b.test.real) - Number(a.test.real) || growthOf(b.model) - growthOf(a.model));
    const lead = members[0];
    const real = members.filter((m) => m.test.real);
    const root = mergedRoot(members.map((m) => m.model.latest));
    const owner = root.ownerKey ? ownerByKey.get(root.ownerKey) : undefined;
    const rootGrowth = real.reduce((sum, m) => sum + m.model.sizeBytes[n - 1] - m.model.sizeBytes[0], 0);
    // The holder's own retained bytes measure it best, when they carry the growth (they include
    // what it held at the first snapshot, so reallocated stores are not counted whole).
    const ownerModel = owner && owner.model.retainedGrowth >= 0.5 * rootGrowth ? owner.model : null;
    const series = ownerModel ? filledSeries(ownerModel.retainedBytes) : sumSeries(real.map((m) => m.model.sizeBytes));
    // Its cohorts are of its exclusive objects, not of what it retains: survival and age come from the roots.
    const ownerTest = ownerModel ? testGrowth({ ...ownerModel, programSelfBytes: ownerModel.retainedBytes, cohorts: rootCohorts(members.map((m) => m.model)) }, axes, floor) : null;
    const test =
      ownerTest && ownerTest.real && ownerTest.shape === 'linear' && real.every((m) => inFlight(m.model))
        ? { ...ownerTest, real: false, shape: 'none' as const, reason: 'the new objects are all younger than one snapshot (work in flight at snapshot time)' }
        : (ownerTest ?? lead.test);
    if (!test.real) {
      // The holder as a whole does not grow (a capped cache replacing its entries): not a finding.
      for (const m of members) {
        candidates.push({ kind: 'root', owner: root.owner, key: m.model.key, growthBytes: growthOf(m.model), status: 'rejected', reason: `its holder ${root.owner} does not grow as a whole: ${test.reason}` });
      }
      continue;
    }
    const growthBytes = series[n - 1] - series[0];
    const perRequest = axes.requests ? fitLine(axes.requests, series) : null;
    const perSecond = axes.seconds ? fitLine(axes.seconds, series) : null;
    const verdict = test.shape === 'plateau' ? null : judgeRoot(root, requestSpan);
    const plateauReason = test.turnover.steady
      ? `grew ${formatBytes(test.plateau.riseBytes)} up to snapshot ${test.plateau.flatFrom + 1}; since then it holds a steady ${formatCount(test.turnover.objectsAtSteady)} objects while new ones keep arriving: old entries are evicted`
      : `grew ${formatBytes(test.plateau.riseBytes)} up to snapshot ${test.plateau.flatFrom + 1}, then moved only ${formatBytes(test.plateau.flatChangeBytes)}: it levelled off`;
    const evidence = verdict ? [...verdict.evidence] : [plateauReason];
    const contents = contentsLine(root, requestSpan);
    if (contents) evidence.push(contents);
    evidence.push(fitText(series, perRequest, perSecond, test));
    const newLast = members.reduce((sum, m) => sum + m.model.newBytes[n - 1], 0);
    const agedLast = members.reduce((sum, m) => sum + m.model.agedBytes[n - 1], 0);
    if (newLast > 0 && n >= 3) evidence.push(`${Math.round((100 * agedLast) / newLast)}% of the new bytes were already alive one snapshot earlier (work in flight is always younger)`);
    // Native state under the new objects (a zlib stream's buffers) is outside the JS heap: worded
    // as the owners' composition words it, which is what moves a finding out of the heap projection
    // (outside-heap.ts reads the share from this line).
    const nativeLast = root.nativeBytes ?? 0;
    if (root.newBytes > 0 && nativeLast >= OUTSIDE_HEAP.nativeGrowthShare * root.newBytes) {
      evidence.push(`the new objects' bytes are ${Math.round((100 * nativeLast) / root.newBytes)}% native/external memory (+${formatBytes(nativeLast)}): backing stores and native state, outside the JS heap`);
    }
    evidence.push(`held at ${root.container ? `${root.owner} › ${root.container}` : root.owner}: ${root.retainerPath.join(' → ')}`);
    findings.push({
      model: { ...lead.model, latest: root },
      ownerModel,
      test,
      verdict: verdict?.verdict ?? 'bounded',
      pattern: verdict?.pattern ?? 'levelled-off',
      evidence,
      growthBytes,
      perRequest,
      perSecond,
      series,
      countSeries: ownerModel ? filledSeries(ownerModel.counts) : sumSeries(real.map((m) => m.model.newObjects)),
      folded: [],
    });
    for (const m of members) {
      candidates.push({ kind: 'root', owner: root.owner, key: m.model.key, growthBytes: growthOf(m.model), status: 'reported', reason: m === lead ? (verdict?.verdict ?? 'bounded') : `part of ${root.owner}'s finding` });
    }
  }
  findings.sort((a, b) => b.growthBytes - a.growthBytes);
  foldNestedFindings(findings, candidates);

  // Growing owners: a root's holder, a container on its way, a root's contents, or unexplained.
  for (const { model, test } of owners) {
    if (!test.real) {
      if (model.programSelfGrowth >= floor.growthBytes / 4) {
        candidates.push({ kind: 'owner', owner: model.owner, key: model.key, growthBytes: model.programSelfGrowth, status: 'rejected', reason: test.reason ?? 'not growing' });
      }
      continue;
    }
    const root = (f: RootFinding) => f.model.latest;
    const into =
      findings.find((f) => root(f).ownerKey === model.key || root(f).via.includes(model.key)) ??
      findings.find((f) => root(f).contents.some((c) => c.key === model.key));
    if (!into) {
      candidates.push({ kind: 'owner', owner: model.owner, key: model.key, growthBytes: model.programSelfGrowth, status: 'rejected', reason: 'no growing root holds it: its growth hangs under roots that failed the noise test' });
      continue;
    }
    const role = root(into).ownerKey === model.key ? 'holder' : root(into).via.includes(model.key) ? 'container' : 'contents';
    if (role === 'contents') into.folded.push(model);
    candidates.push({
      kind: 'owner', owner: model.owner, key: model.key, growthBytes: model.programSelfGrowth, status: 'folded', into: into.model.key,
      reason: role === 'holder' ? 'the holder of the root' : role === 'container' ? "the container between the root's holder and its growth" : "its new instances are the root's contents",
    });
  }
  for (const f of findings) {
    if (f.folded.length) {
      f.evidence.push(`also growing, counted in this finding: ${f.folded.map((o) => `${o.owner} (+${formatBytes(o.programSelfGrowth)})`).join(', ')}`);
    }
  }
  candidates.sort((a, b) => b.growthBytes - a.growthBytes);
  return { findings, candidates };
}

/**
 * A finding whose holder is itself held by another finding's holder (a scope inside the compiler
 * that grows with it) is part of that one: one problem, one finding. It joins the outer finding's
 * contents; the outer one's figures already include it (its holder retains it).
 */
function foldNestedFindings(findings: RootFinding[], candidates: Candidate[]): void {
  for (let i = findings.length - 1; i >= 0; i--) {
    const inner = findings[i].model.latest;
    const outer = findings.find((f, j) => j !== i && f.verdict === findings[i].verdict && inner.above.includes(f.model.latest.holderKey));
    if (!outer) continue;
    outer.evidence.push(`also growing under it: ${inner.owner} (${inner.container || 'itself'}, +${formatBytes(findings[i].growthBytes)}), counted in this finding`);
    for (const c of candidates) {
      if (c.kind === 'root' && c.status === 'reported' && c.key.startsWith(inner.holderKey)) {
        c.status = 'folded';
        c.into = outer.model.key;
        c.reason = `its holder ${inner.owner} is held by ${outer.model.latest.owner}`;
      }
    }
    findings.splice(i, 1);
  }
}

function sumSeries(series: number[][]): number[] {
  return series[0].map((_, i) => series.reduce((sum, s) => sum + s[i], 0));
}

/** The roots of one holder as one: entries, kinds and contents added up; the largest root leads. */
function mergedRoot(roots: GrowthRootSummary[]): GrowthRootSummary {
  if (roots.length === 1) return roots[0];
  const [lead] = roots;
  const addStats = (key: 'kinds' | 'entries') => {
    const out: GrowthRootSummary['kinds'] = {};
    for (const r of roots) {
      for (const [k, v] of Object.entries(r[key]) as [keyof GrowthRootSummary['kinds'], { count: number; bytes: number }][]) {
        const a = out[k] ?? { count: 0, bytes: 0 };
        out[k] = { count: a.count + v.count, bytes: a.bytes + v.bytes };
      }
    }
    return out;
  };
  const contents = new Map<string, GrowthRootSummary['contents'][number]>();
  for (const r of roots) {
    for (const c of r.contents) {
      const a = contents.get(c.key);
      contents.set(c.key, a ? { ...a, count: a.count + c.count, bytes: a.bytes + c.bytes } : { ...c });
    }
  }
  const containers = [...new Set(roots.map((r) => r.container).filter((c) => c))];
  return {
    ...lead,
    container: containers.join(', '),
    attachPoints: roots.reduce((s, r) => s + r.attachPoints, 0),
    newBytes: roots.reduce((s, r) => s + r.newBytes, 0),
    newObjects: roots.reduce((s, r) => s + r.newObjects, 0),
    agedBytes: roots.reduce((s, r) => s + r.agedBytes, 0),
    elasticBytes: roots.reduce((s, r) => s + r.elasticBytes, 0),
    nativeBytes: roots.reduce((s, r) => s + (r.nativeBytes ?? 0), 0),
    retainedBytes: roots.reduce((s, r) => s + r.retainedBytes, 0),
    via: [...new Set(roots.flatMap((r) => r.via))],
    above: lead.above,
    kinds: addStats('kinds'),
    entries: addStats('entries'),
    contents: [...contents.values()].sort((a, b) => b.bytes - a.bytes),
  };
}

function contentsLine(root: GrowthRootSummary, requestSpan: number | null): string | null {
  if (root.contents.length === 0) return null;
  const parts = root.contents.slice(0, 4).map((c) => `${formatCount(c.count)} ${c.owner}${requestSpan ? ` (${(c.count / requestSpan).toFixed(2)} per request)` : ''}`);
  return `holds ${parts.join(', ')} new since the first snapshot`;
}

function fitText(series: number[], perRequest: LinearFit | null, perSecond: LinearFit | null, test: GrowthTest): string {
  const n = series.length;
  const perReq = perRequest ? `${perRequest.slope.toFixed(1)} B/request, ` : '';
  const perSec = perSecond ? `${formatBytes(perSecond.slope)}/s, ` : '';
  const rose = Math.round(test.monotonicity * (n - 1));
  return `grew ${formatBytes(series[0])} → ${formatBytes(series[n - 1])}: ${perReq}${perSec}r² ${(perRequest ?? perSecond)?.r2.toFixed(3) ?? test.r2.toFixed(3)}, rose at ${rose} of ${n - 1} intervals`;
}
