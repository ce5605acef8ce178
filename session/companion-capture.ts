/**
 * Capture of the other isolates a service runs in, beside the target's main thread: worker threads
 * of the target (and of its child processes) and the child processes themselves (cluster workers,
 * PM2 forks, children). Each is a "companion" with its own CDP session and its own run directory,
 * `<run>/processes/<slug>/` (run.json, snapshots/, summaries/, timeline.ndjson, allocation profile),
 * so each is analysed on its own (heaps of different isolates never mix: their node ids are
 * unrelated) and `memprobe report` re-renders each like any run directory; the run's report then
 * lists them (`report.processes[]`) and carries their findings, each naming its process or thread.
 *
 * A companion's snapshots follow the target's schedule, one after the other right after the target's
 * own (each pauses only its own isolate). Requests: a process counts its own, inside it
 * (diagnostics_channel, or the run's --count-expression); a worker thread is credited with the
 * requests of the process it belongs to, since the work it does is that process's.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { SnapshotRecord } from '../core/report-schema.js';
import { PROCESSES_DIR, RUN_FILES, type RunRecord } from '../core/run-directory-layout.js';
import { round } from '../core/units.js';
import { writeAtomically } from '../core/write-atomically.js';
import type { CdpSession } from '../harness/cdp-session.js';
import { evaluateInTarget, InspectorClient } from '../harness/inspector-client.js';
import {
  checkpointAllocationProfile,
  enableHeapProfiler,
  SAMPLING_INTERVAL_BYTES,
  startAllocationSampling,
  stopAllocationSampling,
  takeHeapSnapshot,
} from '../harness/heap-capture.js';
import { MemorySampler } from '../harness/memory-sampler.js';
import { RequestCounter, describeCountSource, type RequestCountSource } from '../harness/request-counter.js';
import type { SummaryFigures } from '../harness/summarize-worker.js';
import { TimelineWriter } from '../harness/timeline-writer.js';
import { attachWorkerThreads, disableWorkerThreads, type WorkerThreadSession } from '../harness/worker-threads.js';
import type { ChildInspector } from '../harness/process-tree.js';
import { SnapshotSummaries } from './snapshot-summaries.js';


export interface CompanionIdentity {
  /** `pid 4243 (cluster worker 2)`, `worker thread 1 (indexer) of pid 4242`. */
  name: string;
  /** Directory name under processes/: `pid-4243`, `pid-4242-thread-1`. */
  slug: string;
  kind: 'process' | 'thread';
  pid: number;
  threadId?: number;
  /** For a thread: the name of the process it runs in (`main` for the target). */
  parent?: string;
  command: string;
}

export interface CompanionRunFacts {
  status: RunRecord['status'];
  durationS: number;
  nodeVersion?: string;
  memprobeVersion?: string;
  startedAt: string;
  horizonS: number;
  projectRps: number[];
  keepSnapshots: number;
  notes: string[];
}

export class CompanionCapture {
  private readonly records: SnapshotRecord[] = [];
  private readonly figures: (SummaryFigures | undefined)[] = [];
  /** Its own sequence of summaries: its cohorts are its own isolate's node ids. */
  private readonly summaries = new SnapshotSummaries();
  private readonly timeline: TimelineWriter;
  private heapLimitBytes: number | null = null;
  private pauseMsTotal = 0;
  private sampling = false;
  private samplingIntervalBytes = SAMPLING_INTERVAL_BYTES;
  private failed: string | null = null;
  readonly dir: string;

  private constructor(
    readonly identity: CompanionIdentity,
    private readonly session: CdpSession,
    runDir: string,
    private readonly sampler: MemorySampler,
    /** Its own request count (a process); null for a thread, which takes its process's. */
    readonly counter: RequestCounter | null,
    private readonly release: () => Promise<void>,
  ) {
    this.dir = join(runDir, PROCESSES_DIR, identity.slug);
    this.timeline = new TimelineWriter(join(this.dir, RUN_FILES.timeline));
  }

  /** Sets the companion up: heap profiler, memory probe, request counter (processes), sampling. */
  static async start(
    identity: CompanionIdentity,
    session: CdpSession,
    runDir: string,
    options: { countSource?: RequestCountSource | null; samplingIntervalBytes: number; release: () => Promise<void> },
  ): Promise<CompanionCapture> {
    const dir = join(runDir, PROCESSES_DIR, identity.slug);
    mkdirSync(join(dir, RUN_FILES.snapshots), { recursive: true, mode: 0o700 });
    mkdirSync(join(dir, RUN_FILES.summaries), { recursive: true });
    await enableHeapProfiler(session);
    const sampler = await MemorySampler.install(session);
    let counter: RequestCounter | null = null;
    if (identity.kind === 'process' && options.countSource !== null) {
      counter = await RequestCounter.install(session, options.countSource ?? undefined).catch(() => null);
    }
    const capture = new CompanionCapture(identity, session, runDir, sampler, counter, options.release);
    capture.heapLimitBytes = await evaluateInTarget<number>(
      session,
      `(globalThis.process.getBuiltinModule?.('v8') ?? require('v8')).getHeapStatistics().heap_size_limit`,
    ).catch(() => null);
    capture.samplingIntervalBytes = options.samplingIntervalBytes;
    capture.sampling = await startAllocationSampling(session, options.samplingIntervalBytes).then(() => true, () => false);
    return capture;
  }

  /** Its own request count now (a process), or null. */
  async readRequests(): Promise<number | null> {
    return this.counter ? this.counter.read(2000) : null;
  }

  /**
   * Snapshot `index` of this companion; `processRequests` is what a thread is credited with.
   * A failure is noted and ends this companion's capture, never the run.
   */
  async snapshot(index: number, t: number, processRequests: number | null, stallTimeoutMs: number): Promise<void> {
    if (this.failed || !this.session.isOpen) return;
    const name = String(index).padStart(3, '0');
    const relative = `${RUN_FILES.snapshots}/${name}.heapsnapshot`;
    try {
      // A reading that times out falls back on the last one: a snapshot never lacks its count.
      const requests = this.counter ? ((await this.counter.read(2000)) ?? this.counter.latest()) : processRequests;
      const reading = await this.sampler.read(2000);
      if (reading) this.timeline.append({ t, requests: requests ?? 0, dropped: 0, ...reading, snapshotting: false });
      const capture = await takeHeapSnapshot(this.session, join(this.dir, relative), { stallTimeoutMs });
      this.pauseMsTotal += capture.pauseMs;
      const record: SnapshotRecord = {
        t,
        requests,
        totalBytes: reading?.heapUsed ?? 0,
        file: relative,
        pauseMs: Math.round(capture.pauseMs),
        summary: `${RUN_FILES.summaries}/${name}.json`,
      };
      this.records.push(record);
      const i = this.records.length - 1;
      this.summaries.add(
        { snapshotFile: join(this.dir, relative), summaryFile: join(this.dir, record.summary!), source: `${this.identity.slug}/${name}.heapsnapshot`, t: record.t, requests: record.requests },
        (result) => {
          if (result instanceof Error) {
            record.summary = undefined;
            return;
          }
          this.figures[i] = result;
          record.totalBytes = result.totalBytes;
        },
      );
      if (this.sampling) await checkpointAllocationProfile(this.session, join(this.dir, RUN_FILES.allocationProfile)).catch(() => undefined);
    } catch (err) {
      this.failed = `${this.identity.name}: snapshot ${index} failed (${(err as Error).message}); its capture stopped there`;
    }
  }

  /** Why this companion's capture stopped early, if it did. */
  get failure(): string | null {
    return this.failed;
  }

  /** Stops sampling, removes the probes, waits for the summaries, writes run.json, lets go. */
  async finish(facts: CompanionRunFacts, processRequests: number | null): Promise<void> {
    const finalRequests = this.counter ? ((await this.counter.read(2000)) ?? this.counter.latest()) : processRequests;
    if (this.session.isOpen) {
      if (this.sampling) await stopAllocationSampling(this.session, join(this.dir, RUN_FILES.allocationProfile)).catch(() => undefined);
      await this.sampler.uninstall();
      await this.counter?.uninstall();
    }
    await this.summaries.drained();
    await this.summaries.close();
    this.timeline.close();
    this.prune(facts.keepSnapshots);
    await this.release().catch(() => undefined);
    const durationS = facts.durationS;
    const record: RunRecord = {
      schema: 'memprobe/run@1',
      status: this.failed ? 'partial' : facts.status,
      target: { kind: 'attach', command: this.identity.command, pid: this.identity.pid },
      load: {
        targetRps: null,
        achievedRps: finalRequests !== null && durationS > 0 ? round(finalRequests / durationS, 1) : null,
        requests: finalRequests,
        dropped: null,
        durationS,
        countedBy: this.counter
          ? describeCountSource(this.counter.source)
          : `the requests of ${this.identity.parent ?? 'its process'} (a worker thread does its process's work)`,
      },
      snapshots: this.records.filter((r) => r.summary !== undefined).map((r) => ({ ...r })),
      notes: [...(this.failed ? [`Partial: ${this.failed}.`] : []), ...facts.notes],
      meta: {
        nodeVersion: facts.nodeVersion,
        memprobeVersion: facts.memprobeVersion,
        startedAt: facts.startedAt,
        snapshotPauseMs: Math.round(this.pauseMsTotal),
        snapshotPauseShare: durationS > 0 ? round(this.pauseMsTotal / 1000 / durationS, 4) : 0,
        ...(this.sampling ? { samplingIntervalBytes: this.samplingIntervalBytes } : {}),
      },
      analysis: { heapLimitBytes: this.heapLimitBytes, horizonS: facts.horizonS, projectRps: facts.projectRps },
      companion: { kind: this.identity.kind, name: this.identity.name, threadId: this.identity.threadId, parent: this.identity.parent },
    };
    writeAtomically(join(this.dir, RUN_FILES.run), `${JSON.stringify(record, null, 2)}\n`);
  }

  private prune(keep: number): void {
    const withFiles = this.records.filter((r) => r.file !== null);
    const kept = new Set<SnapshotRecord>();
    if (keep >= 2 && withFiles.length > 0) kept.add(withFiles[0]);
    for (const r of withFiles.slice(Math.max(0, withFiles.length - (keep >= 2 ? keep - 1 : keep)))) if (keep > 0) kept.add(r);
    for (const r of withFiles) {
      if (kept.has(r) || r.summary === undefined) continue;
      rmSync(join(this.dir, r.file!), { force: true });
      r.file = null;
    }
  }
}

/** Companions for the worker threads behind one session (the target's, or a child process's). */
export async function startThreadCompanions(
  session: CdpSession,
  runDir: string,
  owner: { pid: number; name: string; slug: string },
  samplingIntervalBytes: number,
): Promise<{ companions: CompanionCapture[]; skipped: string[] }> {
  const threads: WorkerThreadSession[] = await attachWorkerThreads(session);
  const companions: CompanionCapture[] = [];
  const skipped: string[] = [];
  for (const thread of threads) {
    const title = thread.info.title.replace(/^\[worker \d+\]\s*/, '');
    const identity: CompanionIdentity = {
      name: `worker thread ${thread.threadId}${title ? ` (${title})` : ''} of ${owner.name}`,
      slug: `${owner.slug}-thread-${thread.threadId}`,
      kind: 'thread',
      pid: owner.pid,
      threadId: thread.threadId,
      parent: owner.name,
      command: `worker thread ${thread.threadId}${title ? ` (${title})` : ''}${thread.info.url ? ` ${thread.info.url}` : ''} in pid ${owner.pid}`,
    };
    try {
      companions.push(await CompanionCapture.start(identity, thread, runDir, { countSource: null, samplingIntervalBytes, release: () => thread.close() }));
    } catch (err) {
      skipped.push(`${identity.name}: ${(err as Error).message}`);
      await thread.close();
    }
  }
  if (threads.length === 0) await disableWorkerThreads(session);
  return { companions, skipped };
}

/** A companion for a child process (and companions for its worker threads). */
export async function startProcessCompanions(
  child: ChildInspector,
  runDir: string,
  countSource: RequestCountSource | null | undefined,
  withThreads: boolean,
  samplingIntervalBytes: number,
): Promise<{ companions: CompanionCapture[]; skipped: string[] }> {
  const p = child.process;
  const identity: CompanionIdentity = { name: p.name, slug: `pid-${p.pid}`, kind: 'process', pid: p.pid, command: `${p.role}: ${p.command}` };
  let client: InspectorClient;
  try {
    client = await InspectorClient.connect(child.url);
  } catch (err) {
    await child.close();
    return { companions: [], skipped: [`${p.name}: ${(err as Error).message}`] };
  }
  const release = async () => {
    await client.close();
    await child.close();
  };
  const threads = withThreads ? await startThreadCompanions(client, runDir, { pid: p.pid, name: p.name, slug: identity.slug }, samplingIntervalBytes) : { companions: [], skipped: [] };
  try {
    const own = await CompanionCapture.start(identity, client, runDir, {
      countSource,
      samplingIntervalBytes,
      // The process's session carries its threads' sessions: the session finishes threads first.
      release,
    });
    return { companions: [own, ...threads.companions], skipped: threads.skipped };
  } catch (err) {
    await release();
    return { companions: [], skipped: [`${p.name}: ${(err as Error).message}`, ...threads.skipped] };
  }
}
