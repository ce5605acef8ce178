/**
 * The growth analysis: summaries of one process's snapshots in, findings and an out-of-memory
 * projection out. The entry point `memprobe run`, `attach`, `analyze a b c` and `report` end in.
 *
 * Summaries with growth roots (every summary after the first, since growth roots exist) are
 * analysed by root: `root-findings.ts` (one finding per holder, its owners folded in as contents)
 * and `root-verdicts.ts` (the verdict by what the root keeps), then hints, allocation sites and the
 * projection here.
 *
 * Summaries written before growth roots existed take the older owner-by-owner path below: a growth
 * model per owner (growth-model.ts) → noise test (noise-floor.ts) → containers folded into what they
 * hold → verdict from the composition of each owner's exclusive growth (verdicts.ts).
 */
import type { Finding, Projection } from '../core/report-schema.js';
import { formatBytes } from '../core/units.js';
import { type GrowthAxes, type OwnerGrowth, filledSeries, foldHeldOwners, growthAxes, ownerGrowthModels } from './growth-model.js';
import { type GrowthTest, noiseFloor, testGrowth } from './noise-floor.js';
import { type GrowthPattern, decideVerdict, growthComposition } from './verdicts.js';
import { hintFor, whereItHangs } from './verdict-hints.js';
import { projectOutOfMemory } from './oom-projection.js';
import { type SamplingHeapProfile, allocationSitesByOwner } from './allocation-sites.js';
import type { SnapshotSummary } from './snapshot-summary.js';
import { LEGACY_OWNER_VERDICT } from './thresholds.js';
import { type Candidate, type RootFinding, findRootGrowth, hasGrowthRoots } from './root-findings.js';

export type { SamplingHeapProfile } from './allocation-sites.js';

export interface GrowthOptions {
  /** Heap size the projection runs to (the target's V8 heap limit, or `--heap-limit`). */
  heapLimitBytes: number | null;
  /** The run's arrival rate; null for snapshots without load (analyze, attach without --rps). */
  runRps: number | null;
  /** Extra rates to project at (`--project-rps`). */
  projectRps: number[];
  /** Projections beyond this many seconds report `secondsToLimit: null`. */
  horizonS: number;
  allocationProfile: SamplingHeapProfile | null;
}

export interface GrowthAnalysis {
  findings: Finding[];
  projection: Projection;
  notes: string[];
  /** Every growing root and owner considered, and what became of it (`memprobe analyze --explain`). */
  candidates?: Candidate[];
}

const HOLDING_SHARE = LEGACY_OWNER_VERDICT.holdingShare;

/**
 * Built-in containers say nothing about where they are (their retainer path does): when one of
 * them holds a growing owner, the held owner names the finding. A named holder (a user class, a
 * library's EventEmitter or cache) names it instead: that is where the fix goes. The summarizer
 * displays collections and plain objects held by a variable as `Map (cache)`, `Object (state)`.
 */
const GENERIC_CONTAINER = /^(Map|Set|WeakMap|WeakSet|Array|Object)( \(.*\))?$|^\(unattributed\)$/;

/** Owners that stand for the VM's own memory (code, metadata, native): never a finding. */
const RUNTIME_OWNERS = new Set(['(runtime)']);

interface LegacyCandidate {
  model: OwnerGrowth;
  test: GrowthTest;
  extraEvidence: string[];
}

function holds(container: OwnerGrowth, c: OwnerGrowth): boolean {
  return c.retainerPath.slice(0, -1).includes(container.owner);
}

/**
 * Fold containers and what they contain into one finding. A container is an owner whose growth is
 * almost all holding slots (object-array backing stores, Map/Set tables, listener records) and that lies on other
 * growing owners' retainer paths: the growth is one thing, the held objects and the slots that hold
 * them. A generic container is folded into the largest owner it holds; a named one takes in the
 * owners it holds.
 */
function foldContainers(candidates: LegacyCandidate[], axes: GrowthAxes): LegacyCandidate[] {
  const dropped = new Set<LegacyCandidate>();
  for (const container of candidates) {
    if (dropped.has(container)) continue;
    const held = candidates.filter((c) => c !== container && !dropped.has(c) && holds(container.model, c.model));
    if (held.length === 0) continue;
    const { share } = growthComposition(container.model);
    const holdingOnly = share('object-array') + share('collection') + share('listener') >= HOLDING_SHARE;
    const generic = GENERIC_CONTAINER.test(container.model.owner);
    // A generic container also gives way when what it holds outgrows it: its own growth is then
    // the wrapping of those objects (`audit.push({ req, res })`), not a store of its own.
    const heldGrowth = held.reduce((sum, h) => sum + h.model.programSelfGrowth, 0);
    if (!holdingOnly && !(generic && heldGrowth > container.model.programSelfGrowth)) continue;
    if (generic) {
      dropped.add(container);
      const largest = held.reduce((a, b) => (b.model.programSelfGrowth > a.model.programSelfGrowth ? b : a));
      largest.extraEvidence.push(
        `held in ${container.model.owner} (${whereItHangs(container.model.retainerPath, container.model.owner)}), whose slots grew by ${formatBytes(container.model.programSelfGrowth)}`,
      );
    } else {
      for (const h of held) dropped.add(h);
      container.model = foldHeldOwners(container.model, held.map((h) => h.model), axes);
      container.extraEvidence.push(
        `holds ${held.map((h) => `${h.model.owner} (+${formatBytes(h.model.programSelfGrowth)})`).join(', ')}, counted in this finding`,
      );
    }
  }
  return candidates.filter((c) => !dropped.has(c));
}

interface Judged extends LegacyCandidate {
  verdict: Finding['verdict'];
  pattern: GrowthPattern;
  evidence: string[];
}

/**
 * Objects that are the entries of an accumulating store are part of that accumulation, not a
 * leak of their own: a metrics client's per-label-set digest objects, a cache's value objects.
 * Only plain per-request objects are absorbed this way (closures, timers, sockets and the other
 * transient kinds stay findings of their own wherever they hang), and only into an accumulating
 * owner on their retainer path; their bytes join its growth for the projection.
 */
function absorbEntryObjects(judged: Judged[], axes: GrowthAxes): Judged[] {
  const absorbed = new Set<Judged>();
  for (const entry of judged) {
    if (entry.pattern !== 'per-request-objects') continue;
    const store = judged.find((j) => j !== entry && !absorbed.has(j) && j.verdict === 'accumulation' && holds(j.model, entry.model));
    if (!store) continue;
    absorbed.add(entry);
    store.model = foldHeldOwners(store.model, [entry.model], axes);
    store.evidence.push(`its entries hold ${entry.model.owner} objects (+${formatBytes(entry.model.programSelfGrowth)}), counted in this finding`);
  }
  return judged.filter((j) => !absorbed.has(j));
}

/**
 * The name a user knows the owner by. An emitter's listener store is the emitter's: `_events` is
 * a null-prototype object in Node (with an Array per event once it has two listeners) and an
 * `Events` instance in eventemitter3. A finding whose owner sits at most three steps below an
 * `_events` edge (the store, or an event's listener array in it) is named after the emitter that
 * holds the store, the label just before `_events` on the retainer path (`process`, `bus`'s
 * `EventEmitter`).
 */
function displayOwner(model: Pick<OwnerGrowth, 'owner' | 'retainerPath' | 'location'>): { owner: string; evidence: string | null } {
  const path = model.retainerPath;
  const n = path.length;
  const at = path.lastIndexOf('_events');
  if (at >= 1 && n - 1 - at <= 3 && !path[at - 1].startsWith('(') && path[at - 1] !== '...') {
    const emitter = path[at - 1];
    return { owner: emitter, evidence: `the growth is in ${emitter}'s listener store (${path.slice(at).join(' → ')})` };
  }
  // Minified libraries name their classes `d` or `Ke`: say which package the class is from.
  const pkg = model.location ? /[\\/]node_modules[\\/]((?:@[^\\/]+[\\/])?[^\\/]+)/.exec(model.location) : null;
  if (pkg && /^[A-Za-z_$][\w$]?$/.test(model.owner)) {
    const name = pkg[1].replace('\\', '/');
    return { owner: `${model.owner} (${name})`, evidence: `${model.owner} is a minified class name from the ${name} package (${model.location})` };
  }
  return { owner: model.owner, evidence: null };
}

function lastOf(series: number[]): number {
  return series[series.length - 1];
}

export function analyzeGrowth(summaries: SnapshotSummary[], options: GrowthOptions): GrowthAnalysis {
  const notes: string[] = [];
  const lastTotal = summaries.length ? lastOf(summaries.map((s) => s.totalBytes)) : 0;
  if (summaries.length < 2) {
    notes.push('growth needs two or more snapshots of one process; no findings');
    return {
      findings: [],
      projection: projectOutOfMemory({ ...options, lastTotalBytes: lastTotal, growing: [] }),
      notes,
    };
  }

  const axes = growthAxes(summaries);
  const floor = noiseFloor(summaries, axes);
  notes.push(floor.explanation);
  if (axes.primaryUnit !== 'request') {
    notes.push(
      axes.primaryUnit === 'second'
        ? 'no request counts: growth is measured over time and bytesPerRequest is null'
        : 'no request counts or times: growth is measured over snapshot order; bytesPerRequest is null and bytesPerSecond 0',
    );
  }

  if (summaries.length === 2) {
    notes.push('two snapshots give one interval: a straight line, monotonicity and object age cannot be checked; take three or more to rule out noise');
  }

  const models = ownerGrowthModels(summaries);
  if (hasGrowthRoots(summaries)) {
    const owners = models.filter((model) => !RUNTIME_OWNERS.has(model.owner)).map((model) => ({ model, test: testGrowth(model, axes, floor) }));
    return analyzeByRoots(summaries, axes, floor, owners, options, notes);
  }
  const candidates: LegacyCandidate[] = models
    .filter((model) => !RUNTIME_OWNERS.has(model.owner))
    .map((model) => ({ model, test: testGrowth(model, axes, floor), extraEvidence: [] as string[] }))
    .filter((c) => c.test.real);
  const kept = foldContainers(candidates, axes);

  const judged = absorbEntryObjects(
    kept.map((c) => {
      const v = decideVerdict(c.model, c.test, axes);
      return { ...c, ...v, evidence: [...v.evidence, ...c.extraEvidence] };
    }),
    axes,
  );
  judged.sort((a, b) => b.model.retainedGrowth - a.model.retainedGrowth || b.model.programSelfGrowth - a.model.programSelfGrowth);

  const allocation = options.allocationProfile
    ? allocationSitesByOwner(
        options.allocationProfile,
        judged.map((j) => ({ owner: j.model.owner, location: j.model.location, pattern: j.pattern, unbounded: j.verdict !== 'bounded' })),
      )
    : null;

  const findings: Finding[] = judged.map((j, i) => {
    const m = j.model;
    const bytesPerRequest = m.retainedPerRequest ? m.retainedPerRequest.slope : null;
    const bytesPerSecond = m.retainedPerSecond
      ? m.retainedPerSecond.slope
      : bytesPerRequest !== null && options.runRps
        ? bytesPerRequest * options.runRps
        : 0;
    const shown = displayOwner(m);
    const finding: Finding = {
      owner: shown.owner,
      verdict: j.verdict,
      bytesPerRequest,
      bytesPerSecond,
      growthBytes: m.retainedGrowth,
      retainerPath: m.retainerPath,
      evidence: shown.evidence ? [...j.evidence, shown.evidence] : j.evidence,
      hint: hintFor(j.pattern as GrowthPattern, shown.owner, m.retainerPath),
      key: m.key,
      location: m.location,
      retainedBytesSeries: filledSeries(m.retainedBytes),
      countSeries: filledSeries(m.counts),
      r2: j.test.r2,
    };
    if (allocation && allocation.sites[i].length) finding.allocationSites = allocation.sites[i];
    return finding;
  });

  if (allocation && findings.length && findings.every((f) => !f.allocationSites)) {
    notes.push('the allocation profile has no surviving samples that link to a growing owner');
  }
  if (allocation && allocation.totalBytes > 0 && allocation.toolOnlyBytes > 0.25 * allocation.totalBytes) {
    notes.push(
      `${Math.round((100 * allocation.toolOnlyBytes) / allocation.totalBytes)}% of the sampled surviving allocations show only memprobe's own frames: ` +
        `the target's functions were inlined into its loop (V8's sampling profiler records physical frames); ` +
        `run the target with --no-turbo-inlining to name their lines`,
    );
  }

  // Projection: each unbounded finding's exclusive growth rate (exclusive bytes partition the heap,
  // so owners are never counted twice), from the last snapshot's heap size.
  const growing = judged
    .filter((j) => j.verdict !== 'bounded')
    .map((j) => ({
      owner: displayOwner(j.model).owner,
      bytesPerRequest: j.model.programSelfPerRequest ? Math.max(j.model.programSelfPerRequest.slope, 0) : null,
      bytesPerSecond: j.model.programSelfPerSecond
        ? Math.max(j.model.programSelfPerSecond.slope, 0)
        : j.model.programSelfPerRequest && options.runRps
          ? Math.max(j.model.programSelfPerRequest.slope, 0) * options.runRps
          : 0,
    }));
  const projection = projectOutOfMemory({ ...options, lastTotalBytes: lastTotal, growing });

  const heapGrowth = lastTotal - summaries[0].totalBytes;
  const explained = judged.reduce((s, j) => s + Math.max(0, j.model.programSelfGrowth), 0);
  if (heapGrowth > floor.growthBytes) {
    notes.push(
      `heap grew ${formatBytes(heapGrowth)} from the first to the last snapshot; findings account for ${formatBytes(explained)} of it`,
    );
  }
  return { findings, projection, notes };
}

/**
 * Findings by growth root (summaries that have them): one per root, named after its holder, judged
 * by what it keeps, the owners it holds folded in; figures, allocation sites and the projection as
 * for owners.
 */
function analyzeByRoots(
  summaries: SnapshotSummary[],
  axes: GrowthAxes,
  floor: ReturnType<typeof noiseFloor>,
  owners: { model: OwnerGrowth; test: GrowthTest }[],
  options: GrowthOptions,
  notes: string[],
): GrowthAnalysis {
  const { findings: roots, candidates } = findRootGrowth(summaries, axes, floor, owners);
  const named = roots.map((r) => ({ r, ...rootDisplay(r) }));
  const allocation = options.allocationProfile
    ? allocationSitesByOwner(
        options.allocationProfile,
        named.map(({ r, owner }) => ({ owner: r.model.latest.contents[0]?.owner ?? owner, location: r.model.latest.location, pattern: r.pattern, unbounded: r.verdict !== 'bounded' })),
      )
    : null;
  const rate = (r: RootFinding) => ({
    bytesPerRequest: r.perRequest ? r.perRequest.slope : null,
    bytesPerSecond: r.perSecond ? r.perSecond.slope : r.perRequest && options.runRps ? r.perRequest.slope * options.runRps : 0,
  });
  const findings: Finding[] = named.map(({ r, owner, evidence }, i) => {
    const finding: Finding = {
      owner,
      verdict: r.verdict,
      ...rate(r),
      growthBytes: r.growthBytes,
      retainerPath: r.model.latest.retainerPath,
      evidence: evidence ? [...r.evidence, evidence] : r.evidence,
      hint: hintFor(r.pattern, owner, r.model.latest.retainerPath),
      key: r.model.key,
      location: r.model.latest.location,
      retainedBytesSeries: r.series,
      countSeries: r.countSeries,
      r2: r.perRequest?.r2 ?? r.perSecond?.r2 ?? r.test.r2,
    };
    if (allocation && allocation.sites[i].length) finding.allocationSites = allocation.sites[i];
    return finding;
  });

  const growing = findings
    .filter((f) => f.verdict !== 'bounded')
    .map((f) => ({ owner: f.owner, bytesPerRequest: f.bytesPerRequest === null ? null : Math.max(0, f.bytesPerRequest), bytesPerSecond: Math.max(0, f.bytesPerSecond) }));
  const lastTotal = summaries[summaries.length - 1].totalBytes;
  const projection = projectOutOfMemory({ ...options, lastTotalBytes: lastTotal, growing });

  const heapGrowth = lastTotal - summaries[0].totalBytes;
  const found = findings.reduce((s, f) => s + Math.max(0, f.growthBytes), 0);
  const rejected = candidates.filter((c) => c.kind === 'root' && c.status === 'rejected');
  if (heapGrowth > floor.growthBytes) {
    const noise = rejected.reduce((s, c) => s + Math.max(0, c.growthBytes), 0);
    notes.push(
      `heap grew ${formatBytes(heapGrowth)} from the first to the last snapshot: ${formatBytes(found)} in findings, ` +
        `${formatBytes(noise)} in growth roots that failed the noise test, the rest turnover of objects older than the first snapshot`,
    );
  }
  if (findings.length === 0 && rejected.length > 0) {
    const top = rejected[0];
    notes.push(`largest growth not reported: ${top.owner} (${top.key}), +${formatBytes(top.growthBytes)}, rejected: ${top.reason}`);
  }
  return { findings, projection, notes, candidates };
}

/** The name a user knows a root by: its holder, or, with none, what piles up and where. */
function rootDisplay(r: RootFinding): { owner: string; evidence: string | null } {
  const root = r.model.latest;
  if (root.holderKind === 'function') {
    return { owner: root.owner, evidence: `held in the closure of ${root.owner}${root.location ? ` defined at ${root.location}` : ''} (variable ${root.container.split(' → ')[0] || '?'})` };
  }
  if (root.holderKind !== 'none') {
    return displayOwner(root);
  }
  const emitter = displayOwner({ ...root, location: null });
  if (emitter.evidence) return emitter;
  const top = root.contents[0];
  return top
    ? { owner: top.owner, evidence: `no class instance, collection or function holds it: ${top.owner} objects pile up at ${root.retainerPath.join(' → ')}` }
    : { owner: root.owner, evidence: `no class instance, collection or function holds it: the growth hangs at ${root.retainerPath.join(' → ')}` };
}
