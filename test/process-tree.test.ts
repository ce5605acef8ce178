import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { busiest, nodeDescendants } from '../harness/process-tree.js';

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
