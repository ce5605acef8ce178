import { describe, expect, it } from 'vitest';
import { renderTerminalReport } from '../reports/terminal-report.js';
import { defaultGateBudgets, evaluateGate } from '../analyzers/gate.js';
import { withGate } from '../pipeline/summaries-to-report.js';
import { cleanReport, sampleReport, trendSinkFinding } from './helpers/report-values.js';

describe('renderTerminalReport', () => {
  it('answers who grows, how fast, why, the fix and when memory runs out, in plain text', () => {
    const text = renderTerminalReport(sampleReport(), { color: false });
    expect(text).not.toContain('\x1b[');
    expect(text).toContain('memprobe fixtures/trendsink-registry.mjs [script]');
    expect(text).toContain('59,916 requests in 60 s · 998.6/s achieved of 1,000/s target · 3 dropped');
    expect(text).toContain('ACCUMULATION TrendSink  16.1 B/request · 58.0 MB/h · +805 KB over the run');
    expect(text).toContain('(GC roots) → (Global handles) → Registry → sinks → Map → TrendSink');
    expect(text).toMatch(/fix\s+TrendSink keeps every sample: aggregate into a streaming histogram/);
    expect(text).toContain('5 snapshots, pausing the target 950 ms in all (1.6% of the run)');
    expect(text).toMatch(/verdict\s+TrendSink accumulates 16.1 B\/request \(0 leaks, 1 accumulation, 0 bounded\)/);
    expect(text).toMatch(/memory\s+At 1,000 requests\/s TrendSink alone fills the 4.3 GB heap limit in 3.1 days/);
  });

  it('colours verdicts and the gate on a terminal', () => {
    const report = sampleReport({ findings: [trendSinkFinding({ verdict: 'leak', owner: 'Ctx' })] });
    const text = renderTerminalReport(withGate(report, evaluateGate(report, defaultGateBudgets())), { color: true });
    expect(text).toContain('\x1b[31m\x1b[1mLEAK');
    expect(text).toContain('\x1b[31m\x1b[1mFAILED\x1b[22m\x1b[39m');
    expect(text).toMatch(/✗.*Ctx: leak, 16.1 B\/request/);
  });

  it('counts arrivals skipped while snapshots paused the target apart from drops', () => {
    const report = sampleReport();
    const text = renderTerminalReport({ ...report, load: { ...report.load, overdue: 1200 } }, { color: false });
    expect(text).toContain('3 dropped · 1,200 skipped while the target was paused');
  });

  it('says plainly when nothing grows', () => {
    const text = renderTerminalReport(withGate(cleanReport(), { passed: true, reasons: [] }), { color: false });
    expect(text).toMatch(/verdict\s+No memory growth found \(0 leaks, 0 accumulations, 0 bounded\)/);
    expect(text).toMatch(/memory\s+Nothing to project/);
    expect(text).toMatch(/gate\s+passed/);
  });

  it('does not pass control characters from heap names to the terminal', () => {
    const owner = 'Evil\x1b]0;pwned\x07\x1b[2J';
    const text = renderTerminalReport(sampleReport({ findings: [trendSinkFinding({ owner })] }), { color: false });
    expect(text).not.toContain('\x1b');
    expect(text).toContain('Evil\\x1b]0;pwned\\x07\\x1b[2J');
  });
});
