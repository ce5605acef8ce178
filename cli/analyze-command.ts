/**
 * `memprobe analyze <a.heapsnapshot> [b ...]`: offline analysis of snapshot files.
 * One file: what the heap holds, by owner (a table, or `memprobe/summary@1` with --json).
 * Two or more files of one process, in order: growth by owner and verdicts (`memprobe/report@1`
 * with `target.kind: "snapshots"`).
 */
import { statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { summarizeSnapshotFile } from '../analyzers/summarize-snapshot.js';
import { toHeapSummaryJson } from '../analyzers/heap-summary-json.js';
import { SnapshotFormatError } from '../analyzers/snapshot-format-error.js';
import type { SnapshotSummary } from '../analyzers/snapshot-summary.js';
import { SnapshotSequence } from '../analyzers/snapshot-sequence.js';
import { renderCandidates } from '../reports/candidates-text.js';
import { continuityProblem, readSnapshotMeta } from '../analyzers/snapshot-continuity.js';
import { discardUnusedRunDirectory, prepareRunDirectory } from '../session/run-directory.js';
import { renderTerminalReport } from '../reports/terminal-report.js';
import { safe } from '../core/control-characters.js';
import { RUN_FILES, type RunRecord } from '../core/run-directory-layout.js';
import { formatBytes, formatCount, parseDuration, parseSize, parseWholeNumber } from '../core/units.js';
import { UsageError } from '../core/usage-error.js';

interface AnalyzeArgv {
  file: string;
  more?: string[];
  json?: boolean;
  top?: string | number;
  requests?: string;
  times?: string;
  'heap-limit'?: string;
  horizon?: string;
  'project-rps'?: string;
  explain?: boolean;
  out?: string;
  'allow-mixed'?: boolean;
}

const TABLE_ROWS = 20;

/** Files smaller than this parse in well under a second: no progress bar. */
const PROGRESS_MIN_BYTES = 50 * 1024 * 1024;

export const analyzeCommand: CommandModule<object, AnalyzeArgv> = {
  command: 'analyze <file> [more..]',
  describe: 'Analyse heap snapshots offline: 1 file -> what the heap holds by owner; 2+ files -> growth and verdicts',
  builder: (yargs: Argv) =>
    yargs
      .usage(
        '$0 analyze <a.heapsnapshot> [b.heapsnapshot ...] [options]\n\n' +
          'One snapshot: the owners that retain the most (retained bytes, instances, one retaining path).\n' +
          'Two or more snapshots of ONE process, oldest first: growth by owner with leak / accumulation / bounded verdicts.',
      )
      .positional('file', { type: 'string', demandOption: true, describe: 'A .heapsnapshot file (Chrome DevTools / v8.writeHeapSnapshot format)' })
      .positional('more', { type: 'string', array: true, describe: 'Later snapshots of the same process, in the order they were taken' })
      .option('json', { type: 'boolean', describe: 'Print memprobe/summary@1 (one file) or memprobe/report@1 (several) on stdout' })
      .option('explain', { type: 'boolean', describe: 'With 2+ files: also list every growing root and owner considered, and why each was reported, folded into another or rejected', group: 'Growth (2+ files):' })
      .option('top', { type: 'string', describe: `Owners to show in the table [default: ${TABLE_ROWS}]; with --json, owners to include [default: all]` })
      .option('requests', { type: 'string', describe: 'Requests served at each snapshot, comma-separated (gives bytes/request), e.g. 1000,2000,3000', group: 'Growth (2+ files):' })
      .option('times', { type: 'string', describe: "Time of each snapshot since the first, e.g. 0s,60s,120s [default: the files' modification times]", group: 'Growth (2+ files):' })
      .option('heap-limit', { type: 'string', describe: 'Heap size for the out-of-memory projection, e.g. 4GB [default: none]', group: 'Growth (2+ files):' })
      .option('horizon', { type: 'string', describe: 'How far ahead the projection looks [default: 24h]', group: 'Growth (2+ files):' })
      .option('project-rps', { type: 'string', describe: 'Also project time-to-limit at these request rates (needs --requests), e.g. 5000,100000', group: 'Growth (2+ files):' })
      .option('out', { type: 'string', describe: 'Also write DIR/report.json and DIR/report.html (charts, findings, snapshots table), as for a run', group: 'Growth (2+ files):' })
      .option('allow-mixed', { type: 'boolean', describe: 'Snapshots that cannot be of one process (node ids do not continue, other meta): warn and turn cohort analysis off instead of refusing', group: 'Growth (2+ files):' })
      .example('$0 analyze heap.heapsnapshot', 'top 20 owners by retained size')
      .example('$0 analyze heap.heapsnapshot --json --top 100 > summary.json', 'memprobe/summary@1 with the 100 largest owners')
      .example('$0 analyze s1.heapsnapshot s2.heapsnapshot s3.heapsnapshot --requests 10000,20000,30000 --heap-limit 4GB', 'growth per request, verdicts and out-of-memory projection')
      .example('$0 analyze s1.heapsnapshot s2.heapsnapshot s3.heapsnapshot --explain', 'also why each growing root and owner was reported, folded or rejected')
      .example('$0 analyze s1.heapsnapshot s2.heapsnapshot --times 0s,10m --horizon 7d --project-rps 5000', 'snapshot times given, projection a week ahead, also at 5,000/s')
      .example('$0 analyze prod-*.heapsnapshot --out prod-report', 'snapshots taken in production: prod-report/report.html and report.json, as for a run')
      .example('$0 analyze replica-a.heapsnapshot replica-b.heapsnapshot --allow-mixed', 'two processes compared anyway (a warning; no cohort analysis)')
      .check((argv) => {
        if (argv.top !== undefined) parseWholeNumber(argv.top, 'top', 1);
        if (argv.out !== undefined && (argv.more ?? []).length === 0) {
          throw new UsageError('--out needs two or more snapshots: a report is about growth', 'memprobe analyze a.heapsnapshot b.heapsnapshot --out DIR');
        }
        if (argv.out !== undefined && argv.out.trim() === '') throw new UsageError('--out: expected a directory');
        return true;
      }) as unknown as Argv<AnalyzeArgv>,
  handler: async (argv) => {
    const files = [argv.file, ...(argv.more ?? [])];
    for (const file of files) checkReadable(file);
    if (files.length === 1) await analyzeOne(files[0], argv);
    else {
      const options = growthOptions(argv, files);
      // The directory is proven writable before minutes of parsing, not after.
      const created = argv.out !== undefined ? prepareRunDirectory(argv.out) : [];
      try {
        await analyzeSeveral(files, argv, options);
      } catch (err) {
        if (argv.out !== undefined) discardUnusedRunDirectory(argv.out, created, { keepLog: false });
        throw err;
      }
    }
  },
};

interface GrowthOptions {
  requests: number[] | null;
  times: number[];
  heapLimitBytes: number | null;
  horizonS: number;
  projectRps: number[];
}

/**
 * Every growth flag, parsed before the first snapshot is read: a multi-gigabyte file takes minutes,
 * and a typo in --heap-limit must not be reported only after them.
 */
function growthOptions(argv: AnalyzeArgv, files: string[]): GrowthOptions {
  const projectRps = argv['project-rps'] !== undefined ? parseList(argv['project-rps'], 'project-rps', null, Number) : [];
  if (projectRps.some((rps) => rps <= 0)) throw new UsageError(`--project-rps: expected rates above 0, got "${argv['project-rps']}"`);
  const heapLimitBytes = argv['heap-limit'] !== undefined ? parseSize(argv['heap-limit'], 'heap-limit') : null;
  if (heapLimitBytes !== null && !(heapLimitBytes > 0)) throw new UsageError('--heap-limit must be above zero');
  const horizonS = argv.horizon !== undefined ? parseDuration(argv.horizon, 'horizon') : 24 * 3600;
  if (!(horizonS > 0)) throw new UsageError('--horizon must be longer than zero');
  return {
    requests: argv.requests !== undefined ? parseList(argv.requests, 'requests', files.length, Number) : null,
    times: argv.times !== undefined ? parseList(argv.times, 'times', files.length, (t) => parseDuration(t, 'times')) : modificationTimes(files),
    heapLimitBytes,
    horizonS,
    projectRps,
  };
}

async function analyzeOne(file: string, argv: AnalyzeArgv): Promise<void> {
  const summary = await withFriendlyErrors(() =>
    summarizeSnapshotFile(file, { source: basename(file), t: null, requests: null, cohortBoundaries: [] }, progressReporter(file)),
  );
  if (argv.json) {
    process.stdout.write(`${JSON.stringify(toHeapSummaryJson(summary, { top: top(argv) }), null, 2)}\n`);
    return;
  }
  process.stdout.write(renderOwnerTable(summary, top(argv) ?? TABLE_ROWS));
}

function top(argv: AnalyzeArgv): number | undefined {
  return argv.top !== undefined ? parseWholeNumber(argv.top, 'top', 1) : undefined;
}

async function analyzeSeveral(files: string[], argv: AnalyzeArgv, options: GrowthOptions): Promise<void> {
  // Loaded here, not at start-up: the report pipeline (verdicts, the HTML report) is most of the
  // CLI's modules, which `analyze` of one file and every other command would otherwise load too
  // (about 30 ms of each command's start-up here).
  const [{ reportFromSummaries }, { reportSnapshotsIntoDirectory }] = await Promise.all([
    import('../pipeline/summaries-to-report.js'),
    import('../pipeline/snapshots-run-directory.js'),
  ]);
  const { requests, times, projectRps } = options;
  // One process's snapshots in order: each with the cohort boundaries of the ones before.
  const sequence = new SnapshotSequence();
  const metas = files.map((file) => readSnapshotMeta(file));
  let summaries: SnapshotSummary[] = [];
  // Why these cannot be one process's snapshots (analyzers/snapshot-continuity.ts), once known.
  let mixed: string | null = null;
  for (const [i, file] of files.entries()) {
    const context = { source: basename(file), t: times[i], requests: requests ? requests[i] : null };
    const summarize = (cohortBoundaries: number[]) => withFriendlyErrors(() => summarizeSnapshotFile(file, { ...context, cohortBoundaries }, progressReporter(file)));
    let summary = mixed ? await summarize([]) : await sequence.next(summarize);
    if (!mixed) {
      mixed = continuityProblem(
        [...summaries, summary].map((s, k) => ({ file: files[k], meta: metas[k], maxNodeId: s.maxNodeId, nodeCount: s.nodeCount, bornBefore: bornBefore(s), identity: s.identity })),
      );
      if (mixed && !argv['allow-mixed']) {
        throw new UsageError(mixed, 'give the snapshots of one process, oldest first; --allow-mixed compares them anyway, without cohorts');
      }
      if (mixed) {
        // Cohorts across processes mean nothing: every summary without them.
        process.stderr.write(`memprobe: warning: ${mixed}; cohort analysis is off (--allow-mixed)\n`);
        summaries = summaries.map(withoutCohorts);
        summary = withoutCohorts(summary);
      }
    }
    summaries.push(summary);
  }

  const elapsed = times[times.length - 1] - times[0];
  const served = requests ? requests[requests.length - 1] - requests[0] : null;
  const runRps = served !== null && elapsed > 0 ? served / elapsed : null;
  const run: RunRecord = {
    schema: 'memprobe/run@1',
    status: 'complete',
    target: { kind: 'snapshots', command: `analyze ${files.join(' ')}` },
    load: {
      targetRps: null,
      achievedRps: runRps,
      requests: requests ? requests[requests.length - 1] : null,
      dropped: null,
      durationS: elapsed,
    },
    snapshots: summaries.map((s, i) => ({ t: s.t ?? 0, requests: s.requests, totalBytes: s.totalBytes, file: files[i] })),
    notes: [
      ...(argv.times === undefined ? ['snapshot times taken from the files\' modification times'] : []),
      ...(mixed ? [`Warning: ${mixed}; compared anyway (--allow-mixed), with cohort analysis off.`] : []),
    ],
    meta: { nodeVersion: process.version },
    analysis: { heapLimitBytes: options.heapLimitBytes, horizonS: options.horizonS, projectRps },
  };
  const report =
    argv.out !== undefined
      ? await reportSnapshotsIntoDirectory(argv.out, run, summaries)
      : reportFromSummaries(run, summaries, { runRps, allocationProfile: null, budgets: null });
  if (argv.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else process.stdout.write(`${renderTerminalReport(report, { color: Boolean(process.stdout.isTTY) })}\n`);
  // With --json the candidates are in the report itself; the table goes to stderr so stdout stays JSON.
  if (argv.explain) (argv.json ? process.stderr : process.stdout).write(`\n${renderCandidates(report)}`);
  if (argv.out !== undefined) (argv.json ? process.stderr : process.stdout).write(`report: ${join(resolve(argv.out), RUN_FILES.html)}\n`);
}

/** Objects of `summary` born before each earlier snapshot (summed over its owners: a lower bound). */
function bornBefore(summary: SnapshotSummary): number[] {
  const sums = summary.cohortBoundaries.map(() => 0);
  for (const owner of summary.owners) {
    let running = 0;
    for (let k = 0; k < sums.length; k++) {
      running += owner.cohortCounts[k] ?? 0;
      sums[k] += running;
    }
  }
  return sums;
}

function withoutCohorts(summary: SnapshotSummary): SnapshotSummary {
  // Growth roots are the objects born since the first snapshot: across processes, meaningless too.
  const { growthRoots: _roots, ...rest } = summary;
  return {
    ...rest,
    cohortBoundaries: [],
    owners: summary.owners.map((o) => ({ ...o, cohortCounts: [o.cohortCounts.reduce((a, b) => a + b, 0)], cohortBytes: [o.cohortBytes.reduce((a, b) => a + b, 0)] })),
  };
}

function renderOwnerTable(summary: SnapshotSummary, top: number): string {
  // Owner names, locations and path steps are heap strings: control characters are shown, not sent.
  const lines = [
    `${safe(summary.source ?? '')}: ${formatCount(summary.nodeCount)} nodes, ${formatCount(summary.edgeCount)} edges, ${formatBytes(summary.totalBytes)} in the heap`,
    '',
    `${'retained'.padStart(10)}  ${'self'.padStart(10)}  ${'count'.padStart(9)}  owner`,
  ];
  for (const owner of summary.owners.slice(0, top)) {
    const where = owner.location ? `  (${safe(owner.location)})` : '';
    lines.push(
      `${formatBytes(owner.retainedBytes).padStart(10)}  ${formatBytes(owner.selfBytes).padStart(10)}  ${formatCount(owner.count).padStart(9)}  ${safe(owner.owner)}${where}`,
    );
    if (owner.retainerPath.length > 2) lines.push(`${' '.repeat(36)}${owner.retainerPath.map(safe).join(' → ')}`);
  }
  return `${lines.join('\n')}\n`;
}

function checkReadable(file: string): void {
  let isFile: boolean;
  try {
    isFile = statSync(file).isFile();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : (code ?? String(err))}`);
  }
  if (!isFile) throw new UsageError(`cannot read ${file}: not a file`);
}

async function withFriendlyErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof SnapshotFormatError) throw new UsageError(`not a valid heap snapshot: ${err.message}`);
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EISDIR' || code === 'ENOENT') throw new UsageError((err as Error).message);
    throw err;
  } finally {
    clearProgress();
  }
}

function parseList<T>(text: string, flag: string, expected: number | null, parse: (item: string) => T): T[] {
  const items = text.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  if (expected !== null && items.length !== expected) {
    throw new UsageError(`--${flag}: expected ${expected} values (one per snapshot), got ${items.length}`);
  }
  return items.map((item) => {
    const value = parse(item);
    if (typeof value === 'number' && !(Number.isFinite(value) && value >= 0)) {
      throw new UsageError(`--${flag}: expected non-negative numbers, got "${item}"`);
    }
    return value;
  });
}

function modificationTimes(files: string[]): number[] {
  const mtimes = files.map((f) => statSync(f).mtimeMs / 1000);
  return mtimes.map((t) => t - mtimes[0]);
}

let progressShown = false;

/** A one-line bar on stderr while a large file is read; nothing when stderr is not a terminal. */
function progressReporter(file: string): ((read: number, total: number) => void) | undefined {
  if (!process.stderr.isTTY || statSync(file).size < PROGRESS_MIN_BYTES) return undefined;
  const width = 30;
  let lastShown = -1;
  return (read, total) => {
    const share = total > 0 ? Math.min(1, read / total) : 0;
    const percent = Math.floor(share * 100);
    if (percent === lastShown) return;
    lastShown = percent;
    const filled = Math.round(share * width);
    const bar = `${'#'.repeat(filled)}${'.'.repeat(width - filled)}`;
    process.stderr.write(`\rreading ${basename(file)} [${bar}] ${String(percent).padStart(3)}%  ${formatBytes(read)} / ${formatBytes(total)}`);
    progressShown = true;
    if (share >= 1) process.stderr.write('\r\x1b[Kanalysing the heap graph...');
  };
}

function clearProgress(): void {
  if (progressShown) process.stderr.write('\r\x1b[K');
  progressShown = false;
}
