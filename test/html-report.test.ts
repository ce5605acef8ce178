import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { escapeHtml, jsonForScriptElement, renderHtmlReport } from '../reports/html-report.js';
import { withGate } from '../pipeline/summaries-to-report.js';
import { HOSTILE_NAME, cleanReport, sampleReport, sampleTimeline, trendSinkFinding } from './helpers/report-values.js';

function dataBlock(html: string): any {
  const m = /<script type="application\/json" id="memprobe-data">([\s\S]*?)<\/script>/.exec(html);
  if (!m) throw new Error('no data block');
  return JSON.parse(m[1]);
}

function inlineScripts(html: string): string[] {
  return [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]);
}

describe('renderHtmlReport', () => {
  const report = sampleReport();
  const html = renderHtmlReport(report, sampleTimeline(report));

  it('answers on the first screen: owner, verdict, rate, fix, out-of-memory, counts', () => {
    const banner = html.slice(html.indexOf('id="verdict"'), html.indexOf('id="timeline"'));
    expect(banner).toContain('<h1>TrendSink accumulates 16.1 B/request</h1>');
    expect(banner).toContain('Accumulation, not a leak:');
    expect(banner).toContain('aggregate into a streaming histogram');
    expect(banner).toContain('58.0 MB/h');
    expect(banner).toContain('3.1 days');
    expect(banner).toContain('At 1,000 requests/s TrendSink alone fills the 4.3 GB heap limit in 3.1 days');
    expect(banner).toContain('0 leaks</span><span class="badge accumulation">1 accumulation</span>');
    expect(banner).toContain('not run');
  });

  it('is self-contained: chart.js inlined, no external resources, scripts admitted by hash only', () => {
    expect(html).toContain('Chart.js v4');
    expect(html).not.toMatch(/<(script|img|link|iframe)[^>]+(src|href)=/i);
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1] ?? '';
    expect(csp).toContain("default-src 'none'");
    const scripts = inlineScripts(html);
    expect(scripts).toHaveLength(2);
    for (const script of scripts) {
      expect(csp).toContain(`'sha256-${createHash('sha256').update(script).digest('base64')}'`);
    }
  });

  it('inlines the chart data as JSON the page reads back unchanged', () => {
    const data = dataBlock(html);
    expect(data.snapshots.t).toEqual([6, 19.5, 33, 46.5, 60]);
    expect(data.timeline.t).toHaveLength(61);
    expect(data.timeline.rps[2]).toBe(1000);
    expect(data.perRequest).toEqual([{ owner: 'TrendSink', verdict: 'accumulation', value: 16.1 }]);
    expect(data.owners.series[0]).toMatchObject({ owner: 'TrendSink', finding: true, retainedBytes: [120_000, 321_000, 523_000, 724_000, 925_000] });
  });

  it('puts hostile heap names in as text, in the page and in the data block', () => {
    const hostile = sampleReport({
      findings: [
        trendSinkFinding({
          owner: HOSTILE_NAME,
          verdict: 'leak',
          retainerPath: ['(GC roots)', '</script><script>window.__pwned=2</script>', '{{DATA}}'],
          evidence: ['<b>bold</b> & "quoted"'],
          allocationSites: [{ functionName: '<svg onload=x>', location: "a'b.js:1:1", bytes: 10 }],
        }),
      ],
    });
    const out = renderHtmlReport(hostile, sampleTimeline(hostile));
    expect(out).not.toContain('<img');
    expect(out).not.toContain('<svg');
    expect(out).not.toContain('<b>bold');
    expect(inlineScripts(out)).toHaveLength(2);
    expect(out).toContain(escapeHtml(HOSTILE_NAME));
    expect(out).toContain('<code>{{DATA}}</code>');
    expect(dataBlock(out).perRequest[0].owner).toBe(HOSTILE_NAME);
  });

  it('names the other growing owners under the headline, linked to their findings', () => {
    const two = sampleReport({ findings: [trendSinkFinding(), trendSinkFinding({ owner: 'LabelSet', bytesPerRequest: 9.5, growthBytes: 1000 })] });
    const out = renderHtmlReport(two, []);
    expect(out).toContain('<p class="also">Also growing: <a href="#finding-2">LabelSet</a> (accumulation, 9.5 B/request).</p>');
    expect(out).toContain('<article class="finding" id="finding-2">');
  });

  it('reports growth per hour when requests were not counted (attach without load)', () => {
    const attach = sampleReport({
      target: { kind: 'attach', command: '12345' },
      load: { targetRps: null, achievedRps: null, requests: null, dropped: null, durationS: 600 },
      findings: [trendSinkFinding({ bytesPerRequest: null, bytesPerSecond: 1000 })],
    });
    const out = renderHtmlReport(attach, []);
    expect(out).toContain('<div class="label">Retained per request</div><div class="figure">unknown</div><div class="sub">requests were not counted</div>');
    expect(out).toContain('<h2>Growth per hour, by finding</h2>');
    expect(dataBlock(out)).toMatchObject({ perRequestUnit: 'hour', perRequest: [{ owner: 'TrendSink', value: 3_600_000 }] });
  });

  it('shows a failed gate with its reasons, and a clean run without charts it cannot draw', () => {
    const gated = withGate(report, { passed: false, reasons: ['TrendSink: accumulation, 16.1 B/request (budget --fail-on accumulation)'] });
    const failed = renderHtmlReport(gated, []);
    expect(failed).toContain('<div class="tile failed"><div class="label">CI gate</div><div class="figure">failed</div>');
    expect(failed).toContain('<li>TrendSink: accumulation, 16.1 B/request (budget --fail-on accumulation)</li>');
    expect(failed).toContain('No timeline samples were recorded');
    expect(failed).not.toContain('id="chart-timeline"');

    const clean = renderHtmlReport(cleanReport(), sampleTimeline());
    expect(clean).toContain('<h1>No memory growth found</h1>');
    expect(clean).toContain('No findings: nothing grew beyond noise.');
    expect(clean).not.toContain('id="chart-per-request"');
  });

  it('thins long timelines but keeps every sample taken during a snapshot', () => {
    const long = Array.from({ length: 20_000 }, (_, t) => ({ ...sampleTimeline()[1], t, requests: t * 1000, snapshotting: t === 12_345 }));
    const withoutPauses = sampleReport({ snapshots: report.snapshots.map(({ pauseMs: _, ...s }) => s) });
    const data = dataBlock(renderHtmlReport(withoutPauses, long));
    expect(data.timeline.t.length).toBeLessThanOrEqual(3002);
    expect(data.timeline.t).toContain(12_345);
    expect(data.snapshots.pauses).toEqual([{ from: 12_344, to: 12_345 }]);
  });

  it('shades each snapshot pause from its start for as long as it lasted', () => {
    expect(dataBlock(html).snapshots.pauses[0]).toEqual({ from: 6, to: 6.18 });
  });

  it('measures the request rate over at least half a second, not between samples milliseconds apart', () => {
    const timeline = sampleTimeline(report);
    const [beforeLast, last] = timeline.slice(-2);
    timeline.push({ ...last, t: last.t + 0.007, requests: last.requests + 31 });
    const rps = dataBlock(renderHtmlReport(report, timeline)).timeline.rps;
    expect(rps[rps.length - 1]).toBeCloseTo((last.requests + 31 - beforeLast.requests) / 1.007, 0);
  });

  it('starts rss hidden when it dwarfs the heap, and says so', () => {
    const timeline = sampleTimeline(report).map((s) => ({ ...s, rss: s.heapTotal * 10 }));
    const out = renderHtmlReport(report, timeline);
    expect(dataBlock(out).timeline.rssHidden).toBe(true);
    expect(out).toContain('so it starts hidden');
    const modest = sampleTimeline(report).map((s) => ({ ...s, rss: s.heapTotal * 2 }));
    expect(dataBlock(renderHtmlReport(report, modest)).timeline.rssHidden).toBe(false);
  });
});

describe('jsonForScriptElement', () => {
  it('cannot close the script element or open a comment, and parses back to the same value', () => {
    const value = { s: '</script><!-- & \u2028 >' };
    const json = jsonForScriptElement(value);
    expect(json).not.toMatch(/[<>&\u2028]/);
    expect(JSON.parse(json)).toEqual(value);
  });
});
