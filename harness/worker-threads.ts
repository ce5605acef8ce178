/**
 * Worker threads, through the inspector of their process: the `NodeWorker` domain attaches to each
 * `worker_threads` worker and tunnels a full CDP session to it over the process's one connection
 * (`NodeWorker.sendMessageToWorker` out, `NodeWorker.receivedMessageFromWorker` back). A
 * `WorkerThreadSession` is that tunnel behind the same `CdpSession` interface as a WebSocket, so
 * heap snapshots, the sampling heap profiler, memory readings and the request counter run inside the
 * worker's isolate unchanged.
 *
 * `NodeWorker.enable` reports the workers that exist (and later ones) with `attachedToWorker`;
 * `waitForDebuggerOnStart: false` never holds a new worker back. Closing a session detaches from the
 * worker (`NodeWorker.detach`); the worker runs on as before.
 */
import type { CdpSession } from './cdp-session.js';
import { InspectorClosedError, InspectorTimeoutError, ProtocolError, type SendOptions } from './inspector-client.js';

export interface WorkerThreadInfo {
  /** Node's worker id (`threadId` inside the worker), as a string. */
  workerId: string;
  /** `[worker 1] indexer`: the id and the `name` option given to `new Worker`. */
  title: string;
  /** The worker's script (a file URL, or empty for `eval: true`). */
  url: string;
}

type Handler = (params: Record<string, unknown>) => void;

interface Pending {
  method: string;
  resolve: (result: Record<string, unknown>) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout | null;
}

const DEFAULT_TIMEOUT_MS = 30_000;
/** How long `NodeWorker.enable` is given to report the workers that already run. */
const DISCOVERY_MS = 300;

export class WorkerThreadSession implements CdpSession {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly handlers = new Map<string, Set<Handler>>();
  private open = true;
  private readonly unsubscribe: (() => void)[] = [];

  constructor(
    private readonly parent: CdpSession,
    readonly sessionId: string,
    readonly info: WorkerThreadInfo,
  ) {
    this.unsubscribe.push(
      parent.on('NodeWorker.receivedMessageFromWorker', (params) => {
        if (params.sessionId === sessionId) this.onMessage(String(params.message));
      }),
      parent.on('NodeWorker.detachedFromWorker', (params) => {
        if (params.sessionId === sessionId) this.gone(new InspectorClosedError(`worker thread ${info.title} exited`));
      }),
    );
  }

  /** Node's threadId of the worker. */
  get threadId(): number {
    return Number(this.info.workerId);
  }

  get isOpen(): boolean {
    return this.open && this.parent.isOpen;
  }

  send<T = Record<string, unknown>>(method: string, params: Record<string, unknown> = {}, options: SendOptions = {}): Promise<T> {
    if (!this.isOpen) return Promise.reject(new InspectorClosedError(`the session with worker thread ${this.info.title} is closed`));
    const id = this.nextId++;
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    return new Promise<T>((resolve, reject) => {
      const timer =
        timeoutMs > 0
          ? setTimeout(() => {
              this.pending.delete(id);
              reject(new InspectorTimeoutError(method, timeoutMs));
            }, timeoutMs)
          : null;
      this.pending.set(id, { method, resolve: resolve as Pending['resolve'], reject, timer });
      this.parent
        .send('NodeWorker.sendMessageToWorker', { sessionId: this.sessionId, message: JSON.stringify({ id, method, params }) }, { timeoutMs: 0 })
        .catch((err: Error) => {
          const entry = this.pending.get(id);
          if (!entry) return;
          this.pending.delete(id);
          if (entry.timer) clearTimeout(entry.timer);
          reject(err);
        });
    });
  }

  on(method: string, handler: Handler): () => void {
    let set = this.handlers.get(method);
    if (!set) this.handlers.set(method, (set = new Set()));
    set.add(handler);
    return () => {
      set.delete(handler);
    };
  }

  /** Detaches from the worker (it keeps running); pending commands reject. */
  async close(): Promise<void> {
    if (!this.open) return;
    if (this.parent.isOpen) await this.parent.send('NodeWorker.detach', { sessionId: this.sessionId }, { timeoutMs: 5000 }).catch(() => undefined);
    this.gone(new InspectorClosedError(`the session with worker thread ${this.info.title} was closed by memprobe`));
  }

  private gone(reason: Error): void {
    if (!this.open) return;
    this.open = false;
    for (const u of this.unsubscribe) u();
    for (const [id, entry] of this.pending) {
      this.pending.delete(id);
      if (entry.timer) clearTimeout(entry.timer);
      entry.reject(reason);
    }
  }

  private onMessage(text: string): void {
    let message: { id?: number; method?: string; params?: Record<string, unknown>; result?: Record<string, unknown>; error?: { code: number; message: string } };
    try {
      message = JSON.parse(text);
    } catch {
      return;
    }
    if (typeof message.id === 'number') {
      const entry = this.pending.get(message.id);
      if (!entry) return;
      this.pending.delete(message.id);
      if (entry.timer) clearTimeout(entry.timer);
      if (message.error) entry.reject(new ProtocolError(entry.method, message.error.code, message.error.message));
      else entry.resolve(message.result ?? {});
      return;
    }
    if (typeof message.method === 'string') {
      const set = this.handlers.get(message.method);
      if (set) for (const handler of [...set]) handler(message.params ?? {});
    }
  }
}

/**
 * Attaches to every worker thread of the process behind `client` (its main thread's session) and
 * returns one session per worker; none when the process has no worker (or its Node has no
 * `NodeWorker` domain).
 */
export async function attachWorkerThreads(client: CdpSession): Promise<WorkerThreadSession[]> {
  const found: WorkerThreadSession[] = [];
  const off = client.on('NodeWorker.attachedToWorker', (params) => {
    const info = params.workerInfo as WorkerThreadInfo;
    found.push(new WorkerThreadSession(client, String(params.sessionId), { workerId: String(info.workerId), title: String(info.title), url: String(info.url ?? '') }));
  });
  try {
    await client.send('NodeWorker.enable', { waitForDebuggerOnStart: false });
  } catch {
    off();
    return [];
  }
  // Existing workers are reported right after enable, each once its own inspector answers.
  await new Promise((r) => setTimeout(r, DISCOVERY_MS));
  off();
  return found;
}

/** Stops reporting workers to this session (and detaches from all of them). */
export async function disableWorkerThreads(client: CdpSession): Promise<void> {
  if (client.isOpen) await client.send('NodeWorker.disable', {}, { timeoutMs: 5000 }).catch(() => undefined);
}
