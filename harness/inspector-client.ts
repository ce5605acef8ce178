/**
 * A small Chrome DevTools Protocol client over one WebSocket: numbered commands with per-command
 * timeouts, event subscriptions, and a `closed` promise. Used for everything memprobe asks of a
 * target's inspector (heap snapshots, sampling, memory readings).
 *
 * Kept deliberately narrow: no domain wrappers, no reconnects. When the socket closes (the target
 * died, or we closed it) every pending command rejects with an InspectorClosedError, so callers never
 * wait on a dead process.
 */
import WebSocket from 'ws';

export class InspectorClosedError extends Error {
  constructor(message = 'the inspector connection closed (the target exited or detached)') {
    super(message);
    this.name = 'InspectorClosedError';
  }
}

export class InspectorTimeoutError extends Error {
  constructor(
    readonly method: string,
    timeoutMs: number,
  ) {
    super(`${method} got no answer from the target within ${(timeoutMs / 1000).toFixed(0)} s`);
    this.name = 'InspectorTimeoutError';
  }
}

/** An error the target's inspector returned for a command (`{error: {code, message}}`). */
export class ProtocolError extends Error {
  constructor(
    readonly method: string,
    readonly code: number,
    message: string,
  ) {
    super(`${method}: ${message}`);
    this.name = 'ProtocolError';
  }
}

export interface SendOptions {
  /** Reject after this long; 0 waits as long as the connection lives. Default 30 s. */
  timeoutMs?: number;
}

type EventHandler = (params: Record<string, unknown>) => void;

interface Pending {
  method: string;
  resolve: (result: Record<string, unknown>) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout | null;
}

const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * The messages of one CDP session, whatever carries them (a WebSocket, a worker thread's session
 * tunnelled through its parent's `NodeWorker` domain): numbered commands with their timeouts,
 * answers matched to them, events to their subscribers, and every pending command failed at once.
 */
export class CdpMessages {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly handlers = new Map<string, Set<EventHandler>>();

  /** Sends one command through `transmit`, which calls `fail` when it could not be sent; resolves with its `result`. */
  command<T>(method: string, params: Record<string, unknown>, options: SendOptions, transmit: (text: string, fail: (err: Error) => void) => void): Promise<T> {
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
      transmit(JSON.stringify({ id, method, params }), (err) => {
        const entry = this.pending.get(id);
        if (!entry) return;
        this.pending.delete(id);
        if (entry.timer) clearTimeout(entry.timer);
        reject(err);
      });
    });
  }

  /** Subscribes to an event; returns the unsubscribe function. */
  on(method: string, handler: EventHandler): () => void {
    let set = this.handlers.get(method);
    if (!set) this.handlers.set(method, (set = new Set()));
    set.add(handler);
    return () => {
      set.delete(handler);
    };
  }

  /** One message from the other side: an answer to a command, or an event. */
  receive(text: string): void {
    let message: { id?: number; method?: string; params?: Record<string, unknown>; result?: Record<string, unknown>; error?: { code: number; message: string } };
    try {
      message = JSON.parse(text);
    } catch {
      return; // not CDP; nothing we sent can be waiting on it
    }
    if (typeof message.id === 'number') {
      const entry = this.pending.get(message.id);
      if (!entry) return; // answered after its timeout
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

  /** Rejects every command still waiting for its answer. */
  failAll(err: Error): void {
    for (const [id, entry] of this.pending) {
      this.pending.delete(id);
      if (entry.timer) clearTimeout(entry.timer);
      entry.reject(err);
    }
  }
}

export class InspectorClient {
  private readonly messages = new CdpMessages();
  private closeReason: Error | null = null;
  /** Resolves once the connection is gone, whoever closed it. */
  readonly closed: Promise<void>;

  private constructor(private readonly socket: WebSocket) {
    this.closed = new Promise((resolve) => {
      socket.on('close', () => {
        this.messages.failAll(this.closeReason ?? new InspectorClosedError());
        resolve();
      });
    });
    socket.on('error', (err) => {
      this.closeReason ??= new InspectorClosedError(`inspector connection failed: ${err.message}`);
    });
    socket.on('message', (data) => this.messages.receive(data.toString()));
  }

  /** Connects to `ws://127.0.0.1:PORT/ID`; rejects on refusal or after `timeoutMs`. */
  static connect(url: string, timeoutMs = 10_000): Promise<InspectorClient> {
    return new Promise((resolve, reject) => {
      // Snapshot chunks are small, but evaluate results and sampling profiles are not bounded by us:
      // allow large frames rather than dropping the connection mid-run.
      const socket = new WebSocket(url, { perMessageDeflate: false, maxPayload: 1024 * 1024 * 1024 });
      const timer = setTimeout(() => {
        socket.terminate();
        reject(new Error(`could not connect to the inspector at ${url} within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      socket.once('open', () => {
        clearTimeout(timer);
        resolve(new InspectorClient(socket));
      });
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(new Error(`could not connect to the inspector at ${url}: ${err.message}`));
      });
    });
  }

  get isOpen(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }

  /** Sends one command and resolves with its `result`. */
  send<T = Record<string, unknown>>(
    method: string,
    params: Record<string, unknown> = {},
    options: SendOptions = {},
  ): Promise<T> {
    if (!this.isOpen) return Promise.reject(this.closeReason ?? new InspectorClosedError());
    return this.messages.command<T>(method, params, options, (text, fail) =>
      this.socket.send(text, (err) => {
        if (err) fail(new InspectorClosedError(`could not send ${method}: ${err.message}`));
      }),
    );
  }

  /** Subscribes to an event (`HeapProfiler.addHeapSnapshotChunk`); returns the unsubscribe function. */
  on(method: string, handler: EventHandler): () => void {
    return this.messages.on(method, handler);
  }

  /** Closes the connection; pending commands reject. */
  async close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return;
    this.closeReason ??= new InspectorClosedError('the inspector connection was closed by memprobe');
    this.socket.close();
    const timer = setTimeout(() => this.socket.terminate(), 2000);
    await this.closed;
    clearTimeout(timer);
  }
}

/** `Runtime.evaluate` of an expression whose value is JSON-serialisable; throws on a thrown exception. */
export async function evaluateInTarget<T>(
  client: Pick<InspectorClient, 'send'>,
  expression: string,
  options: SendOptions = {},
): Promise<T> {
  const answer = await client.send<{
    result: { value?: T };
    exceptionDetails?: { text: string; exception?: { description?: string } };
  }>(
    'Runtime.evaluate',
    // includeCommandLineAPI gives the expression `require` even inside an ES-module target.
    { expression, returnByValue: true, includeCommandLineAPI: true, silent: true },
    options,
  );
  if (answer.exceptionDetails) {
    const detail = answer.exceptionDetails.exception?.description ?? answer.exceptionDetails.text;
    throw new Error(`evaluation in the target failed: ${detail.split('\n')[0]}`);
  }
  return answer.result.value as T;
}
