import { describe, expect, it } from 'vitest';
import { buildReport, withGate } from '../pipeline/summaries-to-report.js';
import type { RunRecord } from '../core/run-directory-layout.js';
import { sampleReport, trendSinkFinding } from './helpers/report-values.js';

function runRecord(): RunRecord {
  const r = sampleReport();
  return {
    schema: 'memprobe/run@1',
    status: 'partial',
    target: r.target,
    load: r.load,
    snapshots: r.snapshots,
    notes: ['interrupted by SIGINT after 60 s'],
    meta: r.meta ?? {},
    analysis: { heapLimitBytes: 4_345_298_944, horizonS: 86_400, projectRps: [] },
  };
}

describe('buildReport', () => {
  const small = trendSinkFinding({ owner: 'Labels', growthBytes: 10_000 });
  const analysis = { findings: [small, trendSinkFinding()], projection: sampleReport().projection, notes: ['r² low for Labels'] };

  it('makes a memprobe/report@1 with the contract keys in contract order, findings largest first', () => {
    const report = buildReport(runRecord(), analysis, null);
    expect(Object.keys(report)).toEqual(['schema', 'status', 'target', 'load', 'snapshots', 'findings', 'projection', 'notes', 'meta']);
    expect(report.schema).toBe('memprobe/report@1');
    expect(report.status).toBe('partial');
    expect(report.findings.map((f) => f.owner)).toEqual(['TrendSink', 'Labels']);
    expect(report.notes).toEqual(['interrupted by SIGINT after 60 s', 'r² low for Labels']);
    expect(report.snapshots).toHaveLength(5);
  });

  it('places the gate block before notes, replacing an earlier one', () => {
    const report = buildReport(runRecord(), analysis, { passed: false, reasons: ['x'] });
    expect(Object.keys(report)).toEqual(['schema', 'status', 'target', 'load', 'snapshots', 'findings', 'projection', 'gate', 'notes', 'meta']);
    const regated = withGate(report, { passed: true, reasons: [] });
    expect(regated.gate).toEqual({ passed: true, reasons: [] });
    expect(Object.keys(regated)).toEqual(Object.keys(report));
  });
});
