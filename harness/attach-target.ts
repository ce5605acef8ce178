/**
 * `<pid | ws://host:port/id>` in, a TargetProcess of kind 'attach' out: a running Node.js process
 * whose inspector memprobe may use, and a `close()` that leaves it as it was found.
 *
 * By pid, everything that can be checked is checked before the process is touched, because the
 * touch is SIGUSR1 and SIGUSR1 terminates any process that does not handle it: the pid must exist,
 * be ours to signal, and run a Node.js executable. Only then is the inspector opened (or found
 * open), and it counts only once it reports that very pid. An inspector memprobe opened is closed
 * again on `close()` (or by the janitor, should memprobe die first); one the user opened
 * (`--inspect`) is left open.
 *
 * By URL, the inspector must be on loopback: an inspector is remote code execution for whoever
 * reaches it, and memprobe will not be the reason one is used across a network unless the user
 * says so (`--allow-remote`).
 */
import { readlinkSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { UsageError } from '../core/usage-error.js';
import { askInspectorPid, closeInspector, listeningSocketsOf, openInspector, probeInspectorPort } from './inspector-discovery.js';
import { startInspectorJanitor, type InspectorJanitor } from './inspector-janitor.js';
import type { TargetExit, TargetProcess } from './target-process.js';
import { processExists } from './process-exists.js';

export interface AttachOptions {
  /** Accept a ws:// URL that is not on loopback. */
  allowRemote?: boolean;
  /** How long the inspector may take to open after SIGUSR1. Default 5 s. */
  openTimeoutMs?: number;
}

/** How often a process we did not start is checked for being alive (we cannot wait() on it). */
const LIVENESS_POLL_MS = 500;

export type AttachSpec = { kind: 'pid'; pid: number } | { kind: 'url'; url: URL; local: boolean };

export async function attachTarget(spec: string, options: AttachOptions = {}): Promise<TargetProcess> {
  const parsed = checkAttachSpec(spec, options);
  return parsed.kind === 'pid' ? attachByPid(parsed.pid, options) : attachByUrl(parsed.url, parsed.local);
}

/**
 * Every check that does not touch the process: a pid that exists, may be signalled and runs Node.js;
 * a well-formed ws:// URL on loopback (or `allowRemote`). Throws a one-line UsageError.
 */
export function checkAttachSpec(spec: string, options: AttachOptions = {}): AttachSpec {
  const text = spec.trim();
  if (/^wss?:\/\//i.test(text)) return checkInspectorUrl(text, options);
  if (/^\d+$/.test(text)) {
    checkAttachablePid(Number(text));
    return { kind: 'pid', pid: Number(text) };
  }
  throw new UsageError(
    `expected a pid or an inspector URL (ws://127.0.0.1:9229/<id>), got "${spec}"`,
    'find the pid with `pgrep -f node` or `ps`; the URL is printed by `node --inspect` and listed at http://127.0.0.1:9229/json/list',
  );
}

/**
 * Checks that `pid` can be attached to: it exists, we may signal it, it is a Node.js process, and
 * it is not memprobe itself. Throws a one-line UsageError otherwise.
 */
export function checkAttachablePid(pid: number): void {
  if (!Number.isSafeInteger(pid) || pid <= 0) throw new UsageError(`not a pid: ${pid}`);
  if (pid === process.pid) throw new UsageError(`pid ${pid} is memprobe itself`);
  try {
    process.kill(pid, 0);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ESRCH') throw new UsageError(`no such process: ${pid}`, 'find the pid with `pgrep -f node` or `ps aux | grep node`');
    if (code === 'EPERM') {
      throw new UsageError(
        `permission denied: pid ${pid} belongs to another user`,
        'run memprobe as the user that runs the target (or as root)',
      );
    }
    throw err;
  }
  const executable = executableOf(pid);
  if (executable !== null && !isNodeExecutable(executable)) {
    throw new UsageError(`pid ${pid} is not a Node.js process (it is ${executable})`, 'give the pid of the node process itself, not of a wrapper such as npm or sh');
  }
}

/** The executable path of a pid (`/usr/bin/node`), or null where /proc cannot tell. */
function executableOf(pid: number): string | null {
  try {
    // A binary replaced by an upgrade while running reads as "/usr/bin/node (deleted)".
    return readlinkSync(`/proc/${pid}/exe`).replace(/ \(deleted\)$/, '');
  } catch {
    try {
      const argv0 = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0];
      return argv0 || null;
    } catch {
      return null; // not Linux: the inspector's own answer is the check
    }
  }
}

/** node, nodejs, node20, node-20.11: the names Node.js binaries are installed under. */
function isNodeExecutable(path: string): boolean {
  return /^node(js)?([-_.]?v?\d+(\.\d+)*)?$/.test(basename(path));
}

async function attachByPid(pid: number, options: AttachOptions): Promise<TargetProcess> {
  const inspector = await openInspector(pid, { timeoutMs: options.openTimeoutMs });
  // memprobe's sessions go through the janitor's relay, so that memprobe dying mid-command cannot
  // crash the target (see inspector-janitor.ts); should memprobe die before close(), the janitor
  // also closes the inspector memprobe opened.
  let janitor: InspectorJanitor;
  try {
    janitor = await startInspectorJanitor({ targetPid: pid, url: inspector.url, port: inspector.port, closeOnDeath: inspector.openedByMemprobe });
  } catch (err) {
    if (inspector.openedByMemprobe) await closeInspector(inspector.url, inspector.port).catch(() => false);
    throw err;
  }
  const watch = watchLocalPid(pid);
  let closing: Promise<void> | null = null;
  return {
    kind: 'attach',
    command: describeAttach(String(pid), pid),
    pid,
    inspectorUrl: janitor.url,
    exited: watch.exited,
    close: () =>
      (closing ??= (async () => {
        watch.stop();
        // The janitor closes the inspector memprobe opened, once memprobe's sessions through it have
        // ended with nothing in flight: closing the inspector under them could crash the process too.
        let closed = await janitor.finish();
        if (!closed && inspector.openedByMemprobe && processExists(pid)) {
          // The janitor failed (or the close timed out): try once more from here.
          closed = await closeInspector(inspector.url, inspector.port).catch(() => false);
        }
        if (!closed && inspector.openedByMemprobe && processExists(pid)) {
          process.stderr.write(
            `memprobe: could not close the inspector memprobe opened in pid ${pid} (port ${inspector.port} is still open); ` +
              `it closes when the process exits\n`,
          );
        }
      })()),
  };
}

function checkInspectorUrl(text: string, options: AttachOptions): AttachSpec {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`not a valid inspector URL: ${text}`);
  }
  if (url.protocol !== 'ws:') {
    throw new UsageError(`${url.protocol}// inspector URLs are not supported: give ws://127.0.0.1:PORT/ID`);
  }
  if (!url.port || url.pathname.length <= 1) {
    throw new UsageError(`incomplete inspector URL: ${text}`, 'the full URL is listed at http://127.0.0.1:9229/json/list, e.g. ws://127.0.0.1:9229/0f2c…');
  }
  const local = isLoopbackHost(url.hostname);
  if (!local && !options.allowRemote) {
    throw new UsageError(
      `refusing the inspector at ${url.host}: not on loopback (anyone who can reach an inspector can run code in that process)`,
      'tunnel it (ssh -L 9229:127.0.0.1:9229 host) and attach to ws://127.0.0.1:9229/…, or pass --allow-remote if you accept the risk',
    );
  }
  return { kind: 'url', url, local };
}

async function attachByUrl(url: URL, local: boolean): Promise<TargetProcess> {
  const pid = await askInspectorPid(url.href).catch((err: Error) => {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`cannot reach the inspector at ${url.href}: ${err.message}`, 'is the process running with --inspect, and is the URL current (/json/list)?');
  });
  const port = Number(url.port);
  // The pid is the one the process sees: behind a container's port forward it names some other
  // process here. Only a pid that itself listens on the inspector's port is watched directly.
  const ownsPort = local && (listeningSocketsOf(pid) ?? []).some((s) => s.port === port);
  const watch = ownsPort ? watchLocalPid(pid) : watchInspectorPort(url.hostname, port);
  return {
    kind: 'attach',
    command: ownsPort ? describeAttach(url.href, pid) : `attach ${url.href}`,
    pid,
    inspectorUrl: url.href,
    exited: watch.exited,
    close: async () => watch.stop(),
  };
}

/** `attach 4242 (node server.js --port 3000)`: what the report names as the target. */
function describeAttach(spec: string, pid: number): string {
  let commandLine = '';
  try {
    commandLine = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
  } catch {
    // not Linux: the pid alone
  }
  if (commandLine.length > 160) commandLine = `${commandLine.slice(0, 159)}…`;
  return commandLine ? `attach ${spec} (${commandLine})` : `attach ${spec}`;
}

export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host) || host === '::ffff:127.0.0.1';
}

interface ExitWatch {
  exited: Promise<TargetExit>;
  stop(): void;
}

/**
 * Not our child, so no exit code: only that it is gone. A pid reused by a new process in between
 * polls would go unnoticed, but pids are handed out in order and wrap only after ~4 million.
 */
function watchLocalPid(pid: number): ExitWatch {
  let timer: NodeJS.Timeout | undefined;
  const exited = new Promise<TargetExit>((resolve) => {
    timer = setInterval(() => {
      if (processExists(pid)) return;
      clearInterval(timer);
      resolve({ code: null, signal: null });
    }, LIVENESS_POLL_MS);
    timer.unref();
  });
  return { exited, stop: () => clearInterval(timer) };
}

function watchInspectorPort(hostname: string, port: number): ExitWatch {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const exited = new Promise<TargetExit>((resolve) => {
    const poll = async () => {
      if (stopped) return;
      if ((await probeInspectorPort(port, 2000, hostname)).kind === 'closed') return resolve({ code: null, signal: null });
      timer = setTimeout(() => void poll(), LIVENESS_POLL_MS);
      timer.unref();
    };
    timer = setTimeout(() => void poll(), LIVENESS_POLL_MS);
    timer.unref();
  });
  return {
    exited,
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
