/**
 * Rate precision: a no-op script target driven at 20,000 iterations/s for 20 s in the real
 * child process. Target: achieved rate within 1% of the target, at most 0.1% dropped.
 *
 *   npm run bench:rate [-- --rps 20000 --duration 20 --vus 100]
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startScriptTarget } from '../harness/script-target.js';

const { values } = parseArgs({
  options: {
    rps: { type: 'string', default: '20000' },
    duration: { type: 'string', default: '20' },
    vus: { type: 'string', default: '100' },
  },
});
const rps = Number(values.rps);
const durationS = Number(values.duration);
const vus = Number(values.vus);
const script = fileURLToPath(new URL('../fixtures/noop-iteration.mjs', import.meta.url));

/** CPU seconds a process has used (user + system), from /proc: the scheduler must not spin a core. */
function cpuSeconds(pid: number): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
  } catch {
    return null;
  }
}

const { target, createLoad } = await startScriptTarget({ script, vus, logFile: '/dev/null' });
const load = createLoad(rps, vus);
const cpuBefore = cpuSeconds(target.pid);
const t0 = performance.now();
load.start();
const perSecond: number[] = [];
let previous = 0;
for (let s = 1; s <= durationS; s++) {
  await new Promise((r) => setTimeout(r, t0 + s * 1000 - performance.now()));
  const { requests } = load.counters();
  perSecond.push(requests - previous);
  previous = requests;
}
await load.stop();
const elapsedS = (performance.now() - t0) / 1000;
const cpuAfter = cpuSeconds(target.pid);
const c = load.counters();
await target.close();

const offered = c.requests + c.dropped + (c.overdue ?? 0);
const achieved = c.requests / durationS;
const errorPct = ((achieved - rps) / rps) * 100;
const droppedPct = offered ? ((c.dropped + (c.overdue ?? 0)) / offered) * 100 : 0;
const pass = Math.abs(errorPct) <= 1 && droppedPct <= 0.1;
console.log(`rate precision: no-op script target, ${rps}/s for ${durationS} s, vus ${vus}`);
console.log(`  completed      ${c.requests} (expected ${Math.floor(rps * durationS)}), wall ${elapsedS.toFixed(2)} s`);
console.log(`  achieved       ${achieved.toFixed(1)}/s (${errorPct >= 0 ? '+' : ''}${errorPct.toFixed(3)}% of target; limit ±1%)`);
console.log(`  not started    ${c.dropped} dropped (no free slot) + ${c.overdue ?? 0} overdue (after a pause) = ${droppedPct.toFixed(4)}% (limit 0.1%)`);
console.log(`  errors         ${c.errors}`);
console.log(`  per second     min ${Math.min(...perSecond)} max ${Math.max(...perSecond)} (as the parent sampled IPC counters)`);
if (c.latencyMs) console.log(`  iteration ms   p50 ${c.latencyMs.p50} p99 ${c.latencyMs.p99} max ${c.latencyMs.max}`);
if (cpuBefore !== null && cpuAfter !== null) {
  console.log(`  child CPU      ${(((cpuAfter - cpuBefore) / elapsedS) * 100).toFixed(0)}% of one core`);
}
console.log(pass ? 'PASS' : 'FAIL');
process.exitCode = pass ? 0 : 1;
