/**
 * `--sampling`: the live sampled heap read at intervals, appended to `sampling.ndjson`.
 *
 * Each read is one `HeapProfiler.getSamplingProfile`: the inspector starts the sampler with V8's
 * `kSamplingForceGC`, so V8 first runs a full GC (the figures then hold no garbage), then walks its
 * live samples (one per ~32 KiB allocated since sampling started, dropped when their object is
 * collected) and returns the call tree; the sampler keeps running. A read costs the target one major
 * GC (340-590 ms measured on a heap of 9 M small objects), never the minutes a snapshot of that heap
 * takes; `--sampling-every` says how often. A stack's frames are written the first time the stack
 * appears, then only its id with its live bytes and objects, so the file grows with the number of
 * readings, not with the stacks' text.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import type { InspectorClient } from './inspector-client.js';
import { samplingLine } from '../analyzers/sampling-growth.js';
import type { SamplingHeapProfile } from '../analyzers/allocation-sites.js';

export class SamplingRecorder {
  private readonly stackIds = new Map<string, number>();
  private fd: number | null;
  private reading: Promise<boolean> | null = null;
  /** Longest single read (ms): what the sampling cost the target at most, for the notes. */
  longestReadMs = 0;
  reads = 0;

  constructor(
    private readonly client: InspectorClient,
    file: string,
    private readonly intervalBytes: number,
  ) {
    this.fd = openSync(file, 'a', 0o600);
  }

  /** Reads the profile and appends a line; false when the target did not answer (gone, busy). */
  read(at: () => { t: number; requests: number | null; heapUsed: number }): Promise<boolean> {
    this.reading ??= (async () => {
      const started = performance.now();
      try {
        const { profile } = await this.client.send<{ profile: SamplingHeapProfile }>('HeapProfiler.getSamplingProfile', {}, { timeoutMs: 60_000 });
        this.longestReadMs = Math.max(this.longestReadMs, performance.now() - started);
        if (this.fd === null) return false;
        const line = samplingLine(profile, this.stackIds, at(), this.intervalBytes);
        writeSync(this.fd, `${JSON.stringify(line)}\n`);
        this.reads += 1;
        return true;
      } catch {
        return false;
      } finally {
        this.reading = null;
      }
    })();
    return this.reading;
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}
