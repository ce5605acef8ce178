import { describe, expect, it } from 'vitest';
import { tmpdir } from 'node:os';
import { availableMemoryBytes, checkSnapshotRoom, freeDiskBytes, processRssBytes } from '../harness/resource-check.js';

const MB = 1e6;
const room = (over: { heap: number; spike?: number | null; memory: number; disk: number }) =>
  checkSnapshotRoom({
    heapUsedBytes: over.heap,
    measuredSpikeBytes: over.spike ?? null,
    dir: tmpdir(),
    availableMemoryBytes: over.memory,
    freeDiskBytes: over.disk,
  });

describe('checkSnapshotRoom', () => {
  it('allows a snapshot when memory and disk are plentiful', () => {
    expect(room({ heap: 100 * MB, memory: 8000 * MB, disk: 10_000 * MB })).toEqual({ ok: true, message: null });
  });

  it('refuses when memory is below twice the heap', () => {
    const check = room({ heap: 100 * MB, memory: 150 * MB, disk: 10_000 * MB });
    expect(check.ok).toBe(false);
    expect(check.message).toMatch(/snapshot skipped: 150 MB of memory available.*needs at least 200 MB/);
  });

  it('warns when the measured RSS spike may not fit', () => {
    const check = room({ heap: 100 * MB, spike: 1400 * MB, memory: 1000 * MB, disk: 10_000 * MB });
    expect(check.ok).toBe(true);
    expect(check.message).toMatch(/low memory: .*may need 1.6 GB \(RSS spike measured on the previous snapshot\)/);
  });

  it('assumes a large spike before the first snapshot', () => {
    expect(room({ heap: 100 * MB, memory: 500 * MB, disk: 10_000 * MB }).message).toMatch(/estimated/);
    expect(room({ heap: 100 * MB, spike: 50 * MB, memory: 500 * MB, disk: 10_000 * MB }).message).toBeNull();
  });

  it('refuses when the disk cannot hold the file, warns when it is tight', () => {
    expect(room({ heap: 100 * MB, memory: 8000 * MB, disk: 50 * MB })).toMatchObject({ ok: false, message: expect.stringMatching(/free on disk/) });
    expect(room({ heap: 100 * MB, memory: 8000 * MB, disk: 150 * MB })).toMatchObject({ ok: true, message: expect.stringMatching(/low disk/) });
  });
});

describe('machine readings', () => {
  it('reads available memory, free disk and a process RSS from outside it', () => {
    expect(availableMemoryBytes()).toBeGreaterThan(0);
    expect(freeDiskBytes(tmpdir())!).toBeGreaterThan(0);
    expect(freeDiskBytes('/no/such/dir')).toBeNull();
    const rss = processRssBytes(process.pid);
    if (process.platform === 'linux') expect(Math.abs(rss! - process.memoryUsage().rss)).toBeLessThan(50 * MB);
    expect(processRssBytes(2 ** 30)).toBeNull();
  });
});
