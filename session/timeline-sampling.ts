/**
 * The per-second view of a run: one `timeline.ndjson` line from the load's counters and the
 * target's memory, and the achieved rate the progress line shows (over the last few seconds).
 */
import type { TimelineSample } from '../core/report-schema.js';
import { round } from '../core/units.js';
import type { MemoryReading } from '../harness/memory-sampler.js';
import type { LoadCounters } from '../harness/target-process.js';

export interface SampleInputs {
  t: number;
  counters: LoadCounters | null;
  reading: MemoryReading;
  /** The reading is this second's (false: the target is stopped in a snapshot, the last one stands in). */
  fresh: boolean;
  /** RSS, from /proc when the target cannot answer: that is where the snapshot spike shows. */
  rss: number;
  snapshotting: boolean;
  /** Requests counted inside the target, used when memprobe drives no load. */
  countedInTarget?: number | null;
}

export function timelineSample({ t, counters, reading, fresh, rss, snapshotting, countedInTarget }: SampleInputs): TimelineSample {
  return {
    t: round(t, 3),
    requests: counters?.requests ?? countedInTarget ?? 0,
    dropped: counters?.dropped ?? 0,
    heapUsed: reading.heapUsed,
    heapTotal: reading.heapTotal,
    rss,
    external: reading.external,
    arrayBuffers: reading.arrayBuffers,
    eventLoopDelayP99Ms: fresh && reading.eventLoopDelayP99Ms !== null ? round(reading.eventLoopDelayP99Ms, 2) : null,
    errors: counters?.errors ?? 0,
    snapshotting,
  };
}

/** Requests per second over the last five samples (the whole run so far before there are two). */
export class AchievedRate {
  private readonly window: { t: number; requests: number }[] = [];

  add(t: number, requests: number): number {
    this.window.push({ t, requests });
    if (this.window.length > 5) this.window.shift();
    const first = this.window[0];
    return t > first.t ? (requests - first.requests) / (t - first.t) : t > 0 ? requests / t : 0;
  }
}
