/**
 * Report values shaped like real runs, for tests of the code that renders and gates reports. The
 * figures follow the TrendSink demo (1,000 requests/s, one double kept per request).
 */
import type { Finding, Report, TimelineSample } from '../../core/report-schema.js';

export const HOSTILE_NAME = '<img src=x onerror="window.__pwned=1">';

export function trendSinkFinding(overrides: Partial<Finding> = {}): Finding {
  return {
    owner: 'TrendSink',
    verdict: 'accumulation',
    bytesPerRequest: 16.1,
    bytesPerSecond: 16_100,
    growthBytes: 805_000,
    retainerPath: ['(GC roots)', '(Global handles)', 'Registry', 'sinks', 'Map', 'TrendSink'],
    evidence: [
      '98% of the growth is a value array (doubles) held by one long-lived TrendSink',
      'instance count flat at 2 across 5 snapshots while retained bytes grow linearly (r² 0.99)',
    ],
    hint: 'TrendSink keeps every sample: aggregate into a streaming histogram (e.g. hdr-histogram-js) or cap the window',
    key: 'TrendSink@fixtures/trendsink-registry.mjs:12',
    location: 'fixtures/trendsink-registry.mjs:12',
    retainedBytesSeries: [120_000, 321_000, 523_000, 724_000, 925_000],
    countSeries: [2, 2, 2, 2, 2],
    r2: 0.99,
    allocationSites: [{ functionName: 'record', location: 'fixtures/trendsink-registry.mjs:20:17', bytes: 640_000 }],
    ...overrides,
  };
}

export function sampleReport(overrides: Partial<Report> = {}): Report {
  return {
    schema: 'memprobe/report@1',
    status: 'complete',
    target: { kind: 'script', command: 'fixtures/trendsink-registry.mjs', pid: 4242 },
    load: { targetRps: 1000, achievedRps: 998.6, requests: 59_916, dropped: 3, durationS: 60, errors: 0 },
    snapshots: [6, 19.5, 33, 46.5, 60].map((t, i) => ({
      t,
      requests: Math.round(t * 998.6),
      totalBytes: 9_000_000 + i * 201_000,
      file: i >= 2 ? `snapshots/00${i + 1}.heapsnapshot` : null,
      pauseMs: 180 + i * 5,
    })),
    findings: [trendSinkFinding()],
    projection: {
      heapLimitBytes: 4_345_298_944,
      atRps: 1000,
      secondsToLimit: 269_300,
      text: 'at 1,000 requests/s TrendSink alone fills the 4.3 GB heap limit in 3.1 days',
    },
    notes: [],
    meta: { nodeVersion: 'v20.20.2', memprobeVersion: '0.1.0', snapshotPauseMs: 950, snapshotPauseShare: 0.016 },
    ...overrides,
  };
}

export function cleanReport(): Report {
  return sampleReport({ findings: [], projection: { heapLimitBytes: 4_345_298_944, atRps: 1000, secondsToLimit: null } });
}

/** One sample per second for 60 s: heap rising slowly, a dip in request rate at each snapshot. */
export function sampleTimeline(report: Report = sampleReport()): TimelineSample[] {
  const samples: TimelineSample[] = [];
  let requests = 0;
  for (let t = 0; t <= report.load.durationS; t++) {
    const snapshotting = report.snapshots.some((s) => Math.abs(s.t - t) < 0.5);
    requests += snapshotting ? 700 : 1000;
    samples.push({
      t,
      requests,
      dropped: 0,
      heapUsed: 8_000_000 + t * 16_000 + (t % 7) * 150_000,
      heapTotal: 12_000_000 + t * 20_000,
      rss: 60_000_000 + t * 30_000,
      external: 1_500_000,
      arrayBuffers: 20_000,
      eventLoopDelayP99Ms: snapshotting ? 190 : 2.5,
      snapshotting,
    });
  }
  return samples;
}
