/**
 * Finding, opening and closing the inspector of a Node.js process we did not start.
 *
 * Node opens its inspector when it receives SIGUSR1, on the host and port given at start-up by
 * `--inspect-port` / `--inspect=` (in argv or NODE_OPTIONS), else 127.0.0.1:9229, and lists its
 * WebSocket URL at `/json/list`. Whatever answers there is never trusted by port alone: the inspector
 * is the target's only once `process.pid`, evaluated through it, says so. A port held by another
 * process (another Node.js under a debugger, or anything else) is named, never connected to blindly.
 *
 * On Linux the sockets a pid listens on are read from /proc (its fd links matched against the
 * net/tcp tables): that finds an inspector on a random port (`--inspect-port=0`) without probing the
 * application's own ports, and tells who holds a port when SIGUSR1 fails to open it.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { get } from 'node:http';
import { UsageError } from '../core/usage-error.js';
import { evaluateInTarget, InspectorClient } from './inspector-client.js';

export const DEFAULT_INSPECTOR_PORT = 9229;

export interface ListeningSocket {
  /** Dotted IPv4 or full IPv6 address, e.g. `127.0.0.1`, `0.0.0.0`, `::1`. */
  address: string;
  port: number;
}

export interface InspectorAddress {
  host: string;
  /** 0 means a random port, chosen when the inspector opens. */
  port: number;
}

export interface OpenInspector {
  /** `ws://127.0.0.1:PORT/ID`, verified to belong to the pid. */
  url: string;
  port: number;
  /** True when memprobe sent SIGUSR1: the inspector must be closed again on detach. */
  openedByMemprobe: boolean;
}

const POLL_MS = 25;
const HTTP_TIMEOUT_MS = 2000;
const PID_QUERY_TIMEOUT_MS = 5000;

// --- /proc: who listens where ---

/** TCP sockets `pid` listens on, or null where /proc cannot tell (not Linux, or not permitted). */
export function listeningSocketsOf(pid: number): ListeningSocket[] | null {
  const inodes = socketInodesOf(pid);
  if (inodes === null) return null;
  return listeningSockets().filter((s) => inodes.has(s.inode)).map(({ address, port }) => ({ address, port }));
}

/** The pid holding a listening socket on `port` (any address), or null when none is visible. */
export function pidListeningOn(port: number): number | null {
  const inodes = new Set(listeningSockets().filter((s) => s.port === port).map((s) => s.inode));
  if (inodes.size === 0) return null;
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return null;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const owned = socketInodesOf(Number(entry));
    if (owned && [...owned].some((inode) => inodes.has(inode))) return Number(entry);
  }
  return null;
}

function socketInodesOf(pid: number): Set<string> | null {
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return null;
  }
  const inodes = new Set<string>();
  for (const fd of fds) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match) inodes.add(match[1]);
    } catch {
      // closed between readdir and readlink
    }
  }
  return inodes;
}

const TCP_LISTEN = '0A';

/**
 * The kernel generates /proc/net/tcp a page per read() and resumes each read by row index, so when
 * sockets come and go between two reads (all the time on a busy machine) a row can be skipped. A
 * listening socket missed that way would read as "not open": the table is read twice and the rows
 * of both passes kept (a socket closed in between is harmless: probing it finds nothing).
 */
const TABLE_PASSES = 2;

function listeningSockets(): (ListeningSocket & { inode: string })[] {
  const byInode = new Map<string, ListeningSocket & { inode: string }>();
  for (let pass = 0; pass < TABLE_PASSES; pass++) {
    for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
      let text: string;
      try {
        text = readFileSync(table, 'latin1');
      } catch {
        continue;
      }
      for (const line of text.split('\n').slice(1)) {
        const cols = line.trim().split(/\s+/);
        if (cols.length < 10 || cols[3] !== TCP_LISTEN) continue;
        const [hexAddress, hexPort] = cols[1].split(':');
        byInode.set(cols[9], { address: decodeAddress(hexAddress), port: parseInt(hexPort, 16), inode: cols[9] });
      }
    }
  }
  return [...byInode.values()];
}

/** /proc/net/tcp writes addresses as host-order 32-bit words in hex (little-endian on x86 and arm). */
function decodeAddress(hex: string): string {
  const words = hex.match(/.{8}/g) ?? [];
  const bytes = words.flatMap((w) => (w.match(/../g) ?? []).reverse().map((b) => parseInt(b, 16)));
  if (bytes.length === 4) return bytes.join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] << 8) | bytes[i + 1]).toString(16));
  const full = groups.join(':');
  if (full.startsWith('0:0:0:0:0:ffff:')) return bytes.slice(12).join('.');
  return full.replace(/(^|:)0(:0)+(:|$)/, '::');
}

// --- the inspector address the target will use ---

/**
 * Where SIGUSR1 will open the inspector of `pid`: the last `--inspect*` / `--inspect-port` /
 * `--debug-port` in NODE_OPTIONS then argv (argv wins, as in Node), else 127.0.0.1:9229.
 */
export function inspectorAddressOf(pid: number): InspectorAddress {
  const address: InspectorAddress = { host: '127.0.0.1', port: DEFAULT_INSPECTOR_PORT };
  for (const args of nodeOptionsOf(pid)) {
    for (let i = 0; i < args.length; i++) {
      const match = /^--(inspect(?:-brk|-wait)?|inspect-port|debug-port)(?:=(.*))?$/.exec(args[i]);
      if (!match) continue;
      let value = match[2];
      if (value === undefined && (match[1] === 'inspect-port' || match[1] === 'debug-port')) value = args[++i];
      if (value !== undefined) applyHostPort(address, value);
    }
  }
  return address;
}

/**
 * Whether `pid` was told to open its inspector as it starts (`--inspect`, `--inspect-brk`,
 * `--inspect-wait`, in NODE_OPTIONS or before the script), as every child of `memprobe run` is:
 * such a process has an inspector, or is about to have one. `--inspect-port` alone opens nothing.
 */
export function opensInspectorAtStart(pid: number): boolean {
  return nodeOptionsOf(pid).some((args) => args.some((arg) => /^--inspect(?:-brk|-wait)?(?:=.*)?$/.test(arg)));
}

/** The options Node.js itself reads: NODE_OPTIONS, then those of argv before the script (argv wins). */
function nodeOptionsOf(pid: number): string[][] {
  const environ = readNulSeparated(`/proc/${pid}/environ`);
  const nodeOptions = environ.find((e) => e.startsWith('NODE_OPTIONS='))?.slice('NODE_OPTIONS='.length) ?? '';
  const argv = readNulSeparated(`/proc/${pid}/cmdline`);
  // Node's own options come before the script; what follows the script belongs to the application.
  const scriptAt = argv.findIndex((arg, i) => i > 0 && !arg.startsWith('-') && !takesValue(argv[i - 1]));
  const nodeArgs = scriptAt === -1 ? argv.slice(1) : argv.slice(1, scriptAt);
  return [nodeOptions.split(/\s+/).filter(Boolean), nodeArgs];
}

function takesValue(flag: string): boolean {
  return /^(--inspect-port|--debug-port|-r|--require|--import|--loader|--experimental-loader|--env-file|--conditions|-C|--title|--input-type|--max-old-space-size)$/.test(flag);
}

function applyHostPort(address: InspectorAddress, value: string): void {
  const match = /^(?:\[?([^\]]*?)\]?:)?(\d+)$/.exec(value);
  if (match) {
    if (match[1]) address.host = match[1];
    address.port = Number(match[2]);
  } else if (value) {
    address.host = value; // `--inspect=host` keeps the port
  }
}

function readNulSeparated(file: string): string[] {
  try {
    return readFileSync(file, 'utf8').split('\0').filter(Boolean);
  } catch {
    return [];
  }
}

// --- asking an inspector ---

export type PortProbe =
  | { kind: 'closed' }
  | { kind: 'inspector'; urls: string[] }
  | { kind: 'other'; detail: string };

/** GET /json/list on host:port (loopback unless told): is anything there, and is it a V8 inspector? */
export function probeInspectorPort(port: number, timeoutMs = HTTP_TIMEOUT_MS, host = '127.0.0.1'): Promise<PortProbe> {
  return new Promise((resolve) => {
    const request = get({ host, port, path: '/json/list', timeout: timeoutMs, agent: false }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        // An inspector lists a handful of targets; a large answer is some other server's page.
        if (body.length < 64 * 1024) body += chunk;
      });
      response.on('end', () => resolve(parseTargetList(body, port, response.statusCode ?? 0)));
      response.on('error', () => resolve({ kind: 'other', detail: 'the connection broke' }));
    });
    request.on('timeout', () => {
      request.destroy();
      resolve({ kind: 'other', detail: `no HTTP answer within ${timeoutMs} ms` });
    });
    request.on('error', (err: NodeJS.ErrnoException) => {
      resolve(err.code === 'ECONNREFUSED' ? { kind: 'closed' } : { kind: 'other', detail: err.code ?? err.message });
    });
  });
}

function parseTargetList(body: string, port: number, status: number): PortProbe {
  try {
    const list = JSON.parse(body) as { webSocketDebuggerUrl?: unknown; type?: unknown }[];
    if (Array.isArray(list)) {
      const urls = list
        .filter((t) => typeof t.webSocketDebuggerUrl === 'string' && t.type === 'node')
        .map((t) => loopbackUrl(t.webSocketDebuggerUrl as string, port));
      if (urls.length > 0) return { kind: 'inspector', urls };
      if (list.length === 0) return { kind: 'inspector', urls: [] };
    }
  } catch {
    // not JSON: not an inspector
  }
  return { kind: 'other', detail: `HTTP ${status} to /json/list` };
}

/** The inspector names its own URL after the Host it was asked with; we always connect on loopback. */
function loopbackUrl(url: string, port: number): string {
  const parsed = new URL(url);
  parsed.hostname = '127.0.0.1';
  parsed.port = String(port);
  return parsed.href;
}

/** `process.pid` as the process behind `url` reports it (one short CDP session). */
export async function askInspectorPid(url: string, timeoutMs = PID_QUERY_TIMEOUT_MS): Promise<number> {
  const client = await InspectorClient.connect(url, timeoutMs);
  try {
    return await evaluateInTarget<number>(client, 'process.pid', { timeoutMs });
  } catch (err) {
    throw new UsageError(
      `the inspector at ${url} does not answer (${(err as Error).message})`,
      'is the process paused in a debugger, or busy? try again, or use the in-process agent (memprobe/agent)',
    );
  } finally {
    await client.close();
  }
}

/** The first URL on `port` whose process is `pid`; the pids of the others (for the error). */
async function matchInspector(port: number, pid: number): Promise<{ url: string | null; others: number[]; probe: PortProbe }> {
  const probe = await probeInspectorPort(port);
  const others: number[] = [];
  if (probe.kind !== 'inspector') return { url: null, others, probe };
  for (const url of probe.urls) {
    const owner = await askInspectorPid(url).catch(() => null);
    if (owner === pid) return { url, others, probe };
    if (owner !== null) others.push(owner);
  }
  return { url: null, others, probe };
}

// --- open, find, close ---

/** The pid's inspector when it is already open (started with --inspect, or opened earlier), else null. */
export async function findOpenInspector(pid: number): Promise<OpenInspector | null> {
  const configured = inspectorAddressOf(pid);
  const sockets = listeningSocketsOf(pid);
  const candidates = new Set<number>();
  if (sockets === null) {
    if (configured.port !== 0) candidates.add(configured.port);
  } else if (configured.port !== 0) {
    // Only the configured port: probing the application's own ports would send it stray requests.
    if (sockets.some((s) => s.port === configured.port)) candidates.add(configured.port);
  } else {
    for (const s of sockets) candidates.add(s.port);
  }
  for (const port of candidates) {
    const { url } = await matchInspector(port, pid);
    if (url) return { url, port, openedByMemprobe: false };
  }
  return null;
}

/**
 * The pid's inspector, opened with SIGUSR1 when it is not open yet. The caller has checked that
 * `pid` is a Node.js process we may signal (SIGUSR1 kills any process that does not handle it).
 */
export async function openInspector(pid: number, options: { timeoutMs?: number } = {}): Promise<OpenInspector> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const open = await findOpenInspector(pid);
  if (open) return open;

  const configured = inspectorAddressOf(pid);
  if (configured.port !== 0) await refuseIfPortTaken(configured.port, pid);

  const before = new Set((listeningSocketsOf(pid) ?? []).map((s) => s.port));
  process.kill(pid, 'SIGUSR1');
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    await sleep(POLL_MS);
    const ports = new Set<number>();
    if (configured.port !== 0) ports.add(configured.port);
    for (const s of listeningSocketsOf(pid) ?? []) if (!before.has(s.port)) ports.add(s.port);
    for (const port of ports) {
      const { url } = await matchInspector(port, pid);
      if (url) return { url, port, openedByMemprobe: true };
    }
  }
  // Taken in the meantime, or the port we checked was free but Node could not bind it: say by whom.
  if (configured.port !== 0) await refuseIfPortTaken(configured.port, pid);
  throw new UsageError(
    `the inspector of pid ${pid} did not open within ${(timeoutMs / 1000).toFixed(0)} s of SIGUSR1`,
    'does the process handle SIGUSR1 itself (a user handler replaces Node\'s), or run with --disable-sigusr1 or a Node.js without the inspector? start it with --inspect=127.0.0.1:0 and attach by URL, or use the in-process agent (memprobe/agent)',
  );
}

/**
 * Throws the one-line error naming who holds `port`, when it is held by anything but `pid`. The
 * holder comes from /proc when it can: asking another process's inspector for its pid would connect
 * to it (and print "Debugger attached." in its log).
 */
async function refuseIfPortTaken(port: number, pid: number): Promise<void> {
  const holder = pidListeningOn(port);
  if (holder === pid) return;
  const probe = await probeInspectorPort(port);
  if (probe.kind === 'closed') return;
  let inspectorPid = probe.kind === 'inspector' ? holder : null;
  if (probe.kind === 'inspector' && holder === null) {
    const { url, others } = await matchInspector(port, pid);
    if (url) return; // /proc could not tell, but the inspector there is the target's own
    inspectorPid = others[0] ?? null;
  }
  if (probe.kind === 'inspector' && inspectorPid !== null) {
    throw new UsageError(
      `inspector port ${port} is used by pid ${inspectorPid}, not ${pid}`,
      `pid ${inspectorPid} has its own inspector open there (started with --inspect?); pid ${pid} cannot open one on the same port. ` +
        'Close that one, start the target with --inspect-port=0, or use the in-process agent (memprobe/agent)',
    );
  }
  if (probe.kind === 'inspector') return; // an inspector with no target listed yet: the target's own, still starting
  const who = holder === null ? 'another process' : `pid ${holder} (${describeProcess(holder)})`;
  throw new UsageError(
    `port ${port} is used by ${who}, not a Node.js inspector: pid ${pid} cannot open its inspector there`,
    `free port ${port}, or start the target with --inspect-port=0`,
  );
}

/** The executable of a process, for error messages: `/usr/bin/python3`, or `unknown`. */
export function describeProcess(pid: number): string {
  try {
    return readlinkSync(`/proc/${pid}/exe`);
  } catch {
    return readNulSeparated(`/proc/${pid}/cmdline`)[0] ?? 'unknown';
  }
}

/**
 * Closes an inspector memprobe opened, and waits until its port is gone (true) or `timeoutMs` passes.
 *
 * `inspector.close()` stops the inspector's I/O thread and waits for it, and that thread needs the
 * main thread to end the session a command came from: evaluated over a session, it deadlocks the
 * target (seen here with `process._debugEnd()`). The close is scheduled on a timer instead, the
 * session ends, and the timer runs outside any command. Other sessions (a DevTools window someone
 * connected meanwhile) are terminated by it, not waited for: measured, 5 ms and no event-loop stall.
 *
 * The close must not race the end of a session: with the close due at once, 2 targets in 40 crashed
 * here (SIGSEGV), none in 40 at 300 ms, none in 200 attach and detach cycles with the margin below.
 * (The cause found later, by core dump, is Node 20 writing answers to a session whose socket has
 * ended: TcpHolder::WriteRaw; which is why memprobe's sessions go through the janitor's relay, see
 * inspector-janitor.ts.) So the close is due CLOSE_MARGIN_MS after the evaluation, and then waits one more turn of
 * the event loop: if the process was busy past the timer's due time, the disconnect (delivered as
 * an async task) is handled in that turn, before the close.
 * `require` exists only while the evaluation runs (it comes from the command-line API), so the
 * module is taken there and then.
 */
const CLOSE_MARGIN_MS = 500;

export async function closeInspector(url: string, port: number, timeoutMs = 5000): Promise<boolean> {
  const client = await InspectorClient.connect(url, timeoutMs);
  try {
    await evaluateInTarget(
      client,
      `(() => {
        const inspector = globalThis.process.getBuiltinModule?.('inspector') ?? require('inspector');
        setTimeout(() => setImmediate(() => inspector.close()), ${CLOSE_MARGIN_MS});
        return true;
      })()`,
      { timeoutMs },
    );
  } finally {
    await client.close();
  }
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if ((await probeInspectorPort(port, 500)).kind === 'closed') return true;
    await sleep(POLL_MS);
  }
  return false;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
