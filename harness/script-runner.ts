/**
 * Runs INSIDE the target's child process (forked by `script-target.ts` with an IPC channel and the
 * inspector on loopback): loads the user's module, runs `setup`, reports ready, then drives `default`
 * under the arrival scheduler when told to, posting counters a few times a second. `teardown` runs
 * when the load stops.
 *
 * Everything here shows up in the target's heap snapshots, so it stays small and constant: one
 * scheduler, one `LoadStats`, one interval; no per-iteration records and no messages per iteration.
 */
import inspector from 'node:inspector';
import { pathToFileURL } from 'node:url';
import { ArrivalScheduler } from './arrival-scheduler.js';
import { LoadStats } from './load-stats.js';
import type { LoadCounters } from './target-process.js';

/** Parent to child. */
export type RunnerCommand =
  | { type: 'start'; rps: number; vus: number }
  | { type: 'stop'; graceMs: number }
  /** Stop any load, run teardown if it has not run, and exit. */
  | { type: 'exit' };

/** Child to parent. */
export type RunnerMessage =
  | {
      type: 'ready';
      pid: number;
      inspectorUrl: string;
      /** The module's `export const options`, only the fields the harness understands, unparsed. */
      options: { rps?: unknown; duration?: unknown };
    }
  /** The module cannot run: one line, without the script's name (the parent prefixes it). */
  | { type: 'failed'; message: string }
  | { type: 'counters'; counters: LoadCounters }
  | { type: 'stopped'; counters: LoadCounters; teardownError: string | null };

/**
 * Counters go to the parent this often: cheap at any rate, and fresh enough that the request count
 * recorded with a snapshot is off by at most a tenth of a second of load.
 */
const COUNTERS_INTERVAL_MS = 100;

interface TargetModule {
  options?: { rps?: unknown; duration?: unknown };
  setup?: () => unknown;
  default?: (state: unknown) => unknown;
  teardown?: (state: unknown) => unknown;
}

function send(message: RunnerMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.connected) return resolve();
    process.send!(message, undefined, {}, () => resolve());
  });
}

/**
 * The error's first line. A first line that only announces what follows ("Transform failed with 1
 * error:", as tsx/esbuild say for a TypeScript syntax error) takes the next line, where the file,
 * line and column are.
 */
function oneLine(error: unknown): string {
  const text = error instanceof Error ? error.message || error.name : String(error);
  const lines = text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  const first = lines[0] ?? 'unknown error';
  return (first.endsWith(':') && lines[1] ? `${first} ${lines[1]}` : first).slice(0, 500);
}

/** IPC serializes as JSON: pass numbers and strings on as they are, anything else as its text. */
function plainOption(value: unknown): unknown {
  return value === undefined || typeof value === 'number' || typeof value === 'string' ? value : String(value);
}

async function fail(message: string): Promise<never> {
  await send({ type: 'failed', message });
  process.exit(2);
}

async function loadTarget(scriptPath: string): Promise<{ mod: TargetModule; state: unknown }> {
  let mod: TargetModule;
  try {
    mod = (await import(pathToFileURL(scriptPath).href)) as TargetModule;
  } catch (error) {
    return fail(`import failed: ${oneLine(error)}`);
  }
  if (typeof mod.default !== 'function') {
    return fail('has no default export function (export default async function iteration(state) { ... })');
  }
  let state: unknown;
  try {
    state = typeof mod.setup === 'function' ? await mod.setup() : undefined;
  } catch (error) {
    return fail(`setup failed: ${oneLine(error)}`);
  }
  return { mod, state };
}

async function main(): Promise<void> {
  const scriptPath = process.argv[2];
  if (!scriptPath || !process.send) {
    process.stderr.write('script-runner: run by memprobe (script-target.ts) with an IPC channel\n');
    process.exit(2);
  }
  const { mod, state } = await loadTarget(scriptPath);
  const iterate = mod.default!;

  let scheduler: ArrivalScheduler | null = null;
  let stats: LoadStats | null = null;
  let reporter: NodeJS.Timeout | null = null;
  let stopping: Promise<{ counters: LoadCounters; teardownError: string | null }> | null = null;

  const stopLoad = (graceMs: number) =>
    (stopping ??= (async () => {
      if (reporter) clearInterval(reporter);
      await scheduler?.stop(graceMs);
      let teardownError: string | null = null;
      try {
        if (typeof mod.teardown === 'function') await mod.teardown(state);
      } catch (error) {
        teardownError = oneLine(error);
      }
      const counters = (stats ?? new LoadStats()).counters(scheduler?.inFlight ?? 0);
      return { counters, teardownError };
    })());

  process.on('message', (command: RunnerCommand) => {
    if (command.type === 'start' && !scheduler) {
      stats = new LoadStats();
      const observer = stats;
      scheduler = new ArrivalScheduler({
        rps: command.rps,
        vus: command.vus,
        iteration: () => iterate(state),
        observer,
      });
      const running = scheduler;
      reporter = setInterval(() => void send({ type: 'counters', counters: observer.counters(running.inFlight) }), COUNTERS_INTERVAL_MS);
      scheduler.start();
    } else if (command.type === 'stop') {
      void stopLoad(command.graceMs).then((result) => send({ type: 'stopped', ...result }));
    } else if (command.type === 'exit') {
      void stopLoad(1000).then(() => process.exit(0));
    }
  });
  // The parent is gone (killed, crashed): nobody will read the counters or close the inspector.
  process.on('disconnect', () => process.exit(0));
  // Ctrl-C reaches the whole process group, this child too; memprobe must still be able to finish
  // the snapshot in progress and end the load itself, so the interrupt is the parent's to handle.
  process.on('SIGINT', () => {});

  const options = mod.options && typeof mod.options === 'object' ? mod.options : {};
  await send({
    type: 'ready',
    pid: process.pid,
    inspectorUrl: inspector.url() ?? '',
    options: { rps: plainOption(options.rps), duration: plainOption(options.duration) },
  });
}

void main();
