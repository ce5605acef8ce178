/**
 * A run's record plus its growth analysis (and the gate, when budgets were given) make the
 * `memprobe/report@1` document. Pure: no files, no clock.
 */
import type { Finding, GateResult, Projection, Report } from '../core/report-schema.js';
import type { RunRecord } from '../core/run-directory-layout.js';

/** What `analyzeGrowth` returns. */
export interface GrowthAnalysis {
  findings: Finding[];
  projection: Projection;
  notes: string[];
}

export function buildReport(run: RunRecord, analysis: GrowthAnalysis, gate: GateResult | null): Report {
  const report: Report = {
    schema: 'memprobe/report@1',
    status: run.status,
    target: run.target,
    load: run.load,
    snapshots: run.snapshots,
    // CONTRACT: largest first. The analysis already orders them; a report must not depend on it.
    findings: [...analysis.findings].sort((a, b) => b.growthBytes - a.growthBytes),
    projection: analysis.projection,
    notes: [...run.notes, ...analysis.notes],
    meta: run.meta,
  };
  return gate ? withGate(report, gate) : report;
}

/** The report with its `gate` block, placed where CONTRACT lists it (before `notes`). */
export function withGate(report: Report, gate: GateResult): Report {
  const { notes, meta, gate: _previous, ...head } = report;
  return meta === undefined ? { ...head, gate, notes } : { ...head, gate, notes, meta };
}
