import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { UsageError } from '../core/usage-error.js';
import { runSession } from '../session/run-session.js';
import { prepareRunDirectory } from '../session/run-directory.js';
import { validateSessionOptions, type SessionOptions } from '../session/session-options.js';
import { lastErrorLine } from '../session/target-log.js';
import { setLongTimeout } from '../harness/deadline-timer.js';
import { startScriptTarget } from '../harness/script-target.js';
import type { TimelineSample } from '../core/report-schema.js';
import type { RunRecord } from '../core/run-directory-layout.js';

const dir = mkdtempSync(path.join(tmpdir(), 'memprobe-session-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Each iteration keeps ~200 bytes forever: a small, steady leak. */
const LEAKY = `
class RequestContext { constructor(i) { this.id = i; this.note = 'request ' + i + ' '.repeat(100); } }
const contexts = [];
let i = 0;
export default async function iteration() { contexts.push(new RequestContext(i++)); }
`;

function writeScript(name: string, source: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, source);
  return file;
}

function options(outDir: string, overrides: Partial<SessionOptions> = {}): SessionOptions {
  return {
    outDir,
    durationS: 4,
    warmupS: 0.5,
    snapshots: 3,
    snapshotEveryS: null,
    keepSnapshots: 2,
    heapLimitBytes: null,
    horizonS: 86400,
    projectRps: [],
    budgets: null,
    ...overrides,
  };
}

function readTimeline(outDir: string): TimelineSample[] {
  return readFileSync(path.join(outDir, 'timeline.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
}

async function startLeaky(name: string, source = LEAKY, rps = 50) {
  const outDir = path.join(dir, name);
  prepareRunDirectory(outDir);
  const started = await startScriptTarget({ script: writeScript(`${name}.mjs`, source), vus: 10, logFile: path.join(outDir, 'target.log') });
  return { outDir, target: started.target, load: started.createLoad(rps, 10) };
}

describe('runSession', () => {
  it('captures a complete run directory: timeline every second, summaries, pruned snapshots, profile, report', async () => {
    const { outDir, target, load } = await startLeaky('complete');
    const stdout = captureStdout();
    let result;
    try {
      result = await runSession(target, load, options(outDir));
    } finally {
      stdout.restore();
      await target.close();
    }
    expect(result.exitCode).toBe(0);
    // The session prints nothing (the command prints its result): the report comes back.
    expect(stdout.text()).toBe('');
    expect(result.report.schema).toBe('memprobe/report@1');
    expect(result.htmlPath).toBe(path.join(path.resolve(outDir), 'report.html'));

    const run = JSON.parse(readFileSync(path.join(outDir, 'run.json'), 'utf8')) as RunRecord;
    expect(run.status).toBe('complete');
    expect(run.snapshots).toHaveLength(3);
    expect(run.snapshots.map((s) => s.t)).toEqual([...run.snapshots.map((s) => s.t)].sort((a, b) => a - b));
    expect(run.snapshots[0].t).toBeGreaterThanOrEqual(0.5);
    expect(run.snapshots[2].requests!).toBeGreaterThan(run.snapshots[0].requests!);
    expect(run.snapshots.every((s) => s.pauseMs! > 0 && s.totalBytes > 0)).toBe(true);
    expect(run.load.requests!).toBeGreaterThan(20); // the load ran (snapshot pauses stop the in-target scheduler)
    // Snapshots pause the in-target scheduler, so the achieved rate is the requests over the whole run.
    expect(run.load.achievedRps!).toBeCloseTo(run.load.requests! / run.load.durationS, 0);
    expect(run.meta.nodeVersion).toBe(process.version);
    expect(run.meta.snapshotPauseMs!).toBeGreaterThan(0);
    expect(run.analysis.heapLimitBytes!).toBeGreaterThan(100e6); // read from the target's V8
    const share = run.meta.snapshotPauseShare!;
    expect(share).toBeCloseTo(run.meta.snapshotPauseMs! / 1000 / run.load.durationS, 2);
    expect(run.notes.some((n) => /paused the target for/.test(n))).toBe(share > 0.1);

    // keep 2: the first and the most recent raw files; every summary.
    expect(readdirSync(path.join(outDir, 'snapshots')).sort()).toEqual(['001.heapsnapshot', '003.heapsnapshot']);
    expect(run.snapshots.map((s) => s.file)).toEqual(['snapshots/001.heapsnapshot', null, 'snapshots/003.heapsnapshot']);
    expect(statSync(path.join(outDir, 'snapshots/003.heapsnapshot')).mode & 0o777).toBe(0o600);
    const summaries = readdirSync(path.join(outDir, 'summaries')).sort();
    expect(summaries).toEqual(['001.json', '002.json', '003.json']);
    const third = JSON.parse(readFileSync(path.join(outDir, 'summaries/003.json'), 'utf8'));
    const first = JSON.parse(readFileSync(path.join(outDir, 'summaries/001.json'), 'utf8'));
    const second = JSON.parse(readFileSync(path.join(outDir, 'summaries/002.json'), 'utf8'));
    expect(third.cohortBoundaries).toEqual([first.maxNodeId, second.maxNodeId]);

    const timeline = readTimeline(outDir);
    expect(timeline.length).toBeGreaterThanOrEqual(4);
    for (let k = 1; k < timeline.length - 1; k++) expect(timeline[k].t - timeline[k - 1].t).toBeLessThan(1.5);
    expect(timeline.at(-1)!.requests).toBe(run.load.requests);
    expect(timeline.every((s) => s.heapUsed > 0 && s.rss > 0)).toBe(true);

    const profile = JSON.parse(readFileSync(path.join(outDir, 'allocation.heapprofile'), 'utf8'));
    expect(profile.head.callFrame.functionName).toBe('(root)');
    expect(existsSync(path.join(outDir, 'report.json'))).toBe(true);
    expect(existsSync(path.join(outDir, 'report.html'))).toBe(true);
  });

  it('writes a partial report with what was captured when the target dies mid-run (exit 3)', async () => {
    const dying = `${LEAKY}\nsetTimeout(() => process.exit(7), 2800);`;
    const { outDir, target, load } = await startLeaky('crash', dying);
    const stdout = captureStdout();
    let result;
    try {
      result = await runSession(target, load, options(outDir, { durationS: 8, snapshots: 4, warmupS: 0.5 }));
    } finally {
      stdout.restore();
      await target.close();
    }
    expect(result.exitCode).toBe(3);
    expect(result.report.status).toBe('partial');
    expect(result.report.notes[0]).toMatch(/target exited \(code 7\)/);
    const run = JSON.parse(readFileSync(path.join(outDir, 'run.json'), 'utf8')) as RunRecord;
    expect(run.status).toBe('partial');
    expect(run.snapshots.length).toBeGreaterThanOrEqual(1);
    expect(run.snapshots.length).toBeLessThan(4);
    expect(readdirSync(path.join(outDir, 'summaries')).filter((f) => f.endsWith('.json'))).toHaveLength(run.snapshots.length);
    expect(readdirSync(path.join(outDir, 'snapshots')).every((f) => f.endsWith('.heapsnapshot'))).toBe(true); // no half file
    expect(readTimeline(outDir).length).toBeGreaterThanOrEqual(2);
    expect(existsSync(path.join(outDir, 'allocation.heapprofile'))).toBe(true); // the checkpoint survives
    expect(existsSync(path.join(outDir, 'report.html'))).toBe(true);
  });
});

describe('run directory and options', () => {
  it('refuses a directory it cannot write, or one that already holds a run', () => {
    const file = path.join(dir, 'a-file');
    writeFileSync(file, '');
    expect(() => prepareRunDirectory(path.join(file, 'out'))).toThrow(UsageError);
    const locked = path.join(dir, 'locked');
    mkdirSync(locked);
    chmodSync(locked, 0o500);
    if (process.getuid?.() !== 0) expect(() => prepareRunDirectory(path.join(locked, 'out'))).toThrow(/cannot write/);
    const previous = path.join(dir, 'previous');
    prepareRunDirectory(previous);
    writeFileSync(path.join(previous, 'run.json'), '{}');
    expect(() => prepareRunDirectory(previous)).toThrow(/already holds a run/);
    expect(statSync(path.join(previous, 'snapshots')).mode & 0o777).toBe(0o700);
  });

  it('rejects options a session cannot run with', () => {
    const base = options(path.join(dir, 'x'));
    expect(validateSessionOptions(base)).toHaveLength(3);
    expect(() => validateSessionOptions({ ...base, keepSnapshots: -1 })).toThrow(UsageError);
    expect(() => validateSessionOptions({ ...base, warmupS: 10 })).toThrow(UsageError);
    expect(() => validateSessionOptions({ ...base, projectRps: [0] })).toThrow(UsageError);
    expect(() => validateSessionOptions({ ...base, horizonS: 0 })).toThrow(UsageError);
  });
});

/** Whatever reaches stdout while a session runs (it should be nothing: the command prints). */
function captureStdout() {
  const chunks: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    chunks.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
  return { text: () => chunks.join(''), restore: () => (process.stdout.write = write) };
}

describe('runSession with a hung target', () => {
  it('times out the snapshot with a clear message and ends the run with a partial report (exit 3)', async () => {
    const { outDir, target, load } = await startLeaky('hung');
    const stdout = captureStdout();
    // Once the first snapshot is on disk, stop the whole target process: it hangs mid-run.
    const watch = setInterval(() => {
      if (!existsSync(path.join(outDir, 'summaries', '001.json'))) return;
      clearInterval(watch);
      process.kill(target.pid, 'SIGSTOP');
    }, 50);
    let result;
    try {
      result = await runSession(target, load, options(outDir, { durationS: 8, warmupS: 0.5, snapshots: 3, snapshotStallTimeoutS: 2 }));
    } finally {
      clearInterval(watch);
      stdout.restore();
      try {
        process.kill(target.pid, 'SIGCONT');
      } catch {
        // the session already ended it
      }
      await target.close();
    }
    expect(result.exitCode).toBe(3);
    expect(result.report.status).toBe('partial');
    expect(result.report.notes[0]).toMatch(/target hung .*stopped answering while taking a heap snapshot/);
    expect(result.report.snapshots).toHaveLength(1);
    expect(readdirSync(path.join(outDir, 'snapshots'))).toEqual(['001.heapsnapshot']); // the half file is gone
  });
});

describe('setLongTimeout', () => {
  // Node fires a setTimeout above 2^31-1 ms after 1 ms: a --duration 30d run stopped its load at once.
  it('waits the whole of a delay longer than 24.8 days, and can be cleared', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    try {
      const day = 24 * 3600 * 1000;
      const fired: string[] = [];
      setLongTimeout(() => fired.push('30d'), 30 * day);
      const cleared = setLongTimeout(() => fired.push('cleared'), 40 * day);
      vi.advanceTimersByTime(1000);
      expect(fired).toEqual([]);
      vi.advanceTimersByTime(30 * day - 1001);
      expect(fired).toEqual([]);
      vi.advanceTimersByTime(1);
      expect(fired).toEqual(['30d']);
      cleared.clear();
      vi.advanceTimersByTime(20 * day);
      expect(fired).toEqual(['30d']);
    } finally {
      vi.useRealTimers();
    }
  });

  it('never fires before its delay on performance.now()', async () => {
    const delays = [5, 17, 50, 120];
    const late = await Promise.all(
      delays.map(
        (ms) =>
          new Promise<number>((resolve) => {
            const start = performance.now();
            setLongTimeout(() => resolve(performance.now() - start - ms), ms);
          }),
      ),
    );
    for (const lateness of late) expect(lateness).toBeGreaterThanOrEqual(0);
  });
});

describe('lastErrorLine', () => {
  it("names the error a crashed target printed last, not its stack frames or Node's version line", () => {
    const log = path.join(dir, 'crashed.log');
    writeFileSync(
      log,
      [
        'Debugger listening on ws://127.0.0.1:4242/x',
        'TypeError: an earlier, handled complaint',
        'file:///app/server.mjs:3',
        '  throw new Error("db down");',
        '        ^',
        '',
        'Error: connect ECONNREFUSED 127.0.0.1:5432',
        '    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1555:16)',
        '',
        'Node.js v20.20.2',
        '',
      ].join('\n'),
    );
    expect(lastErrorLine(log)).toBe('Error: connect ECONNREFUSED 127.0.0.1:5432');
    writeFileSync(log, 'Debugger attached.\nWaiting for the debugger to disconnect...\n');
    expect(lastErrorLine(log)).toBeNull();
    expect(lastErrorLine(path.join(dir, 'no-such.log'))).toBeNull();
  });
});
