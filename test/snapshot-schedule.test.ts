import { describe, expect, it } from 'vitest';
import { endMarginS, MAX_SNAPSHOTS, snapshotTimes } from '../harness/snapshot-schedule.js';
import { UsageError } from '../core/usage-error.js';

describe('snapshotTimes', () => {
  it('refuses more than MAX_SNAPSHOTS before building the list (a 1 ms step over hours is millions)', () => {
    const started = performance.now();
    expect(() => snapshotTimes({ durationS: 1e9, warmupS: 0, snapshots: null, snapshotEveryS: 0.001 })).toThrow(/gives \d+ snapshots .* at most 1000/);
    expect(performance.now() - started).toBeLessThan(100);
    expect(() => snapshotTimes({ durationS: 60, warmupS: 6, snapshots: MAX_SNAPSHOTS + 1, snapshotEveryS: null })).toThrow(UsageError);
    expect(snapshotTimes({ durationS: 10_000, warmupS: 0, snapshots: MAX_SNAPSHOTS, snapshotEveryS: null })).toHaveLength(MAX_SNAPSHOTS);
    // 1004 s less the 5 s end margin: times 0, 1, …, 999, exactly the limit; one second more is over it.
    expect(snapshotTimes({ durationS: 1004, warmupS: 0, snapshots: null, snapshotEveryS: 1 })).toHaveLength(MAX_SNAPSHOTS);
    expect(() => snapshotTimes({ durationS: 1005, warmupS: 0, snapshots: null, snapshotEveryS: 1 })).toThrow(/gives 1001 snapshots/);
  });

  it('spaces --snapshots evenly from the end of warm-up to shortly before the end', () => {
    expect(snapshotTimes({ durationS: 60, warmupS: 6, snapshots: 5, snapshotEveryS: null })).toEqual([6, 18.75, 31.5, 44.25, 57]);
  });

  it('defaults to 5 snapshots', () => {
    expect(snapshotTimes({ durationS: 100, warmupS: 10, snapshots: null, snapshotEveryS: null })).toHaveLength(5);
  });

  it('keeps the last snapshot inside the run for short runs', () => {
    const times = snapshotTimes({ durationS: 4, warmupS: 0.4, snapshots: 3, snapshotEveryS: null });
    expect(times[0]).toBe(0.4);
    expect(times[2]).toBe(4 - endMarginS(4));
    expect(times[2]).toBeLessThan(4);
  });

  it('takes one snapshot near the end, and none when asked for none', () => {
    expect(snapshotTimes({ durationS: 60, warmupS: 6, snapshots: 1, snapshotEveryS: null })).toEqual([57]);
    expect(snapshotTimes({ durationS: 60, warmupS: 6, snapshots: 0, snapshotEveryS: null })).toEqual([]);
  });

  it('--snapshot-every starts after warm-up and stops before the end', () => {
    expect(snapshotTimes({ durationS: 60, warmupS: 5, snapshots: null, snapshotEveryS: 10 })).toEqual([5, 15, 25, 35, 45, 55]);
    expect(snapshotTimes({ durationS: 3, warmupS: 0, snapshots: null, snapshotEveryS: 0.1 }).length).toBe(29);
  });

  it('refuses schedules that cannot work', () => {
    const bad = [
      { durationS: 60, warmupS: 6, snapshots: 3, snapshotEveryS: 10 },
      { durationS: 60, warmupS: 59, snapshots: 3, snapshotEveryS: null },
      { durationS: 0, warmupS: 0, snapshots: 3, snapshotEveryS: null },
      { durationS: 60, warmupS: 6, snapshots: 2.5, snapshotEveryS: null },
      { durationS: 60, warmupS: 6, snapshots: null, snapshotEveryS: 0 },
    ];
    for (const input of bad) expect(() => snapshotTimes(input)).toThrow(UsageError);
  });
});
