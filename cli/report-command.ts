/**
 * `memprobe report <run-dir>`: re-render report.json and report.html from the run directory's
 * summaries and timeline (the raw snapshots may be gone), re-applying budgets recorded by `--gate`.
 */
import { join } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { renderTerminalReport } from '../reports/terminal-report.js';
import { RUN_FILES } from '../core/run-directory-layout.js';
import { EXIT } from '../core/exit-codes.js';
import { printSummarizing } from './summarizing-progress.js';

interface ReportArgv {
  runDir: string;
  json?: boolean;
}

export const reportCommand: CommandModule<object, ReportArgv> = {
  command: 'report <run-dir>',
  describe: 'Re-render report.json and report.html of a run directory from its summaries and timeline',
  builder: (yargs: Argv) =>
    yargs
      .usage(
        '$0 report <run-dir>\n\n' +
          'Needs run.json, summaries/ and timeline.ndjson; raw snapshots are not read. Budgets the run was given with\n' +
          '--gate are applied again (exit 1 when they fail); use memprobe gate for other budgets.',
      )
      .positional('run-dir', { type: 'string', demandOption: true, describe: 'The --out directory of a memprobe run' })
      .option('json', { type: 'boolean', describe: 'Print report.json on stdout instead of the summary' })
      .example('$0 report memprobe-out/2026-11-26T13-44-22', 'rebuild both reports')
      .example('$0 report memprobe-out/ci --json | jq .findings', 'the findings as JSON') as unknown as Argv<ReportArgv>,
  handler: async (argv) => {
    // Loaded here, not at start-up: the report pipeline is most of the CLI's modules, which every
    // other command would otherwise load too.
    const { reportRunDirectory } = await import('../pipeline/report-run-directory.js');
    const report = await reportRunDirectory(argv.runDir, { summarizeMissing: true, onSummarizing: printSummarizing });
    if (argv.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else process.stdout.write(renderTerminalReport(report, { color: Boolean(process.stdout.isTTY) }));
    (argv.json ? process.stderr : process.stdout).write(`report: ${join(argv.runDir, RUN_FILES.html)}\n`);
    process.exitCode = report.gate && !report.gate.passed ? EXIT.gateFailed : EXIT.ok;
  },
};
