// Direct measurement of a script target's retained growth per iteration, for bench/corpus.ts.
// Run as: node --expose-gc measure-script.mjs <target.mjs> <rps> <seconds>
// Iterations at <rps> (open model, at most 100 in flight, like memprobe's scheduler): warm-up (3 s),
// then a first phase of <seconds>/3 and a measured one of 2*<seconds>/3, with forced GCs and a heapUsed/external reading after each
// (in-flight work awaited first). The figure is the second phase's growth over its iterations, so
// one-off warm-up allocations (code, inline caches, pools) that are still settling in the first
// phase do not count. Prints one JSON line: {requests, heapPerRequest, externalPerRequest}.
import { pathToFileURL } from 'node:url';

const [target, rpsArg, secondsArg] = process.argv.slice(2);
const rps = Number(rpsArg);
const seconds = Number(secondsArg);
if (typeof globalThis.gc !== 'function') throw new Error('run with --expose-gc');
const mod = await import(pathToFileURL(target).href);
const state = typeof mod.setup === 'function' ? await mod.setup() : undefined;
const iteration = mod.default;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let inflight = 0;
let started = 0;
async function drive(ms) {
  const t0 = performance.now();
  const first = started;
  while (performance.now() - t0 < ms) {
    const due = Math.floor(((performance.now() - t0) / 1000) * rps) - (started - first);
    for (let k = 0; k < due; k++) {
      started++;
      if (inflight >= 100) continue;
      inflight++;
      Promise.resolve()
        .then(() => iteration(state))
        .catch(() => {})
        .finally(() => inflight--);
    }
    await sleep(5);
  }
  return started - first;
}
async function settle() {
  for (let i = 0; i < 40 && inflight > 0; i++) await sleep(50);
  await sleep(100);
  for (let i = 0; i < 3; i++) {
    globalThis.gc();
    await new Promise((r) => setImmediate(r));
  }
  const m = process.memoryUsage();
  return { heap: m.heapUsed, external: m.external + m.arrayBuffers };
}
await drive(3000);
await settle();
await drive((seconds * 1000) / 3);
const before = await settle();
const n = await drive((seconds * 2000) / 3);
const after = await settle();
process.stdout.write(
  JSON.stringify({ requests: n, heapPerRequest: (after.heap - before.heap) / n, externalPerRequest: (after.external - before.external) / n }) + '\n',
);
if (typeof mod.teardown === 'function') await mod.teardown(state);
process.exit(0);
