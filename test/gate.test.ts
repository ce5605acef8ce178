import { describe, expect, it } from 'vitest';
import {
  defaultGateBudgets,
  evaluateGate,
  gateBudgetsFromJson,
  gateBudgetsToJson,
  type GateBudgets,
} from '../analyzers/gate.js';
import { cleanReport, sampleReport, trendSinkFinding } from './helpers/report-values.js';

const budgets = (overrides: Partial<GateBudgets>): GateBudgets => ({ ...defaultGateBudgets(), ...overrides });

const leakFinding = trendSinkFinding({
  owner: 'RequestContext',
  verdict: 'leak',
  key: 'RequestContext@app.mjs:4',
  bytesPerRequest: 412,
  bytesPerSecond: 412_000,
});

describe('evaluateGate', () => {
  it('passes an accumulating target under the default gate and fails it with --fail-on accumulation', () => {
    const report = sampleReport();
    expect(evaluateGate(report, defaultGateBudgets()).passed).toBe(true);
    const failed = evaluateGate(report, budgets({ failOn: ['leak', 'accumulation'] }));
    expect(failed.passed).toBe(false);
    expect(failed.reasons).toEqual([
      'TrendSink: accumulation, 16.1 B/request (58.0 MB/h) (budget --fail-on leak,accumulation)',
    ]);
  });

  it('fails a leak under the default gate and names the owner in its check', () => {
    const result = evaluateGate(sampleReport({ findings: [leakFinding, trendSinkFinding()] }), defaultGateBudgets());
    expect(result.passed).toBe(false);
    expect(result.reasons).toHaveLength(1);
    expect(result.reasons[0]).toMatch(/^RequestContext: leak, 412 B\/request/);
    const ownerChecks = result.checks?.filter((c) => c.owner) ?? [];
    expect(ownerChecks.map((c) => [c.owner, c.passed])).toEqual([
      ['RequestContext', false],
      ['TrendSink', true],
    ]);
  });

  it('passes a clean target under --max-bytes-per-request 64 and --max-growth', () => {
    const result = evaluateGate(cleanReport(), budgets({ maxBytesPerRequest: 64, maxGrowthBytesPerSecond: 1e7 / 3600 }));
    expect(result).toMatchObject({ passed: true, reasons: [] });
    expect(result.checks?.map((c) => c.name)).toEqual(['--fail-on leak', '--max-bytes-per-request 64', '--max-growth 10.0 MB/h']);
  });

  it('sums growth per request over growing owners only, not bounded ones', () => {
    const cache = trendSinkFinding({ owner: 'LRUCache', verdict: 'bounded', bytesPerRequest: 500, bytesPerSecond: 500_000 });
    const report = sampleReport({ findings: [trendSinkFinding(), trendSinkFinding({ owner: 'Labels', bytesPerRequest: 60 })] });
    expect(evaluateGate({ ...report, findings: [...report.findings, cache] }, budgets({ maxBytesPerRequest: 100 })).passed).toBe(true);
    const result = evaluateGate(report, budgets({ maxBytesPerRequest: 64 }));
    expect(result.reasons).toEqual([
      'Labels 60 B/request, TrendSink 16.1 B/request: retained growth 76.1 B/request exceeds budget --max-bytes-per-request 64',
    ]);
    const labels = result.checks?.find((c) => c.owner === 'Labels');
    expect(labels).toMatchObject({ passed: false });
    expect(labels?.reason).toMatch(/^Labels: 60 B\/request .*, part of the growth that exceeds budget --max-bytes-per-request 64$/);
  });

  it('fails --max-growth with the rate and the budget', () => {
    const result = evaluateGate(sampleReport(), budgets({ maxGrowthBytesPerSecond: 1e7 / 3600 }));
    expect(result.reasons).toEqual(['TrendSink 58.0 MB/h: retained growth 58.0 MB/h exceeds budget --max-growth 10.0 MB/h']);
  });

  it('does not pass --max-bytes-per-request silently when requests were not counted', () => {
    const report = sampleReport({ findings: [trendSinkFinding({ bytesPerRequest: null })] });
    const result = evaluateGate(report, budgets({ maxBytesPerRequest: 64 }));
    expect(result.passed).toBe(false);
    expect(result.reasons[0]).toMatch(/TrendSink: growth per request unknown/);
  });

  it('fails a new growing owner against a clean baseline', () => {
    const result = evaluateGate(sampleReport(), budgets({ baseline: cleanReport() }));
    expect(result.passed).toBe(false);
    expect(result.reasons).toEqual([
      'TrendSink: new growing owner (accumulation, 16.1 B/request (58.0 MB/h)), not growing in the baseline (budget --baseline, tolerance 20%)',
    ]);
    expect(result.checks?.find((c) => c.owner === 'TrendSink')?.passed).toBe(false);
  });

  it('allows an owner within the tolerance of the baseline and fails one beyond it', () => {
    const baseline = sampleReport();
    const within = sampleReport({ findings: [trendSinkFinding({ bytesPerRequest: 19 })] });
    expect(evaluateGate(within, budgets({ baseline })).passed).toBe(true);
    const beyond = sampleReport({ findings: [trendSinkFinding({ bytesPerRequest: 32.2 })] });
    const result = evaluateGate(beyond, budgets({ baseline }));
    expect(result.reasons).toEqual([
      'TrendSink: 32.2 B/request, 100% faster than 16.1 B/request in the baseline (budget --baseline, tolerance 20%)',
    ]);
  });

  it('matches baseline owners by name when the definition site moved', () => {
    const baseline = sampleReport({ findings: [trendSinkFinding({ key: 'TrendSink@old.mjs:3' })] });
    expect(evaluateGate(sampleReport(), budgets({ baseline })).passed).toBe(true);
  });

  it('keeps one reason per failure even when a heap name holds a newline', () => {
    const report = sampleReport({ findings: [trendSinkFinding({ owner: 'Evil\nName', verdict: 'leak' })] });
    const result = evaluateGate(report, defaultGateBudgets());
    expect(result.reasons).toHaveLength(1);
    expect(result.reasons[0]).toMatch(/^Evil\nName: leak/);
  });

  it('round-trips budgets through run.json', () => {
    const given = budgets({ failOn: ['leak', 'accumulation'], maxBytesPerRequest: 64, baseline: cleanReport(), tolerance: 0.1 });
    expect(gateBudgetsFromJson(JSON.parse(JSON.stringify(gateBudgetsToJson(given))))).toEqual(given);
  });
});
