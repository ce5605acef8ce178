/**
 * An open-model, constant-arrival-rate scheduler (k6's `constant-arrival-rate`): arrival *i* is due at
 * `start + i/rps` on an absolute clock, whether or not earlier arrivals have finished. At most `vus`
 * run at once; an arrival that finds every slot busy is dropped and counted, never queued (a queue
 * would turn the open model back into a closed one and hide a slow target behind a lower rate).
 *
 * Generic: the same scheduler drives script iterations inside the target's child process and HTTP
 * requests inside the driver's worker thread. It keeps no per-arrival state beyond the promise of
 * each iteration in flight.
 */

/** Time and timers, injectable so tests can run the scheduler on a fake clock. */
export interface SchedulerClock {
  /** Milliseconds on a monotonic clock. */
  now(): number;
  /** Runs `fn` after `ms` milliseconds (`ms` 0: after pending I/O, as `setImmediate`). */
  after(ms: number, fn: () => void): { cancel(): void };
}

/** Where the outcome of every arrival goes (a `LoadStats`, usually). */
export interface ArrivalObserver {
  completed(latencyMs: number): void;
  failed(latencyMs: number, error: unknown): void;
  dropped(count: number): void;
  /** Arrivals skipped because they were overdue by more than MAX_LATENESS_MS (the process was paused). */
  overdue(count: number): void;
}

export interface ArrivalSchedulerOptions {
  /** Arrivals per second. */
  rps: number;
  /** Arrivals in flight at most. */
  vus: number;
  /** Stop issuing arrivals after this long; omitted: run until `stop()`. */
  durationS?: number;
  /** One arrival: a script iteration, an HTTP request. A throw or rejection counts as a failure. */
  iteration: () => unknown;
  observer: ArrivalObserver;
  clock?: SchedulerClock;
}

/**
 * At high rates the next arrival is due sooner than a timer can fire; sleeping at least this long and
 * starting every arrival due by then in one batch keeps the timing exact on average (the clock is
 * absolute, so a late tick is caught up, not lost) at about a thousand wake-ups a second instead of a
 * spinning core.
 */
const MIN_TICK_MS = 1;
/**
 * How late an arrival may still start. Catching up a GC pause, or the few hundred milliseconds an
 * overloaded machine can deschedule a process for, keeps the rate exact (measured here at a load
 * average of 12 on 2 cores: stalls past 250 ms cost 7% of the arrivals); catching up a two-second
 * snapshot pause would hit the target with two seconds of arrivals at once, and starting arrivals
 * ever later as slots free up would be a queue by another name.
 */
export const MAX_LATENESS_MS = 500;

export const realClock: SchedulerClock = {
  now: () => performance.now(),
  after(ms, fn) {
    if (ms <= 0) {
      const handle = setImmediate(fn);
      return { cancel: () => clearImmediate(handle) };
    }
    const handle = setTimeout(fn, ms);
    return { cancel: () => clearTimeout(handle) };
  },
};

export class ArrivalScheduler {
  private readonly rps: number;
  private readonly vus: number;
  private readonly clock: SchedulerClock;
  private readonly iteration: () => unknown;
  private readonly observer: ArrivalObserver;
  /** Arrivals in the whole run (Infinity when it runs until `stop()`). */
  private readonly total: number;
  private startMs = 0;
  /** Arrivals issued so far, started, dropped or skipped as overdue: the index of the next one due. */
  private issued = 0;
  private running = 0;
  private pending: { cancel(): void } | null = null;
  /** Set when a batch found every slot busy and yielded so finished iterations could free theirs. */
  private yieldedWhileFull = false;
  private state: 'idle' | 'running' | 'draining' | 'done' = 'idle';
  private drainWaiters: Array<() => void> = [];

  constructor(o: ArrivalSchedulerOptions) {
    if (!(o.rps > 0) || !Number.isFinite(o.rps)) throw new RangeError(`rps must be a positive number, got ${o.rps}`);
    if (!(o.vus >= 1) || !Number.isInteger(o.vus)) throw new RangeError(`vus must be a positive integer, got ${o.vus}`);
    this.rps = o.rps;
    this.vus = o.vus;
    this.clock = o.clock ?? realClock;
    this.iteration = o.iteration;
    this.observer = o.observer;
    this.total = o.durationS === undefined ? Infinity : Math.floor(o.durationS * o.rps);
  }

  get inFlight(): number {
    return this.running;
  }

  /** Arrivals started, dropped or skipped as overdue so far. */
  get arrivals(): number {
    return this.issued;
  }

  /** True once arrivals have ended (duration reached or `stop()`) and nothing is in flight. */
  get finished(): boolean {
    return this.state === 'done';
  }

  start(): void {
    if (this.state !== 'idle') throw new Error('scheduler already started');
    this.state = 'running';
    this.startMs = this.clock.now();
    this.tick();
  }

  /**
   * Resolves when arrivals have ended and every iteration in flight has settled, or after `graceMs`
   * (an iteration that never settles must not hold the run hostage).
   */
  whenFinished(graceMs = Infinity): Promise<void> {
    if (this.state === 'done') return Promise.resolve();
    return new Promise<void>((resolve) => {
      let timer: { cancel(): void } | null = null;
      const done = () => {
        timer?.cancel();
        resolve();
      };
      this.drainWaiters.push(done);
      if (Number.isFinite(graceMs)) timer = this.clock.after(graceMs, done);
    });
  }

  /** Stops issuing arrivals now; resolves as `whenFinished(graceMs)`. */
  stop(graceMs = 2000): Promise<void> {
    if (this.state === 'idle') this.state = 'done';
    if (this.state === 'running') this.endArrivals();
    return this.whenFinished(graceMs);
  }

  private readonly tick = (): void => {
    this.pending = null;
    if (this.state !== 'running') return;
    const now = this.clock.now();
    // Every arrival whose due time start + i/rps has passed starts in this tick.
    const due = Math.min(this.total, Math.floor(((now - this.startMs) * this.rps) / 1000) + 1);
    // Arrivals more than MAX_LATENESS_MS overdue (the process was paused: a heap snapshot, a long GC)
    // are skipped and counted rather than fired in one burst after the pause.
    const oldestStartable = Math.min(due, Math.ceil(((now - MAX_LATENESS_MS - this.startMs) * this.rps) / 1000));
    if (this.issued < oldestStartable) {
      this.observer.overdue(oldestStartable - this.issued);
      this.issued = oldestStartable;
    }
    let started = 0;
    while (this.issued < due) {
      if (this.running >= this.vus) {
        // Iterations that finished during this batch settle in the microtask/I/O phase. A catch-up
        // batch larger than `vus` (after a GC pause) yields to let them free their slots, and only
        // arrivals that still find every slot taken after a yield that freed none are dropped.
        if (!this.yieldedWhileFull || started > 0) {
          this.yieldedWhileFull = true;
          this.pending = this.clock.after(0, this.tick);
          return;
        }
        this.observer.dropped(due - this.issued);
        this.issued = due;
        break;
      }
      this.issued++;
      started++;
      this.launch();
    }
    this.yieldedWhileFull = false;
    if (this.issued >= this.total) {
      this.endArrivals();
      return;
    }
    const nextDueMs = this.startMs + (this.issued * 1000) / this.rps;
    this.pending = this.clock.after(Math.max(MIN_TICK_MS, nextDueMs - this.clock.now()), this.tick);
  };

  private launch(): void {
    this.running++;
    const startedMs = this.clock.now();
    let result: unknown;
    try {
      result = this.iteration();
    } catch (error) {
      this.settle(startedMs, error, true);
      return;
    }
    if (result !== null && typeof result === 'object' && typeof (result as PromiseLike<unknown>).then === 'function') {
      (result as PromiseLike<unknown>).then(
        () => this.settle(startedMs, undefined, false),
        (error: unknown) => this.settle(startedMs, error, true),
      );
    } else {
      this.settle(startedMs, undefined, false);
    }
  }

  private settle(startedMs: number, error: unknown, failed: boolean): void {
    this.running--;
    const latencyMs = this.clock.now() - startedMs;
    if (failed) this.observer.failed(latencyMs, error);
    else this.observer.completed(latencyMs);
    if (this.state === 'draining' && this.running === 0) this.finish();
  }

  private endArrivals(): void {
    this.pending?.cancel();
    this.pending = null;
    this.state = 'draining';
    if (this.running === 0) this.finish();
  }

  private finish(): void {
    this.state = 'done';
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const w of waiters) w();
  }
}
