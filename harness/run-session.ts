/**
 * One capture session against one target: the orchestration shared by `memprobe run` and
 * `memprobe attach`.
 *
 * Order matters and is the point of this file: the run directory is proven writable before any load
 * starts; the inspector, the memory sampler and the allocation sampler are in place before the first
 * arrival; snapshots follow the schedule once warm-up is over, each summarized in a worker while the
 * run goes on; at the end (or on Ctrl-C, or when the target dies) the load stops, everything captured
 * is written (`run.json`, timeline, summaries, allocation profile) and only then analysed into the
 * report. Every file is written as soon as its content exists, so whatever ends the run, what was
 * captured stays on disk.
 */
import { closeSync, openSync, readFileSync, readSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatDuration } from '../core/units.js';
import { UsageError } from '../core/usage-error.js';
import { EXIT } from '../core/exit-codes.js';
import { gateBudgetsToJson, type GateBudgets } from '../analyzers/gate.js';
import type { Report, SnapshotRecord, TimelineSample } from '../core/report-schema.js';
import { RUN_FILES, type RunRecord } from '../core/run-directory-layout.js';
import { reportRunDirectory } from '../pipeline/report-run-directory.js';
import { renderTerminalSummary } from '../reports/terminal-summary.js';
import { safe } from '../core/control-characters.js';
import { writeJunitFile } from '../reports/gate-outputs.js';
import { evaluateInTarget, InspectorClient } from './inspector-client.js';
import {
  checkpointAllocationProfile,
  enableHeapProfiler,
  SnapshotAbandonedError,
  SnapshotStalledError,
  startAllocationSampling,
  stopAllocationSampling,
  takeHeapSnapshot,
} from './heap-capture.js';
import { MemorySampler, type MemoryReading } from './memory-sampler.js';
import { SteadyTicker, TimelineWriter } from './timeline-writer.js';
import { snapshotTimes } from './snapshot-schedule.js';
import { SnapshotSummarizer, type SummaryFigures } from './summarize-worker.js';
import { checkSnapshotRoom, processRssBytes } from './resource-check.js';
import { ProgressLine } from './progress.js';
import type { LoadCounters, LoadDriver, TargetExit, TargetProcess } from './target-process.js';
import { prepareRunDirectory, TARGET_LOG } from './run-directory.js';
import { setLongTimeout, type LongTimer } from './deadline-timer.js';
import { isErrorLine } from './error-line.js';

// attach and run prepare the directory before they start a target; they import it from here.
export { discardUnusedRunDirectory, prepareRunDirectory } from './run-directory.js';

export interface SessionOptions {
  outDir: string;
  durationS: number;
  warmupS: number;
  snapshots: number | null;
  snapshotEveryS: number | null;
  keepSnapshots: number;
  heapLimitBytes: number | null;
  horizonS: number;
  projectRps: number[];
  json: boolean;
  budgets: GateBudgets | null;
  /** Addition: give up on a snapshot when the target shows no progress for this long (default 120). */
  snapshotStallTimeoutS?: number;
  /**
   * Fewer snapshots than this in the schedule is a usage error. The command line asks for 2 (growth
   * is a change between snapshots); library callers may take 0 or 1.
   */
  minSnapshots?: number;
  /** `--junit FILE`: also write the gate result as JUnit XML there (when there is a gate). */
  junitPath?: string | null;
}

/** Exit code for a run the user interrupted (128 + SIGINT, as shells report it). */
export const EXIT_INTERRUPTED = 130;
/** Exit code for a run ended by SIGTERM (128 + 15): a CI job's timeout, `kill`, `docker stop`. */
export const EXIT_TERMINATED = 143;

/**
 * The signals that end a run early with a partial report. SIGTERM is what CI timeouts and `kill`
 * send; without a handler memprobe would die on it at once, leaving no report and, for an HTTP
 * target, a server process nobody stops.
 */
export const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const;
export type StopSignal = (typeof STOP_SIGNALS)[number];

export function exitCodeForSignal(signal: StopSignal): number {
  return signal === 'SIGTERM' ? EXIT_TERMINATED : EXIT_INTERRUPTED;
}

function describeSignal(signal: StopSignal): string {
  return signal === 'SIGTERM' ? 'terminated (SIGTERM)' : 'interrupted (Ctrl-C)';
}

/** Snapshots that stop the target for more than this share of the run distort what it measures. */
const PAUSE_SHARE_WARNING = 0.1;

type StopReason =
  | { kind: 'interrupt'; atS: number; signal: StopSignal }
  | { kind: 'target-exit'; atS: number; exit: TargetExit; said: string | null }
  | { kind: 'target-hung'; atS: number; message: string }
  | { kind: 'failure'; atS: number; message: string };

/** Checks the options a session cannot run with (UsageError, exit 2); returns the snapshot times. */
export function validateSessionOptions(o: SessionOptions): number[] {
  const times = snapshotTimes(o);
  if (o.minSnapshots !== undefined && times.length < o.minSnapshots) {
    throw new UsageError(
      `--snapshot-every leaves room for ${times.length} snapshot${times.length === 1 ? '' : 's'} between the end of warm-up (${o.warmupS} s) and the end of the ${o.durationS} s run; growth needs at least ${o.minSnapshots}`,
      'shorten --snapshot-every or --warmup, or lengthen --duration',
    );
  }
  if (!Number.isInteger(o.keepSnapshots) || o.keepSnapshots < 0) {
    throw new UsageError(`--keep-snapshots must be a whole number, got ${o.keepSnapshots}`);
  }
  if (o.heapLimitBytes !== null && !(o.heapLimitBytes > 0)) throw new UsageError('--heap-limit must be above zero');
  if (!(o.horizonS > 0)) throw new UsageError('--horizon must be longer than zero');
  // Zero would call every snapshot stalled before the target could send its first chunk.
  if (o.snapshotStallTimeoutS !== undefined && !(o.snapshotStallTimeoutS > 0)) throw new UsageError('--snapshot-timeout must be longer than zero');
  for (const rps of o.projectRps) {
    if (!(rps > 0) || !Number.isFinite(rps)) throw new UsageError(`--project-rps: expected rates above 0, got ${rps}`);
  }
  return times;
}

export async function runSession(
  target: TargetProcess,
  load: LoadDriver | null,
  options: SessionOptions,
): Promise<{ report: Report; exitCode: number }> {
  const times = validateSessionOptions(options);
  prepareRunDirectory(options.outDir);
  const session = new CaptureSession(target, load, options, times);
  return session.run();
}

class CaptureSession {
  private readonly dir: string;
  private readonly progress = new ProgressLine();
  private readonly summarizer = new SnapshotSummarizer();
  private readonly records: SnapshotRecord[] = [];
  /** maxNodeId of each summarized snapshot, by record index (undefined: not summarized or failed). */
  private readonly figures: (SummaryFigures | undefined)[] = [];
  private readonly notes: string[] = [];
  private summaries: Promise<void> = Promise.resolve();
  private inspector: InspectorClient | null = null;
  private sampler: MemorySampler | null = null;
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
  private closingTarget = false;
  private targetGone = false;
  private interrupts = 0;
  private stopReason: StopReason | null = null;
  private wakeStop: () => void = () => {};
  private readonly stopped = new Promise<void>((r) => (this.wakeStop = r));
  private readonly abandonSnapshot = new AbortController();
  private readonly rateWindow: { t: number; requests: number }[] = [];
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
  }

  async run(): Promise<{ report: Report; exitCode: number }> {
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
      await this.summarizer.close();
    }
    if (failure) throw failure;
    return this.reportAndPrint();
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
    await startAllocationSampling(this.inspector);
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

    const t = this.elapsedS();
    const requests = this.load ? this.load.counters().requests : null;
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

  /** Summaries run one after another: each needs the maxNodeId of every earlier one (its cohorts). */
  private queueSummary(i: number): void {
    this.summaries = this.summaries.then(async () => {
      const record = this.records[i];
      const boundaries = this.figures.slice(0, i).flatMap((f) => (f ? [f.maxNodeId] : []));
      try {
        const figures = await this.summarizer.summarize({
          snapshotFile: join(this.dir, record.file!),
          summaryFile: join(this.dir, record.summary!),
          source: record.file!.split('/').pop()!,
          t: record.t,
          requests: record.requests,
          cohortBoundaries: boundaries,
        });
        this.figures[i] = figures;
        record.totalBytes = figures.totalBytes;
        this.pruneSnapshots();
      } catch (err) {
        record.summary = undefined;
        this.warn(`could not summarize ${record.file} (kept on disk for \`memprobe analyze\`): ${(err as Error).message}`);
      }
      this.writeRunRecord('partial');
    });
  }

  /**
   * Keeps at most --keep-snapshots raw files: the first (the baseline a user compares against in
   * DevTools) and the most recent. A file goes only once its summary exists; a snapshot that could
   * not be summarized is kept whatever the limit, since it is then the only record of that moment.
   */
  private pruneSnapshots(): void {
    const keep = this.options.keepSnapshots;
    const withFiles = this.records.map((r, i) => ({ r, i })).filter(({ r }) => r.file !== null);
    if (withFiles.length <= keep) return;
    const kept = new Set<number>();
    if (keep >= 2) kept.add(withFiles[0].i);
    const recent = keep >= 2 ? keep - 1 : keep;
    for (const { i } of withFiles.slice(withFiles.length - recent)) if (recent > 0) kept.add(i);
    for (const { r, i } of withFiles) {
      if (kept.has(i) || this.figures[i] === undefined) continue;
      rmSync(join(this.dir, r.file!), { force: true });
      r.file = null;
    }
  }

  /** One timeline line; never waits on a target that is stopped in a snapshot for more than 300 ms. */
  private async sampleSecond(): Promise<void> {
    const t = this.elapsedS();
    const counters = this.load?.counters() ?? null;
    const fresh = this.targetGone ? null : await this.sampler!.read(300);
    const reading: MemoryReading | null = fresh ?? this.sampler!.latest();
    if (!reading || !this.timeline) return;
    // A stopped target cannot report its RSS, but /proc can: that is where the snapshot spike shows.
    const rss = fresh ? reading.rss : (processRssBytes(this.target.pid) ?? reading.rss);
    const sample: TimelineSample = {
      t: round(t, 3),
      requests: counters?.requests ?? 0,
      dropped: counters?.dropped ?? 0,
      heapUsed: reading.heapUsed,
      heapTotal: reading.heapTotal,
      rss,
      external: reading.external,
      arrayBuffers: reading.arrayBuffers,
      eventLoopDelayP99Ms: fresh ? roundOrNull(reading.eventLoopDelayP99Ms) : null,
      errors: counters?.errors ?? 0,
      snapshotting: this.snapshotting,
    };
    this.timeline.append(sample);
    this.updateProgress(t, counters, reading.heapUsed);
  }

  private updateProgress(t: number, counters: LoadCounters | null, heapUsed: number): void {
    let achievedRps: number | null = null;
    if (counters) {
      this.rateWindow.push({ t, requests: counters.requests });
      if (this.rateWindow.length > 5) this.rateWindow.shift();
      const first = this.rateWindow[0];
      achievedRps = t > first.t ? (counters.requests - first.requests) / (t - first.t) : t > 0 ? counters.requests / t : 0;
    }
    this.progress.update({
      elapsedS: Math.min(t, this.options.durationS),
      durationS: this.options.durationS,
      achievedRps,
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
    if (!this.targetGone && this.inspector?.isOpen) {
      await stopAllocationSampling(this.inspector!, join(this.dir, RUN_FILES.allocationProfile)).catch((err: Error) =>
        this.warn(`could not save the allocation profile: ${err.message}`),
      );
      await this.sampler!.uninstall();
    }
    if (this.records.some((_, i) => this.figures[i] === undefined)) {
      this.progress.message(`memprobe: summarizing ${this.records.length} snapshot(s)…`);
    }
    await this.summaries;
    await this.inspector?.close();
    this.closingTarget = true;
    await withTimeout(this.target.close(), 15_000);
    this.addCaptureNotes();
    this.writeRunRecord(this.stopReason ? 'partial' : 'complete');
  }

  private addCaptureNotes(): void {
    const runS = this.loadStoppedAtS ?? this.elapsedS();
    if (this.stopReason?.kind === 'interrupt') {
      this.notes.unshift(`Partial: ${describeSignal(this.stopReason.signal)} at ${this.stopReason.atS.toFixed(1)} s of ${this.options.durationS} s; the report covers the run so far.`);
    } else if (this.stopReason?.kind === 'failure') {
      this.notes.unshift(`Partial: memprobe stopped at ${this.stopReason.atS.toFixed(1)} s after an error of its own: ${this.stopReason.message}`);
    } else if (this.stopReason?.kind === 'target-hung') {
      this.notes.unshift(
        `Partial: the target hung at ${this.stopReason.atS.toFixed(1)} s of ${this.options.durationS} s (${this.stopReason.message}); the report covers what was captured before.`,
      );
    } else if (this.stopReason?.kind === 'target-exit') {
      this.notes.unshift(
        `Partial: the target exited (${describeExit(this.stopReason.exit)}) at ${this.stopReason.atS.toFixed(1)} s of ${this.options.durationS} s` +
          `${this.stopReason.said ? ` (${this.stopReason.said})` : ''}; ` +
          `the report covers what was captured before (see ${TARGET_LOG} in the run directory for its output).`,
      );
    }
    if (this.snapshotsAfterLoad > 0) {
      this.notes.push(
        `Snapshots took longer than their spacing: the last ${this.snapshotsAfterLoad} ran after the load had ended at ${this.options.durationS} s.`,
      );
    }
    if (this.records.length < this.times.length) {
      this.notes.push(`${this.records.length} of ${this.times.length} planned snapshots were taken.`);
    }
    // The summary shows the total pause and its share (meta); the notes add the warning and detail.
    const share = runS > 0 ? this.pauseMsTotal / 1000 / runS : 0;
    if (this.records.length > 0 && share > PAUSE_SHARE_WARNING) {
      const each = this.records.map((r) => `${r.pauseMs} ms`).join(', ');
      this.notes.push(
        `Warning: heap snapshots paused the target for ${(share * 100).toFixed(0)}% of the run (${each}), more than ${PAUSE_SHARE_WARNING * 100}%; ` +
          'latency and the achieved rate are distorted. Take fewer snapshots (--snapshots) or run longer (--duration).',
      );
    }
  }

  // --- records and the report ---

  private writeRunRecord(status: RunRecord['status']): void {
    const counters = this.load?.counters() ?? null;
    const durationS = round(this.loadStoppedAtS ?? this.elapsedS(), 3);
    const runS = this.loadStoppedAtS ?? this.elapsedS();
    const record: RunRecord = {
      schema: 'memprobe/run@1',
      status,
      target: { kind: this.target.kind, command: this.target.command, pid: this.target.pid },
      load: {
        targetRps: this.load?.targetRps ?? null,
        achievedRps: counters && durationS > 0 ? round(counters.requests / durationS, 1) : null,
        requests: counters?.requests ?? null,
        dropped: counters?.dropped ?? null,
        durationS,
        ...(counters
          ? { overdue: counters.overdue ?? 0, errors: counters.errors, statusCounts: counters.statusCounts, errorMessages: counters.errorMessages }
          : {}),
      },
      snapshots: this.records.map((r) => ({ ...r })),
      notes: [...this.notes],
      meta: {
        nodeVersion: this.nodeVersion,
        memprobeVersion: memprobeVersion(),
        startedAt: this.startedAtIso,
        snapshotPauseMs: Math.round(this.pauseMsTotal),
        snapshotPauseShare: runS > 0 ? round(this.pauseMsTotal / 1000 / runS, 4) : 0,
      },
      analysis: { heapLimitBytes: this.heapLimitBytes, horizonS: this.options.horizonS, projectRps: this.options.projectRps },
      ...(this.options.budgets ? { gate: gateBudgetsToJson(this.options.budgets) } : {}),
    };
    const file = join(this.dir, RUN_FILES.run);
    writeFileSync(`${file}.tmp`, `${JSON.stringify(record, null, 2)}\n`);
    renameSync(`${file}.tmp`, file);
  }

  private async reportAndPrint(): Promise<{ report: Report; exitCode: number }> {
    const report = await reportRunDirectory(this.dir, { budgets: this.options.budgets });
    if (this.options.json) {
      process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    } else {
      process.stdout.write(`${renderTerminalSummary(report, { color: Boolean(process.stdout.isTTY) })}\n`);
    }
    // The path comes last, where it stays on screen; on stderr with --json so stdout stays JSON.
    // Written here, for run and attach alike, so that no command can forget it.
    if (this.options.junitPath && report.gate) writeJunitFile(this.options.junitPath, report, report.gate);
    const htmlLine = `report: ${join(this.dir, RUN_FILES.html)}\n`;
    (this.options.json ? process.stderr : process.stdout).write(htmlLine);
    return { report, exitCode: this.exitCode(report) };
  }

  private exitCode(report: Report): number {
    if (this.stopReason?.kind === 'target-exit' || this.stopReason?.kind === 'target-hung') return EXIT.targetCrashed;
    if (this.stopReason?.kind === 'interrupt') return exitCodeForSignal(this.stopReason.signal);
    if (report.gate && !report.gate.passed) return EXIT.gateFailed;
    return EXIT.ok;
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

/**
 * The error a crashed target printed last (`Error: ECONNREFUSED ...`), from the end of its log, so
 * the one line a user reads says why; null when there is no log (attach) or no error line in it.
 */
export function lastErrorLine(logFile: string): string | null {
  let text: string;
  try {
    const size = statSync(logFile).size;
    const fd = openSync(logFile, 'r');
    try {
      const length = Math.min(size, 16 * 1024);
      const buffer = Buffer.alloc(length);
      readSync(fd, buffer, 0, length, size - length);
      text = buffer.toString('utf8');
    } finally {
      closeSync(fd);
    }
  } catch {
    return null;
  }
  const lines = text.split('\n').map((l) => l.trim());
  for (let i = lines.length - 1; i >= 0; i--) {
    if (isErrorLine(lines[i])) return safe(lines[i].slice(0, 200));
  }
  return null;
}

function describeExit(exit: TargetExit): string {
  return exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`;
}

async function withTimeout(work: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([work.catch(() => undefined), new Promise((r) => (timer = setTimeout(r, ms)))]);
  clearTimeout(timer);
}

function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

function roundOrNull(n: number | null): number | null {
  return n === null ? null : round(n, 2);
}

let cachedVersion: string | undefined;
/** memprobe's own version, from the package.json above this file (sources or dist/). */
function memprobeVersion(): string | undefined {
  if (cachedVersion) return cachedVersion;
  for (const up of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(fileURLToPath(new URL(up, import.meta.url)), 'utf8'));
      if (pkg.name === 'memprobe') return (cachedVersion = pkg.version as string);
    } catch {
      // not at this level
    }
  }
  return undefined;
}

