/**
 * Smoothness: at 2,000 requests/s against a local HTTP server, how evenly do requests
 * arrive? The server counts arrivals per 100 ms window; memprobe's driver and autocannon at the same
 * `--overallRate` run one after the other against it, and the coefficient of variation of the window
 * counts (stddev / mean) is compared. The first and last second of each phase are left out
 * (connections opening, stop).
 *
 *   npm run bench:smoothness [-- --rps 2000 --duration 10 --connections 100]
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createHttpLoad } from '../harness/http-load.js';
import type { LoadCounters } from '../harness/target-process.js';

const { values } = parseArgs({
  options: {
    rps: { type: 'string', default: '2000' },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '100' },
  },
});
const rps = Number(values.rps);
const durationS = Number(values.duration);
const connections = Number(values.connections);
const WINDOW_MS = 100;
const TRIM_WINDOWS = 1000 / WINDOW_MS;

/** Arrivals per 100 ms window since the first request of the phase. */
let windows: number[] = [];
let phaseStart: number | null = null;
const server = http.createServer((req, res) => {
  const now = performance.now();
  phaseStart ??= now;
  const w = Math.floor((now - phaseStart) / WINDOW_MS);
  while (windows.length <= w) windows.push(0);
  windows[w]++;
  req.resume();
  res.end('ok');
});
server.keepAliveTimeout = 60_000;
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;

interface Smoothness {
  windows: number;
  mean: number;
  cv: number;
  min: number;
  max: number;
  /** Windows in which no request arrived at all. */
  idle: number;
  achievedRps: number;
}

function measure(counts: number[]): Smoothness {
  const steady = counts.slice(TRIM_WINDOWS, -TRIM_WINDOWS);
  const mean = steady.reduce((a, b) => a + b, 0) / steady.length;
  const variance = steady.reduce((a, b) => a + (b - mean) ** 2, 0) / steady.length;
  return {
    windows: steady.length,
    mean,
    cv: Math.sqrt(variance) / mean,
    min: Math.min(...steady),
    max: Math.max(...steady),
    idle: steady.filter((n) => n === 0).length,
    achievedRps: (mean * 1000) / WINDOW_MS,
  };
}

async function phase(run: () => Promise<void>): Promise<Smoothness> {
  windows = [];
  phaseStart = null;
  await run();
  await new Promise((r) => setTimeout(r, 300));
  return measure(windows);
}

let driverCounters: LoadCounters | null = null;
const memprobe = await phase(async () => {
  const load = createHttpLoad({ url, rps, vus: connections });
  await load.whenReady!();
  load.start();
  await new Promise((r) => setTimeout(r, durationS * 1000));
  await load.stop();
  driverCounters = load.counters();
});

const autocannonBin = fileURLToPath(new URL('../node_modules/autocannon/autocannon.js', import.meta.url));
const autocannon = await phase(
  () =>
    new Promise<void>((resolve, reject) => {
      const child = spawn(process.execPath, [autocannonBin, '--overallRate', String(rps), '-c', String(connections), '-d', String(durationS), url], {
        stdio: 'ignore',
      });
      child.once('error', reject);
      child.once('exit', () => resolve());
    }),
);

server.close();
server.closeAllConnections();

const row = (name: string, s: Smoothness) =>
  `  ${name.padEnd(12)} CV ${s.cv.toFixed(3).padStart(6)}   per 100 ms: mean ${s.mean.toFixed(1).padStart(6)} min ${String(s.min).padStart(4)} max ${String(s.max).padStart(4)} idle ${String(s.idle).padStart(3)}   ${s.achievedRps.toFixed(0)}/s over ${s.windows} windows`;
console.log(`smoothness: ${rps} requests/s for ${durationS} s, ${connections} connections, arrivals counted by the server per ${WINDOW_MS} ms`);
console.log(row('memprobe', memprobe));
console.log(row('autocannon', autocannon));
const dc = driverCounters as LoadCounters | null;
if (dc) {
  console.log(`  memprobe's own counters: ${dc.requests} requests, ${dc.dropped} dropped (no free slot), ${dc.overdue ?? 0} overdue, ${dc.errors} errors, latency p99 ${dc.latencyMs?.p99 ?? '-'} ms`);
}
console.log(`  autocannon's window counts vary ${(autocannon.cv / memprobe.cv).toFixed(1)}x as much as memprobe's`);
const pass = memprobe.cv < autocannon.cv / 5 && Math.abs(memprobe.achievedRps - rps) / rps < 0.02;
console.log(pass ? 'PASS' : 'FAIL');
process.exitCode = pass ? 0 : 1;
