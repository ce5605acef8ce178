/**
 * Which driver for V8's sampling heap profiler ("v8-profiler-next in the target, or
 * HeapProfiler.startSampling through the inspector: measure and choose"). Both end in the same
 * `v8::HeapProfiler::StartSamplingHeapProfiler`; what differs is where the profile is built and how
 * it travels. This measures what the target pays: allocation throughput of a busy loop with
 * sampling off, driven over the inspector (what memprobe does), and driven in-process by the addon,
 * in interleaved rounds, plus the cost of fetching the profile both ways.
 *
 *   npx tsx bench/allocation-sampling.ts [-- --rounds 5 --window 2000 --interval 32768]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { InspectorClient } from '../harness/inspector-client.js';
import { enableHeapProfiler } from '../harness/heap-capture.js';
import { forkInspectable } from '../test/helpers/inspectable-node.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    window: { type: 'string', default: '2000' },
    interval: { type: 'string', default: '32768' },
  },
});
const rounds = Number(values.rounds);
const windowMs = Number(values.window);
const intervalBytes = Number(values.interval);

// The target: allocates short-lived and a few long-lived objects in slices, so the event loop (and
// the inspector) keep running; counts objects made per window when asked.
const TARGET = `
const profiler = await import(${JSON.stringify(import.meta.resolve('v8-profiler-next'))}).then((m) => m.default ?? m);
let made = 0;
const kept = [];
function slice() {
  let keep = [];
  for (let i = 0; i < 20000; i++) { keep.push({ i, s: 'v' + i }); if (keep.length > 500) keep = []; }
  if (kept.length < 20000) kept.push(keep[0]);
  made += 20000;
  setImmediate(slice);
}
slice();
process.on('message', (m) => {
  if (m.type === 'window') { const start = made; setTimeout(() => process.send({ made: made - start }), m.ms); }
  if (m.type === 'addon-start') { profiler.startSamplingHeapProfiling(m.interval, 64); process.send({}); }
  if (m.type === 'addon-stop') {
    const t = performance.now(); const profile = profiler.stopSamplingHeapProfiling();
    const json = JSON.stringify(profile); process.send({ ms: performance.now() - t, bytes: json.length });
  }
});
console.error('ready');
`;

const dir = mkdtempSync(join(tmpdir(), 'memprobe-sampling-bench-'));
const file = join(dir, 'target.mjs');
writeFileSync(file, TARGET);
const { child, url } = await forkInspectable(file);
const ask = <T>(message: object): Promise<T> =>
  new Promise((resolve) => {
    child.once('message', (reply) => resolve(reply as T));
    child.send(message);
  });
const client = await InspectorClient.connect(url);
await enableHeapProfiler(client);

const throughput: Record<'off' | 'inspector' | 'addon', number[]> = { off: [], inspector: [], addon: [] };
const fetchMs: Record<'inspector' | 'addon', number[]> = { inspector: [], addon: [] };
const measure = async () => (await ask<{ made: number }>({ type: 'window', ms: windowMs })).made / (windowMs / 1000);

for (let r = 0; r < rounds; r++) {
  throughput.off.push(await measure());

  await client.send('HeapProfiler.startSampling', { samplingInterval: intervalBytes });
  throughput.inspector.push(await measure());
  const t = performance.now();
  await client.send('HeapProfiler.stopSampling', {}, { timeoutMs: 60_000 });
  fetchMs.inspector.push(performance.now() - t);

  await ask({ type: 'addon-start', interval: intervalBytes });
  throughput.addon.push(await measure());
  fetchMs.addon.push((await ask<{ ms: number }>({ type: 'addon-stop' })).ms);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const off = median(throughput.off);
console.log(`allocation sampling, ${intervalBytes} B interval, ${rounds} interleaved rounds of ${windowMs} ms (medians):`);
for (const mode of ['off', 'inspector', 'addon'] as const) {
  const m = median(throughput[mode]);
  const change = (m / off - 1) * 100;
  const cost = mode === 'off' ? '' : `  (${change >= 0 ? '+' : ''}${change.toFixed(1)}% vs off)`;
  const fetch = mode === 'off' ? '' : `  stop+fetch profile ${median(fetchMs[mode]).toFixed(0)} ms`;
  console.log(`  ${mode.padEnd(9)} ${(m / 1e6).toFixed(2)} M objects/s${cost}${fetch}`);
}
await client.close();
child.kill();
rmSync(dir, { recursive: true, force: true });
