import { describe, expect, it } from 'vitest';
import { isGithubActions, renderGithubAnnotations } from '../reports/github-annotations.js';
import { defaultGateBudgets, evaluateGate } from '../analyzers/gate.js';
import { sampleReport, trendSinkFinding } from './helpers/report-values.js';

describe('renderGithubAnnotations', () => {
  it('errors for each gate failure, warns for growing owners the budgets allowed', () => {
    const report = sampleReport({ findings: [trendSinkFinding({ owner: 'Ctx', verdict: 'leak' }), trendSinkFinding()] });
    const lines = renderGithubAnnotations(report, evaluateGate(report, defaultGateBudgets()));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe('::error title=memprobe gate failed::Ctx: leak, 16.1 B/request (58.0 MB/h) (budget --fail-on leak)');
    expect(lines[1]).toMatch(/^::warning title=memprobe%3A accumulation::TrendSink: accumulation, 16.1 B\/request\. TrendSink keeps every sample/);
  });

  it('cannot be cut short or extended by a heap name with newlines or percent signs', () => {
    const owner = 'A%0A\n::error::forged';
    const report = sampleReport({ findings: [trendSinkFinding({ owner, verdict: 'leak' })] });
    const [line] = renderGithubAnnotations(report, evaluateGate(report, defaultGateBudgets()));
    expect(line.split('\n')).toHaveLength(1);
    expect(line).toContain('A%250A%0A::error::forged: leak');
  });

  it('is on only when GITHUB_ACTIONS is "true"', () => {
    expect(isGithubActions({ GITHUB_ACTIONS: 'true' })).toBe(true);
    expect(isGithubActions({ GITHUB_ACTIONS: '' })).toBe(false);
    expect(isGithubActions({})).toBe(false);
  });
});
