/**
 * The growth analysis: summaries of one process's snapshots in, findings and an out-of-memory
 * projection out. The entry point the harness, `memprobe analyze a b c` and `memprobe report` call.
 *
 * Pipeline: growth model per owner (growth-model.ts) → noise test (noise-floor.ts) → containers
 * whose growth is only references to another finding's objects folded into it → verdict and
 * evidence (verdicts.ts) → hint (verdict-hints.ts) → allocation sites (allocation-sites.ts) →
 * projection (oom-projection.ts).
 *
 * Owners are judged on their exclusive (self) bytes, which partition the heap: a container whose
 * retained size grows only because an owner nested in it grows is not a finding of its own, and
 * the nested owner whose exclusive bytes carry the growth is reported, with the container on its
 * retainer path.
 */
import type { Finding, Projection } from '../reports/report-schema.js';
import { formatBytes } from '../cli/units.js';
import { type OwnerGrowth, filledSeries, growthAxes, ownerGrowthModels } from './growth-model.js';
import { type GrowthTest, noiseFloor, testGrowth } from './noise-floor.js';
import { type GrowthPattern, decideVerdict, growthComposition } from './verdicts.js';
import { hintFor } from './verdict-hints.js';
import { projectOutOfMemory } from './oom-projection.js';
import { type SamplingHeapProfile, allocationSitesByOwner } from './allocation-sites.js';
import type { SnapshotSummary } from './snapshot-summary.js';

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
}

/** A container's growth that is this share references (array slots, table entries) only holds others. */
const REFERENCE_ONLY_SHARE = 0.7;

interface Candidate {
  model: OwnerGrowth;
  test: GrowthTest;
  extraEvidence: string[];
}

/**
 * Fold containers into what they contain: an owner whose growth is almost all reference slots
 * (object-array backing stores, Map/Set tables) and that lies on another growing owner's retainer
 * path is the holder of that growth, not a separate finding.
 */
function foldContainers(candidates: Candidate[]): Candidate[] {
  const dropped = new Set<Candidate>();
  for (const container of candidates) {
    const { share } = growthComposition(container.model);
    if (share('object-array') + share('collection') < REFERENCE_ONLY_SHARE) continue;
    const held = candidates.find(
      (c) => c !== container && !dropped.has(c) && c.model.retainerPath.slice(0, -1).includes(container.model.owner),
    );
    if (!held) continue;
    dropped.add(container);
    held.extraEvidence.push(
      `held by ${container.model.owner}, whose own slots grew by ${formatBytes(container.model.programSelfGrowth)} to reference them`,
    );
  }
  return candidates.filter((c) => !dropped.has(c));
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

  const models = ownerGrowthModels(summaries);
  const candidates: Candidate[] = models
    .map((model) => ({ model, test: testGrowth(model, axes, floor), extraEvidence: [] as string[] }))
    .filter((c) => c.test.real);
  const kept = foldContainers(candidates);

  const judged = kept.map((c) => {
    const v = decideVerdict(c.model, c.test, axes);
    return { ...c, ...v, evidence: [...v.evidence, ...c.extraEvidence] };
  });
  judged.sort((a, b) => b.model.retainedGrowth - a.model.retainedGrowth || b.model.programSelfGrowth - a.model.programSelfGrowth);

  const sites = options.allocationProfile
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
    const finding: Finding = {
      owner: m.owner,
      verdict: j.verdict,
      bytesPerRequest,
      bytesPerSecond,
      growthBytes: m.retainedGrowth,
      retainerPath: m.retainerPath,
      evidence: j.evidence,
      hint: hintFor(j.pattern as GrowthPattern, m.owner, m.retainerPath),
      key: m.key,
      location: m.location,
      retainedBytesSeries: filledSeries(m.retainedBytes),
      countSeries: filledSeries(m.counts),
      r2: j.test.r2,
    };
    if (sites && sites[i].length) finding.allocationSites = sites[i];
    return finding;
  });

  if (sites && findings.length && findings.every((f) => !f.allocationSites)) {
    notes.push('the allocation profile has no surviving samples that link to a growing owner');
  }

  // Projection: each unbounded finding's exclusive growth rate (exclusive bytes partition the heap,
  // so owners are never counted twice), from the last snapshot's heap size.
  const growing = judged
    .filter((j) => j.verdict !== 'bounded')
    .map((j) => ({
      owner: j.model.owner,
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
