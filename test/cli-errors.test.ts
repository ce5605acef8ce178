/**
 * memprobe as a user in a hurry meets it: wrong flags, wrong files, targets that will not start or
 * die, signals. Through the built CLI (`npm test` builds first), as a terminal or a CI job runs it.
 *
 * What every bad invocation must do (docs/contract.md, "Exit codes"): exit 2 with ONE line on stderr
 * starting `memprobe:` (an indented `hint:` line may follow), no stack trace, in seconds; and it must
 * leave nothing behind: no run directory, no target process, no script imported (each script target
 * here writes a marker file when it is imported, so "nothing started" is observable).
 *
 * Kept fast: no case drives load for more than a few seconds, and the cheap cases run concurrently.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../core/report-schema.js';
import { processExists } from '../harness/process-exists.js';
import { freePort } from './helpers/running-node.js';

const CLI = fileURLToPath(new URL('../dist/cli/memprobe.js', import.meta.url));
const root = mkdtempSync(path.join(tmpdir(), 'memprobe-cli-errors-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A bad invocation must fail in about a second; this is the "never hangs" bound, with slack for a busy machine. */
const USAGE_TIMEOUT_MS = 15_000;

interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  pid: number;
  timedOut: boolean;
}

interface CliOptions {
  cwd: string;
  timeoutMs?: number;
  env?: Record<string, string>;
  /** Called every 100 ms with the CLI's pid while it runs. */
  whileRunning?: (pid: number) => void;
  /** Close our end of its stdout at once, as `memprobe ... | head -1` does when head is done. */
  closeStdout?: boolean;
}

/** Runs the CLI in its own process group (as a shell job), so a test can see what is left of the group. */
function memprobe(args: string[], options: CliOptions): Promise<CliRun> {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: options.cwd,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...options.env, FORCE_COLOR: '0' },
  });
  let stdout = '';
  let stderr = '';
  let timedOut = false;
  if (options.closeStdout) child.stdout.destroy();
  else child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const timer = setTimeout(() => {
    timedOut = true;
    process.kill(-child.pid!, 'SIGKILL');
  }, options.timeoutMs ?? USAGE_TIMEOUT_MS);
  const poll = options.whileRunning ? setInterval(() => options.whileRunning!(child.pid!), 100) : undefined;
  return new Promise((resolve) =>
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      clearInterval(poll);
      resolve({ code, signal, stdout, stderr, pid: child.pid!, timedOut });
    }),
  );
}

/** A fresh working directory: where a default `memprobe-out/` would appear. */
function workdir(name: string): string {
  const dir = path.join(root, name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/**
 * The processes of group `pgid` (the CLI's own group: script targets live in it), as `pid command`,
 * once they have had a moment to go: a child reparented when memprobe exits is reaped by init, not
 * at once.
 */
async function groupLeftovers(pgid: number): Promise<string[]> {
  const members = (): string[] => {
    const found: string[] = [];
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        if (Number(pgrp) === pgid && state !== 'Z') found.push(`${entry} ${readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ')}`);
      } catch {
        // gone meanwhile
      }
    }
    return found;
  };
  await waitFor(() => members().length === 0, 3000);
  return members();
}


/** Exit 2; one `memprobe:` line, optionally one `  hint:` line; nothing that looks like a stack. */
function expectUsageError(run: CliRun, message: RegExp): void {
  expect(run.timedOut, 'the CLI hung').toBe(false);
  const lines = run.stderr.split('\n').filter((l) => l !== '');
  expect(lines[0], run.stderr).toMatch(/^memprobe: /);
  expect(lines[0]).toMatch(message);
  expect(lines[0]).not.toMatch(/unexpected error/);
  expect(lines.slice(1).every((l) => l.startsWith('  hint: ')), `more than one error line:\n${run.stderr}`).toBe(true);
  expect(lines.length, run.stderr).toBeLessThanOrEqual(2);
  expect(run.stderr).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
  expect(run.stdout).toBe('');
  expect(run.code, run.stderr).toBe(2);
}

/** A script target that records its import in `marker` (so a test can tell it never started). */
function scriptTarget(dir: string, name: string, body: string): { file: string; marker: string } {
  const marker = path.join(dir, `${name}.imported`);
  const file = path.join(dir, name);
  writeFileSync(file, `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(marker)}, '');\n${body}\n`);
  return { file, marker };
}

const NOOP = 'export default async function iteration() {}';

describe.concurrent('bad invocations: exit 2, one line, nothing started or left behind', () => {
  it('no command, an unknown command, an unknown top-level option', async () => {
    const cwd = workdir('top');
    expectUsageError(await memprobe([], { cwd }), /name a command/);
    expectUsageError(await memprobe(['frob'], { cwd }), /unknown command "frob"; did you mean run\?/);
    expectUsageError(await memprobe(['--bogus'], { cwd }), /unknown option --bogus/);
  });

  it('an unknown flag on every command', async () => {
    const cwd = workdir('unknown-flags');
    const { file, marker } = scriptTarget(cwd, 'noop.mjs', NOOP);
    const invocations = [
      ['run', file, '--bogus'],
      ['run', '--url', 'http://127.0.0.1:9/', '--bogus', '--', process.execPath, '-e', ''],
      ['attach', '999999', '--bogus'],
      ['analyze', file, '--bogus'],
      ['report', cwd, '--bogus'],
      ['gate', cwd, '--bogus'],
    ];
    for (const args of invocations) expectUsageError(await memprobe(args, { cwd }), /Unknown argument: bogus/);
    expect(existsSync(marker)).toBe(false);
    expect(existsSync(path.join(cwd, 'memprobe-out'))).toBe(false);
  });

  // Each value is checked before the run directory is made or the script imported.
  const invalidRunValues: [string[], RegExp][] = [
    [['--rps', '0'], /--rps: expected a rate above 0 such as 1000, got "0"/],
    [['--rps', '-5'], /--rps: expected a rate above 0 such as 1000, got "-5"/],
    [['--rps', 'abc'], /--rps: expected a rate above 0 such as 1000, got "abc"/],
    // What the user typed is quoted back, escape sequences shown rather than sent to the terminal.
    [['--rps', '\x1b[31mred'], /--rps: expected a rate above 0 such as 1000, got "\\x1b\[31mred"$/],
    [['--duration', '5 minutes'], /--duration: expected a duration such as 90s, 5m or 2h, got "5 minutes"/],
    [['--snapshots', '0'], /--snapshots: expected at least 2, got 0/],
    [['--snapshots', '1'], /--snapshots: expected at least 2, got 1/],
    [['--duration', '10s', '--snapshot-every', '60s'], /--snapshot-every leaves room for 1 snapshot .* growth needs at least 2/],
    [['--vus', '0'], /--vus: expected a whole number of at least 1, got "0"/],
    [['--keep-snapshots', '-1'], /--keep-snapshots: expected a whole number of at least 0, got "-1"/],
    [['--heap-limit', '4XB'], /--heap-limit: expected a size such as 512MB or 4GB, got "4XB"/],
    [['--max-growth', '10MB'], /--max-growth: expected a rate such as 10MB\/h, got "10MB"/],
    [['--tolerance', 'abc'], /--tolerance needs --baseline/],
    [['--fail-on', 'nonsense'], /--fail-on: unknown verdict "nonsense"/],
    [['--snapshot-timeout', '0'], /--snapshot-timeout must be longer than zero/],
  ];
  for (const [flags, message] of invalidRunValues) {
    it(`run ${flags.join(' ')}`, async () => {
      const cwd = workdir(`run-value-${flags.join('_').replace(/[^\w.-]/g, '_')}`);
      const { file, marker } = scriptTarget(cwd, 'noop.mjs', NOOP);
      const run = await memprobe(['run', file, ...flags], { cwd });
      expectUsageError(run, message);
      expect(existsSync(marker), 'the script was imported').toBe(false);
      expect(existsSync(path.join(cwd, 'memprobe-out')), 'a run directory was left behind').toBe(false);
    });
  }

  it('--snapshot-every with the duration left to the script: checked against it, not expanded over a stand-in', async () => {
    // memprobe expanded --snapshot-every over a 1e9 s stand-in before the script said its duration,
    // and died out of memory (2.5 GB) on `--snapshot-every 1s`.
    const cwd = workdir('run-snapshot-every');
    const { file } = scriptTarget(cwd, 'short.mjs', `export const options = { duration: '2s' };\n${NOOP}`);
    const run = await memprobe(['run', file, '--snapshot-every', '1ms'], { cwd });
    expectUsageError(run, /--snapshot-every 0\.001s gives 1\d{3} snapshots in a 2s run; at most 1000/);
    expect(await groupLeftovers(run.pid)).toEqual([]);
    expect(existsSync(path.join(cwd, 'memprobe-out'))).toBe(false);
  });

  it('budget flags whose files cannot be used are refused before the run: --baseline, --junit', async () => {
    const cwd = workdir('run-budget-files');
    const { file, marker } = scriptTarget(cwd, 'noop.mjs', NOOP);
    writeFileSync(path.join(cwd, 'a-file'), 'x');
    expectUsageError(await memprobe(['run', file, '--baseline', 'missing.json'], { cwd }), /--baseline missing\.json: cannot read/);
    // Before: the JUnit file failed only after the whole run, as an "unexpected error".
    expectUsageError(await memprobe(['run', file, '--junit', 'a-file/out.xml'], { cwd }), /--junit a-file\/out\.xml: cannot write there \(a-file is not a directory\)/);
    expect(existsSync(marker)).toBe(false);
    expect(existsSync(path.join(cwd, 'memprobe-out'))).toBe(false);
  });

  it('an --out that is a file, or cannot be created, fails before any load', async () => {
    const cwd = workdir('run-out');
    const { file, marker } = scriptTarget(cwd, 'noop.mjs', NOOP);
    writeFileSync(path.join(cwd, 'a-file'), 'x');
    expectUsageError(await memprobe(['run', file, '--out', 'a-file'], { cwd }), /--out a-file: cannot write the run directory there \(a file is in the way/);
    // Root can write anywhere a mode allows nothing; /proc refuses new directories to everyone.
    const unwritable = process.getuid?.() === 0 ? '/proc/memprobe-test/run' : '/memprobe-test-not-writable/run';
    expectUsageError(await memprobe(['run', file, '--out', unwritable], { cwd }), /cannot write the run directory there/);
    expect(existsSync(marker)).toBe(false);
  });

  it('script targets that will not start: missing, a directory, empty, throwing, no default export, syntax error', async () => {
    const cwd = workdir('run-scripts');
    mkdirSync(path.join(cwd, 'a-dir'));
    writeFileSync(path.join(cwd, 'empty.mjs'), '');
    const throws = scriptTarget(cwd, 'throws.mjs', 'throw new Error("boom on import");');
    const noDefault = scriptTarget(cwd, 'no-default.mjs', 'export const x = 1;');
    writeFileSync(path.join(cwd, 'syntax.mjs'), 'export default function ( {');
    writeFileSync(path.join(cwd, 'syntax.ts'), 'export default function it(): void {\n  const x: number = ;\n}\n');
    const cases: [string, RegExp][] = [
      ['missing.mjs', /missing\.mjs: no such file/],
      ['a-dir', /a-dir: a script target is an ES module/],
      ['empty.mjs', /empty\.mjs: has no default export function/],
      [throws.file, /throws\.mjs: import failed: boom on import/],
      [noDefault.file, /no-default\.mjs: has no default export function/],
      ['syntax.mjs', /syntax\.mjs: import failed: .*(Unexpected|SyntaxError)/],
      // tsx reports where: the line and column after "Transform failed with 1 error:"
      ['syntax.ts', /syntax\.ts: import failed: Transform failed with 1 error: .*syntax\.ts:2:\d+: ERROR: Unexpected/],
    ];
    for (const [script, message] of cases) {
      const run = await memprobe(['run', script, '--duration', '3s', '--rps', '10'], { cwd });
      expectUsageError(run, message);
      expect(await groupLeftovers(run.pid), `a process of the run outlived it (${script})`).toEqual([]);
      expect(existsSync(path.join(cwd, 'memprobe-out')), `a run directory was left behind (${script})`).toBe(false);
    }
    expect(existsSync(throws.marker)).toBe(true); // it did start, and was cleaned up after
  });

  it('run --url: a command that does not exist, exits at once, or a URL that something else already answers', async () => {
    const cwd = workdir('run-url');
    const busy: Server = createServer((_, res) => res.end('taken'));
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    const busyPort = (busy.address() as AddressInfo).port;
    try {
      const pidFile = path.join(cwd, 'server.pid');
      const server = path.join(cwd, 'server.mjs');
      // A real server that would listen on the busy port's URL if it got the chance; it records its pid.
      writeFileSync(
        server,
        `import { writeFileSync } from 'node:fs'; import { createServer } from 'node:http';\n` +
          `writeFileSync(${JSON.stringify(pidFile)}, String(process.pid));\n` +
          `createServer((q, s) => s.end('ok')).listen(0, '127.0.0.1');\n`,
      );
      const url = `http://127.0.0.1:${busyPort}/`;
      expectUsageError(
        await memprobe(['run', '--url', 'http://127.0.0.1:9/', '--duration', '3s', '--', 'memprobe-no-such-command'], { cwd }),
        /`memprobe-no-such-command`: cannot start: .*ENOENT/,
      );
      expectUsageError(
        await memprobe(['run', '--url', 'http://127.0.0.1:9/', '--duration', '3s', '--', process.execPath, '-e', 'process.exit(7)'], { cwd }),
        /exited \(code 7\) before http:\/\/127\.0\.0\.1:9\/ answered/,
      );
      expectUsageError(await memprobe(['run', '--url', url, '--duration', '3s', '--', process.execPath, server], { cwd }), /already answers before/);
      expect(existsSync(path.join(cwd, 'memprobe-out'))).toBe(false);
      // The server that was started (and found the URL taken) is gone, group and all.
      if (existsSync(pidFile)) {
        const pid = Number(readFileSync(pidFile, 'utf8'));
        await waitFor(() => !processExists(pid), 5000);
        expect(processExists(pid), `server ${pid} was left running`).toBe(false);
      }
    } finally {
      busy.close();
    }
  });

  it('attach: invalid values, no such pid, a pid that is not Node.js, a remote inspector', async () => {
    const cwd = workdir('attach');
    const cases: [string[], RegExp][] = [
      [['attach', 'abc'], /expected a pid or an inspector URL/],
      [['attach', '999999', '--duration', '2s'], /no such process: 999999/],
      [['attach', String(process.pid === 1 ? 2 : 1)], /is not a Node\.js process|no such process|not permitted/],
      [['attach', 'ws://10.0.0.1:9229/x'], /refusing the inspector at 10\.0\.0\.1:9229: not on loopback/],
      [['attach', '999999', '--url', 'http://127.0.0.1:1/', '--rps', 'abc'], /--rps: expected a rate above 0 such as 1000, got "abc"/],
      [['attach', '999999', '--snapshots', '1'], /--snapshots: expected at least 2, got 1/],
      [['attach', '999999', '--duration', '10s', '--snapshot-every', '60s'], /--snapshot-every leaves room for 1 snapshot/],
      [['attach', '999999', '--fail-on', 'nonsense'], /--fail-on: unknown verdict "nonsense"/],
      // Passes every check before the run directory is made, then finds no inspector there.
      [['attach', 'ws://127.0.0.1:1/x'], /cannot reach the inspector at ws:\/\/127\.0\.0\.1:1\/x/],
    ];
    for (const [args, message] of cases) expectUsageError(await memprobe(args, { cwd }), message);
    expect(existsSync(path.join(cwd, 'memprobe-out'))).toBe(false);
  });
});

describe.concurrent('bad files: analyze, report, gate', () => {
  let snapshot = '';
  beforeAll(() => {
    // One small real snapshot, written by a child Node.js (the test process's own heap is large).
    snapshot = path.join(workdir('snapshot'), 'real.heapsnapshot');
    // It holds a Holder under a property named with terminal escape sequences (title, colour).
    const program =
      'class Holder { constructor() { this.items = Array.from({ length: 20000 }, (_, i) => ({ i, s: "x".repeat(50) + i })); } }\n' +
      'globalThis.keep = { ["\\x1b]0;pwned\\x07\\x1b[31mred"]: new Holder() };\n' +
      `require('v8').writeHeapSnapshot(${JSON.stringify(snapshot)});`;
    const made = spawnSync(process.execPath, ['-e', program]);
    expect(made.status).toBe(0);
  });

  it('analyze: missing, a directory, empty, truncated, random bytes, JSON that is not a snapshot', async () => {
    const cwd = workdir('analyze');
    const bytes = readFileSync(snapshot);
    writeFileSync(path.join(cwd, 'empty.heapsnapshot'), '');
    writeFileSync(path.join(cwd, 'half.heapsnapshot'), bytes.subarray(0, Math.floor(bytes.length / 2)));
    writeFileSync(path.join(cwd, 'random.heapsnapshot'), Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 251)));
    writeFileSync(path.join(cwd, 'object.json'), '{"hello": "world"}');
    mkdirSync(path.join(cwd, 'a-dir'));
    const cases: [string[], RegExp][] = [
      [['missing.heapsnapshot'], /cannot read missing\.heapsnapshot: no such file/],
      [['a-dir'], /cannot read a-dir: not a file/],
      [['empty.heapsnapshot'], /not a valid heap snapshot: empty\.heapsnapshot/],
      [['half.heapsnapshot'], /not a valid heap snapshot: half\.heapsnapshot/],
      [['random.heapsnapshot'], /not a valid heap snapshot: random\.heapsnapshot/],
      [['object.json'], /not a valid heap snapshot: object\.json/],
      [[snapshot, '--top', 'abc'], /--top: expected a whole number of at least 1, got "abc"/],
      // Flags are parsed before any snapshot is read: the error is the flag's, not the broken file's.
      [['half.heapsnapshot', 'half.heapsnapshot', '--heap-limit', '4XB'], /--heap-limit: expected a size such as 512MB or 4GB, got "4XB"/],
    ];
    for (const [args, message] of cases) expectUsageError(await memprobe(['analyze', ...args], { cwd }), message);
  });

  it("analyze shows a heap string's control characters instead of sending them to the terminal", async () => {
    const cwd = workdir('analyze-escapes');
    const run = await memprobe(['analyze', snapshot, '--top', '5'], { cwd });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('\\x1b]0;pwned\\x07\\x1b[31mred → Holder');
    expect(run.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
  });

  it('report: no directory, a file, an empty directory, corrupt or damaged run.json and summaries', async () => {
    const cwd = workdir('report');
    writeFileSync(path.join(cwd, 'a-file'), 'x');
    mkdirSync(path.join(cwd, 'empty'));
    const runDir = (name: string, run: string, summary?: string): string => {
      const dir = path.join(cwd, name);
      mkdirSync(path.join(dir, 'summaries'), { recursive: true });
      writeFileSync(path.join(dir, 'run.json'), run);
      if (summary !== undefined) writeFileSync(path.join(dir, 'summaries', '001.json'), summary);
      return name;
    };
    const validRun = JSON.stringify({
      schema: 'memprobe/run@1',
      status: 'complete',
      target: { kind: 'script', command: 'memprobe run t.mjs' },
      load: { targetRps: 10, achievedRps: 10, requests: 10, dropped: 0, durationS: 1 },
      snapshots: [],
      notes: [],
      meta: {},
      analysis: { heapLimitBytes: null, horizonS: 86400, projectRps: [] },
    });
    mkdirSync(path.join(cwd, runDir('timeline-is-a-directory', validRun), 'timeline.ndjson'));
    mkdirSync(path.join(cwd, runDir('report-in-the-way', validRun), 'report.json'));
    const cases: [string, RegExp][] = [
      ['missing', /missing: no such run directory/],
      ['timeline-is-a-directory', /timeline-is-a-directory\/timeline\.ndjson: cannot read \(EISDIR\)/],
      ['report-in-the-way', /cannot write report-in-the-way\/report\.json \(EISDIR\)/],
      ['a-file', /a-file: is a file, not a run directory/],
      ['empty', /empty is not a memprobe run directory \(no run\.json\)/],
      [runDir('torn-run', '{"schema":'), /torn-run\/run\.json: corrupt JSON/],
      [runDir('damaged-run', '{"schema": "memprobe/run@1"}'), /damaged-run\/run\.json: damaged run record \(target\)/],
      // JSON.parse quotes the bad text, line break included: still one line on stderr.
      [runDir('garbage-summary', validRun, 'garbage\nmore garbage\n'), /garbage-summary\/summaries\/001\.json: corrupt JSON/],
      [
        runDir('damaged-summary', validRun, JSON.stringify({ schema: 'memprobe/snapshot-summary@1', owners: [{}] })),
        /damaged-summary\/summaries\/001\.json: damaged snapshot summary/,
      ],
    ];
    for (const [dir, message] of cases) {
      expectUsageError(await memprobe(['report', dir], { cwd }), message);
      // Nothing is written into a directory that could not be read.
      if (existsSync(path.join(cwd, dir)) && statSync(path.join(cwd, dir)).isDirectory()) {
        const written = readdirSync(path.join(cwd, dir)).filter((f) => f.startsWith('report.'));
        expect(written).toEqual(dir === 'report-in-the-way' ? ['report.json'] : []);
      }
    }
    // The valid skeleton itself reports (no snapshots: a report that says so), which shows the
    // failures above are the damaged field's and nothing else's.
    const ok = await memprobe(['report', runDir('valid', validRun), '--json'], { cwd });
    expect(ok.code, ok.stderr).toBe(0);
    expect((JSON.parse(ok.stdout) as Report).schema).toBe('memprobe/report@1');
    // A reader that goes away (`| head`) is not an error: no EPIPE stack trace, the same exit code.
    const piped = await memprobe(['report', 'valid', '--json'], { cwd, closeStdout: true });
    expect(piped.stderr).not.toMatch(/EPIPE|Error|^\s+at /m);
    expect(piped.code, piped.stderr).toBe(0);
  });

  it('gate: missing, corrupt, foreign or damaged report.json and baseline, unusable --junit, bad budgets', async () => {
    const cwd = workdir('gate');
    const report = { schema: 'memprobe/report@1', status: 'complete', findings: [] };
    writeFileSync(path.join(cwd, 'report.json'), JSON.stringify(report));
    writeFileSync(path.join(cwd, 'torn.json'), '{"schema": "memprobe/report@1"');
    writeFileSync(path.join(cwd, 'foreign.json'), '{"schema": "something/else@1", "findings": []}');
    writeFileSync(path.join(cwd, 'no-verdict.json'), JSON.stringify({ ...report, findings: [{ owner: 'X', bytesPerRequest: 1, bytesPerSecond: 1 }] }));
    writeFileSync(path.join(cwd, 'a-file'), 'x');
    const cases: [string[], RegExp][] = [
      [['missing.json'], /missing\.json: cannot read \(ENOENT\)/],
      [['torn.json'], /torn\.json: corrupt JSON/],
      [['foreign.json'], /foreign\.json: not a memprobe report/],
      [['no-verdict.json'], /no-verdict\.json: finding 1 is not a memprobe finding/],
      [['report.json', '--baseline', 'missing.json'], /--baseline missing\.json: cannot read \(ENOENT\)/],
      [['report.json', '--junit', 'a-file/x.xml'], /--junit a-file\/x\.xml: cannot write there/],
      [['report.json', '--max-growth', '10MB'], /--max-growth: expected a rate such as 10MB\/h, got "10MB"/],
      [['report.json', '--baseline', 'report.json', '--tolerance', 'abc'], /--tolerance: expected a percentage such as 20%, got "abc"/],
      [['report.json', '--fail-on', 'nonsense'], /--fail-on: unknown verdict "nonsense"/],
    ];
    for (const [args, message] of cases) expectUsageError(await memprobe(['gate', ...args], { cwd }), message);
    // And the well-formed report passes: the failures above are the inputs', not the gate's.
    const ok = await memprobe(['gate', 'report.json'], { cwd });
    expect(ok.code, ok.stderr).toBe(0);
  });
});

describe.concurrent('help', () => {
  it('every option of every command appears in one of its examples', async () => {
    const cwd = workdir('help');
    for (const command of [[], ['run'], ['attach'], ['analyze'], ['report'], ['gate']]) {
      const help = await memprobe([...command, '--help'], { cwd });
      expect(help.code).toBe(0);
      const [options, examples = ''] = help.stdout.split(/^Examples:$/m);
      expect(examples, `memprobe ${command.join(' ')} --help has no examples`).not.toBe('');
      const names = [...options.matchAll(/^\s+(?:-\w, )?--([\w-]+)/gm)].map((m) => m[1]).filter((n) => n !== 'help' && n !== 'version');
      const missing = names.filter((n) => !new RegExp(`--${n}(?![\\w-])`).test(examples));
      expect(missing, `memprobe ${command.join(' ')} --help: options without an example`).toEqual([]);
    }
  });
});

describe.concurrent('runs that end early or are watched', () => {
  it('a .ts target runs; its inspector listens on 127.0.0.1 only; snapshots are owner-only', async () => {
    const cwd = workdir('ts-run');
    writeFileSync(
      path.join(cwd, 'target.ts'),
      'interface Box { n: number }\nconst box: Box = { n: 0 };\nexport default async function iteration(): Promise<void> { box.n++; }\n',
    );
    const listening = new Set<string>();
    const run = await memprobe(['run', 'target.ts', '--rps', '20', '--duration', '3s', '--snapshots', '2', '--warmup', '0.5s', '--keep-snapshots', '2', '--out', 'out'], {
      cwd,
      timeoutMs: 60_000,
      whileRunning: (pid) => {
        for (const child of childrenOf(pid)) for (const address of listeningAddresses(child)) listening.add(address);
      },
    });
    expect(run.code, run.stderr).toBe(0);
    // The target's inspector was seen listening, and only ever on loopback.
    expect(listening.size, 'no listening socket of the target was seen').toBeGreaterThan(0);
    for (const address of listening) expect(address).toMatch(/^127\.0\.0\.1:\d+$/);
    const snapshots = readdirSync(path.join(cwd, 'out', 'snapshots'));
    expect(snapshots).toEqual(['001.heapsnapshot', '002.heapsnapshot']);
    expect(statSync(path.join(cwd, 'out', 'snapshots')).mode & 0o777).toBe(0o700);
    for (const f of snapshots) expect(statSync(path.join(cwd, 'out', 'snapshots', f)).mode & 0o777).toBe(0o600);
    expect(await groupLeftovers(run.pid)).toEqual([]);
  });

  it('SIGTERM (a CI timeout) ends an HTTP run with a partial report, exit 143, and the server stopped', async () => {
    const cwd = workdir('sigterm');
    const pidFile = path.join(cwd, 'server.pid');
    const port = await freePort();
    writeFileSync(
      path.join(cwd, 'server.mjs'),
      `import { writeFileSync } from 'node:fs'; import { createServer } from 'node:http';\n` +
        `writeFileSync(${JSON.stringify(pidFile)}, String(process.pid));\n` +
        `createServer((q, r) => r.end('ok')).listen(${port}, '127.0.0.1');\n`,
    );
    let sent = false;
    const run = await memprobe(
      ['run', '--url', `http://127.0.0.1:${port}/`, '--rps', '20', '--duration', '30s', '--snapshots', '3', '--warmup', '0.5s', '--out', 'out', '--', process.execPath, 'server.mjs'],
      {
        cwd,
        timeoutMs: 60_000,
        whileRunning: (pid) => {
          // Once the first snapshot is on disk the run is well under way.
          if (sent || !existsSync(path.join(cwd, 'out', 'summaries', '001.json'))) return;
          sent = true;
          process.kill(pid, 'SIGTERM'); // to memprobe alone, as `timeout` and most CI runners do
        },
      },
    );
    expect(sent).toBe(true);
    expect(run.code, run.stderr).toBe(143);
    const report = JSON.parse(readFileSync(path.join(cwd, 'out', 'report.json'), 'utf8')) as Report;
    expect(report.status).toBe('partial');
    expect(report.notes[0]).toMatch(/^Partial: terminated \(SIGTERM\) at/);
    expect(existsSync(path.join(cwd, 'out', 'report.html'))).toBe(true);
    const serverPid = Number(readFileSync(pidFile, 'utf8'));
    await waitFor(() => !processExists(serverPid), 5000);
    expect(processExists(serverPid), 'the HTTP server outlived memprobe').toBe(false);
  });
});

describe.concurrent('attach --junit', () => {
  // attach parsed --junit and never wrote the file; the session writes it now, for run and attach.
  it('writes the JUnit file of the gate', async () => {
    const cwd = workdir('attach-junit');
    const node = spawn(process.execPath, ['--inspect=127.0.0.1:0', '-e', 'setInterval(() => {}, 1000)'], { stdio: ['ignore', 'ignore', 'pipe'] });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let text = '';
        node.stderr.on('data', (d) => {
          text += d;
          const m = /ws:\/\/127\.0\.0\.1:\d+\/[\w-]+/.exec(text);
          if (m) resolve(m[0]);
        });
        node.once('exit', () => reject(new Error(`node exited: ${text}`)));
      });
      const run = await memprobe(['attach', url, '--duration', '3s', '--snapshots', '2', '--warmup', '0.5s', '--out', 'out', '--junit', 'junit.xml'], {
        cwd,
        timeoutMs: 60_000,
      });
      expect(run.code, run.stderr).toBe(0);
      expect(readFileSync(path.join(cwd, 'junit.xml'), 'utf8')).toMatch(/<testsuites name="memprobe" tests="\d+" failures="0"/);
    } finally {
      node.kill();
    }
  });
});

describe.concurrent('a second Ctrl-C', () => {
  it('exits at once, leaves no process, and run.json says how far the run got', async () => {
    const cwd = workdir('ctrl-c-twice');
    // A slow teardown keeps the first Ctrl-C's orderly stop busy, so the second one lands during it.
    const { file } = scriptTarget(cwd, 'slow-teardown.mjs', `${NOOP}\nexport async function teardown() { await new Promise((r) => setTimeout(r, 10_000)); }`);
    let sent = 0;
    const run = await memprobe(['run', file, '--rps', '20', '--duration', '30s', '--snapshots', '3', '--warmup', '10s', '--out', 'out'], {
      cwd,
      timeoutMs: 60_000,
      whileRunning: (pid) => {
        const timeline = path.join(cwd, 'out', 'timeline.ndjson');
        if (sent >= 2 || !existsSync(timeline) || readFileSync(timeline, 'utf8').split('\n').length < 3) return;
        sent += 1;
        process.kill(-pid, 'SIGINT'); // the terminal's Ctrl-C reaches the whole group, twice
      },
    });
    expect(sent).toBe(2);
    expect(run.code, run.stderr).toBe(130);
    expect(run.stderr).toMatch(/interrupted twice, exiting now/);
    const record = JSON.parse(readFileSync(path.join(cwd, 'out', 'run.json'), 'utf8')) as { status: string; notes: string[]; load: { requests: number } };
    expect(record.status).toBe('partial');
    expect(record.notes[0]).toMatch(/^Partial: interrupted \(Ctrl-C twice\) at \d/);
    expect(record.load.requests).toBeGreaterThan(0);
    expect(await groupLeftovers(run.pid)).toEqual([]);
  });
});

async function waitFor(condition: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
}

/** Direct children of `pid`, from /proc. */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // Field 4 of stat is the ppid; the command name (field 2) may hold spaces, so split after ')'.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) out.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** `address:port` of every TCP socket `pid` listens on (IPv4 and IPv6), from /proc. */
function listeningAddresses(pid: number): string[] {
  const inodes = new Set<string>();
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m) inodes.add(m[1]);
      } catch {
        // closed meanwhile
      }
    }
  } catch {
    return [];
  }
  const found: string[] = [];
  for (const table of ['tcp', 'tcp6']) {
    let text = '';
    try {
      text = readFileSync(`/proc/${pid}/net/${table}`, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10 || cols[3] !== '0A' || !inodes.has(cols[9])) continue; // 0A: LISTEN
      found.push(decodeAddress(cols[1]));
    }
  }
  return found;
}

/** /proc/net/tcp's `0100007F:1F90` → `127.0.0.1:8080`; IPv6 addresses come back as hex, never matching 127.0.0.1. */
function decodeAddress(hex: string): string {
  const [ip, port] = hex.split(':');
  const p = parseInt(port, 16);
  if (ip.length !== 8) return `[${ip}]:${p}`;
  const bytes = ip.match(/../g)!.map((b) => parseInt(b, 16)).reverse();
  return `${bytes.join('.')}:${p}`;
}
