/**
 * How much memory a process may use, and how much is still available to it: the cgroup `memory.max`
 * (v2; `memory.limit_in_bytes` on v1) of its cgroup (and of every ancestor: the tightest wins), else the machine's physical
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

/** Limits at or above this are "no limit" (cgroup v1 writes 2^63 rounded down to a page). */
const UNLIMITED = 2 ** 62;

interface CgroupFiles {
  /** The cgroup directory, and the hierarchy's root (the walk up stops there). */
  dir: string;
  top: string;
  max: string;
  current: string;
}

/**
 * The memory cgroup of `pid`, from `/proc/<pid>/cgroup`: v2 (`0::/path`, files memory.max and
 * memory.current) when its memory controller is there, else v1 (`N:memory:/path` under
 * `<root>/memory`, files memory.limit_in_bytes and memory.usage_in_bytes).
 */
function cgroupFiles(pid: number | 'self', root: string, procCgroup?: string): CgroupFiles | null {
  let text: string;
  try {
    text = procCgroup ?? readFileSync(`/proc/${pid}/cgroup`, 'utf8');
  } catch {
    return null;
  }
  const lines = text.split('\n');
  const v1 = lines.map((l) => /^\d+:([^:]*):(.*)$/.exec(l)).find((m) => m && m[1].split(',').includes('memory'));
  if (v1) {
    const top = join(root, 'memory');
    return { dir: join(top, v1[2].trim()), top, max: 'memory.limit_in_bytes', current: 'memory.usage_in_bytes' };
  }
  const v2 = lines.find((l) => l.startsWith('0::'));
  return v2 ? { dir: join(root, v2.slice(3).trim()), top: root, max: 'memory.max', current: 'memory.current' } : null;
}

interface CgroupLimit {
  max: number;
  current: number | null;
  dir: string;
}

/** The tightest limit from the process's cgroup up to the hierarchy's root. */
function tightestCgroupLimit(pid: number | 'self', root: string, procCgroup?: string): CgroupLimit | null {
  const files = cgroupFiles(pid, root, procCgroup);
  if (!files) return null;
  let dir = files.dir;
  let best: CgroupLimit | null = null;
  for (;;) {
    const max = readNumber(join(dir, files.max));
    if (max !== null && max < UNLIMITED && (!best || max < best.max)) {
      best = { max, current: readNumber(join(dir, files.current)), dir: join(dir, files.max) };
    }
    if (dir === files.top || !dir.startsWith(files.top)) break;
    dir = join(dir, '..');
  }
  return best;
}

export interface MemoryLimitOptions {
  /** For tests: a directory laid out like /sys/fs/cgroup. */
  cgroupRoot?: string;
  /** For tests: the text of /proc/<pid>/cgroup. */
  procCgroup?: string;
}

/** The memory the process may use at most. */
export function processMemoryLimit(pid: number | 'self' = 'self', options: MemoryLimitOptions = {}): MemoryLimit {
  const root = options.cgroupRoot ?? CGROUP_ROOT;
  const cgroup = tightestCgroupLimit(pid, root, options.procCgroup);
  const physical = totalmem();
  if (cgroup && cgroup.max < physical) return { bytes: cgroup.max, source: `cgroup ${cgroup.dir}` };
  return { bytes: physical, source: 'physical memory' };
}

/** The memory the process can still get: cgroup headroom, bounded by the machine's MemAvailable. */
export function availableMemory(pid: number | 'self' = 'self', options: MemoryLimitOptions = {}): AvailableMemory {
  const root = options.cgroupRoot ?? CGROUP_ROOT;
  const machine = freemem(); // libuv reads MemAvailable on Linux
  const cgroup = tightestCgroupLimit(pid, root, options.procCgroup);
  if (cgroup && cgroup.current !== null) {
    const headroom = Math.max(0, cgroup.max - cgroup.current);
    if (headroom < machine) return { bytes: headroom, source: `cgroup ${cgroup.dir} minus its usage` };
  }
  return { bytes: machine, source: 'MemAvailable' };
}
