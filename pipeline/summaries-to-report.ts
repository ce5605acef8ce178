/**
 * Snapshot summaries and a run's record in, the `memprobe/report@1` document out: growth analysis,
 * then the report, then the gate when budgets were given. Pure: no files, no clock. Every way to a
 * report goes through here: a run directory (`run`, `attach`, `report`, `gate`) and `analyze` on
 * two or more snapshot files.
 */
import type { GateResult, Report, TimelineSample } from '../core/report-schema.js';
import { analyzeOutsideHeap } from '../analyzers/outside-heap.js';
import { mapFindingLocations, type SourceMapper } from './source-maps.js';
import type { RunRecord } from '../core/run-directory-layout.js';
import { analyzeGrowth, type GrowthAnalysis, type SamplingHeapProfile } from '../analyzers/analyze-growth.js';
import { evaluateGate, type GateBudgets } from '../analyzers/gate.js';
import type { SnapshotSummary } from '../analyzers/snapshot-summary.js';

export interface SummariesToReportOptions {
  /** The rate the out-of-memory projection assumes; null without load. */
  runRps: number | null;
  allocationProfile: SamplingHeapProfile | null;
  /** Budgets to gate on; null: no gate block. */
  budgets: GateBudgets | null;
  /** Notes about the inputs (a torn timeline line), after the analysis' own. */
  inputNotes?: string[];
  /** The run's timeline: growth outside the JS heap is judged from it (absent for `analyze`). */
  timeline?: TimelineSample[];
  /** Maps owner locations and allocation sites to original sources (TypeScript, bundles). */
  sourceMaps?: SourceMapper;
}

export function reportFromSummaries(run: RunRecord, summaries: SnapshotSummary[], options: SummariesToReportOptions): Report {
  const analysis = analyzeGrowth(summaries, {
    heapLimitBytes: run.analysis.heapLimitBytes,
    runRps: options.runRps,
    projectRps: run.analysis.projectRps,
    horizonS: run.analysis.horizonS,
    allocationProfile: options.allocationProfile,
  });
  if (options.sourceMaps) analysis.findings = analysis.findings.map((f) => mapFindingLocations(f, options.sourceMaps!));
  const outside = options.timeline ? withOutsideHeap(run, analysis, options.timeline, run.snapshots[0]?.t ?? Infinity, lastOf(summaries.map((s) => s.totalBytes)) ?? 0, options.runRps) : analysis;
  const ungated = buildReport(run, { ...outside, notes: [...outside.notes, ...(options.inputNotes ?? [])] }, null);
  return options.budgets ? gateReport(ungated, options.budgets) : ungated;
}

/** The analysis with growth outside the JS heap judged from the timeline (analyzers/outside-heap.ts). */
export function withOutsideHeap(run: RunRecord, analysis: GrowthAnalysis, timeline: TimelineSample[], fromT: number, lastHeapBytes: number, runRps: number | null): GrowthAnalysis {
  const result = analyzeOutsideHeap({
    timeline,
    fromT,
    findings: analysis.findings,
    projection: analysis.projection,
    runRps,
    projectRps: run.analysis.projectRps,
    horizonS: run.analysis.horizonS,
    heapLimitBytes: run.analysis.heapLimitBytes,
    lastHeapBytes,
    memoryLimit: run.analysis.memoryLimit ?? null,
    snapshotsTaken: run.snapshots.length > 0,
  });
  return { ...analysis, findings: result.findings, projection: result.projection, notes: [...analysis.notes, ...result.notes] };
}

function lastOf(values: number[]): number | undefined {
  return values[values.length - 1];
}

/** The report with the gate's verdict on these budgets in its `gate` block. */
export function gateReport(report: Report, budgets: GateBudgets): Report {
  return withGate(report, evaluateGate(report, budgets));
}

export function buildReport(run: RunRecord, analysis: GrowthAnalysis, gate: GateResult | null): Report {
  const report: Report = {
    schema: 'memprobe/report@1',
    status: run.status,
    target: run.target,
    load: run.load,
    snapshots: run.snapshots,
    // Findings are listed largest first. The analysis already orders them; a report must not depend on it.
    findings: [...analysis.findings].sort((a, b) => b.growthBytes - a.growthBytes),
    projection: analysis.projection,
    notes: [...run.notes, ...analysis.notes],
    ...(analysis.candidates ? { candidates: analysis.candidates } : {}),
    meta: run.meta,
  };
  return gate ? withGate(report, gate) : report;
}

/** The report with its `gate` block, placed before `notes` (where docs/contract.md lists it). */
export function withGate(report: Report, gate: GateResult): Report {
  const { notes, meta, gate: _previous, ...head } = report;
  return meta === undefined ? { ...head, gate, notes } : { ...head, gate, notes, meta };
}
