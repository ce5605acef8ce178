/**
 * What attaching costs the process attached to: the target's own event-loop delay, p99,
 * while memprobe is attached with the sampling heap profiler on and the per-second memory readings
 * going, but no snapshots (their pauses are a separate, reported cost), next to the same figure
 * before attaching and after detaching.
 *
 *   npm run bench:attach [-- --rps 500 --phase 20 --server healthy|leaky --agent]
 *
 * `--agent` adds a row: a fresh server with the in-process agent preloaded (sampling heap profiler on,
 * timeline every second, no snapshots), for the standing cost of the agent.
 *
 * The server is started as a user would start it (no inspector flags); memprobe attaches by pid, so
 * the phase includes SIGUSR1 opening the inspector and detaching closes it again. The delay is
 * measured inside the target by a histogram preloaded with --import (perf_hooks, 1 ms resolution),
 * read and reset over IPC at each phase boundary; the load (HTTP driver, fixed rate) runs through
 * all three phases unchanged.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { attachTarget } from '../harness/attach-target.js';
import { createHttpLoad } from '../harness/http-load.js';
import { runSession } from '../session/run-session.js';

const { values } = parseArgs({
  options: {
    rps: { type: 'string', default: '500' },
    phase: { type: 'string', default: '20' },
    server: { type: 'string', default: 'healthy' },
    agent: { type: 'boolean', default: false },
  },
});
const rps = Number(values.rps);
const phaseS = Number(values.phase);
const server = fileURLToPath(new URL(`../../fixtures/http-${values.server}-server.mjs`, import.meta.url));
const agentModule = fileURLToPath(new URL('../harness/preload/agent.js', import.meta.url));

interface DelayStats {
  p50: number;
  p99: number;
  max: number;
  samples: number;
}

const RESOLUTION_MS = 1;
// Preloaded into the target: the histogram it reports from. Reading resets it, so each answer covers one phase.
const PROBE = `
import { monitorEventLoopDelay } from 'node:perf_hooks';
const h = monitorEventLoopDelay({ resolution: ${RESOLUTION_MS} });
h.enable();
process.on('message', (m) => {
  if (m !== 'read') return;
  const ms = (ns) => Math.max(0, ns / 1e6 - ${RESOLUTION_MS});
  process.send({ p50: ms(h.percentile(50)), p99: ms(h.percentile(99)), max: ms(h.max), samples: h.count });
  h.reset();
});`;

type Row = { phase: string; stats: DelayStats; achievedRps: number };
type Phase = { name: string; during: (pid: number) => Promise<void> };

/** Starts the server (with `execArgv` preloads besides the probe), drives it, and measures each phase. */
async function measureServer(execArgv: string[], env: NodeJS.ProcessEnv, phases: Phase[]): Promise<{ pid: number; rows: Row[] }> {
  const child = fork(server, [], {
    execArgv: ['--import', `data:text/javascript,${encodeURIComponent(PROBE)}`, ...execArgv],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  const { pid, port } = await firstLine(child);
  const load = createHttpLoad({ url: `http://127.0.0.1:${port}/`, rps, vus: 100 });
  const rows: Row[] = [];
  try {
    load.start();
    await sleep(2000); // connections open, JIT warm
    await readDelay(child);
    let requests = load.counters().requests;
    for (const { name, during } of phases) {
      const started = performance.now();
      await during(pid);
      const stats = await readDelay(child);
      const now = load.counters().requests;
      rows.push({ phase: name, stats, achievedRps: (now - requests) / ((performance.now() - started) / 1000) });
      requests = now;
    }
  } finally {
    await load.stop();
    const exited = new Promise((r) => child.once('exit', r));
    child.kill();
    await exited; // before its run directory goes: the agent writes run.json on the way out
  }
  return { pid, rows };
}

async function attachedFor(pid: number, outDir: string): Promise<void> {
  const target = await attachTarget(String(pid));
  try {
    await runSession(target, null, {
      outDir,
      durationS: phaseS,
      warmupS: 0,
      snapshots: 0,
      snapshotEveryS: null,
      keepSnapshots: 0,
      heapLimitBytes: null,
      horizonS: 86_400,
      projectRps: [],
      budgets: null,
    });
  } finally {
    await target.close();
  }
}

async function main(): Promise<void> {
  const out = mkdtempSync(join(tmpdir(), 'memprobe-attach-bench-'));
  const idle = () => sleep(phaseS * 1000);
  try {
    const attach = await measureServer([], {}, [
      { name: 'not attached', during: idle },
      { name: 'attached: sampling + readings', during: (pid) => attachedFor(pid, join(out, 'run')) },
      { name: 'detached again', during: idle },
    ]);
    const rows = attach.rows;
    if (values.agent) {
      // The agent's standing cost: its sampling heap profiler and timeline, no snapshots.
      const agent = await measureServer(['--import', agentModule], { MEMPROBE_AGENT_DIR: join(out, 'agent'), MEMPROBE_AGENT_SIGNAL: 'none' }, [
        { name: 'agent preloaded (sampling 32KB)', during: idle },
      ]);
      rows.push(...agent.rows);
    }
    printTable(rows, attach.pid);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

function printTable(rows: Row[], pid: number): void {
  const pad = (s: string, n: number) => s.padEnd(n);
  const num = (n: number) => n.toFixed(2).padStart(8);
  console.log(`\ntarget event-loop delay (ms), ${values.server} HTTP server driven at ${rps}/s, ${phaseS} s per phase, pid ${pid}`);
  console.log(`${pad('phase', 34)}${'p50'.padStart(8)}${'p99'.padStart(8)}${'max'.padStart(8)}${'req/s'.padStart(9)}`);
  for (const { phase, stats, achievedRps } of rows) {
    console.log(`${pad(phase, 34)}${num(stats.p50)}${num(stats.p99)}${num(stats.max)}${achievedRps.toFixed(0).padStart(9)}`);
  }
  const [before, attached] = rows;
  console.log(`\np99 attached minus not attached: ${(attached.stats.p99 - before.stats.p99).toFixed(2)} ms (timings on a shared machine are noisy: compare runs)`);
}

function firstLine(child: ChildProcess): Promise<{ pid: number; port: number }> {
  return new Promise((resolve, reject) => {
    let text = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      text += d;
      if (text.includes('\n')) resolve(JSON.parse(text.slice(0, text.indexOf('\n'))));
    });
    child.once('exit', (code) => reject(new Error(`the server exited (${code}) before listening`)));
  });
}

function readDelay(child: ChildProcess): Promise<DelayStats> {
  return new Promise((resolve) => {
    child.once('message', (m) => resolve(m as DelayStats));
    child.send('read');
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
