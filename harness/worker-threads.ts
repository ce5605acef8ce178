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
import { CdpMessages, InspectorClosedError, type SendOptions } from './inspector-client.js';

export interface WorkerThreadInfo {
  /** Node's worker id (`threadId` inside the worker), as a string. */
  workerId: string;
  /** `[worker 1] indexer`: the id and the `name` option given to `new Worker`. */
  title: string;
  /** The worker's script (a file URL, or empty for `eval: true`). */
  url: string;
}

type Handler = (params: Record<string, unknown>) => void;

/** How long `NodeWorker.enable` is given to report the workers that already run. */
const DISCOVERY_MS = 300;

export class WorkerThreadSession implements CdpSession {
  private readonly messages = new CdpMessages();
  private open = true;
  private readonly unsubscribe: (() => void)[] = [];

  constructor(
    private readonly parent: CdpSession,
    readonly sessionId: string,
    readonly info: WorkerThreadInfo,
  ) {
    this.unsubscribe.push(
      parent.on('NodeWorker.receivedMessageFromWorker', (params) => {
        if (params.sessionId === sessionId) this.messages.receive(String(params.message));
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
    return this.messages.command<T>(method, params, options, (message, fail) => {
      this.parent.send('NodeWorker.sendMessageToWorker', { sessionId: this.sessionId, message }, { timeoutMs: 0 }).catch(fail);
    });
  }

  on(method: string, handler: Handler): () => void {
    return this.messages.on(method, handler);
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
    this.messages.failAll(reason);
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
