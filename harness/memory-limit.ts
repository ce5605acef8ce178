/**
 * How much memory a process may use, and how much is still available to it: the cgroup v2
 * `memory.max` of its cgroup (and of every ancestor: the tightest wins), else the machine's physical
 * memory; available is the limit minus the cgroup's `memory.current`, never more than the machine's
 * `MemAvailable`. These, not V8's heap limit, bound what lives outside the JS heap (Buffers, native
 * memory) and what a heap snapshot's RSS spike can take before the OOM killer steps in.
 */
import { readFileSync } from 'node:fs';
import { freemem, totalmem } from 'node:os';
import { join } from 'node:path';

export interface MemoryLimit {
  bytes: number;
  /** `cgroup memory.max (/sys/fs/cgroup/…)` or `physical memory`. */
  source: string;
}

export interface AvailableMemory {
  bytes: number;
  source: string;
}

const CGROUP_ROOT = '/sys/fs/cgroup';

function readNumber(file: string): number | null {
  try {
    const text = readFileSync(file, 'utf8').trim();
    if (text === 'max') return Infinity;
    const n = Number(text);
    return Number.isFinite(n) ? n : null;
  } catch {
    return null;
  }
}

/** The cgroup v2 directory of `pid` (`/proc/<pid>/cgroup` line `0::/path`), null when there is none. */
function cgroupDir(pid: number | 'self', root: string): string | null {
  try {
    const line = readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n').find((l) => l.startsWith('0::'));
    return line ? join(root, line.slice(3).trim()) : null;
  } catch {
    return null;
  }
}

interface CgroupLimit {
  max: number;
  current: number | null;
  dir: string;
}

/** The tightest `memory.max` from the process's cgroup up to the root. */
function tightestCgroupLimit(pid: number | 'self', root: string): CgroupLimit | null {
  let dir = cgroupDir(pid, root);
  let best: CgroupLimit | null = null;
  while (dir && dir.startsWith(root)) {
    const max = readNumber(join(dir, 'memory.max'));
    if (max !== null && Number.isFinite(max) && (!best || max < best.max)) {
      best = { max, current: readNumber(join(dir, 'memory.current')), dir };
    }
    if (dir === root) break;
    dir = join(dir, '..');
  }
  return best;
}

export interface MemoryLimitOptions {
  /** For tests: a directory laid out like /sys/fs/cgroup. */
  cgroupRoot?: string;
}

/** The memory the process may use at most. */
export function processMemoryLimit(pid: number | 'self' = 'self', options: MemoryLimitOptions = {}): MemoryLimit {
  const root = options.cgroupRoot ?? CGROUP_ROOT;
  const cgroup = tightestCgroupLimit(pid, root);
  const physical = totalmem();
  if (cgroup && cgroup.max < physical) return { bytes: cgroup.max, source: `cgroup memory.max (${join(cgroup.dir, 'memory.max')})` };
  return { bytes: physical, source: 'physical memory' };
}

/** The memory the process can still get: cgroup headroom, bounded by the machine's MemAvailable. */
export function availableMemory(pid: number | 'self' = 'self', options: MemoryLimitOptions = {}): AvailableMemory {
  const root = options.cgroupRoot ?? CGROUP_ROOT;
  const machine = freemem(); // libuv reads MemAvailable on Linux
  const cgroup = tightestCgroupLimit(pid, root);
  if (cgroup && cgroup.current !== null) {
    const headroom = Math.max(0, cgroup.max - cgroup.current);
    if (headroom < machine) return { bytes: headroom, source: `cgroup memory.max − memory.current (${cgroup.dir})` };
  }
  return { bytes: machine, source: 'MemAvailable' };
}
