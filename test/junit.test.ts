import { describe, expect, it } from 'vitest';
import { renderJunit } from '../reports/junit.js';
import { defaultGateBudgets, evaluateGate } from '../analyzers/gate.js';
import { HOSTILE_NAME, cleanReport, sampleReport, trendSinkFinding } from './helpers/report-values.js';

/** Every `<`, `>` and `&` outside the markup must be an entity, or the CI cannot parse the file. */
function stripMarkup(xml: string): string {
  return xml
    .replace(/<\?xml[^?]*\?>/, '')
    .replace(/<\/?[a-z]+(\s+[a-zA-Z]+="[^"<>]*")*\s*\/?>/g, '')
    .replace(/&(amp|lt|gt|quot|#10|#13|#9);/g, '');
}

describe('renderJunit', () => {
  it('has one test case per budget and per growing owner, the failure naming the owner', () => {
    const report = sampleReport();
    const gate = evaluateGate(report, { ...defaultGateBudgets(), failOn: ['leak', 'accumulation'], maxBytesPerRequest: 64 });
    const xml = renderJunit(report, gate);
    const cases = [...xml.matchAll(/<testcase classname="([^"]+)" name="([^"]+)"/g)].map((m) => [m[1], m[2]]);
    expect(cases).toEqual([
      ['memprobe.budget', '--fail-on leak,accumulation'],
      ['memprobe.budget', '--max-bytes-per-request 64'],
      ['memprobe.owner', 'accumulation TrendSink'],
    ]);
    expect(xml).toContain('tests="3" failures="2"');
    expect(xml).toMatch(/<failure message="TrendSink: accumulation, 16.1 B\/request[^"]*" type="memprobe.gate">/);
    expect(stripMarkup(xml)).not.toMatch(/[<>]|&/);
  });

  it('reports a passing gate with no failures', () => {
    const report = cleanReport();
    const xml = renderJunit(report, evaluateGate(report, defaultGateBudgets()));
    expect(xml).toContain('tests="1" failures="0"');
    expect(xml).not.toContain('<failure');
  });

  it('escapes hostile heap names and drops characters XML forbids', () => {
    const owner = `${HOSTILE_NAME}\u0001"&]]>`;
    const report = sampleReport({ findings: [trendSinkFinding({ owner, verdict: 'leak' })] });
    const xml = renderJunit(report, evaluateGate(report, defaultGateBudgets()));
    expect(xml).not.toContain('<img');
    expect(xml).not.toContain('\u0001');
    expect(xml).toContain('&lt;img src=x onerror=&quot;window.__pwned=1&quot;&gt;\uFFFD&quot;&amp;]]&gt;');
    expect(stripMarkup(xml)).not.toMatch(/[<>]|&/);
  });
});
