/**
 * The parent side of a script target: forks `script-runner` in a child Node.js process with the
 * inspector on loopback and a random port, waits until the module is loaded and `setup` has run, and
 * offers a `LoadDriver` whose arrivals are made inside the child (so iterations cost the target what
 * they would cost it in production, and the parent's snapshot parsing never delays them).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDuration } from '../core/units.js';
import { UsageError } from '../core/usage-error.js';
import type { RunnerCommand, RunnerMessage } from './script-runner.js';
import { NO_LOAD_YET, type LoadCounters, type LoadDriver, type TargetExit, type TargetProcess } from './target-process.js';

export interface ScriptTargetOptions {
  /** The target module as the user wrote it (relative to the working directory, or absolute). */
  script: string;
  /** The command line's `--rps`, when given: shown in the target's `command`. */
  rps?: number;
  /** The command line's `--duration` in seconds, when given: shown in the target's `command`. */
  durationS?: number;
  vus: number;
  env?: NodeJS.ProcessEnv;
  /** The child's stdout and stderr go here (created owner-only); without it they go to ours. */
  logFile?: string;
  /** How long loading the module and `setup` may take; default 120 s. */
  readyTimeoutS?: number;
}

/** From the module's `export const options`; null where it says nothing. */
export interface ScriptDefaults {
  rps: number | null;
  durationS: number | null;
}

const SCRIPT_EXTENSIONS = new Set(['.mjs', '.js', '.cjs', '.ts', '.mts', '.cts']);
const TYPESCRIPT_EXTENSIONS = new Set(['.ts', '.mts', '.cts']);
/** How long `close()` waits for teardown and a clean exit before it kills the child. */
const CLOSE_TIMEOUT_MS = 5000;

/** This module runs either compiled (`dist/harness/*.js`) or from sources under tsx (tests, benches). */
const RUNNING_FROM_SOURCES = import.meta.url.endsWith('.ts');
const RUNNER_PATH = fileURLToPath(new URL(`./script-runner.${RUNNING_FROM_SOURCES ? 'ts' : 'js'}`, import.meta.url));

export async function startScriptTarget(
  o: ScriptTargetOptions,
): Promise<{ target: TargetProcess; defaults: ScriptDefaults; createLoad(rps: number, vus: number): LoadDriver }> {
  const scriptPath = path.resolve(o.script);
  const ext = path.extname(scriptPath);
  if (!existsSync(scriptPath)) throw new UsageError(`${o.script}: no such file`);
  if (!SCRIPT_EXTENSIONS.has(ext)) {
    throw new UsageError(`${o.script}: a script target is an ES module (.mjs, .js or .ts)`, 'to drive an HTTP server, use --url URL -- <command>');
  }

  // V8's sampling heap profiler records only the outermost function of an optimized frame: with
  // inlining on, the target's iteration (and everything it calls) is folded into the scheduler's
  // frame and allocation sites name memprobe's code instead of the target's. Inlining changes speed,
  // not what is allocated or retained, so the heap the snapshots see is the same.
  const execArgv = ['--inspect=127.0.0.1:0', '--no-turbo-inlining'];
  // The user's module, or this runner when run from sources, needs TypeScript; resolve tsx from
  // memprobe's own install so targets outside this package work too.
  if (RUNNING_FROM_SOURCES || TYPESCRIPT_EXTENSIONS.has(ext)) execArgv.push('--import', import.meta.resolve('tsx'));

  const logFd = o.logFile ? openSync(o.logFile, 'a', 0o600) : null;
  let child: ChildProcess;
  try {
    child = fork(RUNNER_PATH, [scriptPath], {
      execArgv,
      // NODE_OPTIONS passes through: the user's --max-old-space-size applies to the target.
      env: o.env ?? process.env,
      stdio: logFd === null ? ['inherit', 'inherit', 'inherit', 'ipc'] : ['ignore', logFd, logFd, 'ipc'],
      serialization: 'json',
    });
  } finally {
    if (logFd !== null) closeSync(logFd);
  }

  const exited = new Promise<TargetExit>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const ready = await waitForReady(child, exited, o);
  let defaults: ScriptDefaults;
  try {
    defaults = readDefaults(o.script, ready.options);
  } catch (error) {
    await closeChild(child, exited);
    throw error;
  }

  const target: TargetProcess = {
    kind: 'script',
    command: describeCommand(o),
    pid: ready.pid,
    inspectorUrl: ready.inspectorUrl,
    exited,
    close: () => closeChild(child, exited),
  };

  let loadCreated = false;
  const createLoad = (rps: number, vus: number): LoadDriver => {
    if (loadCreated) throw new Error('a script target runs one load: setup and teardown run once');
    if (!(rps > 0) || !Number.isFinite(rps)) throw new UsageError(`--rps: expected a rate above 0, got ${rps}`);
    if (!Number.isInteger(vus) || vus < 1) throw new UsageError(`--vus: expected a whole number of at least 1, got ${vus}`);
    loadCreated = true;
    return new ChildLoadDriver(child, exited, rps, vus);
  };
  return { target, defaults, createLoad };
}

/** The load made inside the child; counters arrive over IPC every 100 ms. */
class ChildLoadDriver implements LoadDriver {
  private latest: LoadCounters = NO_LOAD_YET;
  private stopping: Promise<void> | null = null;
  private readonly onMessage = (m: RunnerMessage) => {
    if (m.type === 'counters' || m.type === 'stopped') this.latest = m.counters;
  };

  constructor(
    private readonly child: ChildProcess,
    private readonly exited: Promise<TargetExit>,
    readonly targetRps: number,
    private readonly vus: number,
  ) {
    child.on('message', this.onMessage);
  }

  start(): void {
    command(this.child, { type: 'start', rps: this.targetRps, vus: this.vus });
  }

  stop(graceMs = 2000): Promise<void> {
    return (this.stopping ??= new Promise<void>((resolve) => {
      const onStopped = (m: RunnerMessage) => {
        if (m.type !== 'stopped') return;
        if (m.teardownError) this.latest = { ...m.counters, errorMessages: [...m.counters.errorMessages, `teardown failed: ${m.teardownError}`] };
        finish();
      };
      const finish = () => {
        this.child.off('message', onStopped);
        this.child.off('message', this.onMessage);
        resolve();
      };
      this.child.on('message', onStopped);
      void this.exited.then(finish);
      if (!command(this.child, { type: 'stop', graceMs })) finish();
    }));
  }

  counters(): LoadCounters {
    return this.latest;
  }
}

function command(child: ChildProcess, c: RunnerCommand): boolean {
  if (!child.connected) return false;
  // With a callback, a channel that closes under the send reports here, not as an 'error' event
  // that nobody listens to once the child is running; the child's exit is reported by `exited`.
  child.send(c, () => {});
  return true;
}

type ReadyMessage = Extract<RunnerMessage, { type: 'ready' }>;

function waitForReady(child: ChildProcess, exited: Promise<TargetExit>, o: ScriptTargetOptions): Promise<ReadyMessage> {
  const timeoutS = o.readyTimeoutS ?? 120;
  const seeLog = o.logFile ? ` (its output is in ${o.logFile})` : '';
  return new Promise<ReadyMessage>((resolve, reject) => {
    let settled = false;
    const settle = (error: Error | null, ready?: ReadyMessage) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.off('message', onMessage);
      if (error) {
        void closeChild(child, exited).then(() => reject(error));
      } else {
        resolve(ready!);
      }
    };
    const onMessage = (m: RunnerMessage) => {
      if (m.type === 'ready') settle(null, m);
      else if (m.type === 'failed') settle(new UsageError(`${o.script}: ${m.message}`));
    };
    child.on('message', onMessage);
    child.once('error', (error) => settle(new UsageError(`${o.script}: cannot start node: ${error.message}`)));
    void exited.then(({ code, signal }) =>
      settle(new UsageError(`${o.script}: the target exited (${signal ?? `code ${code}`}) before it was ready${seeLog}`)),
    );
    const timer = setTimeout(
      () => settle(new UsageError(`${o.script}: not ready after ${timeoutS} s (loading the module and setup())${seeLog}`)),
      timeoutS * 1000,
    );
  });
}

function readDefaults(script: string, options: ReadyMessage['options']): ScriptDefaults {
  let rps: number | null = null;
  if (options.rps !== undefined) {
    rps = Number(options.rps);
    if (!(rps > 0) || !Number.isFinite(rps)) throw new UsageError(`${script}: options.rps: expected a rate above 0, got ${JSON.stringify(options.rps)}`);
  }
  let durationS: number | null = null;
  if (options.duration !== undefined) {
    try {
      durationS = parseDuration(options.duration as string | number, 'duration');
    } catch (error) {
      throw new UsageError(`${script}: options.${(error as Error).message.replace(/^--/, '')}`);
    }
  }
  return { rps, durationS };
}

function describeCommand(o: ScriptTargetOptions): string {
  const parts = [o.script];
  if (o.rps !== undefined) parts.push(`--rps ${o.rps}`);
  if (o.durationS !== undefined) parts.push(`--duration ${o.durationS}s`);
  parts.push(`--vus ${o.vus}`);
  return parts.join(' ');
}

/** Asks the child to stop its load, run teardown and exit; kills it if it has not within 5 s. */
async function closeChild(child: ChildProcess, exited: Promise<TargetExit>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  if (!command(child, { type: 'exit' })) child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), CLOSE_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}
