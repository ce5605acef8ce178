/**
 * `memprobe analyze` end to end: the built CLI (`npm test` builds first) on real snapshots.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeProgramSnapshot } from './helpers/program-snapshot.js';

const CLI = join(process.cwd(), 'dist', 'cli', 'memprobe.js');

const PROGRAM = `
class TrendSink { constructor() { this.values = []; } }
const sink = new TrendSink();
globalThis.sink = sink;
for (let i = 0; i < 5000; i++) sink.values.push(i + 0.25);
require('v8').writeHeapSnapshot(process.argv[2] + '.1');
for (let i = 0; i < 60000; i++) sink.values.push(i + 0.25);
require('v8').writeHeapSnapshot(process.argv[2] + '.2');
for (let i = 0; i < 60000; i++) sink.values.push(i + 0.25);
`;

function memprobe(...args: string[]) {
  const result = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

let snapshots: string[];
let dir: string;

beforeAll(() => {
  const written = writeProgramSnapshot(PROGRAM);
  dir = written.dir;
  snapshots = [`${written.file}.1`, `${written.file}.2`, written.file];
}, 60_000);

describe('memprobe analyze <one file>', () => {
  it('prints the owners table, largest first, with a retaining path', () => {
    const { code, stdout } = memprobe('analyze', snapshots[2], '--top', '5');
    expect(code).toBe(0);
    expect(stdout).toMatch(/program\.heapsnapshot: [\d,]+ nodes, [\d,]+ edges/);
    const sinkLine = stdout.split('\n').find((l) => l.includes('TrendSink  ('));
    expect(sinkLine).toMatch(/^\s+[\d.]+ (KB|MB)\s+[\d.]+ (KB|MB)\s+1\s+TrendSink\s+\(.*program\.cjs:2\)$/);
    expect(stdout).toContain('(GC roots) → global → sink → TrendSink');
  });

  it('--json prints memprobe/summary@1 with --top owners', () => {
    const { code, stdout } = memprobe('analyze', snapshots[2], '--json', '--top', '3');
    expect(code).toBe(0);
    const summary = JSON.parse(stdout);
    expect(summary.schema).toBe('memprobe/summary@1');
    expect(summary.owners).toHaveLength(3);
    const sink = summary.owners.find((o: { owner: string }) => o.owner === 'TrendSink');
    expect(sink.retainedBytes).toBeGreaterThan(125_000 * 8);
    expect(sink.count).toBe(1);
    expect(sink.retainerPath).toEqual(['(GC roots)', 'global', 'sink', 'TrendSink']);
  });
});

describe('memprobe analyze <several files>', () => {
  it('--json prints memprobe/report@1 for snapshots, bytes/request only with --requests', () => {
    const plain = memprobe('analyze', ...snapshots, '--json', '--times', '0,10,20');
    expect(plain.code).toBe(0);
    const report = JSON.parse(plain.stdout);
    expect(report.schema).toBe('memprobe/report@1');
    expect(report.target.kind).toBe('snapshots');
    expect(report.snapshots.map((s: { t: number }) => s.t)).toEqual([0, 10, 20]);
    for (const finding of report.findings) expect(finding.bytesPerRequest).toBeNull();

    const withRequests = JSON.parse(memprobe('analyze', ...snapshots, '--json', '--times', '0,10,20', '--requests', '1000,2000,3000').stdout);
    expect(withRequests.snapshots.map((s: { requests: number }) => s.requests)).toEqual([1000, 2000, 3000]);
    const sink = withRequests.findings.find((f: { owner: string }) => f.owner === 'TrendSink');
    expect(sink?.bytesPerRequest).toBeGreaterThan(0);
  });

  it('prints findings for people without --json', () => {
    const { code, stdout } = memprobe('analyze', ...snapshots, '--times', '0,10,20', '--requests', '1000,2000,3000');
    expect(code).toBe(0);
    expect(stdout).toContain('TrendSink');
  });
});

describe('bad input: one line, exit 2', () => {
  const expectUsageError = (result: ReturnType<typeof memprobe>, pattern: RegExp) => {
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(pattern);
    expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
  };

  it('a missing file', () => {
    expectUsageError(memprobe('analyze', join(dir, 'nope.heapsnapshot')), /^memprobe: cannot read .*nope\.heapsnapshot: no such file/);
  });

  it('a directory', () => {
    expectUsageError(memprobe('analyze', dir), /not a file/);
  });

  it('a truncated snapshot', () => {
    const truncated = join(dir, 'truncated.heapsnapshot');
    const text = readFileSync(snapshots[0]);
    writeFileSync(truncated, text.subarray(0, Math.floor(text.length / 2)));
    expectUsageError(memprobe('analyze', truncated), /^memprobe: not a valid heap snapshot: .*truncated\.heapsnapshot/);
  });

  it('a file that is not a snapshot', () => {
    const garbage = join(dir, 'garbage.heapsnapshot');
    writeFileSync(garbage, 'hello, world\n');
    expectUsageError(memprobe('analyze', garbage), /not a valid heap snapshot/);
  });

  it('--requests with the wrong number of values', () => {
    expectUsageError(memprobe('analyze', ...snapshots, '--requests', '1,2'), /--requests: expected 3 values/);
  });

  it('a bad --top', () => {
    expectUsageError(memprobe('analyze', snapshots[0], '--top', '0'), /--top/);
  });
});

describe('--help', () => {
  it('documents every option with an example', () => {
    const { code, stdout } = memprobe('analyze', '--help');
    expect(code).toBe(0);
    for (const option of ['--json', '--top', '--requests', '--times', '--heap-limit', '--horizon', '--project-rps']) {
      expect(stdout).toContain(option);
    }
    expect(stdout).toMatch(/Examples:/);
  });
});
