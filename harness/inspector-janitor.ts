/**
 * Keeps the target safe from memprobe's own death (SIGKILL, a crash, a second Ctrl-C that exits at
 * once), and closes the inspector memprobe opened if memprobe dies before it can. Without it, that
 * process would be left with an inspector listening on 127.0.0.1:9229 for the rest of its life — or
 * be killed outright:
 *
 * Node 20's inspector crashes (SIGSEGV on its I/O thread, in TcpHolder::WriteRaw) when a session's
 * socket ends while an answer or event for that session is on its way out: the end of the socket
 * resets the connection (`WsHandler::OnEof`), and the message written next dereferences it before
 * the session is torn down (nodejs/node#64209, fixed after Node 20). A process that dies mid-run
 * cuts its socket at a random moment, often with a memory reading, a sampling command or a heap
 * snapshot's chunks in flight (measured here: 1 crash in 40 killing a session with one read in
 * flight, 2 in 10 killing it mid-snapshot; the janitor's close of the inspector came after the crash).
 * So memprobe never holds the target's socket itself: it talks to the target through this process,
 * a small detached relay (its own process group, so the Ctrl-C that reaches memprobe's group does not
 * reach it). The relay counts the commands in flight, and when memprobe's side goes away, abruptly or
 * not, it waits for their answers before it ends its own session to the target (politely, with
 * nothing in flight), so the target never writes to a socket that is gone.
 *
 * The janitor also closes the inspector memprobe opened, after memprobe's sessions have ended with
 * nothing in flight (closing the inspector under a session still draining is the same hazard): when
 * memprobe is done (`finish()`), or when it polls memprobe's pid and finds it gone. It checks first
 * that the inspector still belongs to the target, then exits.
 *
 * This file is both sides: imported, it exports `startInspectorJanitor`; run as a script with the
 * role argument, it is the janitor.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import WebSocket, { WebSocketServer, type RawData } from 'ws';
import { processExists } from './process-exists.js';

const ROLE = '--memprobe-inspector-janitor';
const POLL_MS = 200;
/** How long an answer memprobe left in flight is waited for (a heap snapshot can take this long). */
const DRAIN_TIMEOUT_MS = 120_000;
const START_TIMEOUT_MS = 20_000;
const MAX_PAYLOAD = 1024 * 1024 * 1024;

export interface InspectorJanitor {
  /** `ws://127.0.0.1:PORT/ID` of the relay: memprobe's sessions go through it, never straight to the target. */
  url: string;
  /**
   * memprobe is done with the target: the janitor ends memprobe's sessions once their answers are in,
   * closes the inspector when memprobe opened it, and exits. Resolves false when it could not close it.
   */
  finish(): Promise<boolean>;
}

export interface JanitorJob {
  targetPid: number;
  url: string;
  port: number;
  /** Close the inspector should memprobe die first (memprobe opened it). */
  closeOnDeath: boolean;
}

export async function startInspectorJanitor(job: JanitorJob): Promise<InspectorJanitor> {
  const self = fileURLToPath(import.meta.url);
  // From the sources (tests run TypeScript), the janitor needs tsx to load itself.
  const loader = self.endsWith('.ts') ? ['--import', 'tsx'] : [];
  const args = [...loader, self, ROLE, String(process.pid), String(job.targetPid), job.url, String(job.port), job.closeOnDeath ? 'close' : 'keep'];
  const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
  const stop = () => {
    try {
      child.kill('SIGTERM');
    } catch {
      // already gone
    }
  };
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`the inspector relay did not start within ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
      child.stdout!.setEncoding('utf8').on('data', (d: string) => {
        out += d;
        const nl = out.indexOf('\n');
        if (nl < 0) return;
        clearTimeout(timer);
        resolve(out.slice(0, nl).trim());
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the inspector relay exited (${code}) before it started`));
      });
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
    child.stdout!.destroy();
    child.unref();
    const finish = () =>
      new Promise<boolean>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode === 0);
        child.ref(); // memprobe waits for it
        child.once('exit', (code) => resolve(code === 0));
        stop();
      });
    return { url, finish };
  } catch (err) {
    stop();
    throw err;
  }
}

/**
 * The `id` of a CDP command (`command`) or answer, null for an event. The target serialises answers
 * as `{"id":N,…` and events as `{"method":…`, so those are read from their start (a snapshot chunk is
 * never parsed); commands are small, and parsed when their id is not first.
 */
function messageId(data: RawData, command: boolean): number | null {
  const buffer = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
  const start = buffer.toString('utf8', 0, 40);
  const head = /^\s*\{\s*"id"\s*:\s*(\d+)/.exec(start);
  if (head) return Number(head[1]);
  if (!command && /^\s*\{\s*"method"/.test(start)) return null;
  try {
    const id = (JSON.parse(buffer.toString('utf8')) as { id?: unknown }).id;
    return typeof id === 'number' ? id : null;
  } catch {
    return null;
  }
}

/** One memprobe session relayed to one target session. Resolves once the target session has ended. */
function relay(downstream: WebSocket, targetUrl: string): Promise<void> {
  const pending = new Set<number>();
  const queued: { data: RawData; isBinary: boolean }[] = [];
  let downstreamGone = false;
  let ended = false;
  const upstream = new WebSocket(targetUrl, { perMessageDeflate: false, maxPayload: MAX_PAYLOAD });
  let drainTimer: NodeJS.Timeout | undefined;

  const endUpstreamWhenQuiet = () => {
    if (ended || !downstreamGone) return;
    if (upstream.readyState === WebSocket.CONNECTING) return; // ended on open
    if (pending.size > 0 && upstream.readyState === WebSocket.OPEN) {
      drainTimer ??= setTimeout(() => {
        pending.clear();
        endUpstreamWhenQuiet();
      }, DRAIN_TIMEOUT_MS);
      return;
    }
    ended = true;
    clearTimeout(drainTimer);
    upstream.close();
  };

  downstream.on('message', (data, isBinary) => {
    const id = messageId(data, true);
    if (id !== null) pending.add(id);
    if (upstream.readyState === WebSocket.OPEN) upstream.send(data, { binary: isBinary });
    else queued.push({ data, isBinary });
  });
  downstream.on('close', () => {
    downstreamGone = true;
    endUpstreamWhenQuiet();
  });
  downstream.on('error', () => undefined);

  upstream.on('open', () => {
    for (const { data, isBinary } of queued.splice(0)) upstream.send(data, { binary: isBinary });
    endUpstreamWhenQuiet();
  });
  upstream.on('message', (data, isBinary) => {
    const id = messageId(data, false);
    if (id !== null) pending.delete(id);
    if (!downstreamGone && downstream.readyState === WebSocket.OPEN) downstream.send(data, { binary: isBinary });
    endUpstreamWhenQuiet();
  });
  upstream.on('error', () => undefined);
  return new Promise((resolve) => {
    upstream.on('close', () => {
      clearTimeout(drainTimer);
      if (downstream.readyState === WebSocket.OPEN || downstream.readyState === WebSocket.CONNECTING) downstream.close();
      resolve();
    });
  });
}

/** Relays until memprobe dies or finishes, then closes what it must. Exit code: 0, or 2 when the inspector would not close. */
async function serve(memprobePid: number, targetPid: number, url: string, port: number, closeOnDeath: boolean): Promise<number> {
  const sessions = new Set<Promise<void>>();
  const path = `/${randomUUID()}`;
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false, maxPayload: MAX_PAYLOAD, path });
  server.on('connection', (socket) => {
    const session = relay(socket, url);
    sessions.add(session);
    void session.then(() => sessions.delete(session));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const address = server.address() as { port: number };
  process.stdout.write(`ws://127.0.0.1:${address.port}${path}\n`);

  let finishing = false;
  const finish = new Promise<void>((resolve) =>
    process.on('SIGTERM', () => {
      finishing = true;
      resolve();
    }),
  );
  // Until memprobe dies or is done (SIGTERM: finish()).
  while (processExists(memprobePid) && !finishing) {
    if (!processExists(targetPid)) return 0;
    await Promise.race([new Promise((r) => setTimeout(r, POLL_MS)), finish]);
  }
  server.close();
  for (const client of server.clients) client.close();
  // Not before memprobe's sessions have ended on the target's side (their answers drained).
  await Promise.all([...sessions]);
  if (!closeOnDeath || !processExists(targetPid)) return 0;
  const { askInspectorPid, closeInspector } = await import('./inspector-discovery.js');
  // The port might by now be another process's inspector: close only the target's.
  if ((await askInspectorPid(url, 5000).catch(() => null)) !== targetPid) return 0;
  return (await closeInspector(url, port).catch(() => false)) ? 0 : 2;
}

if (process.argv[2] === ROLE) {
  const [memprobePid, targetPid, url, port, onDeath] = process.argv.slice(3);
  process.stdout.on('error', () => undefined); // memprobe stops reading once it has the relay's URL
  serve(Number(memprobePid), Number(targetPid), url, Number(port), onDeath === 'close').then(
    (code) => process.exit(code),
    () => process.exit(1),
  );
}
