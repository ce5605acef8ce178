/**
 * The options `run` and `attach` share (docs/contract.md, "Options shared by run and attach"), and their
 * translation into a session's options. Values stay unparsed strings in yargs so that units (`90s`,
 * `4GB`) are parsed once, here, with errors that name the flag.
 *
 * Precedence: a flag on the command line, then the script's `export const options`, then the
 * documented default. That is why `--rps` and `--duration` have no yargs defaults.
 */
import type { Argv } from 'yargs';
import { parseDuration, parseRate, parseSize, parseWholeNumber } from '../core/units.js';
import { UsageError } from '../core/usage-error.js';
import type { SessionOptions } from '../session/session-options.js';
import type { ProcessSelection } from '../harness/process-tree.js';

export const DEFAULTS = {
  rps: 100,
  durationS: 60,
  vus: 100,
  snapshots: 5,
  warmupShare: 0.1,
  keepSnapshots: 3,
  horizonS: 24 * 3600,
} as const;

// Counts and rates are strings to yargs (numbers where another command declares them so), parsed
// here: an error can then quote what was typed instead of yargs' NaN.
export interface SessionArgv {
  rps?: string | number;
  duration?: string;
  vus?: string | number;
  snapshots?: string | number;
  'snapshot-every'?: string;
  warmup?: string;
  out?: string;
  'keep-snapshots'?: string | number;
  'heap-limit'?: string;
  horizon?: string;
  'project-rps'?: (string | number)[];
  json?: boolean;
  'snapshot-timeout'?: string;
  sampling?: boolean;
  'sampling-every'?: string;
  'sampling-interval'?: string;
  'count-expression'?: string;
  'count-metric'?: string;
  processes?: string;
  threads?: boolean;
}

export function withSessionOptions<T>(yargs: Argv<T>): Argv<T & SessionArgv> {
  return yargs
    .option('rps', { type: 'string', describe: `Arrival rate, iterations or HTTP requests per second [default: script's options.rps, else ${DEFAULTS.rps}]`, group: 'Load:' })
    .option('duration', { type: 'string', describe: `How long to drive load: 90s, 5m, 2h [default: script's options.duration, else ${DEFAULTS.durationS}s]`, group: 'Load:' })
    .option('vus', { type: 'string', describe: `Iterations/requests in flight at most; arrivals beyond are dropped and counted [default: ${DEFAULTS.vus}]`, group: 'Load:' })
    .option('snapshots', { type: 'string', describe: `Heap snapshots over the run, evenly spaced from the end of warm-up to near the end [default: ${DEFAULTS.snapshots}]`, group: 'Capture:' })
    .option('snapshot-every', { type: 'string', describe: 'Instead of --snapshots: one snapshot every D (e.g. 30s), the first after warm-up', group: 'Capture:' })
    .option('warmup', { type: 'string', describe: 'Load before the first snapshot, not counted in growth [default: 10% of --duration]', group: 'Capture:' })
    .option('out', { type: 'string', describe: 'Run directory (created; must not hold a run already) [default: memprobe-out/<timestamp>]', group: 'Capture:' })
    .option('keep-snapshots', { type: 'string', describe: `Raw .heapsnapshot files kept: the first and the most recent (summaries are always kept) [default: ${DEFAULTS.keepSnapshots}]`, group: 'Capture:' })
    .option('snapshot-timeout', { type: 'string', describe: 'Give up on a snapshot (and end the run: the target hangs) when the target shows no progress for this long [default: 120s]', group: 'Capture:' })
    .option('sampling', { type: 'boolean', describe: "No heap snapshots: growth by allocation site from V8's sampling heap profiler (live objects), read at intervals; for heaps too large to snapshot", group: 'Capture:' })
    .option('sampling-every', { type: 'string', describe: 'With --sampling: read the profile every D (each read is a full GC in the target) [default: 5s]', group: 'Capture:' })
    .option('sampling-interval', { type: 'string', describe: "V8's sampling heap profiler takes one sample per SIZE allocated, on average (allocation sites, and --sampling's growth): smaller sees smaller growth and costs the target more, e.g. 4KiB [default: 32KiB]", group: 'Capture:' })
    .option('count-expression', { type: 'string', describe: "Count requests (units of work) with this expression, evaluated in the target, e.g. 'globalThis.jobsDone' [default: HTTP requests, through diagnostics_channel]", group: 'Capture:' })
    .option('count-metric', { type: 'string', describe: "Count requests with this prom-client counter of the target's default registry, e.g. jobs_processed_total", group: 'Capture:' })
    .option('processes', { type: 'string', describe: "Child Node.js processes of the target to capture too (cluster workers, PM2 forks, children): all, none, or N (the N busiest by CPU) [default: all]", group: 'Capture:' })
    .option('threads', { type: 'boolean', describe: 'Capture worker threads too, through the inspector\'s NodeWorker domain (false: the main thread only) [default: true]', group: 'Capture:' })
    .option('heap-limit', { type: 'string', describe: "Heap size for the out-of-memory projection, e.g. 4GB [default: the target's V8 heap limit]", group: 'Analysis:' })
    .option('horizon', { type: 'string', describe: 'How far ahead the projection looks [default: 24h]', group: 'Analysis:' })
    .option('project-rps', { type: 'array', string: true, describe: 'Also project time-to-limit at these rates, e.g. --project-rps 5000,20000', group: 'Analysis:' })
    .option('json', { type: 'boolean', describe: 'Print report.json to stdout instead of the summary (the report.html path goes to stderr)', group: 'Output:' }) as unknown as Argv<T & SessionArgv>;
}

/** The load figures after the script's own defaults are applied. */
export interface ResolvedLoad {
  rps: number;
  durationS: number;
  vus: number;
}

export function resolveLoad(argv: SessionArgv, scriptDefaults: { rps: number | null; durationS: number | null } | null): ResolvedLoad {
  const rps = argv.rps !== undefined ? parseRate(argv.rps, 'rps') : (scriptDefaults?.rps ?? DEFAULTS.rps);
  const durationS = argv.duration !== undefined ? parseDuration(argv.duration, 'duration') : (scriptDefaults?.durationS ?? DEFAULTS.durationS);
  if (!(durationS > 0)) throw new UsageError('--duration must be longer than zero');
  const vus = argv.vus !== undefined ? parseWholeNumber(argv.vus, 'vus', 1) : DEFAULTS.vus;
  return { rps, durationS, vus };
}

/** `memprobe-out/2026-11-26T13-44-06Z`: sortable, and safe on every filesystem. */
export function defaultOutDir(now = new Date()): string {
  return `memprobe-out/${now.toISOString().replace(/\.\d+Z$/, 'Z').replace(/:/g, '-')}`;
}

export function outDirFrom(argv: SessionArgv): string {
  if (argv.out !== undefined && argv.out.trim() === '') throw new UsageError('--out: expected a directory');
  return argv.out ?? defaultOutDir();
}

/** Everything but the budgets, which come from the gate options. */
export function sessionOptionsFrom(argv: SessionArgv, outDir: string, durationS: number): Omit<SessionOptions, 'budgets'> {
  const snapshotEveryS = argv['snapshot-every'] !== undefined ? parseDuration(argv['snapshot-every'], 'snapshot-every') : null;
  if (snapshotEveryS !== null && argv.snapshots !== undefined) {
    throw new UsageError('give either --snapshots or --snapshot-every, not both');
  }
  const sampling = argv.sampling ?? false;
  if (sampling && (argv.snapshots !== undefined || snapshotEveryS !== null)) {
    throw new UsageError(`--sampling takes no heap snapshots: drop ${argv.snapshots !== undefined ? '--snapshots' : '--snapshot-every'}`);
  }
  if (!sampling && argv['sampling-every'] !== undefined) throw new UsageError('--sampling-every needs --sampling');
  return {
    outDir,
    durationS,
    warmupS: argv.warmup !== undefined ? parseDuration(argv.warmup, 'warmup') : durationS * DEFAULTS.warmupShare,
    snapshots: snapshotEveryS === null ? (argv.snapshots !== undefined ? parseSnapshotCount(argv.snapshots) : DEFAULTS.snapshots) : null,
    snapshotEveryS,
    keepSnapshots: argv['keep-snapshots'] !== undefined ? parseWholeNumber(argv['keep-snapshots'], 'keep-snapshots', 0) : DEFAULTS.keepSnapshots,
    heapLimitBytes: argv['heap-limit'] !== undefined ? parseSize(argv['heap-limit'], 'heap-limit') : null,
    horizonS: argv.horizon !== undefined ? parseDuration(argv.horizon, 'horizon') : DEFAULTS.horizonS,
    projectRps: parseRates(argv['project-rps'] ?? []),
    snapshotStallTimeoutS: argv['snapshot-timeout'] !== undefined ? parseDuration(argv['snapshot-timeout'], 'snapshot-timeout') : 120,
    // A --snapshot-every that leaves room for one snapshot is refused too (validateSessionOptions).
    minSnapshots: MIN_SNAPSHOTS,
    sampling,
    ...(argv['sampling-every'] !== undefined ? { samplingEveryS: parseDuration(argv['sampling-every'], 'sampling-every') } : {}),
    ...(argv['sampling-interval'] !== undefined ? { samplingIntervalBytes: parseSamplingInterval(argv['sampling-interval']) } : {}),
    ...countSourceFrom(argv),
    processes: parseProcessSelection(argv.processes),
    threads: argv.threads ?? true,
  };
}

/** `--sampling-interval SIZE`: a whole number of bytes, at least 64 (V8 samples below that cost the target dearly). */
export function parseSamplingInterval(text: string): number {
  const bytes = Math.round(parseSize(text, 'sampling-interval'));
  if (bytes < MIN_SAMPLING_INTERVAL_BYTES) {
    throw new UsageError(`--sampling-interval: at least ${MIN_SAMPLING_INTERVAL_BYTES} bytes, got "${text}"`);
  }
  return bytes;
}

const MIN_SAMPLING_INTERVAL_BYTES = 64;

/** `--processes all|none|N`. */
export function parseProcessSelection(text: string | undefined): ProcessSelection {
  if (text === undefined || text === 'all') return 'all';
  if (text === 'none') return 'none';
  return parseWholeNumber(text, 'processes', 1);
}

/** `--count-expression` / `--count-metric`, when given (else the session's default: HTTP requests). */
function countSourceFrom(argv: SessionArgv): Pick<SessionOptions, 'countSource'> {
  const expression = argv['count-expression'];
  const metric = argv['count-metric'];
  if (expression !== undefined && metric !== undefined) throw new UsageError('give either --count-expression or --count-metric, not both');
  if (expression !== undefined) {
    if (expression.trim() === '') throw new UsageError('--count-expression: expected an expression, e.g. globalThis.jobsDone');
    return { countSource: { kind: 'expression', expression } };
  }
  if (metric !== undefined) {
    if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(metric)) throw new UsageError(`--count-metric: "${metric}" is not a Prometheus metric name`);
    return { countSource: { kind: 'prom-client', metric } };
  }
  return {};
}

/**
 * Growth is a change between snapshots: with fewer than two, a run cannot find anything and would
 * only look like a clean bill of health. (The library still takes 0 or 1 for its own callers.)
 */
const MIN_SNAPSHOTS = 2;
const ONE_HEAP_HINT = 'growth needs two or more snapshots; to see what one heap holds, run `memprobe analyze` on a .heapsnapshot';

function parseSnapshotCount(text: string | number): number {
  const n = parseWholeNumber(text, 'snapshots', 0);
  if (n < MIN_SNAPSHOTS) throw new UsageError(`--snapshots: expected at least ${MIN_SNAPSHOTS}, got ${n}`, ONE_HEAP_HINT);
  return n;
}


function parseRates(values: (string | number)[]): number[] {
  return values
    .flatMap((v) => String(v).split(','))
    .filter((v) => v.trim() !== '')
    .map((v) => {
      const rps = Number(v.trim().replace(/\/s$/, ''));
      if (!(rps > 0) || !Number.isFinite(rps)) throw new UsageError(`--project-rps: expected rates above 0 such as 5000, got "${v}"`);
      return rps;
    });
}
