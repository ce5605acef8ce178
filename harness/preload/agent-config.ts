/**
 * The in-process agent's settings, from the environment of the process it is loaded into (a
 * preload has no command line of its own). Every variable is optional; a bad value is an Error
 * naming the variable, which the agent reports once before switching itself off.
 *
 *   MEMPROBE_AGENT_DIR            run directory; `%p` becomes the pid   [memprobe-agent-%p]
 *   MEMPROBE_AGENT_SIGNAL         signal that takes a snapshot (a reading in sampling mode), or none [SIGUSR2]
 *   MEMPROBE_AGENT_MODE           snapshots, or sampling (no snapshots: growth by allocation site) [snapshots]
 *   MEMPROBE_AGENT_SAMPLING_EVERY sampling mode: read the profile every D [10s]
 *   MEMPROBE_AGENT_EVERY          also one snapshot every D (60s, 15m)  [off]
 *   MEMPROBE_AGENT_SAMPLING       sampling heap profiler interval (32KB), or off  [32KB]
 *   MEMPROBE_AGENT_MAX_SNAPSHOTS  stop taking snapshots after this many [20]
 */
import { constants } from 'node:os';
import { resolve } from 'node:path';
import { parseDuration, parseSize } from '../../core/units.js';

export interface AgentConfig {
  /** Absolute run directory. */
  dir: string;
  /** null: no signal handler is installed. */
  signal: NodeJS.Signals | null;
  /** Seconds between scheduled snapshots; null: on the signal only. */
  everyS: number | null;
  /** Bytes between heap samples; null: the sampling heap profiler stays off. */
  samplingIntervalBytes: number | null;
  maxSnapshots: number;
  /** `MEMPROBE_AGENT_MODE`: `snapshots` (default) or `sampling` (no snapshots, growth by allocation site). */
  mode: 'snapshots' | 'sampling';
  /** `MEMPROBE_AGENT_SAMPLING_EVERY`: seconds between readings of the profile in sampling mode. */
  samplingEveryS: number;
}

export const AGENT_DEFAULTS = {
  dir: 'memprobe-agent-%p',
  signal: 'SIGUSR2',
  samplingIntervalBytes: 32 * 1024,
  maxSnapshots: 20,
  samplingEveryS: 10,
} as const;

/**
 * Signals the agent will not take over: SIGUSR1 opens the inspector (attach relies on it), the
 * others end, stop or debug processes and belong to the application and its supervisor.
 */
const RESERVED_SIGNALS = new Set(['SIGUSR1', 'SIGINT', 'SIGTERM', 'SIGKILL', 'SIGSTOP', 'SIGQUIT', 'SIGHUP', 'SIGSEGV', 'SIGBUS', 'SIGFPE', 'SIGILL', 'SIGABRT', 'SIGTRAP', 'SIGCHLD', 'SIGPIPE']);

/** A snapshot pauses the process for about a second per 100 MB of heap: more often than this is a mistake. */
const MIN_EVERY_S = 1;

export function agentConfigFromEnv(env: NodeJS.ProcessEnv, pid: number, cwd = process.cwd()): AgentConfig {
  return {
    dir: resolve(cwd, (env.MEMPROBE_AGENT_DIR?.trim() || AGENT_DEFAULTS.dir).replaceAll('%p', String(pid))),
    signal: parseSignal(env.MEMPROBE_AGENT_SIGNAL),
    everyS: parseEvery(env.MEMPROBE_AGENT_EVERY),
    samplingIntervalBytes: parseSampling(env.MEMPROBE_AGENT_SAMPLING),
    maxSnapshots: parseMaxSnapshots(env.MEMPROBE_AGENT_MAX_SNAPSHOTS),
    ...parseMode(env),
  };
}

function parseMode(env: NodeJS.ProcessEnv): Pick<AgentConfig, 'mode' | 'samplingEveryS'> {
  const value = env.MEMPROBE_AGENT_MODE?.trim().toLowerCase() || 'snapshots';
  if (value !== 'snapshots' && value !== 'sampling') throw new Error(`MEMPROBE_AGENT_MODE: expected snapshots or sampling, got "${env.MEMPROBE_AGENT_MODE}"`);
  if (value === 'sampling' && parseSampling(env.MEMPROBE_AGENT_SAMPLING) === null) throw new Error('MEMPROBE_AGENT_MODE=sampling needs the sampling heap profiler: drop MEMPROBE_AGENT_SAMPLING=off');
  const every = env.MEMPROBE_AGENT_SAMPLING_EVERY?.trim();
  let samplingEveryS: number = AGENT_DEFAULTS.samplingEveryS;
  if (every) {
    try {
      samplingEveryS = parseDuration(every, 'sampling-every');
    } catch {
      throw new Error(`MEMPROBE_AGENT_SAMPLING_EVERY: expected a duration such as 10s or 1m, got "${every}"`);
    }
    if (samplingEveryS < MIN_EVERY_S) throw new Error(`MEMPROBE_AGENT_SAMPLING_EVERY: at least ${MIN_EVERY_S}s, got "${every}"`);
  }
  return { mode: value, samplingEveryS };
}

function parseSignal(text: string | undefined): NodeJS.Signals | null {
  const value = text?.trim().toUpperCase();
  if (!value) return AGENT_DEFAULTS.signal;
  if (value === 'NONE' || value === 'OFF') return null;
  const name = value.startsWith('SIG') ? value : `SIG${value}`;
  if (!(name in constants.signals)) throw new Error(`MEMPROBE_AGENT_SIGNAL: unknown signal "${text}" (e.g. SIGUSR2, or none)`);
  if (RESERVED_SIGNALS.has(name)) throw new Error(`MEMPROBE_AGENT_SIGNAL: ${name} is not available to the agent; use SIGUSR2 (or another free signal such as SIGPWR), or none`);
  return name as NodeJS.Signals;
}

function parseEvery(text: string | undefined): number | null {
  const value = text?.trim();
  if (!value || value === 'off' || value === 'none') return null;
  let seconds: number;
  try {
    seconds = parseDuration(value, 'every');
  } catch {
    throw new Error(`MEMPROBE_AGENT_EVERY: expected a duration such as 60s, 15m or 1h, got "${text}"`);
  }
  if (seconds < MIN_EVERY_S) throw new Error(`MEMPROBE_AGENT_EVERY: at least ${MIN_EVERY_S}s between snapshots (each one pauses the process), got "${text}"`);
  return seconds;
}

function parseSampling(text: string | undefined): number | null {
  const value = text?.trim().toLowerCase();
  if (!value || value === 'on') return AGENT_DEFAULTS.samplingIntervalBytes;
  if (value === 'off' || value === 'none' || value === '0') return null;
  let bytes: number;
  try {
    bytes = parseSize(value, 'sampling');
  } catch {
    throw new Error(`MEMPROBE_AGENT_SAMPLING: expected a sampling interval such as 32KB, or off, got "${text}"`);
  }
  if (!(bytes >= 1024) || bytes > 2 ** 31) throw new Error(`MEMPROBE_AGENT_SAMPLING: an interval between 1KB and 2GB, got "${text}"`);
  return Math.round(bytes);
}

function parseMaxSnapshots(text: string | undefined): number {
  const value = text?.trim();
  if (!value) return AGENT_DEFAULTS.maxSnapshots;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`MEMPROBE_AGENT_MAX_SNAPSHOTS: expected a whole number of at least 1, got "${text}"`);
  return n;
}
