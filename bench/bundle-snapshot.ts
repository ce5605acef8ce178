/**
 * What preparing a target as DevTools does (`Debugger.enable` + `Debugger.disable`, see
 * `prepareForSnapshot` in harness/heap-capture.ts) saves on a heap snapshot of a target that has
 * loaded a large bundle. Three fresh target processes, each taking two snapshots over the inspector
 * the way memprobe does (forced GC, then `HeapProfiler.takeHeapSnapshot`, streamed to a file):
 *
 * - `bundle, unprepared`: loaded the 9 MB `typescript.js` (node_modules/typescript/lib), no Debugger
 * - `bundle, prepared`: the same, with the preparation before each snapshot (what memprobe does)
 * - `no bundle`: the same heap of application objects without the bundle, unprepared (the baseline)
 *
 *   npx tsx bench/bundle-snapshot.ts [-- --objects 200000]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { InspectorClient } from '../harness/inspector-client.js';
import { enableHeapProfiler, takeHeapSnapshot } from '../harness/heap-capture.js';
import { forkInspectable } from '../test/helpers/inspectable-node.js';

const { values } = parseArgs({ options: { objects: { type: 'string', default: '200000' } } });
const objects = Number(values.objects);
const bundle = import.meta.resolve('typescript/lib/typescript.js');

const TARGET = (withBundle: boolean) => `
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
${withBundle ? `globalThis.ts = require(${JSON.stringify(new URL(bundle).pathname)});` : ''}
globalThis.records = Array.from({ length: ${objects} }, (_, i) => ({ id: i, name: 'r' + i }));
setInterval(() => {}, 1000);
console.error('ready');
`;

const dir = mkdtempSync(join(tmpdir(), 'memprobe-bundle-bench-'));

async function measure(label: string, withBundle: boolean, prepare: boolean): Promise<void> {
  const file = join(dir, `${label.replace(/\W+/g, '-')}.mjs`);
  writeFileSync(file, TARGET(withBundle));
  const { child, url } = await forkInspectable(file);
  const client = await InspectorClient.connect(url);
  await enableHeapProfiler(client);
  const pauses: string[] = [];
  for (let i = 1; i <= 2; i++) {
    const out = join(dir, `${label.replace(/\W+/g, '-')}-${i}.heapsnapshot`);
    const capture = await takeHeapSnapshot(client, out, { prepare, stallTimeoutMs: 600_000 });
    pauses.push(`${(capture.pauseMs / 1000).toFixed(2)} s${prepare ? ` (+${capture.prepareMs.toFixed(0)} ms prepare)` : ''}, ${(capture.bytes / 1e6).toFixed(0)} MB`);
    rmSync(out, { force: true });
  }
  await client.close();
  child.kill();
  console.log(`  ${label.padEnd(20)} snapshot 1: ${pauses[0]}; snapshot 2: ${pauses[1]}`);
}

console.log(`heap snapshot pause, ${objects} records in the heap; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
await measure('bundle, unprepared', true, false);
await measure('bundle, prepared', true, true);
await measure('no bundle', false, false);
console.log(`load average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
rmSync(dir, { recursive: true, force: true });
