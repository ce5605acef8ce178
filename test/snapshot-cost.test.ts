import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { calibrateSnapshotCost, FIRST_GUESS, predictSnapshotCost } from '../analyzers/snapshot-cost.js';
import { availableMemory, processMemoryLimit } from '../harness/memory-limit.js';
import { SnapshotBudget } from '../session/snapshot-budget.js';

describe('snapshot cost model', () => {
  it('guesses conservatively before the first snapshot (the 525 MB heap that took 77 s and 6.7 GB)', () => {
    const cost = predictSnapshotCost(FIRST_GUESS, 525e6);
    expect(cost.pauseS).toBeGreaterThan(77);
    expect(cost.rssRiseBytes).toBeGreaterThan(6.7e9 - 525e6);
    expect(cost.basis).toBe('first guess');
    // With the object count known, the larger of the two estimates.
    expect(predictSnapshotCost(FIRST_GUESS, 1.5e9, 27e6).pauseS).toBeGreaterThan(118);
  });

  it('is calibrated by each snapshot: the first replaces the guess, later ones keep the largest rate', () => {
    const once = calibrateSnapshotCost(FIRST_GUESS, { heapUsedBytes: 100e6, nodeCount: null, pauseMs: 2500, rssRiseBytes: 400e6 });
    const predicted = predictSnapshotCost(once, 100e6);
    expect(predicted.basis).toBe('measured on 1 snapshot');
    expect(predicted.pauseS).toBeCloseTo(0.5 + 1.25 * 2, 5);
    expect(predicted.rssRiseBytes).toBeCloseTo(1.25 * 400e6, -3);
    const twice = calibrateSnapshotCost(once, { heapUsedBytes: 100e6, nodeCount: null, pauseMs: 1500, rssRiseBytes: 100e6 });
    expect(predictSnapshotCost(twice, 100e6).pauseS).toBeCloseTo(predicted.pauseS, 5);
    expect(predictSnapshotCost(twice, 200e6).rssRiseBytes).toBeCloseTo(2 * predicted.rssRiseBytes, -3);
  });

  it('refuses a snapshot whose predicted RSS rise exceeds the memory available, and says what to do', () => {
    const budget = new SnapshotBudget(process.pid, () => ({ bytes: 2e9, source: 'cgroup memory.max − memory.current (/sys/fs/cgroup/app)' }));
    expect(budget.refusal(1, 50e6)).toBeNull(); // 750 MB predicted
    const refusal = budget.refusal(2, 300e6)!; // 4.5 GB predicted
    expect(refusal).toMatch(/^snapshot 2 refused: .*4\.5 GB \(first guess.* 2\.0 GB is available \(cgroup/);
    expect(refusal).toMatch(/--sampling/);
    budget.calibrate({ heapUsedBytes: 300e6, nodeCount: null, pauseMs: 3000, rssRiseBytes: 600e6 });
    expect(budget.refusal(3, 300e6)).toBeNull(); // measured: 750 MB
  });

  it('warns when the run’s snapshots are predicted to pause the process for more than 10 s', () => {
    const budget = new SnapshotBudget(process.pid);
    expect(budget.pauseWarning(5, 5e6)).toBeNull();
    expect(budget.pauseWarning(3, 525e6)).toMatch(/^3 heap snapshots of this 525 MB heap are predicted to pause the process for about .* --sampling/);
  });
});

describe('memory limit of a process', () => {
  const root = mkdtempSync(join(tmpdir(), 'memprobe-cgroup-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const MiB = 1024 * 1024;

  it('reads the tightest cgroup v2 memory.max from the process cgroup up, else physical memory', () => {
    const dir = join(root, 'v2', 'app.slice', 'web');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(root, 'v2', 'memory.max'), 'max\n');
    writeFileSync(join(root, 'v2', 'app.slice', 'memory.max'), `${512 * MiB}\n`);
    writeFileSync(join(root, 'v2', 'app.slice', 'memory.current'), `${100 * MiB}\n`);
    writeFileSync(join(dir, 'memory.max'), `${1024 * MiB}\n`);
    const options = { cgroupRoot: join(root, 'v2'), procCgroup: '0::/app.slice/web\n' };
    expect(processMemoryLimit('self', options)).toEqual({ bytes: 512 * MiB, source: `cgroup ${join(root, 'v2', 'app.slice', 'memory.max')}` });
    expect(availableMemory('self', options).bytes).toBe(412 * MiB);
    writeFileSync(join(root, 'v2', 'app.slice', 'memory.max'), 'max\n');
    writeFileSync(join(dir, 'memory.max'), 'max\n');
    expect(processMemoryLimit('self', options)).toEqual({ bytes: totalmem(), source: 'physical memory' });
    expect(availableMemory('self', options).source).toBe('MemAvailable');
  });

  it('reads cgroup v1 memory.limit_in_bytes, where "no limit" is a huge number', () => {
    const dir = join(root, 'v1', 'memory', 'docker', 'abc');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(root, 'v1', 'memory', 'memory.limit_in_bytes'), '9223372036854771712\n');
    writeFileSync(join(dir, 'memory.limit_in_bytes'), `${256 * MiB}\n`);
    writeFileSync(join(dir, 'memory.usage_in_bytes'), `${56 * MiB}\n`);
    const options = { cgroupRoot: join(root, 'v1'), procCgroup: '5:cpu:/\n4:memory:/docker/abc\n0::/\n' };
    expect(processMemoryLimit('self', options).bytes).toBe(256 * MiB);
    expect(availableMemory('self', options).bytes).toBe(200 * MiB);
    writeFileSync(join(dir, 'memory.limit_in_bytes'), '9223372036854771712\n');
    expect(processMemoryLimit('self', options).source).toBe('physical memory');
  });
});
