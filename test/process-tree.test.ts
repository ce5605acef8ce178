import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { busiest, nodeDescendants, openChildInspectors } from '../harness/process-tree.js';

// A real process tree: a Node parent with a shell in between and three Node children, one of them
// busy. Found through /proc, named by role, ranked by CPU.
const PARENT = `
const { spawn, fork } = require('node:child_process');
const idle = () => spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
const kids = [idle(), spawn('sh', ['-c', '"$0" -e "setInterval(() => {}, 1000)"; true', process.execPath], { stdio: 'ignore' }),
  spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' })];
setTimeout(() => {
  // The shell's own child is the Node.js process: a grandchild of this one.
  const shell = kids[1].pid;
  const grandchild = require('node:fs').readdirSync('/proc').filter((e) => /^\\d+$/.test(e)).find((e) => {
    try { return require('node:fs').readFileSync('/proc/' + e + '/stat', 'latin1').split(') ')[1].split(' ')[1] === String(shell); } catch { return false; }
  });
  process.stdout.write(JSON.stringify([kids[0].pid, Number(grandchild), kids[2].pid]) + '\\n');
}, 300);
setInterval(() => {}, 1000);
`;

let parent: ReturnType<typeof spawn> | null = null;
afterEach(() => {
  // The whole group: the shell's Node.js child is not the parent's to kill.
  if (parent?.pid) process.kill(-parent.pid, 'SIGKILL');
  parent = null;
});

describe('process tree from /proc', () => {
  it('finds the Node.js descendants (through a shell), and the busiest by CPU', async () => {
    parent = spawn(process.execPath, ['-e', PARENT], { stdio: ['ignore', 'pipe', 'inherit'], detached: true });
    const pids = await new Promise<number[]>((resolve) => parent!.stdout!.once('data', (d) => resolve(JSON.parse(String(d)))));
    const found = nodeDescendants(parent.pid!);
    expect(found.map((p) => p.pid).sort()).toEqual([...pids].sort());
    expect(found.every((p) => p.role === 'child process' && p.name === `pid ${p.pid} (child process)`)).toBe(true);
    const [top] = await busiest(found, 1, 500);
    expect(top.pid).toBe(pids[2]);
    expect(nodeDescendants(pids[0])).toEqual([]);
  });
});

// A parent whose children are started with --inspect (as `memprobe run` starts a cluster's workers),
// one of them held stopped for 1.5 s as it starts, like a worker still booting on a busy machine
// when the cluster's URL already answers, and one started without an inspector.
const SLOW_STARTER = `
const { spawn } = require('node:child_process');
const idle = ['-e', 'setInterval(() => {}, 1000)'];
const slow = spawn(process.execPath, ['--inspect=127.0.0.1:0', ...idle], { stdio: 'ignore' });
process.kill(slow.pid, 'SIGSTOP');
setTimeout(() => process.kill(slow.pid, 'SIGCONT'), Number(process.env.HOLD_MS));
const plain = spawn(process.execPath, idle, { stdio: 'ignore' });
process.stdout.write(JSON.stringify({ slow: slow.pid, plain: plain.pid }) + '\\n');
setInterval(() => {}, 1000);
`;

async function startSlowStarter(holdMs: number): Promise<{ slow: number; plain: number }> {
  parent = spawn(process.execPath, ['-e', SLOW_STARTER], { stdio: ['ignore', 'pipe', 'inherit'], detached: true, env: { ...process.env, HOLD_MS: String(holdMs) } });
  return new Promise((resolve) => parent!.stdout!.once('data', (d) => resolve(JSON.parse(String(d)))));
}

describe('children of memprobe run: inspectors opened with --inspect', () => {
  it('waits for a child whose inspector is still opening, and skips one started without it at once', async () => {
    const { slow, plain } = await startSlowStarter(1500);
    const started = performance.now();
    const { inspectors, skipped } = await openChildInspectors(nodeDescendants(parent!.pid!), { open: false });
    try {
      expect(inspectors.map((i) => i.process.pid)).toEqual([slow]);
      expect(performance.now() - started).toBeGreaterThan(1000);
      expect(skipped).toEqual([`pid ${plain} (child process): no inspector open (start it with --inspect=127.0.0.1:0, or attach to it)`]);
    } finally {
      await Promise.all(inspectors.map((i) => i.close()));
    }
  });

  it('gives up on it after the wait, saying why', async () => {
    const { slow } = await startSlowStarter(5000);
    const found = nodeDescendants(parent!.pid!).filter((p) => p.pid === slow);
    const { inspectors, skipped } = await openChildInspectors(found, { open: false, startingWaitMs: 400 });
    expect(inspectors).toEqual([]);
    expect(skipped).toEqual([`pid ${slow} (child process): its inspector (--inspect) did not open within 0.4 s`]);
  });
});
