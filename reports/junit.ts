/**
 * The gate as JUnit XML, the format every CI system renders as a test list: one test case per
 * budget and one per owner the verdict engine reported, failures carrying the reason.
 */
import type { GateResult, Report } from '../core/report-schema.js';

export function renderJunit(report: Report, gate: GateResult): string {
  const checks = gate.checks ?? gate.reasons.map((reason) => ({ name: 'gate', passed: false, reason, owner: undefined }));
  const failures = checks.filter((c) => !c.passed).length;
  const suiteName = `memprobe gate: ${report.target.command}`;
  const cases = checks.map((c) => {
    const classname = c.owner !== undefined ? 'memprobe.owner' : 'memprobe.budget';
    const open = `    <testcase classname="${xmlAttr(classname)}" name="${xmlAttr(c.name)}" time="0"`;
    if (c.passed) return `${open}/>`;
    const reason = c.reason ?? 'failed';
    return `${open}>\n      <failure message="${xmlAttr(reason)}" type="memprobe.gate">${xmlText(reason)}</failure>\n    </testcase>`;
  });
  const properties = [
    ['target', report.target.command],
    ['status', report.status],
    ['requests', String(report.load.requests ?? '')],
    ['durationS', String(report.load.durationS)],
  ]
    .map(([name, value]) => `      <property name="${xmlAttr(name)}" value="${xmlAttr(value)}"/>`)
    .join('\n');
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="memprobe" tests="${checks.length}" failures="${failures}" errors="0">`,
    `  <testsuite name="${xmlAttr(suiteName)}" tests="${checks.length}" failures="${failures}" errors="0" skipped="0" time="${report.load.durationS}">`,
    '    <properties>',
    properties,
    '    </properties>',
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

// Owner names come from the heap: any character a program can put in a class name can show up here,
// including ones XML 1.0 forbids outright, which would make the whole file unreadable to the CI.
const XML_FORBIDDEN = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

function xmlText(s: string): string {
  return s.replace(XML_FORBIDDEN, '\uFFFD').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function xmlAttr(s: string): string {
  return xmlText(s).replace(/"/g, '&quot;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');
}
