/**
 * `memprobe attach <pid | ws://127.0.0.1:PORT/ID>`: attach to a running Node.js process and run the
 * same capture session as `memprobe run`, driving it with `--url`/`--rps` or observing its own
 * traffic. Parsing, wiring and printing only; the work is in `harness/attach-target.ts` and `session/run-session.ts`.
 */
import type { Argv, CommandModule } from 'yargs';
import { UsageError } from '../core/usage-error.js';
import { DEFAULTS, outDirFrom, resolveLoad, sessionOptionsFrom, withSessionOptions, type SessionArgv } from './run-options.js';
import { parseGateBudgets, withGateOptions, type GateArgv } from './gate-options.js';
import { discardUnusedRunDirectory, prepareRunDirectory } from '../session/run-directory.js';
import { validateSessionOptions, type SessionOptions } from '../session/session-options.js';
import { printSessionResult, sessionOutputFrom } from './print-session-result.js';
import { createHttpLoad } from '../harness/http-load.js';
import type { ChildInspector, ProcessSelection } from '../harness/process-tree.js';

interface AttachArgv extends SessionArgv, GateArgv {
  target: string;
  url?: string;
  'allow-remote'?: boolean;
}

export const attachCommand: CommandModule<object, AttachArgv> = {
  command: 'attach <target>',
  describe: 'Attach to a running Node.js process (pid or inspector URL), snapshot its heap, and report what grows',
  builder: (yargs: Argv) =>
    withGateOptions(
      // The shared descriptions of --rps, --duration and --vus speak of scripts: attach's own replace them.
      overrideLoadDescriptions(withSessionOptions(
        yargs
          .usage(
            '$0 attach <pid | ws://127.0.0.1:PORT/ID> [options]\n\n' +
              'By pid: memprobe checks that the pid is a Node.js process you may signal, opens its inspector with SIGUSR1 ' +
              'when it is not open (Node listens on 127.0.0.1:9229, or on the --inspect-port the process was started with), ' +
              "verifies that the inspector is that pid's, captures, then closes the inspector again and leaves the process running. " +
              'By URL: a process started with --inspect; the URL must be on loopback unless --allow-remote.\n\n' +
              'With --url and --rps memprobe drives the process itself; without them it observes the traffic the process gets, ' +
              "and counts the requests it serves inside it (diagnostics_channel 'http.server.request.start', or --count-expression), " +
              'so bytes per request are known under any load. Its child processes (cluster workers, PM2 forks) and worker threads ' +
              'are captured too, each reported by name (--processes, --no-threads). ' +
              'Where the inspector may not be used, start the process with the in-process agent instead: ' +
              'node --import memprobe/agent app.js (README, "Attaching to a running process").\n\n' +
              'Exit codes: 0 finished (gate passed or none), 1 gate failed, 2 usage error (no such pid, not Node.js, ' +
              'permission denied, inspector port taken, remote URL), 3 the process exited while attached (partial report), ' +
              '130 interrupted with Ctrl-C, 143 terminated with SIGTERM (both: partial report).',
          )
          .positional('target', { type: 'string', demandOption: true, describe: 'pid of a Node.js process, or its inspector URL ws://127.0.0.1:PORT/ID' })
          .option('url', {
            type: 'string',
            describe: 'Drive this URL of the process at --rps (HTTP GET, keep-alive) so bytes per request are known',
            group: 'Load:',
          })
          .option('allow-remote', {
            type: 'boolean',
            describe: 'Accept an inspector URL that is not on loopback (whoever reaches an inspector can run code in the process)',
            group: 'Security:',
          }),
      )),
    )
      .example('$0 attach 4242 --duration 2m', 'observe pid 4242 for 2 minutes under its own traffic: requests counted inside it, growth per request')
      .example('$0 attach 4242 --url http://127.0.0.1:3000/ --rps 500 --duration 60s --sampling --sampling-every 5s --sampling-interval 8KiB', 'a heap too large to snapshot: growth by allocation site, the process never paused, one sample per 8 KiB allocated')
      .example('$0 attach 4242 --url http://127.0.0.1:3000/api --rps 500 --vus 50 --duration 30s --snapshots 5', 'drive it at 500/s: growth per request')
      .example('$0 attach ws://127.0.0.1:9229/0f2c6d1e-… --snapshot-every 60s --duration 10m', 'a process started with --inspect')
      .example('$0 attach ws://10.0.0.7:9229/0f2c6d1e-… --allow-remote', 'an inspector on another host (prefer an ssh -L tunnel)')
      .example('$0 attach 4242 --duration 5m --warmup 30s --keep-snapshots 2 --out runs/prod-worker', 'run directory, warm-up, raw snapshots kept')
      .example('$0 attach 4242 --duration 20m --snapshot-timeout 300s', 'a large heap: allow 5 minutes per snapshot before calling the process hung')
      .example('$0 attach 4242 --heap-limit 2GB --horizon 7d --project-rps 2000', 'project time to out-of-memory against 2 GB, a week ahead, also at 2,000/s')
      .example('$0 attach 4242 --url http://127.0.0.1:3000/ --rps 200 --gate --max-bytes-per-request 64 --json', 'CI: fail on growth per request, report.json on stdout')
      .example('$0 attach 4242 --url http://127.0.0.1:3000/ --rps 200 --fail-on leak,accumulation --junit junit.xml', 'gate on verdicts, JUnit for the CI system')
      .example('$0 attach 4242 --url http://127.0.0.1:3000/ --rps 200 --baseline main/report.json --tolerance 20% --max-growth 10MB/h', 'compare with a known-good run')
      .example('$0 attach 4242 --duration 5m --processes 2 --threads=false', 'a cluster primary or PM2: capture its 2 busiest workers too, not worker threads')
      .example("$0 attach 4242 --count-expression 'globalThis.jobsDone'", 'a queue consumer: count its jobs with a number it keeps')
      .example('$0 attach 4242 --count-metric jobs_processed_total', 'or with a prom-client counter of its default registry')
      .check((argv) => {
        if (argv.url !== undefined && argv.rps === undefined) {
          throw new UsageError('--url needs --rps: the fixed rate to drive it at', 'memprobe attach 4242 --url http://127.0.0.1:3000/ --rps 500');
        }
        if (argv.rps !== undefined && argv.url === undefined) {
          throw new UsageError('--rps needs --url: attach drives load only at a URL you name', 'without both, attach observes the traffic the process gets');
        }
        if (argv.vus !== undefined && argv.url === undefined) throw new UsageError('--vus needs --url and --rps');
        if (argv.url !== undefined && !/^https?:\/\/[^/]/.test(argv.url)) {
          throw new UsageError(`--url: expected an http:// or https:// URL, got "${argv.url}"`, 'for example --url http://127.0.0.1:3000/');
        }
        return true;
      }) as unknown as Argv<AttachArgv>,
  handler: async (argv) => {
    process.exitCode = await attach(argv);
  },
};

async function openChildren(pid: number, selection: ProcessSelection): Promise<ChildInspector[]> {
  if (selection === 'none') return [];
  const { busiest, nodeDescendants, openChildInspectors } = await import('../harness/process-tree.js');
  let found = nodeDescendants(pid);
  if (typeof selection === 'number') found = await busiest(found, selection);
  const { inspectors, skipped } = await openChildInspectors(found, { open: true });
  for (const s of skipped) process.stderr.write(`memprobe: not captured: ${s}\n`);
  return inspectors;
}

function overrideLoadDescriptions<T>(yargs: Argv<T>): Argv<T> {
  return yargs
    .option('rps', { type: 'string', describe: `With --url: requests per second to drive it at [default: ${DEFAULTS.rps}]`, group: 'Load:' })
    .option('duration', { type: 'string', describe: `How long to stay attached (and drive load): 90s, 5m, 2h [default: ${DEFAULTS.durationS}s]`, group: 'Load:' })
    .option('vus', { type: 'string', describe: `With --url: requests in flight at most; arrivals beyond are dropped and counted [default: ${DEFAULTS.vus}]`, group: 'Load:' }) as unknown as Argv<T>;
}

async function attach(argv: AttachArgv): Promise<number> {
  // Loaded here, not at start-up: the session and the inspector client are most of the CLI's
  // modules, which every other command, --help and each usage error would otherwise load too.
  const [{ runSession }, { attachTarget, checkAttachSpec }] = await Promise.all([import('../session/run-session.js'), import('../harness/attach-target.js')]);
  const outDir = outDirFrom(argv);
  const budgets = parseGateBudgets(argv);
  const { rps, durationS, vus } = resolveLoad(argv, null);
  const options: SessionOptions = { ...sessionOptionsFrom(argv, outDir, durationS), budgets };
  validateSessionOptions(options);
  const attachOptions = { allowRemote: argv['allow-remote'] ?? false };
  // No run directory for a pid that is not there; and no signal to a process before its results
  // are known to have somewhere to go.
  checkAttachSpec(argv.target, attachOptions);
  const created = prepareRunDirectory(outDir);
  let target;
  // A service's child processes (cluster workers, PM2 forks) get their inspectors first: SIGUSR1
  // would open each on the port the target's own is about to take (harness/process-tree.ts).
  const spec = checkAttachSpec(argv.target, attachOptions);
  const children = spec.kind === 'pid' ? await openChildren(spec.pid, options.processes ?? 'all') : [];
  options.childInspectors = children;
  try {
    target = await attachTarget(argv.target, attachOptions);
  } catch (error) {
    // Nothing was captured: leave no empty run directory behind for a process we could not reach.
    await Promise.all(children.map((c) => c.close()));
    discardUnusedRunDirectory(outDir, created, { keepLog: false });
    throw error;
  }
  try {
    const load = argv.url !== undefined ? createHttpLoad({ url: argv.url, rps, vus }) : null;
    const result = await runSession(target, load, options);
    printSessionResult(result, sessionOutputFrom(argv));
    return result.exitCode;
  } finally {
    await target.close();
  }
}
