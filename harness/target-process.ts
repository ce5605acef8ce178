/**
 * What the capture side (inspector, snapshots, timeline) needs of a target, and what it needs of the
 * load: the seam between `harness/` load code (script runner, HTTP driver, attach) and
 * the capture session (`session/`), which captures and never knows how the load is made.
 */

export interface TargetExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface TargetProcess {
  kind: 'script' | 'http' | 'attach';
  /** What the user asked to run or attach to, for the report. */
  command: string;
  /** Node's own pid, as reported by the target itself (a shell's `$!` may be a wrapper's). */
  pid: number;
  /** The target's inspector, always on 127.0.0.1: `ws://127.0.0.1:PORT/ID`. */
  inspectorUrl: string;
  /** Resolves when the target process exits (for attach: if it dies while attached). */
  exited: Promise<TargetExit>;
  /** Ends the target: script/http kill the process they started; attach detaches and leaves it running. */
  close(): Promise<void>;
}

export interface LoadCounters {
  /** Iterations/requests completed (successfully or not). */
  requests: number;
  /** Arrivals that found all `--vus` slots busy: counted, never queued. */
  dropped: number;
  /**
   * Arrivals not started because they were over 500 ms overdue when the load's process could run
   * again (paused by a heap snapshot or a long GC): not an overload, so counted apart from `dropped`.
   */
  overdue?: number;
  /** Iterations that threw, or HTTP requests that failed (network error or status >= 500). */
  errors: number;
  inFlight: number;
  /** HTTP responses by status code (empty for script targets). */
  statusCounts: Record<string, number>;
  /** The first few distinct error messages. */
  errorMessages: string[];
  /** Latency of completed iterations/requests, from an HDR histogram (never per-request arrays). */
  latencyMs: { p50: number; p99: number; max: number } | null;
}

/** The counters of a load that has not reported yet. */
export const NO_LOAD_YET: Readonly<LoadCounters> = Object.freeze({
  requests: 0,
  dropped: 0,
  overdue: 0,
  errors: 0,
  inFlight: 0,
  statusCounts: {},
  errorMessages: [],
  latencyMs: null,
});

export interface LoadDriver {
  readonly targetRps: number;
  /** Start arrivals now, on an absolute clock. */
  start(): void;
  /** Stop arrivals and let in-flight work finish briefly. */
  stop(): Promise<void>;
  /** The latest counters (cheap; called every second or more often). */
  counters(): LoadCounters;
  /**
   * Resolves once `start()` would start arrivals at once (the HTTP driver's worker thread has booted
   * and loaded its client). Optional: a driver without it is ready when created.
   */
  whenReady?(): Promise<void>;
}
