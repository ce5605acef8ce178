/**
 * The Node.js processes that do a service's work: the target's descendants (cluster workers, PM2
 * forks, `child_process` children), found in Linux `/proc`, named by role, ranked by CPU for
 * `--processes N`, and each given an inspector session memprobe can capture through.
 *
 * A child started by `memprobe run` has its inspector open already (it inherits NODE_OPTIONS with
 * `--inspect=127.0.0.1:0`: a random port each, found through /proc). A child of a process memprobe
 * attaches to has none, and SIGUSR1 would open it on 9229, the port every child of one service
 * shares, so the children are opened one at a time, each moved to a random port before the next
 * (`inspector.close(); inspector.open(0)`, scheduled in the child on a timer so that it runs outside
 * memprobe's session, as closeInspector does), all before the target's own inspector takes 9229.
 * Every session goes through the janitor's relay (inspector-janitor.ts) like the target's, and the
 * inspectors memprobe opened are closed at the end.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { basename } from 'node:path';
import { evaluateInTarget, InspectorClient } from './inspector-client.js';
import {
  askInspectorPid,
  closeInspector,
  findOpenInspector,
  listeningSocketsOf,
  openInspector,
  opensInspectorAtStart,
  probeInspectorPort,
  type OpenInspector,
} from './inspector-discovery.js';
import { startInspectorJanitor } from './inspector-janitor.js';
import { processExists } from './process-exists.js';

/**
 * How long a child started with `--inspect` may take to open it. The URL of a cluster answers as
 * soon as its first worker listens, while the others may still be starting (on a busy machine, for
 * seconds): they are waited for rather than left out.
 */
const STARTING_INSPECTOR_WAIT_MS = 10_000;
const STARTING_INSPECTOR_POLL_MS = 50;

export interface NodeProcess {
  pid: number;
  ppid: number;
  /** `cluster worker 2`, `PM2 cluster worker 3`, `PM2 fork (pm_id 0)`, `child process`. */
  role: string;
  /** `pid 4243 (cluster worker 2)`: how reports name it. */
  name: string;
  /** The process's command line, for the report. */
  command: string;
}

export interface ChildInspector {
  process: NodeProcess;
  /** The relay's URL: connect here, never to the child's inspector directly. */
  url: string;
  openedByMemprobe: boolean;
  /** Ends memprobe's sessions through the relay and closes the inspector memprobe opened. */
  close(): Promise<void>;
}

/** `--processes`: every child, the N busiest, or none. */
export type ProcessSelection = 'all' | 'none' | number;

interface ProcStat {
  ppid: number;
  cpuTicks: number;
}

function readStat(pid: number): ProcStat | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // The command name is in parentheses and may hold spaces or parentheses itself.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(fields[1]), cpuTicks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return null;
  }
}

function readNul(file: string): string[] {
  try {
    return readFileSync(file, 'utf8').split('\0').filter(Boolean);
  } catch {
    return [];
  }
}

function isNodeProcess(pid: number): boolean {
  try {
    return /^node(js)?([-_.]?v?\d+(\.\d+)*)?$/.test(basename(readlinkSync(`/proc/${pid}/exe`).replace(/ \(deleted\)$/, '')));
  } catch {
    return false;
  }
}

function roleOf(pid: number, ppid: number): string {
  const env = new Map(readNul(`/proc/${pid}/environ`).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)] as const));
  // PM2's God Daemon renames itself ("PM2 v5.4.3: God Daemon (~/.pm2)"); its apps are cluster
  // workers (cluster mode) or plain children (fork mode).
  const pm2 = (readNul(`/proc/${ppid}/cmdline`)[0] ?? '').startsWith('PM2') || env.has('pm_id');
  if (env.has('NODE_UNIQUE_ID')) return `${pm2 ? 'PM2 ' : ''}cluster worker ${env.get('NODE_UNIQUE_ID')}`;
  if (pm2) return `PM2 fork${env.has('pm_id') ? ` (pm_id ${env.get('pm_id')})` : ''}`;
  return 'child process';
}

/**
 * The Node.js processes below `rootPid` (children, their children ...), in pid order; [] where
 * /proc cannot tell. Processes that are not Node.js (a shell, a helper binary) are looked through,
 * not listed.
 */
export function nodeDescendants(rootPid: number): NodeProcess[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    return [];
  }
  const children = new Map<number, number[]>();
  for (const entry of entries) {
    const stat = readStat(Number(entry));
    if (!stat) continue;
    const list = children.get(stat.ppid) ?? [];
    list.push(Number(entry));
    children.set(stat.ppid, list);
  }
  const found: NodeProcess[] = [];
  const queue = [...(children.get(rootPid) ?? [])];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    queue.push(...(children.get(pid) ?? []));
    if (!isNodeProcess(pid)) continue;
    const ppid = readStat(pid)?.ppid ?? rootPid;
    const role = roleOf(pid, ppid);
    found.push({ pid, ppid, role, name: `pid ${pid} (${role})`, command: readNul(`/proc/${pid}/cmdline`).join(' ').slice(0, 160) });
  }
  return found.sort((a, b) => a.pid - b.pid);
}

/** The `n` processes that used the most CPU over `windowMs` (the ones doing the work). */
export async function busiest(processes: NodeProcess[], n: number, windowMs = 1000): Promise<NodeProcess[]> {
  if (processes.length <= n) return processes;
  const before = new Map(processes.map((p) => [p.pid, readStat(p.pid)?.cpuTicks ?? 0]));
  await new Promise((r) => setTimeout(r, windowMs));
  const used = (p: NodeProcess) => (readStat(p.pid)?.cpuTicks ?? 0) - (before.get(p.pid) ?? 0);
  return [...processes].sort((a, b) => used(b) - used(a) || a.pid - b.pid).slice(0, n).sort((a, b) => a.pid - b.pid);
}

const POLL_MS = 25;
const RELOCATE_DELAY_MS = 500;

/**
 * Moves an inspector memprobe just opened on a shared port to a random one, so that the next child
 * can open its own on the shared port; resolves with the new port and URL.
 */
async function relocateInspector(pid: number, url: string, port: number, timeoutMs = 5000): Promise<{ url: string; port: number }> {
  const before = new Set((listeningSocketsOf(pid) ?? []).map((s) => s.port));
  const client = await InspectorClient.connect(url, timeoutMs);
  try {
    await evaluateInTarget(
      client,
      `(() => {
        const inspector = globalThis.process.getBuiltinModule?.('inspector') ?? require('inspector');
        setTimeout(() => setImmediate(() => { inspector.close(); inspector.open(0, '127.0.0.1'); }), ${RELOCATE_DELAY_MS});
        return true;
      })()`,
      { timeoutMs },
    );
  } finally {
    await client.close();
  }
  const deadline = performance.now() + timeoutMs + RELOCATE_DELAY_MS;
  while (performance.now() < deadline) {
    await new Promise((r) => setTimeout(r, POLL_MS));
    if ((await probeInspectorPort(port, 500)).kind !== 'closed') continue;
    for (const socket of listeningSocketsOf(pid) ?? []) {
      if (before.has(socket.port) && socket.port !== port) continue;
      const probe = await probeInspectorPort(socket.port, 500);
      if (probe.kind !== 'inspector') continue;
      for (const candidate of probe.urls) {
        if ((await askInspectorPid(candidate).catch(() => null)) === pid) return { url: candidate, port: socket.port };
      }
    }
  }
  throw new Error(`the inspector of pid ${pid} did not reopen on a free port within ${(timeoutMs / 1000).toFixed(0)} s`);
}

/**
 * Inspector sessions for `processes` (the target's descendants): the ones open already (children of
 * `memprobe run`), and, with `open`, the others opened one by one with SIGUSR1 and moved off the
 * shared port. A child that cannot be reached is skipped with a reason, never fatal.
 */
export async function openChildInspectors(
  processes: NodeProcess[],
  options: { open: boolean; startingWaitMs?: number },
): Promise<{ inspectors: ChildInspector[]; skipped: string[] }> {
  const inspectors: ChildInspector[] = [];
  const skipped: string[] = [];
  const waitMs = options.startingWaitMs ?? STARTING_INSPECTOR_WAIT_MS;
  const waitUntil = performance.now() + waitMs;
  for (const child of processes) {
    try {
      let found = await findOpenInspector(child.pid);
      let openedByMemprobe = false;
      const opening = !found && !options.open && opensInspectorAtStart(child.pid);
      if (opening) found = await startingInspector(child.pid, waitUntil);
      if (!found) {
        if (!options.open) {
          const why = !processExists(child.pid)
            ? 'it exited'
            : opening
              ? `its inspector (--inspect) did not open within ${(waitMs / 1000).toFixed(1)} s`
              : 'no inspector open (start it with --inspect=127.0.0.1:0, or attach to it)';
          skipped.push(`${child.name}: ${why}`);
          continue;
        }
        const opened = await openInspector(child.pid);
        openedByMemprobe = opened.openedByMemprobe;
        found = opened.openedByMemprobe ? { ...opened, ...(await relocateInspector(child.pid, opened.url, opened.port)) } : opened;
      }
      const janitor = await startInspectorJanitor({ targetPid: child.pid, url: found.url, port: found.port, closeOnDeath: openedByMemprobe });
      const { url, port } = found;
      inspectors.push({
        process: child,
        url: janitor.url,
        openedByMemprobe,
        close: async () => {
          const closed = await janitor.finish();
          if (!closed && openedByMemprobe) await closeInspector(url, port).catch(() => false);
        },
      });
    } catch (err) {
      skipped.push(`${child.name}: ${(err as Error).message}`);
    }
  }
  return { inspectors, skipped };
}

/** The inspector of a process started with `--inspect` once it opens, or null at `until` or its exit. */
async function startingInspector(pid: number, until: number): Promise<OpenInspector | null> {
  while (performance.now() < until && processExists(pid)) {
    await new Promise((resolve) => setTimeout(resolve, STARTING_INSPECTOR_POLL_MS));
    const found = await findOpenInspector(pid);
    if (found) return found;
  }
  return null;
}
