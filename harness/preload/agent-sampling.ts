/**
 * The agent's `MEMPROBE_AGENT_MODE=sampling`: V8's sampling heap profiler driven through an
 * in-process inspector session (`node:inspector` Session: no port is opened, nothing listens),
 * read every `MEMPROBE_AGENT_SAMPLING_EVERY` into `sampling.ndjson` the way `--sampling` does over
 * the inspector, so `memprobe report <dir>` finds growth by allocation site without a snapshot.
 * v8-profiler-next cannot read the profile without stopping it (which forgets the live samples), so
 * it is not used in this mode. Each read is synchronous on the main thread and, as over the
 * inspector, begins with a full GC (`kSamplingForceGC`), then walks the live samples.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';
import { RUN_FILES } from '../../core/run-directory-layout.js';
import { writeAtomically } from '../../core/write-atomically.js';
import { samplingLine } from '../../analyzers/sampling-growth.js';
import type { SamplingHeapProfile } from '../../analyzers/allocation-sites.js';

function post<T>(session: Session, method: string, params: object = {}): T {
  let result: T | undefined;
  let error: Error | null = null;
  // The in-process session answers synchronously for the HeapProfiler domain.
  session.post(method, params, (err, value) => {
    error = err;
    result = value as T;
  });
  if (error) throw error;
  if (result === undefined) throw new Error(`${method} did not answer synchronously`);
  return result;
}

export class AgentSampler {
  private readonly session = new Session();
  private readonly stackIds = new Map<string, number>();
  private fd: number | null;
  reads = 0;

  constructor(
    private readonly dir: string,
    private readonly intervalBytes: number,
  ) {
    this.session.connect();
    post(this.session, 'HeapProfiler.enable');
    post(this.session, 'HeapProfiler.startSampling', { samplingInterval: intervalBytes });
    this.fd = openSync(join(dir, RUN_FILES.sampling), 'a', 0o600);
  }

  /** One reading appended to sampling.ndjson. */
  read(t: number): void {
    if (this.fd === null) return;
    const { profile } = post<{ profile: SamplingHeapProfile }>(this.session, 'HeapProfiler.getSamplingProfile');
    const line = samplingLine(profile, this.stackIds, { t, requests: null, heapUsed: process.memoryUsage().heapUsed }, this.intervalBytes);
    writeSync(this.fd, `${JSON.stringify(line)}\n`);
    this.reads += 1;
  }

  /** A last reading, the final profile as allocation.heapprofile, and the session closed. */
  stop(t: number): void {
    if (this.fd === null) return;
    try {
      this.read(t);
      const { profile } = post<{ profile: SamplingHeapProfile }>(this.session, 'HeapProfiler.stopSampling');
      writeAtomically(join(this.dir, RUN_FILES.allocationProfile), JSON.stringify(profile), { mode: 0o600 });
    } finally {
      closeSync(this.fd);
      this.fd = null;
      this.session.disconnect();
    }
  }
}
