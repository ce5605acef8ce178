/**
 * `timeline.ndjson`: one JSON line per second, appended as the run goes.
 *
 * Lines are written with a synchronous append on an owned descriptor, so a line is on disk the moment
 * it is produced: a memprobe killed mid-run, or a target that takes the machine down, still leaves
 * every second before it. Nothing is kept in memory but the descriptor.
 *
 * The ticker runs on an absolute clock (tick k is due at start + k·interval): a late tick, for
 * instance after a busy stretch, is followed by a prompt one, so the file keeps one line per second.
 * It reads only what is cheap and never waits on the target: while a heap snapshot stops the target,
 * lines keep coming with its last known memory figures and `snapshotting: true`.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import type { TimelineSample } from '../core/report-schema.js';
import { setLongTimeout, type LongTimer } from './deadline-timer.js';

export class TimelineWriter {
  private fd: number | null;

  constructor(readonly file: string) {
    this.fd = openSync(file, 'a', 0o644);
  }

  append(sample: TimelineSample): void {
    if (this.fd === null) return;
    writeSync(this.fd, `${JSON.stringify(sample)}\n`);
  }

  close(): void {
    if (this.fd === null) return;
    closeSync(this.fd);
    this.fd = null;
  }
}

/** Calls `tick(k)` at `startMs + k * intervalMs` (performance.now() clock) until stopped. */
export class SteadyTicker {
  private timer: LongTimer | null = null;
  private k = 0;
  private stopped = false;

  constructor(
    private readonly startMs: number,
    private readonly intervalMs: number,
    private readonly tick: (k: number) => void,
  ) {}

  start(): this {
    this.schedule();
    return this;
  }

  stop(): void {
    this.stopped = true;
    this.timer?.clear();
    this.timer = null;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.k += 1;
    const due = this.startMs + this.k * this.intervalMs;
    this.timer = setLongTimeout(() => {
      // Skip ticks that are already a whole interval overdue rather than firing a burst of them.
      const behind = Math.floor((performance.now() - due) / this.intervalMs);
      if (behind > 0) this.k += behind;
      this.tick(this.k);
      this.schedule();
    }, due - performance.now());
  }
}
