/**
 * `memprobe run` end to end, through the built CLI (`npm test` builds first): real child targets,
 * real snapshots, real signals.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { Report, TimelineSample } from '../core/report-schema.js';
import { freePort } from './helpers/running-node.js';

const CLI = fileURLToPath(new URL('../dist/cli/memprobe.js', import.meta.url));
const dir = mkdtempSync(path.join(tmpdir(), 'memprobe-run-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const LEAKY = `
export const options = { rps: 40, duration: '4s' };
class RequestContext { constructor(i) { this.id = i; this.body = 'request ' + i + ' '.repeat(200); } }
const contexts = [];
let i = 0;
export default async function iteration() { contexts.push(new RequestContext(i++)); }
`;

function script(name: string, source: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, source);
  return file;
}

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in its own process group, so a test can send Ctrl-C to the group as a terminal does. */
function memprobe(args: string[], options: { interruptWhen?: () => boolean } = {}): Promise<CliRun> {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: dir, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const { interruptWhen } = options;
  const poll = interruptWhen
    ? setInterval(() => {
        if (!interruptWhen()) return;
        clearInterval(poll);
        process.kill(-child.pid!, 'SIGINT');
      }, 100)
    : undefined;
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearInterval(poll);
      resolve({ code, stdout, stderr });
    }),
  );
}

const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;

describe('memprobe run <script>', () => {
  it('runs, keeps the first and latest raw snapshots, writes every run file, and ends with the report path', async () => {
    const out = path.join(dir, 'complete');
    const run = await memprobe(['run', script('leaky.mjs', LEAKY), '--snapshots', '3', '--keep-snapshots', '2', '--out', out]);
    expect(run.stderr).not.toMatch(/unexpected error/);
    expect(run.code).toBe(0);
    expect(run.stdout.trim().split('\n').at(-1)).toBe(`report: ${path.join(out, 'report.html')}`);
    for (const file of ['run.json', 'report.json', 'report.html', 'timeline.ndjson', 'allocation.heapprofile', 'target.log']) {
      expect(existsSync(path.join(out, file)), file).toBe(true);
    }
    expect(readdirSync(path.join(out, 'snapshots')).sort()).toEqual(['001.heapsnapshot', '003.heapsnapshot']);
    expect(readdirSync(path.join(out, 'summaries')).sort()).toEqual(['001.json', '002.json', '003.json']);
    const report = readJson<Report>(path.join(out, 'report.json'));
    expect(report.status).toBe('complete');
    expect(report.load.targetRps).toBe(40); // the script's options.rps
    expect(report.snapshots).toHaveLength(3);
    const timeline = readFileSync(path.join(out, 'timeline.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as TimelineSample);
    expect(timeline.length).toBeGreaterThanOrEqual(4); // one line a second over a 4 s run
    for (let k = 1; k < timeline.length; k++) expect(timeline[k].t - timeline[k - 1].t).toBeLessThanOrEqual(1.5);
  });

  it('prints report.json on stdout with --json; CLI flags win over the script options', async () => {
    const out = path.join(dir, 'json');
    const run = await memprobe(['run', script('leaky-json.mjs', LEAKY), '--rps', '20', '--duration', '3s', '--snapshots', '2', '--json', '--out', out]);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as Report;
    expect(report.schema).toBe('memprobe/report@1');
    expect(report.load.targetRps).toBe(20);
    expect(report.load.durationS).toBeGreaterThanOrEqual(3);
    expect(run.stderr).toContain(`report: ${path.join(out, 'report.html')}`);
  });

  it('exits 1 when the gate fails, and writes the JUnit file', async () => {
    const out = path.join(dir, 'gated');
    const junit = path.join(dir, 'gate.xml');
    // Growth far above the noise floor (~1 MB) even when snapshots on a busy machine pause half the run.
    const heavy = LEAKY.replace("' '.repeat(200)", "' '.repeat(2000)").replace("{ rps: 40, duration: '4s' }", "{ rps: 100, duration: '6s' }");
    const run = await memprobe(['run', script('gated.mjs', heavy), '--snapshots', '3', '--fail-on', 'leak,accumulation', '--junit', junit, '--out', out]);
    expect(run.code).toBe(1);
    const report = readJson<Report>(path.join(out, 'report.json'));
    expect(report.gate?.passed).toBe(false);
    expect(report.findings.length).toBeGreaterThan(0);
    expect(readFileSync(junit, 'utf8')).toMatch(/<testsuites name="memprobe"[^>]*failures="[1-9]/);
  });

  it('exits 2 with one line, before starting anything, for bad flags and unwritable output', async () => {
    const cases: string[][] = [
      ['run', script('ok.mjs', LEAKY), '--duration', 'soon'],
      ['run', script('ok2.mjs', LEAKY), '--snapshots', '3', '--snapshot-every', '1s'],
      ['run', script('ok3.mjs', LEAKY), '--out', path.join(dir, 'ok.mjs', 'under-a-file')],
      ['run', 'missing.mjs'],
      ['run', '--url', 'http://127.0.0.1:9/'],
    ];
    for (const args of cases) {
      const run = await memprobe(args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr).toMatch(/^memprobe: /);
      expect(run.stderr).not.toMatch(/\n\s+at /); // no stack trace
    }
    expect(existsSync(path.join(dir, 'memprobe-out'))).toBe(false); // nothing left behind
  });

  it('exits 3 with a partial report when the target dies mid-run', async () => {
    const out = path.join(dir, 'crash');
    const dying = `${LEAKY}\nsetTimeout(() => { throw new Error('fatal in target'); }, 2500);`;
    const run = await memprobe(['run', script('dying.mjs', dying), '--duration', '8s', '--snapshots', '4', '--warmup', '0.5s', '--out', out]);
    expect(run.code).toBe(3);
    const report = readJson<Report>(path.join(out, 'report.json'));
    expect(report.status).toBe('partial');
    expect(report.notes[0]).toMatch(/the target exited \(code 1\)/);
    expect(report.snapshots.length).toBeGreaterThanOrEqual(1);
    expect(readFileSync(path.join(out, 'target.log'), 'utf8')).toContain('fatal in target');
  });

  it('on Ctrl-C stops the load, writes a partial report, and exits 130', async () => {
    const out = path.join(dir, 'interrupted');
    const run = await memprobe(['run', script('long.mjs', LEAKY), '--duration', '30s', '--snapshots', '3', '--warmup', '1s', '--out', out], {
      // Once the first snapshot is summarized: the partial report then has something to show.
      interruptWhen: () => existsSync(path.join(out, 'summaries', '001.json')),
    });
    expect(run.code).toBe(130);
    expect(run.stderr).toMatch(/interrupted, stopping the load/);
    const report = readJson<Report>(path.join(out, 'report.json'));
    expect(report.status).toBe('partial');
    expect(report.notes[0]).toMatch(/interrupted \(Ctrl-C\)/);
    expect(report.load.durationS).toBeLessThan(15);
    expect(report.snapshots.length).toBeGreaterThanOrEqual(1);
    expect(existsSync(path.join(out, 'report.html'))).toBe(true);
  });
});

describe('memprobe run, Ctrl-C during a snapshot', () => {
  it('finishes the snapshot in progress and keeps it', async () => {
    const out = path.join(dir, 'interrupted-mid-snapshot');
    // A heap of a few MB, so that a snapshot takes long enough to be interrupted in the middle.
    const heavy = `${LEAKY}\nglobalThis.ballast = Array.from({ length: 150000 }, (_, i) => ({ i, s: 'b' + i }));`;
    const run = await memprobe(
      ['run', script('heavy.mjs', heavy), '--duration', '8s', '--snapshots', '3', '--warmup', '1s', '--keep-snapshots', '3', '--out', out],
      { interruptWhen: () => existsSync(path.join(out, 'snapshots', '002.heapsnapshot')) },
    );
    expect(run.code).toBe(130);
    const report = readJson<Report>(path.join(out, 'report.json'));
    expect(report.status).toBe('partial');
    expect(report.snapshots.map((s) => s.file)).toEqual(['snapshots/001.heapsnapshot', 'snapshots/002.heapsnapshot']);
    const second = JSON.parse(readFileSync(path.join(out, 'snapshots', '002.heapsnapshot'), 'utf8'));
    expect(second.snapshot.node_count).toBeGreaterThan(150000);
    expect(existsSync(path.join(out, 'summaries', '002.json'))).toBe(true);
  });
});

describe('memprobe run --url', () => {
  it('starts the server command, drives the URL and reports', async () => {
    const server = script(
      'server.mjs',
      `import { createServer } from 'node:http';
       const seen = [];
       createServer((req, res) => { seen.push(req.url + ' '.repeat(100)); res.end('ok'); }).listen(Number(process.env.PORT), '127.0.0.1');`,
    );
    const port = await freePort();
    const out = path.join(dir, 'http');
    const run = await memprobe([
      'run', '--url', `http://127.0.0.1:${port}/`, '--rps', '50', '--duration', '4s', '--snapshots', '2', '--out', out,
      '--', 'sh', '-c', `PORT=${port} exec node ${server}`,
    ]);
    expect(run.stderr).not.toMatch(/unexpected error/);
    expect(run.code).toBe(0);
    const report = readJson<Report>(path.join(out, 'report.json'));
    expect(report.target.kind).toBe('http');
    expect(report.load.requests!).toBeGreaterThan(100);
    expect(report.load.statusCounts?.['200']).toBeGreaterThan(100);
    expect(report.snapshots).toHaveLength(2);
  });
});

describe('memprobe run, Ctrl-C while the server starts', () => {
  it('exits 130 and leaves no server process behind', async () => {
    const marker = `memprobe-slow-server-${process.pid}`;
    const server = script(
      `${marker}.mjs`,
      `import { createServer } from 'node:http';
       setTimeout(() => createServer((q, r) => r.end('ok')).listen(Number(process.env.PORT), '127.0.0.1'), 60_000);`,
    );
    const port = await freePort();
    const started = Date.now();
    const run = await memprobe(
      ['run', '--url', `http://127.0.0.1:${port}/`, '--duration', '5s', '--out', path.join(dir, 'startup'), '--', 'sh', '-c', `PORT=${port} exec node ${server}`],
      { interruptWhen: () => Date.now() - started > 1500 },
    );
    expect(run.code).toBe(130);
    expect(run.stderr).toMatch(/interrupted while the target was starting/);
    await new Promise((r) => setTimeout(r, 300));
    const survivors = readdirSync('/proc')
      .filter((p) => /^\d+$/.test(p))
      .filter((p) => {
        try {
          return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(marker);
        } catch {
          return false;
        }
      });
    expect(survivors).toEqual([]);
    expect(existsSync(path.join(dir, 'startup'))).toBe(false);
  });
});

