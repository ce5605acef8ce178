import { describe, expect, it } from 'vitest';
import { projectOutOfMemory } from '../analyzers/oom-projection.js';

const base = { lastTotalBytes: 100e6, heapLimitBytes: 4e9, runRps: 1000, projectRps: [100_000], horizonS: 86_400 };

describe('projectOutOfMemory', () => {
  it('projects from the last heap size at the run rate and at named rates', () => {
    const p = projectOutOfMemory({ ...base, growing: [{ owner: 'TrendSink', bytesPerRequest: 8, bytesPerSecond: 8000 }] });
    // (4e9 - 1e8) / (8 B × 1000/s) = 487,500 s: beyond a 24 h horizon.
    expect(p.secondsToLimit).toBeNull();
    // (4e9 - 1e8) / (8 × 100,000) = 4875 s = 1.4 h.
    expect(p.atOtherRates).toEqual([{ rps: 100_000, secondsToLimit: 4875 }]);
    expect(p.text).toContain('at 100,000/s TrendSink alone reaches the 4.0 GB heap limit in 1.4 h');
    expect(p.text).toContain('beyond the 24.0 h horizon');
    expect(p).toMatchObject({ heapLimitBytes: 4e9, atRps: 1000 });
  });

  it('adds the growth of several owners and names them together', () => {
    const p = projectOutOfMemory({
      ...base,
      growing: [
        { owner: 'A', bytesPerRequest: 300, bytesPerSecond: 300_000 },
        { owner: 'B', bytesPerRequest: 100, bytesPerSecond: 100_000 },
      ],
    });
    expect(p.secondsToLimit).toBeCloseTo(3.9e9 / 400_000);
    expect(p.text).toMatch(/A, B together reach/);
  });

  it('uses bytes per second when there are no request counts', () => {
    const p = projectOutOfMemory({ ...base, runRps: null, projectRps: [5000], growing: [{ owner: 'A', bytesPerRequest: null, bytesPerSecond: 1e6 }] });
    expect(p.secondsToLimit).toBeCloseTo(3900);
    expect(p.atOtherRates).toEqual([{ rps: 5000, secondsToLimit: null }]);
    expect(p.text).toMatch(/^at the observed rate A alone reaches/);
  });

  it('is null when nothing grows or no limit is known, and 0 when already over it', () => {
    expect(projectOutOfMemory({ ...base, growing: [] }).secondsToLimit).toBeNull();
    expect(projectOutOfMemory({ ...base, heapLimitBytes: null, growing: [{ owner: 'A', bytesPerRequest: 1, bytesPerSecond: 1000 }] }).secondsToLimit).toBeNull();
    expect(projectOutOfMemory({ ...base, lastTotalBytes: 5e9, growing: [{ owner: 'A', bytesPerRequest: 1, bytesPerSecond: 1000 }] }).secondsToLimit).toBe(0);
  });
});
