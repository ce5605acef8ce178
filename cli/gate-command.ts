/**
 * `memprobe gate <run-dir | report.json> [budgets]`: the CI regression gate. Exit 1 when a budget
 * is exceeded, 0 when none is, 2 on bad input. Gating a run directory re-renders its report.json
 * and report.html with the `gate` block; a report.json file given directly is only read.
 */
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import type { Report } from '../core/report-schema.js';
import { RUN_FILES } from '../core/run-directory-layout.js';
import { defaultGateBudgets } from '../analyzers/gate.js';
import { renderGateLines } from '../reports/gate-lines.js';
import { publishGateResult } from './publish-gate-result.js';
import { isGithubActions } from '../reports/github-annotations.js';
import { addGateOptions, parseGateBudgets, readReportJson, type GateArgv } from './gate-options.js';
import { EXIT } from '../core/exit-codes.js';
import { printSummarizing } from './summarizing-progress.js';
import { UsageError } from '../core/usage-error.js';

interface GateCommandArgv extends GateArgv {
  target: string;
  json?: boolean;
}

export const gateCommand: CommandModule<object, GateCommandArgv> = {
  command: 'gate <target>',
  describe: 'CI regression gate: check a run (or its report.json) against memory budgets',
  builder: (yargs: Argv) =>
    addGateOptions(
      yargs
        .usage(
          '$0 gate <run-dir | report.json> [budgets]\n\n' +
            'Fails (exit 1) when a budget is exceeded; only findings (growth the verdict engine found real) count.\n' +
            'Exit codes: 0 passed, 1 failed, 2 bad input. With GITHUB_ACTIONS=true, also prints ::error:: annotations.',
        )
        .positional('target', { type: 'string', demandOption: true, describe: 'Run directory, or a report.json file' })
        .option('json', { type: 'boolean', describe: 'Print the gated report.json on stdout (the verdict lines go to stderr)' }),
    )
      .example('$0 gate memprobe-out/ci', 'default budget: fail on any leak')
      .example('$0 gate memprobe-out/ci --fail-on leak,accumulation --max-growth 10MB/h', 'also fail on unbounded accumulation')
      .example('$0 gate memprobe-out/ci --baseline main-report.json --tolerance 20% --junit memprobe.xml', 'regressions against main')
      .example('$0 gate memprobe-out/ci/report.json --max-bytes-per-request 64 --json > gated.json', 'at most 64 B retained per request; the gated report on stdout') as unknown as Argv<GateCommandArgv>,
  handler: async (argv) => {
    process.exitCode = await gate(argv);
  },
};

async function gate(argv: GateCommandArgv): Promise<number> {
  // Loaded here, not at start-up: the report pipeline is most of the CLI's modules, which every other
  // command would otherwise load too.
  const [{ gateReport }, { reportRunDirectory }] = await Promise.all([
    import('../pipeline/summaries-to-report.js'),
    import('../pipeline/report-run-directory.js'),
  ]);
  const budgets = parseGateBudgets(argv) ?? defaultGateBudgets();
  let report: Report;
  let html: string | null = null;
  const isDir = existsSync(argv.target) && statSync(argv.target).isDirectory();
  if (isDir && existsSync(join(argv.target, RUN_FILES.run))) {
    report = await reportRunDirectory(argv.target, { budgets, summarizeMissing: true, onSummarizing: printSummarizing });
    html = join(argv.target, RUN_FILES.html);
  } else {
    // A report.json alone (or a directory with only that, as `analyze` leaves): gate what it says.
    const file = isDir ? join(argv.target, RUN_FILES.report) : argv.target;
    const given = readReportJson(file);
    report = gateReport(given, budgets);
    if (isDir) {
      try {
        writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
      } catch (err) {
        throw new UsageError(`cannot write the gate block into ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, 'gate the report.json file itself to only read it');
      }
    }
  }
  const result = report.gate!;
  const log = argv.json ? process.stderr : process.stdout;
  if (argv.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  log.write(renderGateLines(report, result).join('\n') + '\n');
  if (html) log.write(`report: ${html}\n`);
  publishGateResult(report, result, {
    junitPath: argv.junit ?? null,
    annotate: isGithubActions(),
    write: (text) => log.write(text),
  });
  return result.passed ? EXIT.ok : EXIT.gateFailed;
}
