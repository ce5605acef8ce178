import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, rmSync, statSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { agentConfigFromEnv } from '../harness/preload/agent-config.js';
import type { Report, TimelineSample } from '../core/report-schema.js';
import type { RunRecord } from '../core/run-directory-layout.js';
import { memprobe } from './helpers/real-run.js';
import { IDLE_SCRIPT, LEAKY_SERVER, drive, killAll, startNode, type RunningNode } from './helpers/running-node.js';

// The agent runs inside the application, so it is tested there: a real process loading the built
// agent (`npm test` builds first) through the package's own export, `memprobe/agent`, resolved from
// the repository root as an installed package would be.
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const AGENT_FILE = join(ROOT, 'dist/harness/preload/agent.js');
const scratch = mkdtempSync(join(tmpdir(), 'memprobe-agent-'));
afterEach(killAll);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function startWithAgent(args: string[], env: Record<string, string>, cwd = ROOT): Promise<RunningNode> {
  return startNode(args, env, cwd);
}

async function waitFor(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

function runRecord(dir: string): RunRecord {
  return JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as RunRecord;
}

function snapshotsIn(dir: string): number {
  return existsSync(join(dir, 'run.json')) ? runRecord(dir).snapshots.length : 0;
}

function fileStart(file: string, bytes: number): string {
  const fd = openSync(file, 'r');
  const buffer = Buffer.alloc(bytes);
  readSync(fd, buffer, 0, bytes, 0);
  closeSync(fd);
  return buffer.toString('utf8');
}

describe('agentConfigFromEnv', () => {
  it('has defaults, reads every variable, and names the variable in its errors', () => {
    expect(agentConfigFromEnv({}, 42, '/srv')).toEqual({
      dir: '/srv/memprobe-agent-42',
      signal: 'SIGUSR2',
      everyS: null,
      samplingIntervalBytes: 32 * 1024,
      maxSnapshots: 20,
      mode: 'snapshots',
      samplingEveryS: 10,
    });
    expect(
      agentConfigFromEnv(
        { MEMPROBE_AGENT_DIR: '/var/tmp/app-%p', MEMPROBE_AGENT_SIGNAL: 'none', MEMPROBE_AGENT_EVERY: '15m', MEMPROBE_AGENT_SAMPLING: 'off', MEMPROBE_AGENT_MAX_SNAPSHOTS: '4' },
        7,
      ),
    ).toEqual({ dir: '/var/tmp/app-7', signal: null, everyS: 900, samplingIntervalBytes: null, maxSnapshots: 4, mode: 'snapshots', samplingEveryS: 10 });
    expect(agentConfigFromEnv({ MEMPROBE_AGENT_SIGNAL: 'pwr' }, 1).signal).toBe('SIGPWR');
    expect(() => agentConfigFromEnv({ MEMPROBE_AGENT_SIGNAL: 'SIGUSR1' }, 1)).toThrow(/MEMPROBE_AGENT_SIGNAL: SIGUSR1 is not available/);
    expect(() => agentConfigFromEnv({ MEMPROBE_AGENT_SIGNAL: 'SIGNOPE' }, 1)).toThrow(/unknown signal/);
    expect(() => agentConfigFromEnv({ MEMPROBE_AGENT_EVERY: 'often' }, 1)).toThrow(/MEMPROBE_AGENT_EVERY/);
    expect(() => agentConfigFromEnv({ MEMPROBE_AGENT_EVERY: '100ms' }, 1)).toThrow(/at least 1s/);
    expect(() => agentConfigFromEnv({ MEMPROBE_AGENT_SAMPLING: 'lots' }, 1)).toThrow(/MEMPROBE_AGENT_SAMPLING/);
    expect(() => agentConfigFromEnv({ MEMPROBE_AGENT_MAX_SNAPSHOTS: '0' }, 1)).toThrow(/MEMPROBE_AGENT_MAX_SNAPSHOTS/);
  });
});

describe('the agent in a running process', () => {
  it('node --import memprobe/agent: snapshots on SIGUSR2, requests counted in-process, and memprobe report names the leak per request', async () => {
    const dir = join(scratch, 'leaky');
    const server = await startWithAgent(['--import', 'memprobe/agent', LEAKY_SERVER], { MEMPROBE_AGENT_DIR: dir });
    await waitFor(() => existsSync(join(dir, 'run.json')));
    for (let i = 1; i <= 3; i++) {
      await drive(server.port!, 1500);
      process.kill(server.pid, 'SIGUSR2');
      await waitFor(() => snapshotsIn(dir) === i);
    }
    await waitFor(() => readFileSync(join(dir, 'timeline.ndjson'), 'utf8').split('\n').length > 3);
    await server.kill();

    const files = readdirSync(join(dir, 'snapshots')).sort();
    expect(files).toEqual(['001.heapsnapshot', '002.heapsnapshot', '003.heapsnapshot']);
    for (const f of files) {
      const file = join(dir, 'snapshots', f);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(fileStart(file, 40)).toMatch(/^\{"snapshot":\{"meta":/);
    }
    // heapdump's own SIGUSR2 handler stayed off: no heapdump-*.heapsnapshot next to the app.
    expect(readdirSync(ROOT).filter((f) => f.startsWith('heapdump-'))).toEqual([]);
    const timeline = readFileSync(join(dir, 'timeline.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as TimelineSample);
    expect(timeline.every((s) => s.heapUsed > 0 && s.rss > 0)).toBe(true);

    const { code, stdout, stderr } = memprobe(['report', dir, '--json']);
    expect(stderr).toContain('summarizing snapshots/001.heapsnapshot (1/3)');
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as Report;
    expect(report.target.pid).toBe(server.pid);
    const leak = report.findings.find((f) => f.owner === 'RequestContext' || f.owner === 'EventEmitter');
    expect(leak, JSON.stringify(report.findings.map((f) => f.owner))).toBeDefined();
    expect(leak!.verdict).toBe('leak');
    // The agent counted the requests it served (diagnostics_channel), 1500 between snapshots.
    expect(report.snapshots.map((s) => s.requests)).toEqual([1500, 3000, 4500]);
    expect(report.load.countedBy).toMatch(/diagnostics_channel 'http.server.request.start'/);
    expect(leak!.bytesPerRequest).toBeGreaterThan(100);
    expect(leak!.bytesPerSecond).toBeGreaterThan(0);
    // Allocation sites from the agent's sampling profile, with DevTools' 0-based lines converted right.
    const sites = report.findings.flatMap((f) => f.allocationSites ?? []);
    expect(sites.some((s) => /http-leaky-server\.mjs:2[0-9]:\d+$/.test(s.location)), JSON.stringify(sites)).toBe(true);
  });

  it('-r memprobe/agent with a schedule: snapshots every MEMPROBE_AGENT_EVERY, no more than MEMPROBE_AGENT_MAX_SNAPSHOTS', async () => {
    const dir = join(scratch, 'scheduled');
    const app = await startWithAgent(['-r', 'memprobe/agent', '-e', IDLE_SCRIPT], {
      MEMPROBE_AGENT_DIR: dir,
      MEMPROBE_AGENT_EVERY: '1s',
      MEMPROBE_AGENT_MAX_SNAPSHOTS: '2',
      MEMPROBE_AGENT_SAMPLING: 'off',
    });
    await waitFor(() => app.stderr().includes('MEMPROBE_AGENT_MAX_SNAPSHOTS (2) reached'));
    expect(snapshotsIn(dir)).toBe(2);
    expect(existsSync(join(dir, 'allocation.heapprofile'))).toBe(false);
    expect(app.alive()).toBe(true);
  });

  it('one agent per process: worker threads inherit -r preloads, but only the main thread starts one', () => {
    const dir = join(scratch, 'workers');
    const result = spawnSync(
      process.execPath,
      ['-r', 'memprobe/agent', '-e', `new (require('node:worker_threads').Worker)('setTimeout(() => {}, 200)', { eval: true })`],
      { cwd: ROOT, env: { ...process.env, MEMPROBE_AGENT_DIR: dir, MEMPROBE_AGENT_SAMPLING: 'off' }, encoding: 'utf8', timeout: 10_000 },
    );
    expect(result.status).toBe(0);
    expect(result.stderr.match(/memprobe agent: writing to/g)).toHaveLength(1);
    expect(readdirSync(scratch).filter((d) => d.startsWith('workers'))).toEqual(['workers']);
  });

  it('a bad setting is one line on stderr, and the application runs as if the agent were not there', async () => {
    const app = await startWithAgent(['--import', 'memprobe/agent', LEAKY_SERVER], { MEMPROBE_AGENT_SIGNAL: 'SIGUSR1', MEMPROBE_AGENT_DIR: join(scratch, 'bad') });
    await drive(app.port!, 10);
    expect(app.stderr().trim().split('\n')).toEqual([
      'memprobe agent: not started: MEMPROBE_AGENT_SIGNAL: SIGUSR1 is not available to the agent; use SIGUSR2 (or another free signal such as SIGPWR), or none',
    ]);
    expect(existsSync(join(scratch, 'bad'))).toBe(false);

    const unwritable = await startWithAgent(['--import', 'memprobe/agent', LEAKY_SERVER], { MEMPROBE_AGENT_DIR: '/proc/memprobe-agent' });
    await drive(unwritable.port!, 10);
    expect(unwritable.stderr()).toMatch(/^memprobe agent: not started: ENOENT: no such file or directory, mkdir '\/proc\/memprobe-agent'\n$/);
  });

  it('never keeps a process alive and loads no native module until it needs one', () => {
    const dir = join(scratch, 'short');
    const result = spawnSync(
      process.execPath,
      ['--import', AGENT_FILE, '-e', `setTimeout(() => console.log(JSON.stringify(Object.keys(require.cache))), 1500)`],
      { cwd: scratch, env: { ...process.env, MEMPROBE_AGENT_DIR: dir, MEMPROBE_AGENT_SAMPLING: 'off' }, encoding: 'utf8', timeout: 10_000 },
    );
    expect(result.status).toBe(0);
    const loaded = JSON.parse(result.stdout) as string[];
    expect(loaded.filter((m) => /heapdump|v8-profiler-next/.test(m))).toEqual([]);
    // The process ran ~1.5 s: the timeline has its lines and run.json the final duration.
    expect(runRecord(dir).load.durationS).toBeGreaterThan(1);
    expect(readFileSync(join(dir, 'timeline.ndjson'), 'utf8').trim().split('\n').length).toBeGreaterThanOrEqual(1);
  });
});
