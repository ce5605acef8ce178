/**
 * Snapshot summaries and a run's record in, the `memprobe/report@1` document out: growth analysis,
 * then the report, then the gate when budgets were given. Pure: no files, no clock. Every way to a
 * report goes through here: a run directory (`run`, `attach`, `report`, `gate`) and `analyze` on
 * two or more snapshot files.
 */
import type { GateResult, Report } from '../core/report-schema.js';
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
}

export function reportFromSummaries(run: RunRecord, summaries: SnapshotSummary[], options: SummariesToReportOptions): Report {
  const analysis = analyzeGrowth(summaries, {
    heapLimitBytes: run.analysis.heapLimitBytes,
    runRps: options.runRps,
    projectRps: run.analysis.projectRps,
    horizonS: run.analysis.horizonS,
    allocationProfile: options.allocationProfile,
  });
  const ungated = buildReport(run, { ...analysis, notes: [...analysis.notes, ...(options.inputNotes ?? [])] }, null);
  return options.budgets ? gateReport(ungated, options.budgets) : ungated;
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
