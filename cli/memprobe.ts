#!/usr/bin/env node
/**
 * memprobe's command line: parse argv, call one library function per command, print. Nothing else.
 * Each command lives in its own file in this folder.
 */
import { createRequire } from 'node:module';
import { setFlagsFromString } from 'node:v8';
import type yargsType from 'yargs';
import { UsageError } from '../core/usage-error.js';
import { safe } from '../core/control-characters.js';
import { EXIT } from '../core/exit-codes.js';
import { reportCommand } from './report-command.js';
import { gateCommand } from './gate-command.js';
import { analyzeCommand } from './analyze-command.js';
import { runCommand } from './run-command.js';
import { attachCommand } from './attach-command.js';

// This process's hot loops (the parser's, each graph pass's) run once each over millions of nodes
// and get optimized on the stack (OSR) as they run. V8 compiles those in a background thread by
// default, and the loop goes on in the interpreter meanwhile; with the parser's worker and the
// second core busy, that thread waits for a core, so the loop runs slowly for longer. Compiled on the
// loop's own thread, `analyze` of a 759 MB snapshot took 2.85 -> 2.69 s (medians of 7 alternating
// runs, CPU 5.00 -> 4.72 s; a later, slower set: 2.88 -> 2.82 s). The flag is set here, for
// memprobe's own process and its worker threads only: the agent that runs inside a user's process
// never sets it.
setFlagsFromString('--no-concurrent-osr');

// yargs 17's CommonJS build, one bundled file, loads in about 25 ms here; its ES module entry takes
// about 55 ms and yargs 18 (ES modules only, some twenty files) about 105 ms, on every command.
const require = createRequire(import.meta.url);
const yargs = require('yargs/yargs') as typeof yargsType;
const { hideBin } = require('yargs/helpers') as { hideBin(argv: string[]): string[] };

/**
 * The one line (plus an optional hint line) every usage or input error prints. Messages can quote
 * text from files and from other programs (JSON.parse quotes the bad bytes, a server's last words):
 * line breaks in them are folded so that a script reading stderr sees exactly one error line.
 */
function fail(message: string, hint?: string): never {
  process.stderr.write(`memprobe: ${oneLine(message)}${hint ? `\n  hint: ${oneLine(hint)}` : ''}\n`);
  process.exit(EXIT.usage);
}

function oneLine(text: string): string {
  // Quoted text can also carry escape sequences (a server's coloured output): shown, not sent.
  return safe(text.replace(/\s*[\r\n]+\s*/g, ' ').trim());
}

/**
 * yargs words some failures for a reader who knows yargs: "Did you mean run?" alone, or "name a
 * command" for `memprobe --bogus`. Say what was wrong first.
 */
function describeParseFailure(msg: string | undefined): string {
  const argv = hideBin(process.argv);
  const first = argv[0];
  if (msg?.startsWith('Did you mean') && first !== undefined) return `unknown command "${first}"; ${msg.charAt(0).toLowerCase()}${msg.slice(1)}`;
  if (msg === NO_COMMAND && first !== undefined && first.startsWith('-')) return `unknown option ${first.split('=')[0]}; ${NO_COMMAND}`;
  if (msg === NO_COMMAND && first !== undefined) return `unknown command "${first}"`;
  if (msg === `Unknown argument: ${first}` && first !== undefined && !first.startsWith('-')) return `unknown command "${first}"`;
  return msg ?? 'invalid command line';
}

const NO_COMMAND = 'name a command: run, attach, analyze, report or gate';

/**
 * `memprobe report dir --json | head` closes the pipe before the report is written out. The reader
 * has what it wanted; the run's files and exit code do not depend on it: ignore the broken pipe
 * rather than die on an unhandled 'error' event with a stack trace.
 */
for (const [name, stream] of [['stdout', process.stdout], ['stderr', process.stderr]] as const) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') return;
    // Anything else (a full disk behind `> out.json`) means the output is incomplete: say so once.
    if (name === 'stdout') process.stderr.write(`memprobe: cannot write to stdout (${err.code ?? err.message})\n`);
    process.exitCode = EXIT.usage;
  });
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
    .demandCommand(1, NO_COMMAND)
    .strict()
    .recommendCommands()
    .help()
    .alias('h', 'help')
    .version()
    .example('$0 run target.mjs --rps 1000 --duration 60s', 'drive a script target, snapshot its heap 5 times, report what grows')
    .example('$0 run --url http://127.0.0.1:3000/ --rps 200 -- node server.js', 'start an HTTP server and drive it')
    .example('$0 attach 4242 --duration 2m', 'attach to a running Node.js process by pid')
    .example('$0 analyze before.heapsnapshot after.heapsnapshot', 'growth between two snapshots, offline')
    .example('$0 report memprobe-out/2026-11-26T13-44-22Z', 're-render report.json and report.html of a run')
    .example('$0 gate memprobe-out/ci --fail-on leak,accumulation', 'CI: exit 1 when a budget is exceeded')
    .example('$0 run --help', 'every option of a command, each with an example')
    .epilogue('Exit codes: 0 finished (gate passed or none), 1 gate failed, 2 usage or input error, 3 the target crashed or exited (partial report), 130 interrupted with Ctrl-C, 143 terminated with SIGTERM (partial report).')
    .wrap(Math.min(110, process.stdout.columns || 100))
    .fail((msg, err) => {
      if (err) throw err;
      fail(describeParseFailure(msg), 'see memprobe --help');
    });
  await cli.parseAsync();
}

main().catch((err: unknown) => {
  if (err instanceof UsageError) fail(err.message, err.hint);
  const message = err instanceof Error ? err.message : String(err);
  if (process.env.MEMPROBE_DEBUG) console.error(err);
  fail(`unexpected error: ${message}`, 'set MEMPROBE_DEBUG=1 for details');
});
