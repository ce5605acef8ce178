/**
 * Every fixture through the real pipeline (child process at a steady rate, real heap snapshots,
 * summarizeSnapshotFiles, analyzeGrowth): verdict and owner of the top finding, and no finding at
 * all for the targets that do not grow. Short runs (6 s of load, 5 snapshots) keep it fast; the
 * growth of every growing fixture is well above the noise floor even so.
 */
import { describe, expect, it } from 'vitest';
import { runFixture, type FixtureRun } from './helpers/fixture-snapshots.js';

const RUN = { seconds: 6, snapshots: 5 };

function describeFindings(run: FixtureRun): string {
  return JSON.stringify(
    run.analysis.findings.map((f) => ({ owner: f.owner, verdict: f.verdict, bytesPerRequest: f.bytesPerRequest, evidence: f.evidence })),
    null,
    1,
  );
}

describe.concurrent('fixture verdicts', () => {
  it('trendsink-registry: accumulation in TrendSink, with allocation sites and a projection', async () => {
    const run = await runFixture('trendsink-registry.mjs', { ...RUN, profile: true });
    const [top] = run.analysis.findings;
    expect(top, describeFindings(run)).toMatchObject({ owner: 'TrendSink', verdict: 'accumulation' });
    expect(run.analysis.findings, describeFindings(run)).toHaveLength(1);
    // 8 samples of 8 bytes per iteration, plus the arrays' spare capacity.
    expect(top.bytesPerRequest!).toBeGreaterThan(40);
    expect(top.bytesPerRequest!).toBeLessThan(140);
    expect(top.hint).toMatch(/streaming histogram/i);
    expect(top.allocationSites?.[0]?.location).toMatch(/trendsink-registry\.mjs:\d+:\d+$/);
    expect(run.analysis.projection.atOtherRates?.[0].secondsToLimit).toBeGreaterThan(0);
    expect(run.analysis.projection.text).toMatch(/at 100,000\/s TrendSink alone reaches the 4\.0 GB heap limit/);
  });

  it('tagged-sinks: accumulation, TrendSink series multiplied by tags', async () => {
    const run = await runFixture('tagged-sinks.mjs', RUN);
    const sinks = run.analysis.findings.find((f) => f.owner === 'TrendSink');
    expect(sinks, describeFindings(run)).toMatchObject({ verdict: 'accumulation' });
    expect(sinks!.hint).toMatch(/label/i);
    expect(run.analysis.findings.every((f) => f.verdict === 'accumulation'), describeFindings(run)).toBe(true);
  });

  it('prom-client-labels: accumulation in the Histogram', async () => {
    const run = await runFixture('prom-client-labels.mjs', RUN);
    expect(run.analysis.findings[0], describeFindings(run)).toMatchObject({ owner: 'Histogram', verdict: 'accumulation' });
    expect(run.analysis.findings[0].hint).toMatch(/label/i);
  });

  it('listener-leak: leak in ConfigWatcher', async () => {
    const run = await runFixture('listener-leak.mjs', RUN);
    expect(run.analysis.findings[0], describeFindings(run)).toMatchObject({ owner: 'ConfigWatcher', verdict: 'leak' });
    expect(run.analysis.findings[0].hint).toMatch(/removeListener/);
  });

  it('closure-map-leak: leak in RequestTracker', async () => {
    const run = await runFixture('closure-map-leak.mjs', RUN);
    expect(run.analysis.findings[0], describeFindings(run)).toMatchObject({ owner: 'RequestTracker', verdict: 'leak' });
  });

  it('interval-leak: leak in Timeout', async () => {
    const run = await runFixture('interval-leak.mjs', RUN);
    expect(run.analysis.findings[0], describeFindings(run)).toMatchObject({ owner: 'Timeout', verdict: 'leak' });
    expect(run.analysis.findings[0].hint).toMatch(/clearInterval/);
  });

  it('http-retained-requests: leak in the per-request HTTP objects', async () => {
    const run = await runFixture('http-retained-requests.mjs', { ...RUN, rps: 300 });
    const [top] = run.analysis.findings;
    expect(top, describeFindings(run)).toMatchObject({ verdict: 'leak' });
    expect(['ServerResponse', 'IncomingMessage']).toContain(top.owner);
  });

  it('lru-cache: the cache filling is found, and bounded', async () => {
    const run = await runFixture('lru-cache.mjs', RUN);
    // "Every finding is bounded" says nothing when there is none: the cache fills in these 6 s.
    expect(run.analysis.findings.length, describeFindings(run)).toBeGreaterThan(0);
    expect(run.analysis.findings.every((f) => f.verdict === 'bounded'), describeFindings(run)).toBe(true);
  });

  it('streaming-histogram: no finding', async () => {
    const run = await runFixture('streaming-histogram.mjs', RUN);
    expect(run.analysis.findings, describeFindings(run)).toEqual([]);
    expect(run.analysis.projection.secondsToLimit).toBeNull();
  });

  it('garbage-churn: no finding', async () => {
    const run = await runFixture('garbage-churn.mjs', RUN);
    expect(run.analysis.findings, describeFindings(run)).toEqual([]);
  });
});
