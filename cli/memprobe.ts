#!/usr/bin/env node
/**
 * memprobe's command line: parse argv, call one library function per command, print. Nothing else.
 * Each command lives in its own file in this folder.
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { UsageError } from './usage-error.js';
import { EXIT } from './exit-codes.js';
import { reportCommand } from './report-command.js';
import { gateCommand } from './gate-command.js';
import { analyzeCommand } from './analyze-command.js';
import { runCommand } from './run-command.js';
import { attachCommand } from './attach-command.js';

function fail(message: string, hint?: string): never {
  process.stderr.write(`memprobe: ${message}${hint ? `\n  hint: ${hint}` : ''}\n`);
  process.exit(EXIT.usage);
}

async function main(): Promise<void> {
  const cli = yargs(hideBin(process.argv))
    .scriptName('memprobe')
    .usage('$0 <command> [options]\n\nFind out whether a Node.js process leaks or accumulates, and what.')
    // commands: one .command(...) per file in cli/
    .command(runCommand)
    .command(attachCommand)
    .command(reportCommand)
    .command(gateCommand)
    .command(analyzeCommand)
    .demandCommand(1, 'name a command (see memprobe --help)')
    .strict()
    .recommendCommands()
    .help()
    .alias('h', 'help')
    .version()
    .wrap(Math.min(110, process.stdout.columns || 100))
    .fail((msg, err) => {
      if (err) throw err;
      fail(msg ?? 'invalid command line', 'see memprobe --help');
    });
  await cli.parseAsync();
}

main().catch((err: unknown) => {
  if (err instanceof UsageError) fail(err.message, err.hint);
  const message = err instanceof Error ? err.message : String(err);
  if (process.env.MEMPROBE_DEBUG) console.error(err);
  fail(`unexpected error: ${message}`, 'set MEMPROBE_DEBUG=1 for details');
});
