import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../core/usage-error.js';
import { startHttpTarget } from '../harness/http-target.js';
import { processExists } from '../harness/process-exists.js';
import { freePort } from './helpers/running-node.js';

const server = fileURLToPath(new URL('../fixtures/http-echo-server.mjs', import.meta.url));
const dir = mkdtempSync(path.join(tmpdir(), 'memprobe-http-target-'));
const log = path.join(dir, 'target.log');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

/** Pids of live processes whose command line contains `marker`. */
function processesWith(marker: string): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d) && Number(d) !== process.pid)
    .filter((d) => cmdline(Number(d)).includes(marker))
    .map(Number);
}


describe('startHttpTarget', () => {
  it('starts a server behind a shell, finds node\'s own pid and inspector, and closes the group', async () => {
    const port = await freePort();
    // `; true` keeps the shell alive as a wrapper instead of exec-ing node.
    const target = await startHttpTarget({
      command: ['sh', '-c', `node ${server}; true`],
      url: `http://127.0.0.1:${port}/`,
      env: { ...process.env, PORT: String(port) },
      logFile: log,
    });
    expect(target.kind).toBe('http');
    expect(target.inspectorUrl).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/[0-9a-f-]+$/);
    expect(cmdline(target.pid)).toContain('http-echo-server.mjs');
    expect(cmdline(target.pid)).not.toMatch(/^sh /);
    await new Promise((r) => setTimeout(r, 100));
    expect(readFileSync(log, 'utf8')).toContain(`listening on http://127.0.0.1:${port}`);

    await target.close();
    expect(processExists(target.pid)).toBe(false);
    const exit = await target.exited;
    expect(exit.code !== null || exit.signal !== null).toBe(true);
  }, 20_000);

  it('reports the server dying under a wrapper that lives on', async () => {
    const port = await freePort();
    const target = await startHttpTarget({
      command: ['sh', '-c', `node ${server}; sleep 30`],
      url: `http://127.0.0.1:${port}/`,
      env: { ...process.env, PORT: String(port) },
      logFile: log,
    });
    process.kill(target.pid, 'SIGKILL');
    const t0 = performance.now();
    expect(await target.exited).toEqual({ code: null, signal: null });
    expect(performance.now() - t0).toBeLessThan(3000);
    await target.close();
  }, 20_000);

  it('picks the server among several Node.js processes by the socket it listens on', async () => {
    const port = await freePort();
    // Three Node.js processes, three inspectors: the launcher, the server (listening after 1 s), and an
    // idle process started after the server, so neither the first nor the last banner is the server's.
    const serverCode = `setTimeout(() => require('http').createServer((q, s) => s.end('ok')).listen(${port}, '127.0.0.1'), 1000)`;
    const launcher = `const { spawn } = require('child_process');
      spawn(process.execPath, ['-e', ${JSON.stringify(serverCode)}, 'the-real-server'], { stdio: 'inherit' });
      setTimeout(() => spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', 'an-idle-helper'], { stdio: 'inherit' }), 300);
      setInterval(() => {}, 1000);`;
    const target = await startHttpTarget({
      command: [process.execPath, '-e', launcher],
      url: `http://127.0.0.1:${port}/`,
      logFile: path.join(dir, 'several.log'),
    });
    expect(readFileSync(path.join(dir, 'several.log'), 'utf8').match(/Debugger listening/g)!.length).toBeGreaterThanOrEqual(3);
    expect(cmdline(target.pid)).toContain('the-real-server');
    await target.close();
    expect(processExists(target.pid)).toBe(false);
    expect(processesWith('an-idle-helper')).toEqual([]);
  }, 20_000);

  it('rejects a command that exits at once, with its last words', async () => {
    const port = await freePort();
    const error = await startHttpTarget({
      command: [process.execPath, '-e', `console.error('EADDRINUSE: port taken'); process.exit(3)`],
      url: `http://127.0.0.1:${port}/`,
      logFile: log,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(/exited \(code 3\) before http:\/\/127\.0\.0\.1:\d+\/ answered: EADDRINUSE: port taken$/);
  }, 20_000);

  it('quotes the error a crashing server threw, not the stack or the Node.js version line after it', async () => {
    const port = await freePort();
    const error = await startHttpTarget({
      command: [process.execPath, '-e', `throw new Error('listen EADDRINUSE: address already in use')`],
      url: `http://127.0.0.1:${port}/`,
      logFile: log,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(/answered: Error: listen EADDRINUSE: address already in use$/);
  }, 20_000);

  it('rejects a command that cannot start', async () => {
    await expect(
      startHttpTarget({ command: ['memprobe-no-such-command-x'], url: 'http://127.0.0.1:9/', logFile: log }),
    ).rejects.toThrow(/memprobe-no-such-command-x.*cannot start: .*ENOENT/);
  }, 20_000);

  it('gives up on a URL that never answers, and leaves no process behind', async () => {
    const port = await freePort();
    const marker = `memprobe-never-answers-${process.pid}`;
    const t0 = performance.now();
    const error = await startHttpTarget({
      command: [process.execPath, '-e', 'setInterval(() => {}, 1000)', marker],
      url: `http://127.0.0.1:${port}/`,
      readyTimeoutS: 1,
      logFile: log,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(/did not answer within 1 s after starting/);
    expect(performance.now() - t0).toBeLessThan(8000);
    expect(processesWith(marker)).toEqual([]);
  }, 20_000);

  it('refuses to start when something already answers the URL', async () => {
    const squatter = http.createServer((_req, res) => res.end('not yours'));
    await new Promise<void>((r) => squatter.listen(0, '127.0.0.1', r));
    const { port } = squatter.address() as net.AddressInfo;
    const marker = `memprobe-late-server-${process.pid}`;
    try {
      await expect(
        startHttpTarget({ command: [process.execPath, server, marker], url: `http://127.0.0.1:${port}/`, logFile: log }),
      ).rejects.toThrow(`http://127.0.0.1:${port}/ already answers before`);
      expect(processesWith(marker)).toEqual([]);
    } finally {
      squatter.closeAllConnections();
      await new Promise((r) => squatter.close(r));
    }
  }, 20_000);

  it('rejects a URL that is not http', async () => {
    await expect(startHttpTarget({ command: ['node', server], url: 'ftp://x/' })).rejects.toThrow(UsageError);
  });
});
