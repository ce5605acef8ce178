import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { listeningSocketsOf, probeInspectorPort } from '../harness/inspector-discovery.js';
import type { Report } from '../core/report-schema.js';
import { CLI, memprobe, memprobeAsync } from './helpers/real-run.js';
import { worldReadableCli } from './helpers/readable-cli.js';
import { HEALTHY_SERVER, IDLE_SCRIPT, LEAKY_SERVER, drive, freePort, killAll, startNode } from './helpers/running-node.js';

// The built CLI (`npm test` builds first), as a user runs it, against processes it did not start.
const scratch = mkdtempSync(join(tmpdir(), 'memprobe-attach-command-'));
afterEach(killAll);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** One line on stderr (`memprobe: …`, maybe a hint line), exit 2, nothing on stdout. */
function expectOneLineError(result: { code: number; stdout: string; stderr: string }, message: string | RegExp): void {
  expect(result.code).toBe(2);
  expect(result.stdout).toBe('');
  const lines = result.stderr.trim().split('\n');
  expect(lines[0]).toMatch(typeof message === 'string' ? `memprobe: ${message}` : message);
  expect(lines.slice(1).every((l) => l.startsWith('  hint: '))).toBe(true);
}

describe('memprobe attach: errors are one line, exit 2, and leave no run directory', () => {
  it('no such process', async () => {
    const gone = spawnSync(process.execPath, ['-e', '0']).pid;
    const out = join(scratch, 'nopid');
    expectOneLineError(memprobe(['attach', String(gone), '--out', out]), `no such process: ${gone}`);
    expect(existsSync(out)).toBe(false);
  });

  it('not a Node.js process', async () => {
    const sleeper = spawn('sleep', ['30']);
    await new Promise((r) => sleeper.once('spawn', r));
    try {
      expectOneLineError(memprobe(['attach', String(sleeper.pid)]), `pid ${sleeper.pid} is not a Node.js process (it is /usr/bin/sleep)`);
      expect(sleeper.exitCode).toBeNull();
    } finally {
      sleeper.kill();
    }
  });

  // Needs root to run the CLI as another user (nobody) against a process of ours. nobody may not be
  // able to read this clone (a private parent directory): it runs a world-readable copy of the CLI.
  it.skipIf(process.getuid?.() !== 0)('permission denied, for a user who may not signal the process', async () => {
    const target = await startNode(['-e', IDLE_SCRIPT]);
    const readable = worldReadableCli();
    try {
      const result = spawnSync(process.execPath, [readable.cli, 'attach', String(target.pid), '--out', join(tmpdir(), `memprobe-eperm-${target.pid}`)], {
        encoding: 'utf8',
        uid: 65534,
        gid: 65534,
        cwd: tmpdir(),
      });
      expectOneLineError({ code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr }, `permission denied: pid ${target.pid} belongs to another user`);
    } finally {
      readable.remove();
    }
    expect(target.alive()).toBe(true);
  });

  it('a remote inspector URL without --allow-remote', () => {
    expectOneLineError(memprobe(['attach', 'ws://192.0.2.10:9229/5d3e0c0a']), /^memprobe: refusing the inspector at 192\.0\.2\.10:9229: not on loopback/);
  });

  it('--url without --rps, and --rps without --url', () => {
    expectOneLineError(memprobe(['attach', '1234', '--url', 'http://127.0.0.1:3000/']), '--url needs --rps');
    expectOneLineError(memprobe(['attach', '1234', '--rps', '100']), '--rps needs --url');
  });

  it('an inspector port held by another process', async () => {
    const port = await freePort();
    const other = await startNode([`--inspect=127.0.0.1:${port}`, '-e', IDLE_SCRIPT]);
    const target = await startNode([`--inspect-port=${port}`, '-e', IDLE_SCRIPT]);
    const out = join(scratch, 'taken');
    expectOneLineError(memprobe(['attach', String(target.pid), '--out', out]), `inspector port ${port} is used by pid ${other.pid}, not ${target.pid}`);
    expect(target.alive()).toBe(true);
  });
});

describe('memprobe attach: end to end against running HTTP servers', () => {
  it('drives a leaking server at a fixed rate, names the leak per request, and closes the inspector it opened', async () => {
    const server = await startNode(['--inspect-port=0', LEAKY_SERVER]);
    const out = join(scratch, 'leaky');
    const result = await memprobeAsync([
      'attach', String(server.pid), '--url', `http://127.0.0.1:${server.port}/`, '--rps', '300',
      '--duration', '12s', '--snapshots', '3', '--warmup', '2s', '--out', out, '--json',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as Report;
    expect(report.target).toMatchObject({ kind: 'attach', pid: server.pid });
    expect(report.load.targetRps).toBe(300);
    const leak = report.findings.find((f) => f.owner === 'RequestContext' || f.owner === 'EventEmitter');
    expect(leak, JSON.stringify({ findings: report.findings.map((f) => [f.owner, f.verdict]), load: report.load, notes: report.notes })).toBeDefined();
    expect(leak!.verdict).toBe('leak');
    expect(leak!.bytesPerRequest).toBeGreaterThan(50);
    // Left as found: serving, and no inspector listening any more.
    expect(listeningSocketsOf(server.pid)!.map((s) => s.port)).toEqual([server.port]);
    await drive(server.port!, 10);
    expect(server.alive()).toBe(true);
  });

  it('observes a healthy server under its own traffic: no findings, its requests counted inside it', async () => {
    const server = await startNode(['--inspect=127.0.0.1:0', HEALTHY_SERVER]);
    const inspectorPort = Number(/127\.0\.0\.1:(\d+)\//.exec(server.stderr())![1]);
    const out = join(scratch, 'healthy');
    let serving = true;
    const traffic = (async () => {
      while (serving) await drive(server.port!, 50, 5);
    })();
    const result = await memprobeAsync(['attach', String(server.pid), '--duration', '6s', '--snapshots', '3', '--warmup', '1s', '--out', out, '--json']);
    serving = false;
    await traffic;
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as Report;
    expect(report.findings).toEqual([]);
    expect(report.load.targetRps).toBeNull();
    // Counted by the target itself (diagnostics_channel), rising from snapshot to snapshot.
    expect(report.load.countedBy).toMatch(/diagnostics_channel 'http.server.request.start'/);
    const counts = report.snapshots.map((s) => s.requests!);
    expect(counts.every((c, i) => c > 0 && (i === 0 || c > counts[i - 1])), JSON.stringify(counts)).toBe(true);
    // The user opened this inspector (--inspect): it stays open.
    expect((await probeInspectorPort(inspectorPort)).kind).toBe('inspector');
  });

  it('memprobe killed mid-run (SIGKILL): the inspector it opened is closed anyway, the process runs on', async () => {
    const server = await startNode(['--inspect-port=0', HEALTHY_SERVER]);
    const child = spawn(process.execPath, [CLI, 'attach', String(server.pid), '--duration', '60s', '--out', join(scratch, 'killed')], { stdio: 'ignore' });
    const deadline = Date.now() + 20_000;
    while (listeningSocketsOf(server.pid)!.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const inspectorPort = listeningSocketsOf(server.pid)!.map((s) => s.port).find((p) => p !== server.port)!;
    expect(inspectorPort).toBeDefined();
    await new Promise((r) => setTimeout(r, 1500)); // attached and capturing
    child.kill('SIGKILL');
    while ((await probeInspectorPort(inspectorPort)).kind !== 'closed' && Date.now() < deadline + 10_000) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect((await probeInspectorPort(inspectorPort)).kind).toBe('closed');
    // A process crashed by memprobe's death (see inspector-janitor.ts) says so here, with its stderr.
    expect(server.alive(), `the process died: ${JSON.stringify(server.child.signalCode)} ${server.stderr().slice(-300)}`).toBe(true);
    await drive(server.port!, 10);
    expect(server.alive()).toBe(true);
  });

  it('attach --help documents every option with examples', () => {
    const { code, stdout } = memprobe(['attach', '--help']);
    expect(code).toBe(0);
    for (const flag of ['--url', '--rps', '--duration', '--snapshots', '--snapshot-every', '--warmup', '--out', '--keep-snapshots', '--heap-limit', '--horizon', '--json', '--gate', '--fail-on', '--allow-remote']) {
      expect(stdout).toContain(flag);
    }
    expect(stdout).toContain('Examples:');
    expect(stdout).toContain('memprobe/agent');
  });
});
