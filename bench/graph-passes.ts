/**
 * Per-pass timing of the graph engine on one snapshot: the file is parsed once, then the whole
 * `summarizeSnapshot` pipeline (the same wiring `memprobe analyze` runs) is repeated, and each named
 * pass is timed by wall clock and by the process's CPU time (user + system, from
 * `process.cpuUsage`). On a shared machine wall time follows the load average while CPU time stays
 * put, so compare CPU columns across runs; the minimum is the least disturbed figure. Process CPU
 * counts every thread: on files big enough for shared columns the shortest-path BFS runs on a
 * worker thread during the dominator pass, so its CPU shows in that pass's row (and its own row
 * is the wait for it, usually nothing).
 *
 *   npm run bench:graph -- <file.heapsnapshot> [--repeat N] [--json] [--trace-passes]
 *
 * `--trace-passes` prints a `[pass] name` line as each pass starts: run with `node --trace-gc` to
 * see which pass each garbage collection falls in.
 *
 * The summary's SHA-256 is printed too: two builds that agree on it produced the same owners,
 * retained sizes, counts and paths, byte for byte.
 */
import { createHash } from 'node:crypto';
import { parseSnapshotFile } from '../analyzers/snapshot-parser.js';
import { summarizeSnapshot, type PassRunner } from '../analyzers/summarize-snapshot.js';

interface Sample {
  wallMs: number;
  cpuMs: number;
}

function usage(message: string): never {
  console.error(`graph-passes: ${message}\nusage: graph-passes <file.heapsnapshot> [--repeat N] [--json] [--trace-passes]`);
  process.exit(2);
}

const args = process.argv.slice(2);
let file: string | null = null;
let repeat = 3;
let json = false;
let tracePasses = false;
for (let i = 0; i < args.length; i++) {
  const arg = args[i];
  if (arg === '--repeat') {
    repeat = Number(args[++i]);
    if (!Number.isInteger(repeat) || repeat < 1) usage('--repeat takes a positive integer');
  } else if (arg === '--json') json = true;
  else if (arg === '--trace-passes') tracePasses = true;
  else if (arg.startsWith('--')) usage(`unknown option ${arg}`);
  else if (file === null) file = arg;
  else usage('one file only');
}
if (file === null) usage('no snapshot file given');

const cpuMs = (): number => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

const parseWall = performance.now();
const parseCpu = cpuMs();
const snapshot = await parseSnapshotFile(file);
const parse: Sample = { wallMs: performance.now() - parseWall, cpuMs: cpuMs() - parseCpu };

const samples = new Map<string, Sample[]>();
const totals: Sample[] = [];
const fingerprints = new Set<string>();
for (let run = 0; run < repeat; run++) {
  const timePass: PassRunner = (name, pass) => {
    // With --trace-gc, a line per pass shows which pass each collection falls in.
    if (tracePasses) console.log(`[pass] ${name}`);
    const wall = performance.now();
    const cpu = cpuMs();
    const result = pass();
    const sample = { wallMs: performance.now() - wall, cpuMs: cpuMs() - cpu };
    let list = samples.get(name);
    if (!list) samples.set(name, (list = []));
    list.push(sample);
    return result;
  };
  const wall = performance.now();
  const cpu = cpuMs();
  const summary = summarizeSnapshot(snapshot, { source: null, t: null, requests: null, cohortBoundaries: [] }, timePass);
  totals.push({ wallMs: performance.now() - wall, cpuMs: cpuMs() - cpu });
  fingerprints.add(createHash('sha256').update(JSON.stringify(summary)).digest('hex'));
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const row = (name: string, list: Sample[]) => ({
  pass: name,
  cpuMinMs: Math.round(Math.min(...list.map((s) => s.cpuMs))),
  cpuMedianMs: Math.round(median(list.map((s) => s.cpuMs))),
  wallMedianMs: Math.round(median(list.map((s) => s.wallMs))),
});
const rows = [...samples].map(([name, list]) => row(name, list));
rows.push(row('total (graph)', totals));
const result = {
  file,
  nodeCount: snapshot.nodeCount,
  edgeCount: snapshot.edgeCount,
  repeat,
  parse: { cpuMs: Math.round(parse.cpuMs), wallMs: Math.round(parse.wallMs) },
  passes: rows,
  peakRssBytes: process.resourceUsage().maxRSS * 1024,
  summarySha256: [...fingerprints],
};

if (json) {
  console.log(JSON.stringify(result, null, 2));
} else {
  console.log(`${file}: ${snapshot.nodeCount} nodes, ${snapshot.edgeCount} edges; parse ${result.parse.cpuMs} ms CPU, ${result.parse.wallMs} ms wall`);
  console.log(`${repeat} run(s) of the graph passes; CPU = user + system of the process\n`);
  console.log(`${'pass'.padEnd(20)}${'CPU min'.padStart(10)}${'CPU median'.padStart(12)}${'wall median'.padStart(13)}`);
  for (const r of rows) {
    console.log(`${r.pass.padEnd(20)}${`${r.cpuMinMs} ms`.padStart(10)}${`${r.cpuMedianMs} ms`.padStart(12)}${`${r.wallMedianMs} ms`.padStart(13)}`);
  }
  console.log(`\npeak RSS ${(result.peakRssBytes / 1024 / 1024).toFixed(0)} MB (parse and repeated runs included)`);
  console.log(`summary sha256 ${result.summarySha256.join(', ')}${fingerprints.size > 1 ? '  (runs DISAGREE)' : ''}`);
}
