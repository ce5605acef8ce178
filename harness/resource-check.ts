/**
 * Is there room for a heap snapshot? Checked before each one, so memprobe refuses or warns instead
 * of pushing the target (or the machine) into the OOM killer.
 *
 * Memory: V8 builds the whole snapshot graph inside the target before writing it, which needs about
 * twice the heap, and the target's RSS rises by much more than that (measured here: 1.5 GB RSS for a
 * 100 MB heap). So the need is 2x heap plus the RSS spike measured on the previous snapshot of this
 * run, or a cautious guess before the first one. Available memory is the smaller of the machine's
 * available memory and the cgroup's headroom (containers). Disk: the file is about the size of the
 * heap, usually a little more.
 */
import { readFileSync, statfsSync } from 'node:fs';
import { freemem } from 'node:os';
import { formatBytes } from '../core/units.js';

export interface RoomCheck {
  /** False: do not take the snapshot; `message` says why. */
  ok: boolean;
  /** A refusal or a warning, for the console and the report's notes; null when all is well. */
  message: string | null;
}

export interface RoomInput {
  heapUsedBytes: number;
  /** RSS rise of the target during the previous snapshot; null before the first. */
  measuredSpikeBytes: number | null;
  /** Directory the snapshot file goes to. */
  dir: string;
  /** Overrides for tests and for machines where /proc is not the truth. */
  availableMemoryBytes?: number;
  freeDiskBytes?: number;
}

/** Before anything is measured: the RSS spike observed here was ~15x the heap; assume 5x and warn. */
const GUESSED_SPIKE_FACTOR = 5;

export function checkSnapshotRoom(input: RoomInput): RoomCheck {
  const heap = input.heapUsedBytes;
  const memory = input.availableMemoryBytes ?? availableMemoryBytes();
  const disk = input.freeDiskBytes ?? freeDiskBytes(input.dir);
  const spike = input.measuredSpikeBytes ?? heap * GUESSED_SPIKE_FACTOR;
  const needMemory = 2 * heap + spike;

  if (disk !== null && disk < heap) {
    return {
      ok: false,
      message: `snapshot skipped: ${formatBytes(disk)} free on disk for a ${formatBytes(heap)} heap (the file is about the heap's size); free space or use --out on another disk`,
    };
  }
  if (memory < 2 * heap) {
    return {
      ok: false,
      message: `snapshot skipped: ${formatBytes(memory)} of memory available, a snapshot of a ${formatBytes(heap)} heap needs at least ${formatBytes(2 * heap)} and would risk the OOM killer`,
    };
  }
  if (memory < needMemory) {
    const basis = input.measuredSpikeBytes === null ? 'estimated' : 'measured on the previous snapshot';
    return {
      ok: true,
      message: `low memory: ${formatBytes(memory)} available, a snapshot of this ${formatBytes(heap)} heap may need ${formatBytes(needMemory)} (RSS spike ${basis})`,
    };
  }
  if (disk !== null && disk < 2 * heap) {
    return { ok: true, message: `low disk: ${formatBytes(disk)} free, the snapshot needs about ${formatBytes(heap)}` };
  }
  return { ok: true, message: null };
}

/** Machine's available memory, bounded by the cgroup v2 limit when one is set. */
export function availableMemoryBytes(): number {
  let available = freemem(); // libuv reads MemAvailable on Linux
  try {
    const max = readFileSync('/sys/fs/cgroup/memory.max', 'utf8').trim();
    if (max !== 'max') {
      const current = Number(readFileSync('/sys/fs/cgroup/memory.current', 'utf8').trim());
      available = Math.min(available, Math.max(0, Number(max) - current));
    }
  } catch {
    // no cgroup v2 memory controller visible: the machine's figure is the bound
  }
  return available;
}

export function freeDiskBytes(dir: string): number | null {
  try {
    const stats = statfsSync(dir);
    return stats.bavail * stats.bsize;
  } catch {
    return null;
  }
}

/** A process's resident set, read from outside it (works while its main thread is stopped). */
export function processRssBytes(pid: number): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null; // not Linux, another pid namespace, or the process is gone
  }
}
