/**
 * One capture session against one target: the state machine shared by `memprobe run` and
 * `memprobe attach`, from the inspector connection to the last file written.
 *
 * Order matters and is the point of this file: the inspector, the memory sampler and the allocation
 * sampler are in place before the first arrival; snapshots follow the schedule once warm-up is over,
 * each summarized in a worker while the run goes on; at the end (or on Ctrl-C, or when the target
 * dies) the load stops and everything captured is written (`run.json`, timeline, summaries,
 * allocation profile). Every file is written as soon as its content exists, so whatever ends the
 * run, what was captured stays on disk. Turning the directory into a report is the pipeline's.
 */
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { SnapshotRecord } from '../core/report-schema.js';
import { RUN_FILES, type RunRecord } from '../core/run-directory-layout.js';
import { round } from '../core/units.js';
import { UsageError } from '../core/usage-error.js';
import { evaluateInTarget, InspectorClient } from '../harness/inspector-client.js';
import {
  checkpointAllocationProfile,
  enableHeapProfiler,
  SnapshotAbandonedError,
  SnapshotStalledError,
  SAMPLING_INTERVAL_BYTES,
  startAllocationSampling,
  stopAllocationSampling,
  takeHeapSnapshot,
} from '../harness/heap-capture.js';
import { MemorySampler, type MemoryReading } from '../harness/memory-sampler.js';
import { describeCountSource, RequestCounter } from '../harness/request-counter.js';
import { busiest, nodeDescendants, openChildInspectors } from '../harness/process-tree.js';
import { CompanionCapture, startProcessCompanions, startThreadCompanions } from './companion-capture.js';
import { memprobeVersion } from '../core/memprobe-version.js';
import { SteadyTicker, TimelineWriter } from '../harness/timeline-writer.js';
import type { SummaryFigures } from '../harness/summarize-worker.js';
import { checkSnapshotRoom, processRssBytes } from '../harness/resource-check.js';
import { ProgressLine } from '../harness/progress.js';
import type { LoadCounters, LoadDriver, TargetExit, TargetProcess } from '../harness/target-process.js';
import { setLongTimeout, type LongTimer } from '../harness/deadline-timer.js';
import { DEFAULT_SAMPLING_EVERY_S, type SessionOptions } from './session-options.js';
import { SnapshotBudget } from './snapshot-budget.js';
import { processMemoryLimit } from '../harness/memory-limit.js';
import { collectScriptSourceMaps } from '../harness/script-source-maps.js';
import { writeAtomically } from '../core/write-atomically.js';
import { SamplingRecorder } from '../harness/sampling-capture.js';
import { describeExit, describeSignal, exitCodeForSignal, partialRunNote, STOP_SIGNALS, type StopReason, type StopSignal } from './stop-reason.js';
import { captureNotes } from './capture-notes.js';
import { snapshotsToPrune } from './snapshot-pruning.js';
import { SnapshotSummaries } from './snapshot-summaries.js';
import { AchievedRate, timelineSample } from './timeline-sampling.js';
import { runRecord, writeRunRecord } from './run-record.js';
import { lastErrorLine } from './target-log.js';
import { TARGET_LOG } from './run-directory.js';

/** What a finished capture hands on: the run directory, and what ended the run early (null: nothing). */
export interface CaptureResult {
  dir: string;
  stopReason: StopReason | null;
}

export class CaptureSession {
  private readonly dir: string;
  private readonly progress = new ProgressLine();
  private readonly summaries = new SnapshotSummaries();
  private readonly records: SnapshotRecord[] = [];
  /** Figures of each summarized snapshot, by record index (undefined: not summarized or failed). */
  private readonly figures: (SummaryFigures | undefined)[] = [];
  private readonly notes: string[] = [];
  private inspector: InspectorClient | null = null;
  private sampler: MemorySampler | null = null;
  /** Requests counted inside the target: the count when memprobe does not drive the load. */
  private counter: RequestCounter | null = null;
  /** Child processes and worker threads captured beside the target's main thread. */
  private companions: CompanionCapture[] = [];
  private timeline: TimelineWriter | null = null;
  private ticker: SteadyTicker | null = null;
  private startedAtMs = 0;
  private loadStoppedAtS: number | null = null;
  private loadStopping: Promise<void> | null = null;
  private loadStopTimer: LongTimer | undefined;
  private snapshotsAfterLoad = 0;
  private snapshotting = false;
  private snapshotFileInProgress: string | null = null;
  private pauseMsTotal = 0;
  private lastSpikeBytes: number | null = null;
  private readonly budget: SnapshotBudget;
  /** The target's memory limit (cgroup memory.max, else physical memory), for growth outside the heap. */
  private readonly memoryLimit: { bytes: number; source: string } | null;
  /** Bytes allocated per sample of V8's sampling heap profiler (`--sampling-interval`). */
  private readonly samplingIntervalBytes: number;
  private recorder: SamplingRecorder | null = null;
  private sourceMaps: Record<string, string> = {};
  private closingTarget = false;
  private targetGone = false;
  private interrupts = 0;
  private stopReason: StopReason | null = null;
  private wakeStop: () => void = () => {};
  private readonly stopped = new Promise<void>((r) => (this.wakeStop = r));
  private readonly abandonSnapshot = new AbortController();
  private readonly achievedRate = new AchievedRate();
  private nodeVersion: string | undefined;
  private heapLimitBytes: number | null;
  private readonly startedAtIso = new Date().toISOString();

  constructor(
    private readonly target: TargetProcess,
    private readonly load: LoadDriver | null,
    private readonly options: SessionOptions,
    private readonly times: number[],
  ) {
    this.dir = resolve(options.outDir);
    this.heapLimitBytes = options.heapLimitBytes;
    this.budget = new SnapshotBudget(target.pid);
    this.memoryLimit = processMemoryLimit(target.pid);
    this.samplingIntervalBytes = options.samplingIntervalBytes ?? SAMPLING_INTERVAL_BYTES;
  }

  async run(): Promise<CaptureResult> {
    const handlers = STOP_SIGNALS.map((signal) => [signal, () => this.interrupt(signal)] as const);
    for (const [signal, handler] of handlers) process.on(signal, handler);
    void this.target.exited.then((exit) => this.onTargetExit(exit));
    let failure: unknown = null;
    try {
      await this.connect();
      this.startLoad();
      try {
        await this.captureOnSchedule();
      } catch (err) {
        // A fault of memprobe's own mid-run: still stop the load and keep what was captured.
        failure = err;
        this.stopReason ??= { kind: 'failure', atS: this.elapsedS(), message: (err as Error).message };
      }
      await this.finish();
    } finally {
      for (const [signal, handler] of handlers) process.off(signal, handler);
      this.ticker?.stop();
      this.timeline?.close();
      this.progress.clear();
      await this.summaries.close();
    }
    if (failure) throw failure;
    return { dir: this.dir, stopReason: this.stopReason };
  }

  private elapsedS(): number {
    return this.startedAtMs === 0 ? 0 : (performance.now() - this.startedAtMs) / 1000;
  }

  // --- setup ---

  private async connect(): Promise<void> {
    try {
      this.inspector = await InspectorClient.connect(this.target.inspectorUrl);
    } catch (err) {
      throw new UsageError(`cannot reach the target's inspector: ${(err as Error).message}`);
    }
    const facts = await evaluateInTarget<{ node: string; heapLimit: number }>(
      this.inspector,
      `({ node: process.version, heapLimit: (globalThis.process.getBuiltinModule?.('v8') ?? require('v8')).getHeapStatistics().heap_size_limit })`,
    );
    this.nodeVersion = facts.node;
    // A target that ends while we are attached does not exit: Node keeps it alive "waiting for the
    // debugger to disconnect". Ask to be told, and let go so that it can exit (and we see its code).
    this.inspector.on('NodeRuntime.waitingForDisconnect', () => this.onTargetEnding());
    await this.inspector.send('NodeRuntime.notifyWhenWaitingForDisconnect', { enabled: true });
    this.heapLimitBytes ??= facts.heapLimit;
    await enableHeapProfiler(this.inspector);
    this.sampler = await MemorySampler.install(this.inspector);
    // Before sampling starts: what enabling the Debugger domain allocates (every script's line
    // table, kept by V8 for good) must not count as the target's live allocations. It is the
    // snapshot preparation too, done once here for the scripts loaded so far, and says which
    // scripts have source maps.
    this.sourceMaps = await collectScriptSourceMaps(this.inspector).catch(() => ({}));
    await this.installRequestCounter();
    await startAllocationSampling(this.inspector, this.samplingIntervalBytes);
    if (this.options.sampling) {
      this.recorder = new SamplingRecorder(this.inspector, join(this.dir, RUN_FILES.sampling), this.samplingIntervalBytes);
    } else if (this.target.kind === 'attach') {
      // A process someone else runs is told before its first snapshot when they would stop it long.
      const warning = this.budget.pauseWarning(this.times.length, this.sampler.latest()?.heapUsed ?? 0);
      if (warning) this.warn(warning);
    }
    await this.startCompanions();
  }

  /** Child processes (each with its worker threads) and the target's worker threads. */
  private async startCompanions(): Promise<void> {
    const skipped: string[] = [];
    const threads = this.options.threads ?? true;
    let children = this.options.childInspectors ?? null;
    const selection = this.options.processes ?? 'all';
    if (children === null && this.target.kind !== 'script' && selection !== 'none') {
      let found = nodeDescendants(this.target.pid);
      if (typeof selection === 'number') found = await busiest(found, selection);
      const opened = await openChildInspectors(found, { open: false });
      children = opened.inspectors;
      skipped.push(...opened.skipped);
    }
    for (const child of children ?? []) {
      const started = await startProcessCompanions(child, this.dir, this.options.countSource, threads, this.samplingIntervalBytes);
      this.companions.push(...started.companions);
      skipped.push(...started.skipped);
    }
    if (threads && this.target.kind !== 'script') {
      const own = await startThreadCompanions(this.inspector!, this.dir, { pid: this.target.pid, name: `pid ${this.target.pid} (the target)`, slug: `pid-${this.target.pid}` }, this.samplingIntervalBytes);
      this.companions.push(...own.companions);
      skipped.push(...own.skipped);
    }
    for (const s of skipped) this.warn(`not captured: ${s}`);
    if (this.companions.length > 0) {
      this.progress.message(`memprobe: also capturing ${this.companions.map((c) => c.identity.name).join(', ')}`);
    }
  }

  /** The requests a companion thread is credited with: those of the process it runs in. */
  private processRequestsFor(companion: CompanionCapture): number | null {
    if (companion.identity.kind === 'process') return null;
    const owner = this.companions.find((c) => c.identity.kind === 'process' && c.identity.pid === companion.identity.pid);
    return owner ? (owner.counter?.latest() ?? null) : this.requestsSoFar();
  }

  private async snapshotCompanions(index: number, t: number): Promise<void> {
    const stall = (this.options.snapshotStallTimeoutS ?? 120) * 1000;
    // Processes first: their request counts are read there, and their threads are credited with them.
    for (const kind of ['process', 'thread'] as const) {
      for (const c of this.companions.filter((c) => c.identity.kind === kind)) {
        await c.snapshot(index, round(t, 3), this.processRequestsFor(c), stall);
        if (c.failure) this.warn(c.failure);
      }
    }
  }

  private async finishCompanions(status: RunRecord['status']): Promise<void> {
    const facts = {
      status,
      durationS: round(this.loadStoppedAtS ?? this.elapsedS(), 3),
      nodeVersion: this.nodeVersion,
      memprobeVersion: memprobeVersion(),
      startedAt: this.startedAtIso,
      horizonS: this.options.horizonS,
      projectRps: this.options.projectRps,
      keepSnapshots: this.options.keepSnapshots,
      notes: [`Captured beside ${this.target.command} (pid ${this.target.pid}), on its snapshot schedule.`],
    };
    // Threads before processes: a child process's session carries its threads' sessions.
    for (const kind of ['thread', 'process'] as const) {
      for (const c of this.companions.filter((c) => c.identity.kind === kind)) await c.finish(facts, this.processRequestsFor(c));
    }
  }

  private async installRequestCounter(): Promise<void> {
    const source = this.options.countSource;
    if (source === null || (source === undefined && this.target.kind === 'script')) return;
    if (source) {
      this.counter = await RequestCounter.install(this.inspector!, source); // a bad expression: exit 2
      return;
    }
    try {
      this.counter = await RequestCounter.install(this.inspector!);
    } catch (err) {
      this.warn(`requests cannot be counted in the target (${(err as Error).message})`);
    }
  }

  /** Requests so far: memprobe's driver when it drives the load, else the count inside the target. */
  private requestsSoFar(): number | null {
    if (this.load) return this.load.counters().requests;
    return this.counter?.latest() ?? null;
  }

  private startLoad(): void {
    this.timeline = new TimelineWriter(join(this.dir, RUN_FILES.timeline));
    this.startedAtMs = performance.now();
    this.load?.start();
    // The load ends at --duration sharp, even when a snapshot is still being written then.
    this.loadStopTimer = setLongTimeout(() => void this.stopLoad(), this.options.durationS * 1000);
    this.ticker = new SteadyTicker(this.startedAtMs, 1000, () => void this.sampleSecond()).start();
    this.writeRunRecord('partial'); // from the first second on, the directory says what it is
  }

  // --- the run ---

  private async captureOnSchedule(): Promise<void> {
    if (this.recorder) return this.sampleOnSchedule();
    for (let i = 0; i < this.times.length; i++) {
      if (!(await this.waitUntil(this.times[i]))) return;
      // Slow snapshots can push later ones past the end of the load. They are still taken: the heap
      // after the last request is a valid point on the growth-per-request line, and the last
      // snapshot is the one a user most needs.
      if (this.loadStoppedAtS !== null) this.snapshotsAfterLoad += 1;
      await this.takeSnapshot(i + 1);
    }
    await this.waitUntil(this.options.durationS);
  }

  /** Sampling mode: a reading of the profile when warm-up ends, then every --sampling-every, and at the end. */
  private async sampleOnSchedule(): Promise<void> {
    const every = this.options.samplingEveryS ?? DEFAULT_SAMPLING_EVERY_S;
    for (let t = this.options.warmupS; t < this.options.durationS - 1e-9; t += every) {
      if (!(await this.waitUntil(t))) return;
      await this.readSamplingProfile();
    }
    await this.waitUntil(this.options.durationS);
  }

  private readSamplingProfile(): Promise<boolean> {
    return this.recorder!.read(() => ({
      t: round(this.elapsedS(), 3),
      requests: this.load ? this.load.counters().requests : null,
      heapUsed: this.sampler!.latest()?.heapUsed ?? 0,
    }));
  }

  /** Resolves true at `t` seconds into the run, false as soon as the run is stopped. */
  private async waitUntil(t: number): Promise<boolean> {
    if (this.stopReason) return false;
    const ms = this.startedAtMs + t * 1000 - performance.now();
    if (ms > 0) {
      let timer: LongTimer | undefined;
      await Promise.race([new Promise<void>((r) => (timer = setLongTimeout(r, ms))), this.stopped]);
      timer?.clear();
    }
    return this.stopReason === null;
  }

  private async takeSnapshot(index: number): Promise<void> {
    const inspector = this.inspector!;
    const name = String(index).padStart(3, '0');
    const relative = `${RUN_FILES.snapshots}/${name}.heapsnapshot`;
    const file = join(this.dir, relative);
    const heapUsed = this.sampler!.latest()?.heapUsed ?? 0;
    const room = checkSnapshotRoom({ heapUsedBytes: heapUsed, measuredSpikeBytes: this.lastSpikeBytes, dir: join(this.dir, RUN_FILES.snapshots) });
    if (room.message) this.warn(`snapshot ${index}: ${room.message}`);
    if (!room.ok) return;
    const nodeCount = [...this.figures].reverse().find((f) => f !== undefined)?.nodeCount ?? null;
    const refusal = this.budget.refusal(index, heapUsed, nodeCount);
    if (refusal) {
      this.warn(refusal);
      return;
    }

    if (!this.load && this.counter) await this.counter.read(2000);
    const t = this.elapsedS();
    const requests = this.requestsSoFar();
    const rssBefore = processRssBytes(this.target.pid);
    let rssPeak = rssBefore ?? 0;
    const rssWatch = setInterval(() => (rssPeak = Math.max(rssPeak, processRssBytes(this.target.pid) ?? 0)), 100);
    this.snapshotting = true;
    this.snapshotFileInProgress = file;
    try {
      const capture = await takeHeapSnapshot(inspector, file, {
        signal: this.abandonSnapshot.signal,
        stallTimeoutMs: (this.options.snapshotStallTimeoutS ?? 120) * 1000,
      });
      this.pauseMsTotal += capture.pauseMs;
      if (rssBefore !== null) this.lastSpikeBytes = Math.max(0, rssPeak - rssBefore);
      // The node count comes with the summary, later: the pause calibrates per byte of heap.
      this.budget.calibrate({ heapUsedBytes: heapUsed, nodeCount: null, pauseMs: capture.pauseMs, rssRiseBytes: rssBefore !== null ? this.lastSpikeBytes : null });
      const record: SnapshotRecord = {
        t: round(t, 3),
        requests,
        // Until the summary says how much is reachable, the heap in use is the best figure.
        totalBytes: heapUsed,
        file: relative,
        pauseMs: Math.round(capture.pauseMs),
        summary: `${RUN_FILES.summaries}/${name}.json`,
      };
      this.records.push(record);
      this.queueSummary(this.records.length - 1);
      await checkpointAllocationProfile(inspector, join(this.dir, RUN_FILES.allocationProfile)).catch(() => undefined);
      this.writeRunRecord('partial');
      this.snapshotting = false;
      await this.snapshotCompanions(index, t);
    } catch (err) {
      if (this.targetGone) return; // the exit is reported; the half-written file is already gone
      if (err instanceof SnapshotStalledError) {
        // A target that stops answering mid-snapshot will not answer anything else either: end the
        // run here rather than wait on it for every later step.
        this.targetGone = true;
        this.stopReason ??= { kind: 'target-hung', atS: t, message: `snapshot ${index}: ${err.message}` };
        this.progress.message(`memprobe: snapshot ${index}: ${err.message}; writing a partial report`);
        this.wakeStop();
      } else if (err instanceof SnapshotAbandonedError) {
        this.notes.push(`Snapshot ${index} was abandoned when the run was interrupted.`);
      } else {
        this.warn(`snapshot ${index} failed: ${(err as Error).message}`);
      }
    } finally {
      clearInterval(rssWatch);
      this.snapshotting = false;
      this.snapshotFileInProgress = null;
    }
  }

  private queueSummary(i: number): void {
    const record = this.records[i];
    const job = {
      snapshotFile: join(this.dir, record.file!),
      summaryFile: join(this.dir, record.summary!),
      source: record.file!.split('/').pop()!,
      t: record.t,
      requests: record.requests,
    };
    this.summaries.add(job, (result) => {
      try {
        if (result instanceof Error) throw result;
        this.figures[i] = result;
        record.totalBytes = result.totalBytes;
        this.pruneSnapshots();
      } catch (err) {
        record.summary = undefined;
        this.warn(`could not summarize ${record.file} (kept on disk for \`memprobe analyze\`): ${(err as Error).message}`);
      }
      this.writeRunRecord('partial');
    });
  }

  /** Keeps at most --keep-snapshots raw files (`snapshot-pruning.ts` says which). */
  private pruneSnapshots(): void {
    for (const i of snapshotsToPrune(this.records, (k) => this.figures[k] !== undefined, this.options.keepSnapshots)) {
      rmSync(join(this.dir, this.records[i].file!), { force: true });
      this.records[i].file = null;
    }
  }

  /** One timeline line; never waits on a target that is stopped in a snapshot for more than 300 ms. */
  private async sampleSecond(): Promise<void> {
    const t = this.elapsedS();
    const counters = this.load?.counters() ?? null;
    const [fresh] = this.targetGone ? [null] : await Promise.all([this.sampler!.read(300), this.counter?.read(300)]);
    const reading: MemoryReading | null = fresh ?? this.sampler!.latest();
    if (!reading || !this.timeline) return;
    // A stopped target cannot report its RSS, but /proc can: that is where the snapshot spike shows.
    const rss = fresh ? reading.rss : (processRssBytes(this.target.pid) ?? reading.rss);
    this.timeline.append(timelineSample({ t, counters, reading, fresh: fresh !== null, rss, snapshotting: this.snapshotting, countedInTarget: this.counter?.latest() }));
    this.updateProgress(t, counters, reading.heapUsed);
  }

  private updateProgress(t: number, counters: LoadCounters | null, heapUsed: number): void {
    this.progress.update({
      elapsedS: Math.min(t, this.options.durationS),
      durationS: this.options.durationS,
      achievedRps: counters ? this.achievedRate.add(t, counters.requests) : null,
      targetRps: this.load?.targetRps ?? null,
      dropped: counters?.dropped ?? 0,
      heapUsed,
      snapshotsTaken: this.records.length,
      snapshotsPlanned: this.times.length,
      snapshotting: this.snapshotting,
    });
  }

  // --- stopping ---

  private interrupt(signal: StopSignal): void {
    this.interrupts += 1;
    if (this.interrupts > 1) {
      // Second Ctrl-C: leave now. Remove the half-written snapshot and the processes we started.
      if (this.snapshotFileInProgress) rmSync(this.snapshotFileInProgress, { force: true });
      if (this.target.kind !== 'attach') killQuietly(this.target.pid);
      // run.json last said what the run looked like at its last snapshot; bring the load figures up
      // to now so that `memprobe report` later tells what happened, not "0 requests in 0 s".
      try {
        if (this.startedAtMs !== 0) {
          this.notes.unshift(`Partial: ${describeSignal(signal).replace(/\)$/, ' twice)')} at ${this.elapsedS().toFixed(1)} s of ${this.options.durationS} s; memprobe exited at once.`);
          this.writeRunRecord('partial');
        }
      } catch {
        // leaving now matters more than the record
      }
      process.stderr.write(
        `\nmemprobe: ${signal === 'SIGTERM' ? 'terminated' : 'interrupted'} twice, exiting now; what was captured is in ${this.dir} (\`memprobe report ${this.dir}\` builds the report)\n`,
      );
      process.exit(exitCodeForSignal(signal));
    }
    if (this.stopReason) return; // the target already died; the partial report is being written
    if (this.loadStoppedAtS !== null) {
      // The run itself is over; only summaries and the report remain, and they complete it.
      this.progress.message('memprobe: finishing the report (Ctrl-C again to exit at once)');
      return;
    }
    this.stopReason = { kind: 'interrupt', atS: this.elapsedS(), signal };
    this.progress.message(
      `memprobe: ${signal === 'SIGTERM' ? 'terminated' : 'interrupted'}, stopping the load${this.snapshotting ? ' and finishing the snapshot in progress' : ''}, then writing a partial report (Ctrl-C again to exit at once)`,
    );
    this.wakeStop();
  }

  private onTargetEnding(): void {
    this.targetGone = true;
    this.abandonSnapshot.abort();
    void this.inspector?.close();
  }

  private onTargetExit(exit: TargetExit): void {
    if (this.closingTarget) return;
    this.targetGone = true;
    this.abandonSnapshot.abort();
    // Ctrl-C reaches the whole process group, and the target may die of it a moment before our own
    // handler runs: give that handler a beat before calling the exit a crash.
    setTimeout(() => {
      if (this.stopReason?.kind === 'interrupt') {
        this.notes.push(`The target exited (${describeExit(exit)}) during the interrupt.`);
      } else if (!this.stopReason) {
        const said = lastErrorLine(join(this.dir, TARGET_LOG));
        this.stopReason = { kind: 'target-exit', atS: this.elapsedS(), exit, said };
        this.progress.message(
          `memprobe: the target exited (${describeExit(exit)}) at ${this.elapsedS().toFixed(1)} s${said ? `: ${said}` : ''}; writing a partial report`,
        );
      }
      this.wakeStop();
    }, 200);
  }

  /** Stops the load once (at --duration, or earlier when the run is stopped); records when. */
  private stopLoad(): Promise<void> {
    if (!this.loadStopping) {
      this.loadStoppedAtS = this.elapsedS();
      // A dead or hung target cannot acknowledge the stop: do not wait long for it.
      this.loadStopping = this.load ? withTimeout(this.load.stop(), this.targetGone ? 2000 : 15_000) : Promise.resolve();
    }
    return this.loadStopping;
  }

  private async finish(): Promise<void> {
    if (this.stopReason?.kind === 'target-hung' && this.target.kind !== 'attach') {
      // We started it and it no longer answers: nothing it could still do is worth waiting for.
      killQuietly(this.target.pid);
    }
    this.loadStopTimer?.clear();
    await this.stopLoad();
    await this.sampleSecond(); // the last line: the counters as the load ended
    this.ticker?.stop();
    if (this.recorder && !this.targetGone && this.inspector?.isOpen) await this.readSamplingProfile();
    this.recorder?.close();
    if (!this.targetGone && this.inspector?.isOpen) {
      await stopAllocationSampling(this.inspector!, join(this.dir, RUN_FILES.allocationProfile)).catch((err: Error) =>
        this.warn(`could not save the allocation profile: ${err.message}`),
      );
      // Source maps the target's scripts name (inline ones too), scripts loaded since the start
      // included, after sampling stopped: the report maps sites through them.
      const late = await collectScriptSourceMaps(this.inspector).catch(() => ({}));
      this.sourceMaps = { ...this.sourceMaps, ...late };
    }
    if (Object.keys(this.sourceMaps).length) {
      try {
        writeAtomically(join(this.dir, RUN_FILES.sourceMaps), `${JSON.stringify(this.sourceMaps)}\n`, { mode: 0o600 });
      } catch {
        // without it, sites keep their generated positions (or the scripts' own map comments)
      }
    }
    if (!this.targetGone && this.inspector?.isOpen) {
      await this.sampler!.uninstall();
      await this.counter?.uninstall();
    }
    if (this.records.some((_, i) => this.figures[i] === undefined)) {
      this.progress.message(`memprobe: summarizing ${this.records.length} snapshot(s)…`);
    }
    await this.summaries.drained();
    await this.finishCompanions(this.stopReason ? 'partial' : 'complete');
    await this.inspector?.close();
    this.closingTarget = true;
    await withTimeout(this.target.close(), 15_000);
    if (this.stopReason) this.notes.unshift(partialRunNote(this.stopReason, this.options.durationS));
    this.notes.push(
      ...captureNotes({
        durationS: this.options.durationS,
        runS: this.loadStoppedAtS ?? this.elapsedS(),
        snapshotsAfterLoad: this.snapshotsAfterLoad,
        taken: this.records,
        planned: this.times.length,
        pauseMsTotal: this.pauseMsTotal,
        sampling: this.recorder ? { reads: this.recorder.reads, everyS: this.options.samplingEveryS ?? DEFAULT_SAMPLING_EVERY_S, longestReadMs: this.recorder.longestReadMs } : null,
      }),
    );
    this.writeRunRecord(this.stopReason ? 'partial' : 'complete');
  }

  private writeRunRecord(status: RunRecord['status']): void {
    writeRunRecord(
      this.dir,
      runRecord({
        status,
        target: this.target,
        load: this.load,
        counters: this.load?.counters() ?? null,
        runS: this.loadStoppedAtS ?? this.elapsedS(),
        snapshots: this.records,
        notes: this.notes,
        nodeVersion: this.nodeVersion,
        startedAtIso: this.startedAtIso,
        pauseMsTotal: this.pauseMsTotal,
        heapLimitBytes: this.heapLimitBytes,
        horizonS: this.options.horizonS,
        projectRps: this.options.projectRps,
        budgets: this.options.budgets,
        samplingIntervalBytes: this.samplingIntervalBytes,
        mode: this.options.sampling ? 'sampling' : 'snapshots',
        memoryLimit: this.memoryLimit,
        countedInTarget: this.counter ? { requests: this.counter.latest(), countedBy: describeCountSource(this.counter.source) } : null,
      }),
    );
  }

  private warn(message: string): void {
    this.notes.push(message.charAt(0).toUpperCase() + message.slice(1));
    this.progress.message(`memprobe: ${message}`);
  }
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

async function withTimeout(work: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([work.catch(() => undefined), new Promise((r) => (timer = setTimeout(r, ms)))]);
  clearTimeout(timer);
}
