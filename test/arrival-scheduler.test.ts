import { describe, expect, it } from 'vitest';
import { ArrivalScheduler, MAX_LATENESS_MS, type ArrivalObserver, type SchedulerClock } from '../harness/arrival-scheduler.js';
import { LoadStats } from '../harness/load-stats.js';

/** A clock whose timers fire only when the test advances it; `lateMs` makes every timer fire late. */
class FakeClock implements SchedulerClock {
  t = 0;
  private timers: Array<{ at: number; seq: number; fn: () => void; cancelled: boolean }> = [];
  private seq = 0;
  constructor(private readonly lateMs = 0) {}

  now(): number {
    return this.t;
  }

  after(ms: number, fn: () => void): { cancel(): void } {
    const timer = { at: this.t + Math.max(0, ms) + (ms > 0 ? this.lateMs : 0), seq: this.seq++, fn, cancelled: false };
    this.timers.push(timer);
    return { cancel: () => (timer.cancelled = true) };
  }

  /** Runs every timer due up to `now + ms` in time order, letting promises settle between them. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      await flushMicrotasks();
      this.timers = this.timers.filter((x) => !x.cancelled);
      const next = this.timers.filter((x) => x.at <= end).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!next) break;
      this.timers.splice(this.timers.indexOf(next), 1);
      this.t = Math.max(this.t, next.at);
      next.fn();
    }
    this.t = end;
  }
}

async function flushMicrotasks(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

class CountingObserver implements ArrivalObserver {
  completedCount = 0;
  failedCount = 0;
  droppedCount = 0;
  overdueCount = 0;
  completed(): void {
    this.completedCount++;
  }
  failed(): void {
    this.failedCount++;
  }
  dropped(count: number): void {
    this.droppedCount += count;
  }
  overdue(count: number): void {
    this.overdueCount += count;
  }
}

describe('ArrivalScheduler on a fake clock', () => {
  it('starts arrival i at start + i/rps and stops at the duration', async () => {
    const clock = new FakeClock();
    const starts: number[] = [];
    const observer = new CountingObserver();
    const s = new ArrivalScheduler({ rps: 250, vus: 10, durationS: 2, clock, observer, iteration: () => starts.push(clock.now()) });
    s.start();
    await clock.advance(5000);
    expect(starts).toHaveLength(500);
    expect(observer.completedCount).toBe(500);
    for (let i = 0; i < starts.length; i++) {
      // Due at 4 ms steps; started no earlier, and no later than one minimum tick after.
      expect(starts[i]).toBeGreaterThanOrEqual(i * 4);
      expect(starts[i]).toBeLessThanOrEqual(i * 4 + 1);
    }
    expect(s.finished).toBe(true);
  });

  it('catches up late timers in batches instead of drifting', async () => {
    const clock = new FakeClock(7); // every timer fires 7 ms late
    const starts: number[] = [];
    const s = new ArrivalScheduler({ rps: 1000, vus: 100, clock, observer: new CountingObserver(), iteration: () => starts.push(clock.now()) });
    s.start();
    for (let elapsed = 0; elapsed < 1000; elapsed += 50) {
      await clock.advance(50);
      // Whatever the lateness, every arrival due by the last tick has been issued: no drift.
      const lastTick = starts[starts.length - 1];
      expect(s.arrivals).toBe(Math.floor(lastTick) + 1);
      expect(clock.now() - lastTick).toBeLessThanOrEqual(8 + 1);
    }
    // Batches: several arrivals share each (late) start time.
    expect(new Set(starts).size).toBeLessThan(starts.length / 4);
    await s.stop();
  });

  it('drops arrivals that find every slot busy and never starts them later', async () => {
    const clock = new FakeClock();
    const pending: Array<() => void> = [];
    const startTimes: number[] = [];
    const observer = new CountingObserver();
    const s = new ArrivalScheduler({
      rps: 100, // one every 10 ms
      vus: 2,
      clock,
      observer,
      iteration: () => {
        startTimes.push(clock.now());
        return new Promise<void>((resolve) => pending.push(resolve));
      },
    });
    s.start();
    await clock.advance(95); // arrivals at 0..90: 10 due, 2 slots
    expect(startTimes).toEqual([0, 10]);
    expect(s.inFlight).toBe(2);
    expect(observer.droppedCount).toBe(8);

    pending.splice(0).forEach((resolve) => resolve());
    await clock.advance(10); // slots free at 95; the next arrival is due at 100
    expect(observer.completedCount).toBe(2);
    // Dropped arrivals were not queued: only the arrival due at 100 started, at 100.
    expect(startTimes).toEqual([0, 10, 100]);
    expect(observer.droppedCount).toBe(8);
    const stopped = s.stop(0);
    await clock.advance(1);
    await stopped;
  });

  it('lets finished iterations free their slots before dropping a catch-up batch larger than vus', async () => {
    const clock = new FakeClock(100); // each timer 100 ms late: ~100 arrivals due per tick at 1000/s
    const observer = new CountingObserver();
    const s = new ArrivalScheduler({ rps: 1000, vus: 10, durationS: 1, clock, observer, iteration: async () => {} });
    s.start();
    await clock.advance(2000);
    expect(observer.completedCount).toBe(1000);
    expect(observer.droppedCount).toBe(0);
  });

  it('skips arrivals overdue by more than MAX_LATENESS_MS instead of bursting them after a pause', async () => {
    const clock = new FakeClock();
    const observer = new CountingObserver();
    const starts: number[] = [];
    const s = new ArrivalScheduler({ rps: 1000, vus: 10_000, clock, observer, iteration: () => starts.push(clock.now()) });
    s.start();
    await clock.advance(100);
    const before = starts.length;
    clock.t += 2000; // the process was paused for 2 s (a heap snapshot): no timer ran
    await clock.advance(1);
    // Only the arrivals due in the last MAX_LATENESS_MS before the tick ran; the rest were skipped.
    const burst = starts.length - before;
    expect(burst).toBeGreaterThanOrEqual(MAX_LATENESS_MS);
    expect(burst).toBeLessThanOrEqual(MAX_LATENESS_MS + 2);
    expect(observer.overdueCount + burst).toBe(s.arrivals - before);
    expect(observer.droppedCount).toBe(0); // a pause is not an overload
    await s.stop(0);
  });

  it('counts throws and rejections as errors and keeps going', async () => {
    const clock = new FakeClock();
    const stats = new LoadStats();
    let n = 0;
    const s = new ArrivalScheduler({
      rps: 100,
      vus: 5,
      durationS: 1,
      clock,
      observer: stats,
      iteration: () => {
        n++;
        if (n % 3 === 0) throw new Error(`sync failure ${n % 2}`);
        if (n % 3 === 1) return Promise.reject(new Error('async failure'));
        return Promise.resolve();
      },
    });
    s.start();
    await clock.advance(1500);
    const c = stats.counters(s.inFlight);
    expect(c.requests).toBe(100);
    expect(c.errors).toBe(67);
    expect(c.dropped).toBe(0);
    expect(c.errorMessages.sort()).toEqual(['async failure', 'sync failure 0', 'sync failure 1']);
  });

  it('stop() ends arrivals and gives up on iterations that never settle after the grace period', async () => {
    const clock = new FakeClock();
    const observer = new CountingObserver();
    const s = new ArrivalScheduler({ rps: 10, vus: 3, clock, observer, iteration: () => new Promise(() => {}) });
    s.start();
    await clock.advance(1000);
    expect(s.inFlight).toBe(3);
    let stopped = false;
    void s.stop(500).then(() => (stopped = true));
    await clock.advance(400);
    expect(stopped).toBe(false);
    const arrivals = s.arrivals;
    await clock.advance(200);
    expect(stopped).toBe(true);
    expect(s.arrivals).toBe(arrivals);
  });
});

describe('ArrivalScheduler on the real clock', () => {
  it('holds 2,000/s for half a second within a few percent', async () => {
    const stats = new LoadStats();
    const s = new ArrivalScheduler({ rps: 2000, vus: 50, durationS: 0.5, observer: stats, iteration: async () => {} });
    const t0 = performance.now();
    s.start();
    await s.whenFinished();
    const elapsedS = (performance.now() - t0) / 1000;
    const c = stats.counters(0);
    expect(c.requests + c.dropped).toBe(1000);
    expect(c.dropped).toBeLessThanOrEqual(10);
    // The last arrival is due at 0.4995 s; a loaded machine may be late, never early.
    expect(elapsedS).toBeGreaterThanOrEqual(0.499);
    expect(elapsedS).toBeLessThan(0.75);
  });
});
