/**
 * Engine benchmark: `memprobe analyze --json` against memlab's `getFullHeapFromFile` and a bare
 * one-core digit scan of the same file (`bare-scan.ts`: 16 MiB reads, each run of digits turned
 * into an integer, nothing else: the floor under any parser), on generated snapshots from 50 MB to
 * about 2.5 GB. Each is measured in its own child process under `/usr/bin/time -v`: wall time, CPU
 * (user + system, all threads) and peak RSS. memprobe's cost is also given in nanoseconds of wall
 * time per edge, so a reader sees whether it grows linearly, and as ratios to the other two.
 *
 *   npm run bench:engine -- [sizes in MB, default 50,250,725,2350] [--runs N] [--skip-memlab]
 *                           [--memlab-max MB] [--with-parse] [--with-json] [--cli dir]
 *
 * `--runs N` repeats every measurement N times (default 1) and keeps the median of each figure;
 * memprobe and the bare scan run in turns (memprobe, scan, memprobe, scan, ...), and "same, per
 * turn" is the median of each turn's ratio of the two wall times, which a machine whose speed
 * drifts over minutes moves less than the ratio of the medians;
 * `--memlab-max` skips memlab above that many MB (it takes minutes and ~8 GB at 2.5 GB);
 * `--with-parse` adds memprobe's parser alone (with and without the edges worker);
 * `--with-json` adds JSON.parse of the whole file (impossible past V8's ~512 MB string limit);
 * `--cli dir` times another build's `dist` (for before/after tables).
 *
 * Snapshots come from `bench/snapshot-generator.mjs` (TrendSinks holding millions of samples plus
 * objects with closures; the target 725 gives 757 MB, 2350 gives 2.50 GB) and are cached in
 * `bench/out/`. Generating the 2.50 GB one takes about 2 minutes and 17 GB of RSS (the generator's
 * own heap); delete it when done. Figures taken on a shared machine are noisy: the load average is printed with the
 * table; compare columns of one run rather than runs.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, statSync, mkdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const outDir = join(repo, 'bench', 'out');
const BIG_HEAP = '--max-old-space-size=16384';
/** JSON.parse needs the file as one string: past V8's ~512 MB limit it cannot even start. */
const JSON_PARSE_LIMIT = 512 * 1024 * 1024;

interface Measurement {
  label: string;
  wallS: number | null;
  /** User + system CPU seconds: steadier than wall time when the machine is shared. */
  cpuS: number | null;
  peakRssBytes: number | null;
  ok: boolean;
  output: string;
  error: string;
}

async function timed(label: string, command: string, args: string[]): Promise<Measurement> {
  const child = spawn('/usr/bin/time', ['-v', command, ...args], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code: number | null = await new Promise((done) => child.on('close', done));
  const wall = /Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)/.exec(stderr);
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
  const user = /User time \(seconds\): ([\d.]+)/.exec(stderr);
  const system = /System time \(seconds\): ([\d.]+)/.exec(stderr);
  const timeReport = stderr.indexOf('\tCommand being timed');
  return {
    label,
    wallS: wall ? Number(wall[1] ?? 0) * 3600 + Number(wall[2]) * 60 + Number(wall[3]) : null,
    cpuS: user && system ? Number(user[1]) + Number(system[1]) : null,
    peakRssBytes: rss ? Number(rss[1]) * 1024 : null,
    ok: code === 0,
    output: stdout.trim(),
    error: summariseError(timeReport >= 0 ? stderr.slice(0, timeReport) : stderr),
  };
}

/** The line that names the error (a one-line `memprobe:` message or a thrown Error), else the tail. */
function summariseError(stderr: string): string {
  const lines = stderr.trim().split('\n');
  return lines.find((l) => /^(memprobe: |\w*Error\b)/.test(l)) ?? lines.slice(-3).join(' | ');
}

function ensureSnapshot(targetMb: number): string {
  const file = join(outDir, `trendsink-${targetMb}mb.heapsnapshot`);
  if (existsSync(file)) return file;
  mkdirSync(outDir, { recursive: true });
  console.error(`generating ${file} ...`);
  const result = spawnSync(process.execPath, [BIG_HEAP, join(repo, 'bench', 'snapshot-generator.mjs'), file, String(targetMb)], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (result.status !== 0) throw new Error(`snapshot generator failed for ${targetMb} MB`);
  return file;
}

function lastJsonLine(text: string): Record<string, unknown> | null {
  const lines = text.split('\n').filter((l) => l.trim().startsWith('{'));
  if (lines.length === 0) {
    // analyze --json prints one (possibly multi-line) document
    try {
      return JSON.parse(text) as Record<string, unknown>;
    } catch {
      return null;
    }
  }
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    try {
      return JSON.parse(lines[lines.length - 1]) as Record<string, unknown>;
    } catch {
      return null;
    }
  }
}

const mb = (bytes: number | null) => (bytes === null ? '-' : bytes >= 1e9 ? `${(bytes / 1e9).toFixed(2)} GB` : `${(bytes / 1e6).toFixed(0)} MB`);
const secs = (s: number | null) => (s === null ? '-' : `${s.toFixed(2)} s`);
const ratio = (a: number | null, b: number | null) => (a === null || b === null || b === 0 ? '-' : `${(a / b).toFixed(2)}x`);

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** `runs` measurements of one command, folded into one: the median of each figure over the runs that succeeded. */
async function timedRuns(runs: number, label: string, command: string, args: string[]): Promise<Measurement> {
  const all: Measurement[] = [];
  for (let i = 0; i < runs; i++) {
    const m = await timed(label, command, args);
    all.push(m);
    if (!m.ok) return m;
  }
  return folded(all);
}

function folded(all: Measurement[]): Measurement {
  const pick = (f: (m: Measurement) => number | null) => median(all.map(f).filter((v): v is number => v !== null));
  return { ...all[all.length - 1], wallS: pick((m) => m.wallS), cpuS: pick((m) => m.cpuS), peakRssBytes: pick((m) => m.peakRssBytes) };
}

interface Command {
  label: string;
  command: string;
  args: string[];
}

/**
 * `runs` measurements of two commands taken in turns (a, b, a, b, ...), each folded as `timedRuns`
 * does, and the median over the turns of a's wall time over b's. On a shared machine, whose speed
 * drifts over minutes, two commands run one after the other see the same machine, where N runs of
 * one then N of the other may not.
 */
async function timedInTurns(runs: number, a: Command, b: Command): Promise<{ a: Measurement; b: Measurement; wallRatio: number | null }> {
  const as: Measurement[] = [];
  const bs: Measurement[] = [];
  const ratios: number[] = [];
  for (let i = 0; i < runs; i++) {
    const ma = await timed(a.label, a.command, a.args);
    as.push(ma);
    if (!ma.ok) break;
    const mb = await timed(b.label, b.command, b.args);
    bs.push(mb);
    if (!mb.ok) break;
    if (ma.wallS !== null && mb.wallS !== null && mb.wallS > 0) ratios.push(ma.wallS / mb.wallS);
  }
  const last = (all: Measurement[]) => (all.length > 0 && !all[all.length - 1].ok ? all[all.length - 1] : null);
  return {
    a: last(as) ?? folded(as),
    b: bs.length === 0 ? { ...as[as.length - 1], label: b.label, ok: false, error: 'not run' } : (last(bs) ?? folded(bs)),
    wallRatio: ratios.length === runs ? median(ratios) : null,
  };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const option = (name: string): string | null => {
    const at = args.indexOf(name);
    return at >= 0 && at + 1 < args.length ? args[at + 1] : null;
  };
  const sizes = (args.find((a) => /^\d+(,\d+)*$/.test(a) && args[args.indexOf(a) - 1] !== '--runs' && args[args.indexOf(a) - 1] !== '--memlab-max') ?? '50,250,725,2350')
    .split(',')
    .map(Number);
  const runs = Number(option('--runs') ?? 1);
  const memlabMax = Number(option('--memlab-max') ?? Infinity);
  const skipMemlab = args.includes('--skip-memlab');
  const withJson = args.includes('--with-json');
  const withParse = args.includes('--with-parse');
  const dist = resolve(option('--cli') ?? join(repo, 'dist'));
  const cli = join(dist, 'cli', 'memprobe.js');
  if (!existsSync(cli)) throw new Error(`no memprobe build at ${cli}`);
  const rows: string[][] = [];
  const loads: number[] = [];
  const ratios: string[][] = [];
  for (const size of sizes) {
    const file = ensureSnapshot(size);
    const bytes = statSync(file).size;
    console.error(`\n${file} (${mb(bytes)}), load average ${loadavg()[0].toFixed(2)}`);
    loads.push(loadavg()[0]);
    const measured: Measurement[] = [];
    const turns = await timedInTurns(
      runs,
      { label: 'memprobe analyze --json', command: process.execPath, args: [cli, 'analyze', file, '--json'] },
      { label: 'bare one-core digit scan', command: process.execPath, args: [join(repo, 'dist', 'bench', 'bare-scan.js'), file] },
    );
    measured.push(turns.a, turns.b);
    if (!skipMemlab && size <= memlabMax) {
      measured.push(await timedRuns(runs, 'memlab getFullHeapFromFile', process.execPath, [BIG_HEAP, join(repo, 'dist', 'bench', 'memlab-full-heap.js'), file]));
    }
    if (withParse) {
      measured.push(await timedRuns(runs, 'memprobe parse only', process.execPath, [join(dist, 'bench', 'parse-snapshot.js'), file]));
      // Without the edges worker: what the second core buys (wall) and costs (CPU, RSS).
      measured.push(await timedRuns(runs, 'memprobe parse only, one thread', process.execPath, [join(dist, 'bench', 'parse-snapshot.js'), file, '--sequential']));
    }
    if (withJson) {
      // Past the string limit this fails at once (ERR_STRING_TOO_LONG); run anyway, as evidence.
      measured.push(
        await timedRuns(1, 'JSON.parse (whole file)', process.execPath, [BIG_HEAP, '-e', `JSON.parse(require('fs').readFileSync(${JSON.stringify(file)}, 'utf8'))`]),
      );
    }
    let memprobeTrendSink: number | null = null;
    let memlabTrendSink: number | null = null;
    let edgeCount: number | null = null;
    for (const run of measured) {
      const result = run.ok ? lastJsonLine(run.output) : null;
      let detail = run.ok ? '' : `FAILED: ${run.error}`;
      if (!run.ok && run.label.startsWith('JSON.parse') && bytes >= JSON_PARSE_LIMIT) {
        detail = `cannot: ${run.error}`;
      }
      let perEdge = '';
      if (result && run.label.startsWith('memprobe parse')) {
        detail = `parse ${result.parseMs} ms in-process`;
      } else if (result && run.label.startsWith('memprobe analyze')) {
        const owners = (result.owners ?? []) as Array<{ owner: string; retainedBytes: number }>;
        memprobeTrendSink = owners.find((o) => o.owner === 'TrendSink')?.retainedBytes ?? null;
        edgeCount = Number(result.edgeCount);
        detail = `${result.nodeCount} nodes, ${result.edgeCount} edges; TrendSink retains ${memprobeTrendSink ?? '?'} B`;
      } else if (result && run.label.startsWith('memlab')) {
        memlabTrendSink = Number(result.trendSinkRetained);
        detail = `TrendSink retains ${memlabTrendSink} B (${result.trendSinkCount} instances)`;
      } else if (result && run.label.startsWith('bare')) {
        detail = `${result.numbers} numbers`;
      }
      if (edgeCount && run.wallS !== null && run.label.startsWith('memprobe analyze')) perEdge = `${((run.wallS * 1e9) / edgeCount).toFixed(0)}`;
      rows.push([mb(bytes), run.label, secs(run.wallS), secs(run.cpuS), mb(run.peakRssBytes), perEdge, detail]);
      console.error(`  ${run.label}: ${secs(run.wallS)} wall, ${secs(run.cpuS)} CPU, ${mb(run.peakRssBytes)} ${detail}`);
    }
    const [memprobe, bare] = measured;
    const memlab = measured.find((m) => m.label.startsWith('memlab') && m.ok) ?? null;
    ratios.push([
      mb(bytes),
      memlab ? ratio(memlab.wallS, memprobe.wallS) : '-',
      memlab ? ratio(memprobe.peakRssBytes, memlab.peakRssBytes) : '-',
      ratio(memprobe.wallS, bare.wallS),
      turns.wallRatio === null ? '-' : `${turns.wallRatio.toFixed(2)}x`,
      ratio(memprobe.cpuS, bare.cpuS),
      ratio(memprobe.peakRssBytes, bytes),
      memprobeTrendSink !== null && memlabTrendSink ? `${memprobeTrendSink >= memlabTrendSink ? '+' : ''}${(((memprobeTrendSink - memlabTrendSink) / memlabTrendSink) * 100).toFixed(2)}%` : '-',
    ]);
  }
  const table = (header: string[], body: string[][], numeric: (i: number) => boolean) => {
    const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
    const line = (cells: string[]) => cells.map((c, i) => (numeric(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ');
    console.log(`${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}`);
    for (const row of body) console.log(line(row));
  };
  console.log(`\n${runs} run(s) each (median), memprobe and the bare scan in turns; load average ${loads.map((l) => l.toFixed(2)).join(', ')} at the start of each file; ${dist}\n`);
  table(['file', 'engine', 'wall', 'CPU', 'peak RSS', 'ns/edge', 'notes'], rows, (i) => i >= 2 && i <= 5);
  console.log('');
  table(
    ['file', 'memlab wall / memprobe', 'memprobe RSS / memlab', 'memprobe wall / bare scan', 'same, per turn', 'CPU / bare scan', 'RSS / file', 'TrendSink vs memlab'],
    ratios,
    (i) => i >= 1,
  );
}

await main();
