// Writes a heap snapshot of roughly the requested size from a process shaped like the ones memprobe
// diagnoses: TrendSinks accumulating samples (the "accumulation" owner) plus many small objects
// holding closures (the "leak"-like transient objects that survived).
//
//   node --max-old-space-size=8192 bench/snapshot-generator.mjs <out.heapsnapshot> <target MB>
//
// The snapshot size per retained unit was measured on this V8 (about 150 bytes of snapshot per
// sample); the sizes are approximate, which is all the benchmark needs.
import { writeHeapSnapshot } from 'node:v8';
import { statSync, renameSync } from 'node:fs';

const [out, targetArg] = process.argv.slice(2);
if (!out || !targetArg) {
  console.error('usage: snapshot-generator.mjs <out.heapsnapshot> <target MB>');
  process.exit(2);
}
const targetBytes = Number(targetArg) * 1e6;
const SNAPSHOT_BYTES_PER_UNIT = Number(process.env.BYTES_PER_UNIT ?? 150);
const units = Math.max(1000, Math.round(targetBytes / SNAPSHOT_BYTES_PER_UNIT));

class TrendSink {
  constructor(name) {
    this.name = name;
    this.samples = [];
  }
  record(t, value, route) {
    this.samples.push({ t, value, route });
  }
}

class RequestContext {
  constructor(id, sink) {
    this.id = id;
    this.startedAt = id * 3;
    this.onDone = () => sink.record(this.startedAt, this.id, 'done');
  }
}

const registry = { sinks: [new TrendSink('latency'), new TrendSink('bytes')] };
const routes = ['/api/users', '/api/orders', '/health', '/api/search?q=caf\u00e9'];
const leaked = [];
// About 85% of units are samples (three edges each), 15% contexts with a closure and its context.
const sampleCount = Math.round(units * 0.85);
const contextCount = Math.round((units * 0.15) / 3);
for (let i = 0; i < sampleCount; i++) {
  registry.sinks[i & 1].record(i * 1.25, i % 9973, routes[i & 3]);
}
for (let i = 0; i < contextCount; i++) leaked.push(new RequestContext(i, registry.sinks[0]));
globalThis.registry = registry;
globalThis.leaked = leaked;

const tmp = `${out}.partial`;
writeHeapSnapshot(tmp);
renameSync(tmp, out);
console.log(JSON.stringify({ file: out, bytes: statSync(out).size, samples: sampleCount, contexts: contextCount }));
