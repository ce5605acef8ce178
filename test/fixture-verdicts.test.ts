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
    {
      findings: run.analysis.findings.map((f) => ({ owner: f.owner, verdict: f.verdict, bytesPerRequest: f.bytesPerRequest, evidence: f.evidence })),
      candidates: run.analysis.candidates?.slice(0, 6),
      requests: run.summaries.map((s) => s.requests),
    },
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

  it('tagged-sinks: accumulation in TaggedRegistry, whose series of TrendSinks multiply by tag', async () => {
    const run = await runFixture('tagged-sinks.mjs', RUN);
    expect(run.analysis.findings, describeFindings(run)).toHaveLength(1);
    const [top] = run.analysis.findings;
    expect(top, describeFindings(run)).toMatchObject({ owner: 'TaggedRegistry', verdict: 'accumulation' });
    expect(top.hint).toMatch(/label/i);
    // The TrendSinks are the registry's contents, counted in its finding, not findings of their own.
    expect(top.evidence.join('\n')).toMatch(/TrendSink/);
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

  it('http-retained-requests: leak in the audit array, which holds finished requests and responses', async () => {
    const run = await runFixture('http-retained-requests.mjs', { ...RUN, rps: 300 });
    expect(run.analysis.findings, describeFindings(run)).toHaveLength(1);
    const [top] = run.analysis.findings;
    expect(top, describeFindings(run)).toMatchObject({ owner: 'Array (audit)', verdict: 'leak' });
    expect(top.evidence.join('\n')).toMatch(/holds [\d,]+ (ServerResponse|IncomingMessage)/);
  });

  it('client-set-leak: leak in PushServer, whose clients Set keeps finished responses', async () => {
    const run = await runFixture('client-set-leak.mjs', { ...RUN, rps: 300 });
    expect(run.analysis.findings, describeFindings(run)).toHaveLength(1);
    const [top] = run.analysis.findings;
    expect(top, describeFindings(run)).toMatchObject({ owner: 'PushServer', verdict: 'leak' });
    expect(top.evidence.join('\n')).toMatch(/ServerResponse \((0\.9|1\.0)\d per request\)/);
    // The responses it holds are counted in its growth: well over a kilobyte per request.
    expect(top.bytesPerRequest!).toBeGreaterThan(1000);
  });

  it('settled-promise-cache: accumulation in the Map of settled lookups', async () => {
    const run = await runFixture('settled-promise-cache.mjs', RUN);
    expect(run.analysis.findings, describeFindings(run)).toHaveLength(1);
    expect(run.analysis.findings[0], describeFindings(run)).toMatchObject({ owner: 'Map (profileCache)', verdict: 'accumulation' });
  });

  it('template-cache: accumulation in TemplateEngine, which keeps a compiled function per template text', async () => {
    const run = await runFixture('template-cache.mjs', RUN);
    expect(run.analysis.findings, describeFindings(run)).toHaveLength(1);
    expect(run.analysis.findings[0], describeFindings(run)).toMatchObject({ owner: 'TemplateEngine', verdict: 'accumulation' });
  });

  it('memoize-closure: accumulation owned by the memoized function whose closure holds the cache', async () => {
    const run = await runFixture('memoize-closure.mjs', RUN);
    expect(run.analysis.findings, describeFindings(run)).toHaveLength(1);
    const [top] = run.analysis.findings;
    expect(top, describeFindings(run)).toMatchObject({ owner: 'memoizedQuote()', verdict: 'accumulation' });
    expect(top.location).toMatch(/memoize-closure\.mjs:8$/);
  });

  it('async-context-map: leak in the Map an async_hooks hook fills by async id', async () => {
    const run = await runFixture('async-context-map.mjs', RUN);
    expect(run.analysis.findings, describeFindings(run)).toHaveLength(1);
    expect(run.analysis.findings[0], describeFindings(run)).toMatchObject({ owner: 'Map (contexts)', verdict: 'leak' });
    expect(run.analysis.findings[0].hint).toMatch(/AsyncLocalStorage/);
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
