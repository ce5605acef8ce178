/**
 * `memprobe run <script>` and `memprobe run --url <URL> -- <cmd...>`: start the target, make its
 * load, and hand both to the session, print its result. Parsing, wiring and printing only; the work is in `session/`.
 */
import { join } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { UsageError } from '../core/usage-error.js';
import { outDirFrom, resolveLoad, sessionOptionsFrom, withSessionOptions, type ResolvedLoad, type SessionArgv } from './run-options.js';
import { parseGateBudgets, withGateOptions, type GateArgv } from './gate-options.js';
import { validateSessionOptions, type SessionOptions } from '../session/session-options.js';
import { exitCodeForSignal, STOP_SIGNALS, type StopSignal } from '../session/stop-reason.js';
import { printSessionResult, sessionOutputFrom } from './print-session-result.js';
import { discardUnusedRunDirectory, prepareRunDirectory, TARGET_LOG } from '../session/run-directory.js';
import { createHttpLoad } from '../harness/http-load.js';
import type { LoadDriver, TargetProcess } from '../harness/target-process.js';

interface RunArgv extends SessionArgv, GateArgv {
  script?: string;
  url?: string;
  '--'?: (string | number)[];
}

export const runCommand: CommandModule<object, RunArgv> = {
  command: 'run [script]',
  describe: 'Drive a target at a fixed rate, snapshot its heap over the run, and report what grows',
  builder: (yargs: Argv) =>
    withGateOptions(
      withSessionOptions(
        yargs
          .parserConfiguration({ 'populate--': true })
          .usage(
            '$0 run <script> [options]\n$0 run --url <URL> [options] -- <command...>\n\n' +
              'A script target is an ES module (.mjs, .js, .ts) whose default export is one iteration; it runs in a ' +
              'child process under an open-model, constant-arrival-rate scheduler. An HTTP target is a server ' +
              'command that memprobe starts with its inspector on 127.0.0.1, then drives at URL with keep-alive requests.\n\n' +
              'Heap snapshots hold every string the target had (tokens, passwords): they are written owner-only (0600).\n\n' +
              'Exit codes: 0 finished (gate passed or none), 1 gate failed, 2 usage error or a target that will not ' +
              'start, 3 the target crashed or exited (partial report), 130 interrupted with Ctrl-C, 143 terminated by SIGTERM ' +
              '(both with a partial report).',
          )
          .positional('script', { type: 'string', describe: 'Script target module (.mjs, .js, .ts)' })
          .option('url', {
            type: 'string',
            describe: 'Drive this URL with HTTP requests; the server command follows --',
            group: 'Load:',
          }),
      ),
    )
      .example('$0 run fixtures/trendsink-registry.mjs --rps 1000 --duration 60s', 'script target, 5 snapshots')
      .example('$0 run target.ts --rps 500 --duration 5m --snapshot-every 30s --out runs/today', 'TypeScript target, a snapshot every 30 s')
      .example('$0 run --url http://127.0.0.1:3000/api --rps 200 -- node server.js', 'start an HTTP server and drive it')
      .example('$0 run target.mjs --rps 500 --duration 60s --sampling --sampling-every 5s --sampling-interval 8KiB', 'no heap snapshots: growth by allocation site from the sampling heap profiler, read every 5 s (large heaps), one sample per 8 KiB allocated')
      .example('$0 run target.mjs --gate --fail-on leak,accumulation --json > report.json', 'CI: fail on growth, JSON on stdout')
      .example('$0 run target.mjs --rps 2000 --vus 50 --duration 2m --snapshots 6 --warmup 20s', 'at most 50 in flight, 6 snapshots after a 20 s warm-up')
      .example('$0 run target.mjs --keep-snapshots 0 --snapshot-timeout 5m', 'keep only the summaries; allow a big heap 5 minutes per snapshot')
      .example('$0 run target.mjs --heap-limit 2GB --horizon 7d --project-rps 5000,20000', 'time to out-of-memory against 2 GB, a week ahead, also at 5,000/s and 20,000/s')
      .example('$0 run target.mjs --max-bytes-per-request 64 --max-growth 10MB/h --junit memprobe.xml', 'CI budgets, JUnit XML for the CI system')
      .example('$0 run target.mjs --baseline main/report.json --tolerance 20%', 'fail on owners growing 20% faster per request than on main, or new')
      .example('$0 run --url http://127.0.0.1:3000/ --rps 500 --processes 2 --threads=false -- node cluster.js', 'a cluster: capture the 2 busiest workers too (each reported by name), no worker threads')
      .example("$0 run consumer.mjs --count-expression 'globalThis.jobsDone'", 'count units of work with a number the target keeps')
      .example('$0 run consumer.mjs --count-metric jobs_processed_total', "count units of work with a prom-client counter of the target's default registry")
      .check((argv) => {
        const command = (argv['--'] ?? []) as (string | number)[];
        if (argv.url === undefined && argv.script === undefined) {
          throw new UsageError('name a script target, or give --url URL -- <command>', 'see memprobe run --help');
        }
        if (argv.url !== undefined && argv.script !== undefined) {
          throw new UsageError(`give a script or --url, not both (got script ${argv.script})`, 'the server command goes after --');
        }
        if (argv.url !== undefined && command.length === 0) {
          throw new UsageError('--url needs the server command after --', 'memprobe run --url http://127.0.0.1:3000/ -- node server.js');
        }
        if (argv.url === undefined && command.length > 0) {
          throw new UsageError(`a command after -- needs --url (got: ${command.join(' ')})`);
        }
        return true;
      }) as unknown as Argv<RunArgv>,
  handler: async (argv) => {
    const exitCode = await run(argv);
    process.exitCode = exitCode;
  },
};

async function run(argv: RunArgv): Promise<number> {
  // Loaded here, not at start-up: the session is most of the CLI's modules, which every other
  // command, --help and each usage error would otherwise load too. Before anything starts, so that
  // no signal can arrive between the startup handlers below and the session's own.
  const { runSession } = await import('../session/run-session.js');
  const outDir = outDirFrom(argv);
  const budgets = parseGateBudgets(argv);
  // Every flag is checked before anything is created or started. Whether the snapshot schedule fits
  // needs the duration, which a script may set in its options (known once it loads): until then an
  // ample stand-in duration checks everything else.
  const explicit = resolveLoad(argv, null);
  const durationKnown = argv.url !== undefined || argv.duration !== undefined;
  const provisional = sessionOptions(argv, outDir, explicit.durationS, budgets);
  if (durationKnown) validateSessionOptions(provisional);
  else {
    // Not expanded over the stand-in: `--snapshot-every 1s` over 1e9 s would be a billion entries
    // (memprobe died of it). Its own check here; whether it fits is known once the script loads.
    if (provisional.snapshotEveryS !== null && !(provisional.snapshotEveryS > 0)) throw new UsageError('--snapshot-every must be longer than zero');
    validateSessionOptions({ ...provisional, durationS: 1e9, snapshotEveryS: null, snapshots: provisional.snapshots ?? 2 });
  }
  // Before any target starts: a run that cannot write its results must not load anyone's server.
  const created = prepareRunDirectory(outDir);
  // Ctrl-C or SIGTERM while the target starts: exit through process.exit, whose 'exit' handlers end
  // the server process group the HTTP target made (a signal's default action would orphan it).
  const onStartupInterrupt = (signal: StopSignal) => {
    discardUnusedRunDirectory(outDir, created, { keepLog: false });
    process.stderr.write(`memprobe: ${signal === 'SIGTERM' ? 'terminated' : 'interrupted'} while the target was starting\n`);
    process.exit(exitCodeForSignal(signal));
  };
  for (const signal of STOP_SIGNALS) process.on(signal, onStartupInterrupt);
  let started: { target: TargetProcess; load: LoadDriver; durationS: number };
  try {
    started = await startTargetAndLoad(argv, outDir, budgets, explicit);
  } catch (err) {
    discardUnusedRunDirectory(outDir, created, { keepLog: err instanceof Error && err.message.includes(TARGET_LOG) });
    throw err;
  } finally {
    for (const signal of STOP_SIGNALS) process.off(signal, onStartupInterrupt);
  }
  const { target, load, durationS } = started;
  try {
    const result = await runSession(target, load, sessionOptions(argv, outDir, durationS, budgets));
    printSessionResult(result, sessionOutputFrom(argv));
    return result.exitCode;
  } finally {
    await target.close();
  }
}

async function startTargetAndLoad(
  argv: RunArgv,
  outDir: string,
  budgets: SessionOptions['budgets'],
  explicit: ResolvedLoad,
): Promise<{ target: TargetProcess; load: LoadDriver; durationS: number }> {
  const logFile = join(outDir, TARGET_LOG);
  if (argv.url !== undefined) {
    // Loaded only for HTTP targets: undici alone is a third of the CLI's start-up, which every
    // other command, --help and each usage error would otherwise pay.
    const { startHttpTarget } = await import('../harness/http-target.js');
    const target = await startHttpTarget({ command: (argv['--'] ?? []).map(String), url: argv.url, logFile });
    return { target, load: createHttpLoad({ url: argv.url, rps: explicit.rps, vus: explicit.vus }), durationS: explicit.durationS };
  }
  // Loaded only for script targets, as the HTTP target's modules are only for HTTP targets.
  const { startScriptTarget } = await import('../harness/script-target.js');
  const started = await startScriptTarget({
    script: argv.script!,
    rps: argv.rps !== undefined ? explicit.rps : undefined,
    durationS: argv.duration !== undefined ? explicit.durationS : undefined,
    vus: explicit.vus,
    logFile,
  });
  try {
    const resolved = resolveLoad(argv, started.defaults);
    const options = sessionOptions(argv, outDir, resolved.durationS, budgets);
    validateSessionOptions(options);
    return { target: started.target, load: started.createLoad(resolved.rps, resolved.vus), durationS: resolved.durationS };
  } catch (err) {
    await started.target.close();
    throw err;
  }
}

function sessionOptions(argv: RunArgv, outDir: string, durationS: number, budgets: SessionOptions['budgets']): SessionOptions {
  return { ...sessionOptionsFrom(argv, outDir, durationS), budgets };
}
