// Runs one fixture (a script target, docs/contract.md) in this process at a steady rate and writes heap
// snapshots at evenly spaced points after warm-up, with the requests completed and the time of
// each, plus a sampling heap profile over the whole run. Stands in for `memprobe run` in tests
// until the harness is wired in; it drives load the same way (absolute clock, catch-up batches).
//
// usage: node --expose-gc fixture-snapshot-driver.mjs <fixture> <outdir>
//          [--rps 1000] [--seconds 6] [--snapshots 5] [--warmup 1] [--profile]
// writes: <outdir>/NNN.heapsnapshot, <outdir>/run.json { snapshots: [{file,t,requests}], ... },
//         <outdir>/allocation.heapprofile when --profile
import { writeHeapSnapshot } from 'node:v8';
import { Session } from 'node:inspector/promises';
import { writeFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [fixturePath, outDir, ...rest] = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = rest.indexOf(`--${name}`);
  return i >= 0 ? Number(rest[i + 1]) : fallback;
};
const rps = flag('rps', 1000);
const seconds = flag('seconds', 6);
const snapshotCount = flag('snapshots', 5);
const warmup = flag('warmup', Math.max(0.5, seconds * 0.15));
const profile = rest.includes('--profile');
if (!fixturePath || !outDir || typeof globalThis.gc !== 'function') {
  console.error('usage: node --expose-gc fixture-snapshot-driver.mjs <fixture> <outdir> [--rps N] [--seconds S] [--snapshots K] [--warmup W] [--profile]');
  process.exit(2);
}
mkdirSync(outDir, { recursive: true });

const fixture = await import(pathToFileURL(resolve(fixturePath)).href);
const state = typeof fixture.setup === 'function' ? await fixture.setup() : undefined;
const iteration = fixture.default;

let session = null;
if (profile) {
  session = new Session();
  session.connect();
  await session.post('HeapProfiler.startSampling', { samplingInterval: 4096 });
}

// Snapshot points: the first after warm-up, the last at the end, evenly spaced between.
const points = Array.from({ length: snapshotCount }, (_, k) =>
  snapshotCount === 1 ? seconds : warmup + ((seconds - warmup) * k) / (snapshotCount - 1),
);

let started = 0;
let completed = 0;
let errors = 0;
let firstError = null;
const done = () => completed++;
const failed = (err) => {
  completed++;
  errors++;
  firstError ??= err;
};
// Load time: wall time minus snapshot pauses, so that each interval between snapshots gets its
// full share of load (on a busy 2-core machine a snapshot can take longer than the interval) and
// no catch-up burst follows a pause.
const t0 = performance.now();
let pausedMs = 0;
const elapsed = () => (performance.now() - t0 - pausedMs) / 1000;
const snapshots = [];

function takeSnapshot(index) {
  const pauseStart = performance.now();
  globalThis.gc();
  const t = elapsed();
  const requests = completed;
  const file = join(outDir, `${String(index + 1).padStart(3, '0')}.heapsnapshot`);
  writeHeapSnapshot(file);
  pausedMs += performance.now() - pauseStart;
  snapshots.push({ file, t, requests });
}

await new Promise((finish) => {
  const tick = () => {
    // Snapshot first, at the start of a macrotask: the iterations started by the previous tick
    // have run their microtasks, so `completed` counts what the heap shows.
    if (snapshots.length < points.length && elapsed() >= points[snapshots.length]) {
      takeSnapshot(snapshots.length);
    }
    if (snapshots.length >= points.length) return finish();
    const now = elapsed();
    // Open model on an absolute clock: everything due by now starts now (late ticks catch up).
    const due = Math.min(Math.floor(now * rps), Math.floor(seconds * rps));
    while (started < due) {
      started++;
      try {
        const r = iteration(state);
        if (r && typeof r.then === 'function') r.then(done, failed);
        else done();
      } catch (err) {
        failed(err);
      }
    }
    setTimeout(tick, 5);
  };
  tick();
});

if (session) {
  const { profile: heapProfile } = await session.post('HeapProfiler.stopSampling');
  writeFileSync(join(outDir, 'allocation.heapprofile'), JSON.stringify(heapProfile));
  session.disconnect();
}
if (typeof fixture.teardown === 'function') await fixture.teardown(state);
writeFileSync(
  join(outDir, 'run.json'),
  JSON.stringify({ fixture: fixturePath, rps, seconds, snapshots, errors, firstError: firstError ? String(firstError) : null }, null, 2),
);
process.exit(0);
