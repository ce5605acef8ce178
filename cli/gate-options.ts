/**
 * The budget flags (docs/contract.md, "Budgets"), shared by `memprobe gate` and by `run`/`attach --gate`, and
 * their parsing into `GateBudgets`. Parsing only: the gate itself is `analyzers/gate.ts`.
 */
import { accessSync, constants, existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Argv } from 'yargs';
import type { Report, Verdict } from '../core/report-schema.js';
import { VERDICTS, defaultGateBudgets, type GateBudgets } from '../analyzers/gate.js';
import { UsageError } from '../core/usage-error.js';
import { parseGrowthRate, parsePercent, parseSize } from '../core/units.js';

export interface GateArgv {
  gate?: boolean;
  'fail-on'?: string;
  'max-bytes-per-request'?: string | number;
  'max-growth'?: string;
  baseline?: string;
  tolerance?: string | number;
  junit?: string;
}

const GROUP = 'Budgets (CI gate):';

/** The budget flags; with `gateFlag`, also `--gate` (for run and attach, where gating is optional). */
export function addGateOptions<T>(y: Argv<T>, options: { gateFlag?: boolean } = {}): Argv<T & GateArgv> {
  let withFlags = y
    .option('fail-on', {
      type: 'string',
      describe: 'Fail when a finding has one of these verdicts: leak, accumulation, bounded, or none',
      defaultDescription: 'leak',
      group: GROUP,
    })
    .option('max-bytes-per-request', {
      type: 'string',
      describe: 'Fail when retained growth per request, over leak and accumulation findings, exceeds this size (64, 1KB)',
      group: GROUP,
    })
    .option('max-growth', {
      type: 'string',
      describe: 'Fail when retained growth over leak and accumulation findings exceeds this rate (10MB/h, 500KB/s)',
      group: GROUP,
    })
    .option('baseline', {
      type: 'string',
      describe: 'report.json (or run directory) of a known-good run: fail on owners growing faster than there, or new',
      group: GROUP,
    })
    .option('tolerance', {
      type: 'string',
      describe: 'With --baseline: how much faster per request an owner may grow than in the baseline',
      defaultDescription: '20%',
      group: GROUP,
    })
    .option('junit', {
      type: 'string',
      describe: 'Also write the gate result as JUnit XML to this file (one test case per budget and per owner)',
      group: GROUP,
    }) as unknown as Argv<T & GateArgv>;
  if (options.gateFlag) {
    withFlags = withFlags.option('gate', {
      type: 'boolean',
      describe: 'Gate the run on its budgets (default budget: --fail-on leak); implied by any budget flag',
      group: GROUP,
    }) as unknown as Argv<T & GateArgv>;
  }
  return withFlags;
}

/** `addGateOptions` with `--gate`, for run and attach. */
export function withGateOptions<T>(y: Argv<T>): Argv<T & GateArgv> {
  return addGateOptions(y, { gateFlag: true });
}

/**
 * The budgets the flags ask for; null when the command line asks for no gate at all (no `--gate`, no
 * budget flag, no `--junit`). `memprobe gate` uses `parseGateBudgets(argv) ?? defaultGateBudgets()`.
 */
export function parseGateBudgets(argv: GateArgv): GateBudgets | null {
  const given =
    argv['fail-on'] !== undefined ||
    argv['max-bytes-per-request'] !== undefined ||
    argv['max-growth'] !== undefined ||
    argv.baseline !== undefined ||
    argv.junit !== undefined;
  // The JUnit file is written last, after a run of minutes: find out now that it cannot be.
  if (argv.junit !== undefined) checkWritableFile(argv.junit, '--junit');
  if (argv.tolerance !== undefined && argv.baseline === undefined) {
    throw new UsageError('--tolerance needs --baseline', 'memprobe gate run/ --baseline main/report.json --tolerance 20%');
  }
  if (!given && !argv.gate) return null;
  const defaults = defaultGateBudgets();
  return {
    failOn: argv['fail-on'] !== undefined ? parseVerdicts(argv['fail-on']) : defaults.failOn,
    maxBytesPerRequest:
      argv['max-bytes-per-request'] !== undefined ? parseSize(argv['max-bytes-per-request'], 'max-bytes-per-request') : null,
    maxGrowthBytesPerSecond: argv['max-growth'] !== undefined ? parseGrowthRate(argv['max-growth'], 'max-growth') : null,
    baseline: argv.baseline !== undefined ? readBaseline(argv.baseline) : null,
    tolerance: argv.tolerance !== undefined ? parsePercent(argv.tolerance, 'tolerance') : defaults.tolerance,
  };
}

/** A file path that can be created or replaced: not a directory, in an existing writable directory. */
export function checkWritableFile(path: string, flag: string): void {
  if (path.trim() === '') throw new UsageError(`${flag}: expected a file name`);
  const file = resolve(path);
  if (existsSync(file) && statSync(file).isDirectory()) throw new UsageError(`${flag} ${path}: is a directory`, 'name a file, e.g. memprobe-junit.xml');
  const dir = dirname(file);
  let reason: string | null = null;
  if (!existsSync(dir)) reason = `no directory ${dirname(path)}`;
  else if (!statSync(dir).isDirectory()) reason = `${dirname(path)} is not a directory`;
  else {
    try {
      accessSync(dir, constants.W_OK);
      if (existsSync(file)) accessSync(file, constants.W_OK);
    } catch {
      reason = 'permission denied';
    }
  }
  if (reason) throw new UsageError(`${flag} ${path}: cannot write there (${reason})`);
}

function parseVerdicts(text: string): Verdict[] {
  const names = text
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  if (names.length === 1 && names[0] === 'none') return [];
  for (const name of names) {
    if (!VERDICTS.includes(name as Verdict)) {
      throw new UsageError(`--fail-on: unknown verdict "${name}"`, `use any of ${VERDICTS.join(', ')}, comma-separated, or none`);
    }
  }
  if (names.length === 0) throw new UsageError('--fail-on: name at least one verdict, or none');
  return [...new Set(names)] as Verdict[];
}

/** A baseline report: a report.json file, or a run directory holding one. */
export function readBaseline(path: string): Report {
  return readReportJson(path, '--baseline ');
}

/**
 * A `memprobe/report@1` file, or the report.json of a directory. Missing, corrupt or foreign files
 * are bad input (exit 2); `label` prefixes the message (the flag the path came from, or nothing).
 */
export function readReportJson(path: string, label = ''): Report {
  const file = existsSync(path) && statSync(path).isDirectory() ? join(path, 'report.json') : path;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    const reason = err instanceof SyntaxError ? `corrupt JSON (${err.message})` : `cannot read (${(err as NodeJS.ErrnoException).code})`;
    throw new UsageError(`${label}${file}: ${reason}`);
  }
  const report = parsed as Report;
  if (report?.schema !== 'memprobe/report@1' || !Array.isArray(report.findings)) {
    throw new UsageError(`${label}${file}: not a memprobe report (expected schema memprobe/report@1)`);
  }
  // The gate compares owners, verdicts and rates: a finding without them would pass silently.
  const bad = report.findings.findIndex(
    (f) =>
      typeof f !== 'object' ||
      f === null ||
      typeof f.owner !== 'string' ||
      !(VERDICTS as readonly unknown[]).includes(f.verdict) ||
      !(f.bytesPerRequest === null || typeof f.bytesPerRequest === 'number') ||
      typeof f.bytesPerSecond !== 'number',
  );
  if (bad >= 0) {
    throw new UsageError(`${label}${file}: finding ${bad + 1} is not a memprobe finding (owner, verdict, bytesPerRequest, bytesPerSecond)`);
  }
  return report;
}
