/**
 * memprobe's own memory: drive a no-op target at 20,000/s and watch the resident set
 * of the harness's processes (this one, the parent, and the target's child process). Target: each
 * grows by less than 20 MB between 30 s and 150 s.
 *
 *   npm run bench:own-memory [-- --rps 20000 --duration 150 --from 30 --target script|http]
 *
 * `--target http` drives the echo server fixture through the HTTP driver's worker thread instead
 * (choose a rate the machine can serve; the server is the child then).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createHttpLoad } from '../harness/http-load.js';
import { startHttpTarget } from '../harness/http-target.js';
import { startScriptTarget } from '../harness/script-target.js';
import type { LoadDriver, TargetProcess } from '../harness/target-process.js';

const { values } = parseArgs({
  options: {
    rps: { type: 'string', default: '20000' },
    duration: { type: 'string', default: '150' },
    from: { type: 'string', default: '30' },
    target: { type: 'string', default: 'script' },
    vus: { type: 'string', default: '100' },
  },
});
const rps = Number(values.rps);
const durationS = Number(values.duration);
const fromS = Number(values.from);
const vus = Number(values.vus);
const LIMIT_MB = 20;
const SAMPLE_EVERY_S = 10;

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

let target: TargetProcess;
let load: LoadDriver;
if (values.target === 'http') {
  const port = 40000 + (process.pid % 20000);
  const url = `http://127.0.0.1:${port}/`;
  target = await startHttpTarget({
    command: [process.execPath, fileURLToPath(new URL('../fixtures/http-echo-server.mjs', import.meta.url))],
    url,
    env: { ...process.env, PORT: String(port) },
    logFile: '/dev/null',
  });
  load = createHttpLoad({ url, rps, vus });
  await load.whenReady?.();
} else {
  const script = fileURLToPath(new URL('../fixtures/noop-iteration.mjs', import.meta.url));
  const started = await startScriptTarget({ script, vus, logFile: '/dev/null' });
  target = started.target;
  load = started.createLoad(rps, vus);
}

console.log(`own memory: ${values.target} target, ${rps}/s for ${durationS} s; RSS in MB`);
console.log('      t   requests  dropped   parent  parent-heap   child');
const samples: Array<{ t: number; parent: number; child: number }> = [];
const t0 = performance.now();
load.start();
for (let t = SAMPLE_EVERY_S; t <= durationS; t += SAMPLE_EVERY_S) {
  await new Promise((r) => setTimeout(r, t0 + t * 1000 - performance.now()));
  const c = load.counters();
  const sample = { t, parent: process.memoryUsage.rss() / 2 ** 20, child: rssMb(target.pid) };
  samples.push(sample);
  const heap = process.memoryUsage().heapUsed / 2 ** 20;
  console.log(
    `${String(t).padStart(5)} s ${String(c.requests).padStart(10)} ${String(c.dropped).padStart(8)} ${sample.parent.toFixed(1).padStart(8)} ${heap.toFixed(1).padStart(12)} ${sample.child.toFixed(1).padStart(7)}`,
  );
}
await load.stop();
const final = load.counters();
await target.close();

const at = (t: number) => samples.reduce((best, s) => (Math.abs(s.t - t) < Math.abs(best.t - t) ? s : best));
const first = at(fromS);
const last = samples[samples.length - 1];
const parentGrowth = last.parent - first.parent;
const childGrowth = last.child - first.child;
console.log(`  achieved ${(final.requests / durationS).toFixed(0)}/s, dropped ${final.dropped}, errors ${final.errors}`);
console.log(`  parent grew ${parentGrowth.toFixed(1)} MB, child grew ${childGrowth.toFixed(1)} MB between ${first.t} s and ${last.t} s (limit ${LIMIT_MB} MB each)`);
const pass = parentGrowth < LIMIT_MB && childGrowth < LIMIT_MB;
console.log(pass ? 'PASS' : 'FAIL');
process.exitCode = pass ? 0 : 1;
