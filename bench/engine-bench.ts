/**
 * Engine benchmark: memprobe against memlab (and a bare JSON.parse) on the same generated snapshots,
 * each measured in its own child process under `/usr/bin/time -v` (wall time, peak RSS).
 *
 *   npm run bench:engine -- [sizes in MB, default 50,250,700] [--skip-memlab] [--skip-json]
 *
 * Snapshots come from `bench/snapshot-generator.mjs` (TrendSinks holding millions of samples plus
 * objects with closures) and are cached in `bench/out/`. Figures taken on a shared machine are
 * noisy; compare columns of one run rather than runs.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, statSync, mkdirSync } from 'node:fs';
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

function analyzeCommandExists(): boolean {
  const cli = join(repo, 'dist', 'cli', 'memprobe.js');
  if (!existsSync(cli)) return false;
  const help = spawnSync(process.execPath, [cli, 'analyze', '--help'], { encoding: 'utf8' });
  return help.status === 0 && help.stdout.includes('--json');
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

const mb = (bytes: number | null) => (bytes === null ? '-' : `${(bytes / 1e6).toFixed(0)} MB`);
const secs = (s: number | null) => (s === null ? '-' : `${s.toFixed(2)} s`);

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const sizes = (args.find((a) => /^\d+(,\d+)*$/.test(a)) ?? '50,250,700').split(',').map(Number);
  const skipMemlab = args.includes('--skip-memlab');
  const skipJson = args.includes('--skip-json');
  const withAnalyze = analyzeCommandExists();
  if (!withAnalyze) console.error('note: `memprobe analyze` is not built yet; timing the parser alone');
  const rows: string[][] = [];
  for (const size of sizes) {
    const file = ensureSnapshot(size);
    const bytes = statSync(file).size;
    console.error(`\n${file} (${mb(bytes)})`);
    const runs: Measurement[] = [];
    runs.push(await timed('memprobe parse only', process.execPath, [join(repo, 'dist', 'bench', 'parse-snapshot.js'), file]));
    // The same without the edge-tail worker: what the second core buys (wall) and costs (CPU, RSS).
    runs.push(await timed('memprobe parse only, one thread', process.execPath, [join(repo, 'dist', 'bench', 'parse-snapshot.js'), file, '--sequential']));
    if (withAnalyze) {
      runs.push(await timed('memprobe analyze --json', process.execPath, [join(repo, 'dist', 'cli', 'memprobe.js'), 'analyze', file, '--json']));
    }
    if (!skipMemlab) {
      runs.push(await timed('memlab getFullHeapFromFile', process.execPath, [BIG_HEAP, join(repo, 'dist', 'bench', 'memlab-full-heap.js'), file]));
    }
    if (!skipJson) {
      // Past the string limit this fails at once (ERR_STRING_TOO_LONG); run anyway, as evidence.
      runs.push(
        await timed('JSON.parse (whole file)', process.execPath, [BIG_HEAP, '-e', `JSON.parse(require('fs').readFileSync(${JSON.stringify(file)}, 'utf8'))`]),
      );
    }
    let memprobeTrendSink: number | null = null;
    let memlabTrendSink: number | null = null;
    for (const run of runs) {
      const result = run.ok ? lastJsonLine(run.output) : null;
      let detail = run.ok ? '' : `FAILED: ${run.error}`;
      if (!run.ok && run.label.startsWith('JSON.parse') && bytes >= JSON_PARSE_LIMIT) {
        detail = `cannot: ${run.error}`;
      }
      if (result && run.label.startsWith('memprobe parse')) {
        detail = `${result.nodeCount} nodes, ${result.edgeCount} edges, parse ${result.parseMs} ms in-process, CPU ${result.cpuUserMs} ms user + ${result.cpuSystemMs} ms sys`;
      } else if (result && run.label.startsWith('memprobe analyze')) {
        const owners = (result.owners ?? []) as Array<{ owner: string; retainedBytes: number }>;
        memprobeTrendSink = owners.find((o) => o.owner === 'TrendSink')?.retainedBytes ?? null;
        detail = `TrendSink retains ${memprobeTrendSink ?? '?'} B`;
      } else if (result && run.label.startsWith('memlab')) {
        memlabTrendSink = Number(result.trendSinkRetained);
        detail = `TrendSink retains ${memlabTrendSink} B (${result.trendSinkCount} instances)`;
      }
      rows.push([mb(bytes), run.label, secs(run.wallS), secs(run.cpuS), mb(run.peakRssBytes), detail]);
      console.error(`  ${run.label}: ${secs(run.wallS)} wall, ${secs(run.cpuS)} CPU, ${mb(run.peakRssBytes)} ${detail}`);
    }
    if (memprobeTrendSink !== null && memlabTrendSink) {
      const diff = ((memprobeTrendSink - memlabTrendSink) / memlabTrendSink) * 100;
      rows.push([mb(bytes), 'TrendSink retained: memprobe vs memlab', '', '', '', `${diff >= 0 ? '+' : ''}${diff.toFixed(2)}%`]);
    }
  }
  const header = ['file', 'engine', 'wall', 'CPU', 'peak RSS', 'notes'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i >= 2 && i <= 4 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ');
  console.log(`\n${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}`);
  for (const row of rows) console.log(line(row));
}

await main();
