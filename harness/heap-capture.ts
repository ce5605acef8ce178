/**
 * Heap snapshots and the sampling heap profile, taken through the target's inspector.
 *
 * A snapshot is streamed: every `HeapProfiler.addHeapSnapshotChunk` event is written to the file as
 * it arrives (a synchronous write, so a slow disk slows the stream instead of queueing chunks in
 * memory), and the whole snapshot is never held by memprobe. The file is created owner-only (0o600):
 * heap snapshots contain every string the process held, secrets included.
 *
 * Allocation sites come from V8's sampling heap profiler driven over the same connection
 * (`HeapProfiler.startSampling`), rather than v8-profiler-next loaded into the target: it needs
 * nothing installed in the target, works for attach, and its overhead at the default 32 KiB interval
 * is one stack sample per ~32 KiB allocated. Both drivers start the same V8 sampler, and
 * `bench/allocation-sampling.ts` measured them alike: on a loop doing nothing but allocate (25 M
 * objects/s, the worst case) 19% (inspector) and 21% (addon) fewer objects/s, and 18 ms to stop
 * and fetch the profile over the inspector.
 */
import { closeSync, openSync, rmSync, writeSync } from 'node:fs';
import { writeAtomically } from '../core/write-atomically.js';
import type { CdpSession } from './cdp-session.js';

export interface SnapshotCapture {
  /** Bytes written to the file. */
  bytes: number;
  /** How long the target was stopped: forced GC plus snapshot, milliseconds. */
  pauseMs: number;
  gcMs: number;
  /** Enabling and disabling the Debugger domain first (not part of the pause), milliseconds. */
  prepareMs: number;
}

export interface SnapshotOptions {
  /** Give up when the target sends no progress or chunk for this long (it hangs). Default 120 s. */
  stallTimeoutMs?: number;
  /** Abandon the snapshot (delete the partial file) when this fires. */
  signal?: AbortSignal;
  /**
   * Enable and disable the `Debugger` domain first (`prepareForSnapshot`). Default true; false only
   * for the benchmark that measures what it saves.
   */
  prepare?: boolean;
}

export class SnapshotStalledError extends Error {
  constructor(stallMs: number) {
    super(
      `the target stopped answering while taking a heap snapshot (no progress for ${(stallMs / 1000).toFixed(0)} s); ` +
        'it may be hung or out of memory; the partial snapshot was deleted',
    );
    this.name = 'SnapshotStalledError';
  }
}

export class SnapshotAbandonedError extends Error {
  constructor() {
    super('the heap snapshot in progress was abandoned');
    this.name = 'SnapshotAbandonedError';
  }
}

/** Enables the HeapProfiler domain once per connection (required for snapshots and sampling). */
export async function enableHeapProfiler(client: CdpSession): Promise<void> {
  await client.send('HeapProfiler.enable');
}

/**
 * Prepares the target as Chrome DevTools does on attach: enables the `Debugger` domain, then disables
 * it again. Enabling it has V8 compute and keep every script's line-end table (it reports each
 * script with its line count); without them a heap snapshot computes a line and column for every
 * function's location by scanning the script's source, which on a target that loaded a large bundle
 * (the 9 MB `typescript.js`) turns a 1 s snapshot into 30 s (`bench/bundle-snapshot.ts`). Disabling
 * it right away keeps the window in which a `debugger;` statement would pause the target short, and
 * V8 keeps the tables. Done before every snapshot, so scripts loaded since the last one are covered;
 * it costs milliseconds when the tables exist. Returns how long it took (ms).
 */
export async function prepareForSnapshot(client: CdpSession): Promise<number> {
  const started = performance.now();
  try {
    // A large app reports thousands of scripts on enable: give it time, but never wait forever.
    await client.send('Debugger.enable', {}, { timeoutMs: 60_000 });
  } finally {
    await client.send('Debugger.disable', {}, { timeoutMs: 60_000 }).catch(() => undefined);
  }
  return performance.now() - started;
}

/**
 * Forces a full GC, then writes a heap snapshot to `file` (which must not exist yet). On failure
 * (stall, abandon, target gone) the partial file is removed and the error rethrown.
 */
export async function takeHeapSnapshot(
  client: CdpSession,
  file: string,
  options: SnapshotOptions = {},
): Promise<SnapshotCapture> {
  const stallTimeoutMs = options.stallTimeoutMs ?? 120_000;
  if (options.signal?.aborted) throw new SnapshotAbandonedError();
  // 'wx': never overwrite a file a user may want; 0o600: owner-only from the first byte.
  const fd = openSync(file, 'wx', 0o600);
  let bytes = 0;
  let writeError: Error | null = null;
  let lastProgress = Date.now();
  const unsubscribeChunk = client.on('HeapProfiler.addHeapSnapshotChunk', (params) => {
    lastProgress = Date.now();
    if (writeError) return;
    try {
      const chunk = Buffer.from(String(params.chunk), 'utf8');
      writeSync(fd, chunk);
      bytes += chunk.length;
    } catch (err) {
      writeError = err as Error;
    }
  });
  const unsubscribeProgress = client.on('HeapProfiler.reportHeapSnapshotProgress', () => {
    lastProgress = Date.now();
  });

  let stallTimer: NodeJS.Timeout | null = null;
  let onAbort: (() => void) | null = null;
  const watchdog = new Promise<never>((_, reject) => {
    stallTimer = setInterval(() => {
      if (Date.now() - lastProgress > stallTimeoutMs) reject(new SnapshotStalledError(stallTimeoutMs));
    }, Math.min(1000, stallTimeoutMs));
    onAbort = () => reject(new SnapshotAbandonedError());
    options.signal?.addEventListener('abort', onAbort, { once: true });
  });

  let started = performance.now();
  try {
    // The preparation is watched like the rest: a target that hangs or an abort ends it too.
    const prepareMs = options.prepare === false ? 0 : await Promise.race([prepareForSnapshot(client), watchdog]);
    lastProgress = Date.now();
    started = performance.now();
    const gcStarted = performance.now();
    await Promise.race([client.send('HeapProfiler.collectGarbage', {}, { timeoutMs: 0 }), watchdog]);
    const gcMs = performance.now() - gcStarted;
    lastProgress = Date.now();
    // reportProgress keeps the watchdog fed while V8 builds the graph, before the first chunk.
    await Promise.race([
      client.send('HeapProfiler.takeHeapSnapshot', { reportProgress: true }, { timeoutMs: 0 }),
      watchdog,
    ]);
    if (writeError) throw writeError;
    if (bytes === 0) throw new Error('the target returned an empty heap snapshot');
    closeSync(fd);
    return { bytes, pauseMs: performance.now() - started, gcMs, prepareMs };
  } catch (err) {
    try {
      closeSync(fd);
    } catch {
      // already closed after a successful write; nothing to release
    }
    rmSync(file, { force: true });
    throw err;
  } finally {
    if (stallTimer) clearInterval(stallTimer);
    if (onAbort) options.signal?.removeEventListener('abort', onAbort);
    unsubscribeChunk();
    unsubscribeProgress();
    watchdog.catch(() => {}); // the race already observed it, or it never fired
  }
}

/** The sampling heap profiler's default interval: one sample per 32 KiB allocated, on average. */
export const SAMPLING_INTERVAL_BYTES = 32 * 1024;

/** Starts V8's sampling heap profiler in the target (one sample per `intervalBytes` allocated). */
export async function startAllocationSampling(client: CdpSession, intervalBytes = SAMPLING_INTERVAL_BYTES): Promise<void> {
  await client.send('HeapProfiler.startSampling', { samplingInterval: intervalBytes });
}

/**
 * Writes the sampling profile so far to `file` (Chrome's `.heapprofile` format) without stopping it,
 * so a target that dies later still leaves allocation sites behind. Atomic: a reader never sees half.
 */
export async function checkpointAllocationProfile(client: CdpSession, file: string): Promise<void> {
  const { profile } = await client.send<{ profile: unknown }>('HeapProfiler.getSamplingProfile', {}, { timeoutMs: 60_000 });
  writeAtomically(file, JSON.stringify(profile), { mode: 0o600 });
}

/** Stops sampling and writes the final profile to `file`. */
export async function stopAllocationSampling(client: CdpSession, file: string): Promise<void> {
  const { profile } = await client.send<{ profile: unknown }>('HeapProfiler.stopSampling', {}, { timeoutMs: 60_000 });
  writeAtomically(file, JSON.stringify(profile), { mode: 0o600 });
}
