/**
 * Timers on an absolute deadline, for the run's schedule (load stop, snapshots, the timeline's
 * seconds): any length, and never early.
 */

export interface LongTimer {
  clear(): void;
}

/** The longest delay setTimeout honours (2^31 - 1 ms, 24.8 days). */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/**
 * setTimeout for any delay, never early. Node fires a longer delay than 2^31 - 1 ms after 1 ms (with
 * a TimeoutOverflowWarning): a `--duration 30d` soak run would stop its load and take every snapshot
 * at once. And libuv measures timers on a millisecond loop clock cached per loop turn, so a timer can
 * fire up to ~1 ms before its delay on `performance.now()`: a 3 s load would stop at 2.999 s.
 */
export function setLongTimeout(fn: () => void, ms: number): LongTimer {
  const due = performance.now() + ms;
  const arm = () => {
    const left = due - performance.now();
    if (left <= 0) return fn();
    timer = setTimeout(arm, Math.min(MAX_TIMEOUT_MS, left));
  };
  let timer = setTimeout(arm, Math.min(MAX_TIMEOUT_MS, Math.max(0, ms)));
  return { clear: () => clearTimeout(timer) };
}
