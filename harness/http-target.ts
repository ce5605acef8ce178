/**
 * An HTTP target: the user's server command, started in its own process group with the inspector
 * switched on through NODE_OPTIONS (on 127.0.0.1, port 0: loopback and a random free port), its
 * output piped to the run's log while stderr is scanned for the inspector's URL, and ready once the
 * URL answers anything at all (a 404 or 500 still means the server is up).
 *
 * The command may be a wrapper (`sh -c`, `npm start`): every Node.js process under it inherits
 * NODE_OPTIONS and opens an inspector, so the target is the one that owns the URL's listening socket,
 * and its pid is asked of that Node.js process itself over the inspector, never taken from spawn.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readdirSync, readFileSync, readlinkSync, type WriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { Agent, request } from 'undici';
import WebSocket from 'ws';
import { UsageError } from '../core/usage-error.js';
import type { TargetExit, TargetProcess } from './target-process.js';
import { isErrorLine } from './error-line.js';
import { processExists } from './process-exists.js';

export interface HttpTargetOptions {
  /** The server command and its arguments, as after `--` on the command line. */
  command: string[];
  /** The URL the load will drive; readiness is polled on it. */
  url: string;
  env?: NodeJS.ProcessEnv;
  /** The server's stdout and stderr go here (created owner-only); without it, to our stderr. */
  logFile?: string;
  /** How long the server may take to answer the URL; default 30 s. */
  readyTimeoutS?: number;
}

const INSPECTOR_BANNER = /Debugger listening on (ws:\/\/127\.0\.0\.1:\d+\/[\w-]+)/;
const POLL_INTERVAL_MS = 100;
/** The inspector banner can trail the server's first answer by a little. */
const INSPECTOR_GRACE_MS = 3000;
const CLOSE_TIMEOUT_MS = 5000;
/** Wrappers such as npm start several Node.js processes; more than this is not a server command. */
const MAX_INSPECTORS = 16;

export async function startHttpTarget(o: HttpTargetOptions): Promise<TargetProcess> {
  if (o.command.length === 0) throw new UsageError('--url needs a server command after --', 'memprobe run --url http://127.0.0.1:3000/ -- node server.js');
  const url = parseUrl(o.url);
  const commandText = o.command.join(' ');
  const readyTimeoutS = o.readyTimeoutS ?? 30;
  const env = o.env ?? process.env;
  if (await answers(url)) {
    // Readiness would be a lie: the load would drive the other process and the command would fail.
    throw new UsageError(`${url.href} already answers before \`${commandText}\` started`, 'stop the server already listening there, or choose another port');
  }

  const child = spawn(o.command[0], o.command.slice(1), {
    detached: true, // its own process group: close() ends the wrapper and the server under it
    env: { ...env, NODE_OPTIONS: [env.NODE_OPTIONS, '--inspect=127.0.0.1:0'].filter(Boolean).join(' ') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const killGroupOnExit = () => signalGroup(child, 'SIGKILL');
  process.on('exit', killGroupOnExit);

  const exited = new Promise<TargetExit>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const spawnFailed = new Promise<Error>((resolve) => child.on('error', resolve));
  const output = routeOutput(child, o.logFile);

  const close = async () => {
    await terminateGroup(child, exited);
    process.off('exit', killGroupOnExit);
    output.close();
  };

  try {
    await waitUntilAnswering(url, readyTimeoutS, exited, spawnFailed, commandText, output);
    const inspectorUrl = await findServerInspector(url, output, exited, commandText);
    const pid = await askPid(inspectorUrl).catch((error: Error) => {
      throw new UsageError(`cannot reach the inspector of \`${commandText}\`: ${error.message}`);
    });
    output.stopScanning();
    return { kind: 'http', command: commandText, pid, inspectorUrl, exited: serverExit(pid, exited), close };
  } catch (error) {
    await close();
    throw error;
  }
}

function parseUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`--url: not a URL: "${text}"`, 'for example --url http://127.0.0.1:3000/');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--url: expected http:// or https://, got "${text}"`);
  return url;
}

interface TargetOutput {
  /** Inspector URLs seen so far, in order. */
  inspectors: string[];
  /** The last line the target wrote to stderr, for error messages. */
  lastErrorLine(): string;
  /** Resolves when the target's output has ended (or after `ms`: a grandchild may hold it open). */
  drained(ms: number): Promise<void>;
  stopScanning(): void;
  close(): void;
}

/** Pipes the target's output to the log (or our stderr: our stdout may carry `--json`) and scans stderr. */
function routeOutput(child: ChildProcess, logFile: string | undefined): TargetOutput {
  const sink: Writable = logFile ? createWriteStream(logFile, { flags: 'a', mode: 0o600 }) : process.stderr;
  child.stdout!.pipe(sink, { end: false });
  child.stderr!.pipe(sink, { end: false });
  // A log that cannot be written (disk full) loses the target's output, not the run.
  sink.on('error', () => {
    child.stdout!.unpipe(sink);
    child.stderr!.unpipe(sink);
    child.stdout!.resume();
    child.stderr!.resume();
  });
  const inspectors: string[] = [];
  let partial = '';
  let lastLine = '';
  let lastError = '';
  let scanning = true;
  const scan = (chunk: Buffer) => {
    if (!scanning) return;
    const lines = (partial + chunk.toString('utf8')).split('\n');
    partial = lines.pop()!.slice(-4096); // a line without an end is kept, bounded
    for (const line of lines) {
      const m = INSPECTOR_BANNER.exec(line);
      if (m && inspectors.length < MAX_INSPECTORS) inspectors.push(m[1]);
      const text = line.trim();
      if (isErrorLine(text)) lastError = text;
      else if (text && !/^(Debugger |For help, see|Node\.js v\d)/.test(text)) lastLine = text;
    }
  };
  child.stderr!.on('data', scan);
  const ended = new Promise<void>((resolve) => child.once('close', () => resolve()));
  return {
    inspectors,
    lastErrorLine: () => (lastError || lastLine).slice(0, 300),
    drained: (ms) => Promise.race([ended, new Promise<void>((r) => setTimeout(r, ms).unref())]),
    stopScanning: () => {
      scanning = false;
      child.stderr!.off('data', scan);
    },
    close: () => {
      if (sink !== process.stderr) (sink as WriteStream).end();
    },
  };
}

async function waitUntilAnswering(
  url: URL,
  timeoutS: number,
  exited: Promise<TargetExit>,
  spawnFailed: Promise<Error>,
  commandText: string,
  output: TargetOutput,
): Promise<void> {
  let failure: UsageError | null = null;
  void exited.then(async ({ code, signal }) => {
    await output.drained(500);
    const said = output.lastErrorLine();
    failure ??= new UsageError(`\`${commandText}\` exited (${signal ?? `code ${code}`}) before ${url.href} answered${said ? `: ${said}` : ''}`);
  });
  void spawnFailed.then((error) => {
    failure ??= new UsageError(`\`${commandText}\`: cannot start: ${error.message}`);
  });
  const deadline = performance.now() + timeoutS * 1000;
  for (;;) {
    if (failure) throw failure;
    if (await answers(url)) return;
    if (failure) throw failure;
    if (performance.now() > deadline) {
      throw new UsageError(`${url.href} did not answer within ${timeoutS} s after starting \`${commandText}\``, 'check the URL and port the server listens on');
    }
    await new Promise((r) => setTimeout(r, POLL_INTERVAL_MS));
  }
}

/** Whether anything answers `url` with an HTTP response, whatever its status. */
async function answers(url: URL): Promise<boolean> {
  // A private agent: the probes must not leave keep-alive sockets behind in our process.
  const agent = new Agent({ connect: { timeout: 1000 } });
  try {
    const res = await request(url, { dispatcher: agent, method: 'GET', headersTimeout: 2000, bodyTimeout: 2000 });
    await res.body.dump();
    return true;
  } catch {
    return false; // not listening (yet)
  } finally {
    await agent.destroy();
  }
}

async function findServerInspector(url: URL, output: TargetOutput, exited: Promise<TargetExit>, commandText: string): Promise<string> {
  const deadline = performance.now() + INSPECTOR_GRACE_MS;
  let dead = false;
  void exited.then(() => (dead = true));
  while (output.inspectors.length === 0 && !dead && performance.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  if (output.inspectors.length === 0) {
    throw new UsageError(
      `no Node.js inspector appeared in the output of \`${commandText}\``,
      'the command must start Node.js and keep NODE_OPTIONS (memprobe adds --inspect=127.0.0.1:0 to it)',
    );
  }
  if (output.inspectors.length === 1) return output.inspectors[0];
  // A wrapper: the server is the Node.js process holding the URL's listening socket.
  const listening = listeningSocketInodes(Number(url.port || (url.protocol === 'https:' ? 443 : 80)));
  for (const inspectorUrl of output.inspectors) {
    const pid = await askPid(inspectorUrl).catch(() => null);
    if (pid !== null && ownsAnySocket(pid, listening)) return inspectorUrl;
  }
  // Not Linux, or the socket is out of sight: the last Node.js process started is the likeliest.
  return output.inspectors[output.inspectors.length - 1];
}

/** Inodes of sockets listening on `port`, from /proc/net/tcp{,6} (empty where there is no /proc). */
function listeningSocketInodes(port: number): Set<string> {
  const inodes = new Set<string>();
  const portHex = port.toString(16).toUpperCase().padStart(4, '0');
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      // local_address is HEXIP:HEXPORT; state 0A is LISTEN; the inode is the tenth column.
      if (f.length > 9 && f[1].endsWith(`:${portHex}`) && f[3] === '0A') inodes.add(f[9]);
    }
  }
  return inodes;
}

function ownsAnySocket(pid: number, inodes: Set<string>): boolean {
  if (inodes.size === 0) return false;
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      const link = readlinkSync(`/proc/${pid}/fd/${fd}`, { encoding: 'utf8' });
      const m = /^socket:\[(\d+)\]$/.exec(link);
      if (m && inodes.has(m[1])) return true;
    }
  } catch {
    // gone, or not ours to look at
  }
  return false;
}

/** Asks a Node.js process for its own pid through its inspector (one short CDP session). */
function askPid(inspectorUrl: string, timeoutMs = 5000): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const ws = new WebSocket(inspectorUrl, { perMessageDeflate: false });
    const timer = setTimeout(() => finish(new Error(`no answer from the inspector at ${inspectorUrl}`)), timeoutMs);
    const finish = (error: Error | null, pid?: number) => {
      clearTimeout(timer);
      ws.removeAllListeners();
      ws.on('error', () => {});
      ws.terminate();
      if (error) reject(error);
      else resolve(pid!);
    };
    ws.on('open', () => ws.send(JSON.stringify({ id: 1, method: 'Runtime.evaluate', params: { expression: 'process.pid', returnByValue: true } })));
    ws.on('message', (data) => {
      const reply = JSON.parse(String(data)) as { id?: number; result?: { result?: { value?: unknown } } };
      if (reply.id !== 1) return;
      const pid = reply.result?.result?.value;
      if (typeof pid === 'number') finish(null, pid);
      else finish(new Error(`the inspector at ${inspectorUrl} did not say its pid`));
    });
    ws.on('error', (error) => finish(error));
  });
}

/**
 * The server's end: the command's own exit, or the server's Node.js process vanishing while a wrapper
 * lives on (`sh -c 'node server.js; ...'`), whichever comes first. The wrapper's exit code is used
 * when it follows within a second; a server that died under a surviving wrapper has none to give.
 */
function serverExit(pid: number, commandExit: Promise<TargetExit>): Promise<TargetExit> {
  const serverGone = new Promise<void>((resolve) => {
    const poll = setInterval(() => {
      if (processExists(pid)) return;
      clearInterval(poll);
      resolve();
    }, 500);
    poll.unref();
    void commandExit.then(() => clearInterval(poll));
  });
  const noCode = serverGone.then(() => new Promise<TargetExit>((r) => setTimeout(() => r({ code: null, signal: null }), 1000).unref()));
  return Promise.race([commandExit, noCode]);
}

/** Signal 0 only asks whether any process of the group is left. */
function signalGroup(child: ChildProcess, signal: NodeJS.Signals | 0): boolean {
  if (child.pid === undefined) return false;
  try {
    process.kill(-child.pid, signal);
    return true;
  } catch {
    return false; // the group is gone
  }
}

/** SIGTERM to the whole group, SIGKILL to whatever is left of it after 5 s; resolves when it is gone. */
async function terminateGroup(child: ChildProcess, exited: Promise<TargetExit>): Promise<void> {
  if (child.pid === undefined) return;
  if (!signalGroup(child, 'SIGTERM')) return;
  const deadline = performance.now() + CLOSE_TIMEOUT_MS;
  const leaderAlive = () => child.exitCode === null && child.signalCode === null;
  while (performance.now() < deadline && (leaderAlive() || signalGroup(child, 0))) {
    await new Promise((r) => setTimeout(r, 50));
  }
  signalGroup(child, 'SIGKILL');
  await exited;
}
