/**
 * memprobe's in-process agent, for processes whose inspector may not be used (policy, or a debugger
 * already attached):
 *
 *   node --import memprobe/agent app.js        (or -r memprobe/agent; configured by MEMPROBE_AGENT_*)
 *
 * It writes a memprobe run directory while the application runs: a `timeline.ndjson` line every
 * second (memory and event-loop delay, sampled in-process), a heap snapshot into `snapshots/` on
 * SIGUSR2 or on a schedule, the sampling heap profile as `allocation.heapprofile` at each snapshot,
 * and `run.json` after each. `memprobe report <dir>` summarizes the raw snapshots and reports growth
 * per second (there is no request count in-process).
 *
 * Snapshots go through heapdump, which serializes V8's snapshot straight to the file (V8's own
 * HeapSnapshot::Serialize to a file stream). Measured here on a 86 MB snapshot: v8-profiler-next's
 * takeSnapshot + export peaked 130 MB higher in RSS (it streams the serialized JSON through JS
 * strings) for a similar pause, so heapdump takes the snapshots and v8-profiler-next only the
 * sampling heap profile, which heapdump does not have. Both are native: they load lazily (after
 * start-up, on first use), a failure is reported once on stderr and the feature falls back or switches
 * off. Nothing the agent does may throw into the application.
 *
 * Everything the agent holds is a timer (unref'd: it never keeps the process alive), one signal
 * listener, one event-loop-delay histogram and two file descriptors' worth of state.
 */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { monitorEventLoopDelay, performance, type IntervalHistogram } from 'node:perf_hooks';
import { getHeapStatistics, writeHeapSnapshot } from 'node:v8';
import { isMainThread } from 'node:worker_threads';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { SnapshotRecord, TimelineSample } from '../../core/report-schema.js';
import { RUN_FILES, type RunRecord } from '../../core/run-directory-layout.js';
import { memprobeVersion } from '../../core/memprobe-version.js';
import { round } from '../../core/units.js';
import { writeAtomically } from '../../core/write-atomically.js';
import { checkSnapshotRoom } from '../resource-check.js';
import { agentConfigFromEnv, type AgentConfig } from './agent-config.js';
import { AgentSampler } from './agent-sampling.js';

const require = createRequire(import.meta.url);
const TIMELINE_INTERVAL_MS = 1000;
/** Histogram resolution: fine enough to show a 20 ms stall, cheap enough to leave on for days. */
const ELD_RESOLUTION_MS = 10;
/** Deep enough for framework stacks (express → middleware → handler → the allocation). */
const SAMPLING_STACK_DEPTH = 64;
const STATE_KEY = Symbol.for('memprobe.agent');
const REQUEST_START_CHANNEL = 'http.server.request.start';

interface HeapdumpModule {
  writeSnapshot(file: string): boolean;
}
interface SamplingNode {
  callFrame: { functionName: string; scriptId: number; url: string; lineNumber: number; columnNumber: number };
  selfSize: number;
  children: SamplingNode[];
}
interface ProfilerModule {
  startSamplingHeapProfiling(interval: number, depth: number): void;
  stopSamplingHeapProfiling(): { head: SamplingNode };
}

export class MemprobeAgent {
  private readonly startedAtMs = performance.now();
  private readonly startedAtIso = new Date().toISOString();
  private readonly records: SnapshotRecord[] = [];
  private readonly notes: string[] = [];
  private readonly reported = new Set<string>();
  private readonly histogram: IntervalHistogram;
  private timelineFd: number | null;
  private timelineTimer: NodeJS.Timeout;
  private scheduleTimer: NodeJS.Timeout | null = null;
  private readonly onSignal = () => this.capture('signal');
  private readonly onExit = () => this.stop();
  private capturing = false;
  private pauseMsTotal = 0;
  private lastSpikeBytes: number | null = null;
  private heapdump: HeapdumpModule | null | undefined;
  private profiler: ProfilerModule | null = null;
  private profileTotal: SamplingNode | null = null;
  private sampler: AgentSampler | null = null;
  private stopped = false;
  /** HTTP requests this process started to serve since the agent loaded (diagnostics_channel). */
  private requests = 0;
  private readonly onRequestStart = () => {
    this.requests++;
  };

  constructor(readonly config: AgentConfig) {
    makeDirectory(config.dir);
    // Snapshots hold every string the process had (tokens, passwords): owner-only.
    makeDirectory(join(config.dir, RUN_FILES.snapshots));
    this.timelineFd = openSync(join(config.dir, RUN_FILES.timeline), 'a', 0o600);
    this.histogram = monitorEventLoopDelay({ resolution: ELD_RESOLUTION_MS });
    this.histogram.enable();
    // One counter per request, no allocation: bytes per request, whoever sends the traffic.
    subscribe(REQUEST_START_CHANNEL, this.onRequestStart);
    this.timelineTimer = setInterval(() => this.guard('timeline', () => this.sampleTimeline(false)), TIMELINE_INTERVAL_MS).unref();
    if (config.signal) process.on(config.signal, this.onSignal);
    process.on('exit', this.onExit);
    if (config.mode === 'sampling') {
      // No snapshots: the live sampled heap read on a schedule (and on the signal).
      setImmediate(() => this.guard('sampling', () => (this.sampler = new AgentSampler(config.dir, config.samplingIntervalBytes!)))).unref();
      this.scheduleTimer = setInterval(() => this.guard('sampling', () => this.sampler?.read(round(this.elapsedS(), 3))), config.samplingEveryS * 1000).unref();
    } else {
      if (config.everyS !== null) {
        this.scheduleTimer = setInterval(() => this.capture('schedule'), config.everyS * 1000).unref();
      }
      // dlopen of the profiler after start-up, not in the middle of the application's own imports.
      if (config.samplingIntervalBytes !== null) setImmediate(() => this.guard('sampling', () => this.startSampling())).unref();
    }
    this.writeRunRecord();
  }

  /** Takes one snapshot (and checkpoints the allocation profile) now; false when skipped. */
  capture(reason: 'signal' | 'schedule' | 'api'): boolean {
    if (this.stopped || this.capturing) return false;
    if (this.config.mode === 'sampling') {
      // Sampling mode takes no snapshot: the signal asks for a reading now.
      return this.guard('sampling', () => (this.sampler?.read(round(this.elapsedS(), 3)), true)) ?? false;
    }
    if (this.records.length >= this.config.maxSnapshots) {
      this.reportOnce('max', `MEMPROBE_AGENT_MAX_SNAPSHOTS (${this.config.maxSnapshots}) reached: no more snapshots`);
      if (this.scheduleTimer) clearInterval(this.scheduleTimer);
      return false;
    }
    this.capturing = true;
    try {
      return this.guard('snapshot', () => this.takeSnapshot(reason)) ?? false;
    } finally {
      this.capturing = false;
    }
  }

  /** Removes everything the agent installed; the run directory stays as written. */
  stop(): void {
    if (this.stopped) return;
    this.guard('stop', () => {
      // Allocations after the last snapshot have no snapshot to pair with: the profile stays as is.
      this.profiler?.stopSamplingHeapProfiling();
      this.profiler = null;
      this.sampler?.stop(round(this.elapsedS(), 3));
      this.sampler = null;
      this.sampleTimeline(false);
      this.writeRunRecord();
    });
    this.stopped = true;
    clearInterval(this.timelineTimer);
    if (this.scheduleTimer) clearInterval(this.scheduleTimer);
    if (this.config.signal) process.off(this.config.signal, this.onSignal);
    process.off('exit', this.onExit);
    unsubscribe(REQUEST_START_CHANNEL, this.onRequestStart);
    this.histogram.disable();
    if (this.timelineFd !== null) closeSync(this.timelineFd);
    this.timelineFd = null;
  }

  private takeSnapshot(reason: string): boolean {
    const memory = process.memoryUsage();
    const snapshotsDir = join(this.config.dir, RUN_FILES.snapshots);
    const room = checkSnapshotRoom({ heapUsedBytes: memory.heapUsed, measuredSpikeBytes: this.lastSpikeBytes, dir: snapshotsDir });
    if (room.message) this.note(room.message);
    if (!room.ok) return false;

    const index = this.records.length + 1;
    const name = String(index).padStart(3, '0');
    const relative = `${RUN_FILES.snapshots}/${name}.heapsnapshot`;
    const file = join(this.config.dir, relative);
    const t = this.elapsedS();
    this.sampleTimeline(true);
    const maxRssBefore = process.resourceUsage().maxRSS * 1024;
    const started = performance.now();
    // Written under a temporary name: a reader (or a crash) never takes a half file for a snapshot.
    try {
      this.writeSnapshotFile(`${file}.partial`);
      renameSync(`${file}.partial`, file);
    } catch (err) {
      rmSync(`${file}.partial`, { force: true }); // a full disk must not stay full because of us
      throw err;
    }
    chmodSync(file, 0o600);
    const pauseMs = performance.now() - started;
    const maxRssAfter = process.resourceUsage().maxRSS * 1024;
    if (maxRssAfter > maxRssBefore) this.lastSpikeBytes = maxRssAfter - memory.rss;
    this.pauseMsTotal += pauseMs;
    this.records.push({
      t: round(t, 3),
      requests: this.requests,
      // The snapshot ran a full GC: the heap in use right after it is what survived.
      totalBytes: process.memoryUsage().heapUsed,
      file: relative,
      pauseMs: Math.round(pauseMs),
    });
    this.checkpointProfile();
    this.writeRunRecord();
    process.stderr.write(`memprobe agent: snapshot ${index} (${reason}) written to ${file} in ${Math.round(pauseMs)} ms\n`);
    return true;
  }

  private writeSnapshotFile(file: string): void {
    if (this.heapdump === undefined) {
      const previous = process.env.NODE_HEAPDUMP_OPTIONS;
      try {
        // heapdump installs its own SIGUSR2 handler unless told not to, and reads this once, at load.
        process.env.NODE_HEAPDUMP_OPTIONS = 'nosignal';
        this.heapdump = require('heapdump') as HeapdumpModule;
      } catch (err) {
        this.heapdump = null;
        this.reportOnce('heapdump', `heapdump could not be loaded (${firstLine(err)}); snapshots use v8.writeHeapSnapshot instead`);
      } finally {
        if (previous === undefined) delete process.env.NODE_HEAPDUMP_OPTIONS;
        else process.env.NODE_HEAPDUMP_OPTIONS = previous;
      }
    }
    if (this.heapdump) {
      if (this.heapdump.writeSnapshot(file)) return;
      this.reportOnce('heapdump-write', 'heapdump failed to write a snapshot; using v8.writeHeapSnapshot');
    }
    writeHeapSnapshot(file);
  }

  private startSampling(): void {
    try {
      this.profiler = require('v8-profiler-next') as ProfilerModule;
    } catch (err) {
      this.reportOnce('profiler', `v8-profiler-next could not be loaded (${firstLine(err)}); no allocation profile (snapshots still work)`);
      return;
    }
    this.profiler.startSamplingHeapProfiling(this.config.samplingIntervalBytes!, SAMPLING_STACK_DEPTH);
  }

  /**
   * V8 reports, per allocation site, the sampled objects still alive, and v8-profiler-next can read
   * that only by stopping the profiler. So at each snapshot it is stopped, restarted at once, and the
   * interval's tree is added to the running total: the file holds, per site, what was allocated in
   * each interval and still alive at its end (what grew), summed over the run.
   */
  private checkpointProfile(): void {
    if (!this.profiler) return;
    const profile = this.profiler.stopSamplingHeapProfiling();
    this.profiler.startSamplingHeapProfiling(this.config.samplingIntervalBytes!, SAMPLING_STACK_DEPTH);
    this.profileTotal = this.profileTotal ? mergeProfileTrees(this.profileTotal, profile.head) : profile.head;
    const file = join(this.config.dir, RUN_FILES.allocationProfile);
    writeAtomically(file, JSON.stringify(toDevToolsProfile(this.profileTotal)), { mode: 0o600 });
  }

  private sampleTimeline(snapshotting: boolean): void {
    if (this.timelineFd === null) return;
    const m = process.memoryUsage();
    const h = this.histogram;
    const p99 = h.count > 0 ? Math.max(0, h.percentile(99) / 1e6 - ELD_RESOLUTION_MS) : null;
    h.reset();
    const sample: TimelineSample = {
      t: round(this.elapsedS(), 3),
      requests: this.requests,
      dropped: 0,
      heapUsed: m.heapUsed,
      heapTotal: m.heapTotal,
      rss: m.rss,
      external: m.external,
      arrayBuffers: m.arrayBuffers,
      eventLoopDelayP99Ms: p99 === null ? null : round(p99, 2),
      snapshotting,
    };
    writeSync(this.timelineFd, `${JSON.stringify(sample)}\n`);
  }

  private writeRunRecord(): void {
    const durationS = round(this.elapsedS(), 3);
    const record: RunRecord = {
      schema: 'memprobe/run@1',
      status: 'complete',
      target: { kind: 'attach', command: `agent in node ${process.argv.slice(1).join(' ')}`.trim(), pid: process.pid },
      load: {
        targetRps: null,
        achievedRps: durationS > 0 && this.requests > 0 ? round(this.requests / durationS, 1) : null,
        requests: this.requests > 0 ? this.requests : null,
        dropped: null,
        durationS,
        ...(this.requests > 0 ? { countedBy: `in the process: diagnostics_channel '${REQUEST_START_CHANNEL}' (the agent's count of requests its HTTP servers started)` } : {}),
      },
      // A process that served no HTTP request (a queue consumer, a batch job) is measured per second.
      snapshots: this.records.map((r) => ({ ...r, requests: this.requests > 0 ? r.requests : null })),
      notes: [
        this.config.mode === 'sampling'
          ? `Captured in-process by the memprobe agent (pid ${process.pid}) in sampling mode: the sampling heap profile read every ${this.config.samplingEveryS} s${this.config.signal ? ` and on ${this.config.signal}` : ''}, no snapshots; requests counted in-process (HTTP servers, through diagnostics_channel).`
          : `Captured in-process by the memprobe agent (pid ${process.pid}): snapshots ${this.triggerText()}; requests counted in-process (HTTP servers, through diagnostics_channel).`,
        ...this.notes,
      ],
      meta: {
        nodeVersion: process.version,
        memprobeVersion: memprobeVersion(),
        startedAt: this.startedAtIso,
        snapshotPauseMs: Math.round(this.pauseMsTotal),
        snapshotPauseShare: durationS > 0 ? round(this.pauseMsTotal / 1000 / durationS, 4) : 0,
        ...(this.config.samplingIntervalBytes !== null ? { samplingIntervalBytes: this.config.samplingIntervalBytes } : {}),
        mode: this.config.mode,
      },
      analysis: { heapLimitBytes: getHeapStatistics().heap_size_limit, horizonS: 24 * 3600, projectRps: [] },
    };
    const file = join(this.config.dir, RUN_FILES.run);
    writeAtomically(file, `${JSON.stringify(record, null, 2)}\n`);
  }

  private triggerText(): string {
    const on = [this.config.signal ? `on ${this.config.signal}` : null, this.config.everyS ? `every ${this.config.everyS} s` : null].filter(Boolean);
    return on.length ? on.join(' and ') : 'through the API only';
  }

  private elapsedS(): number {
    return (performance.now() - this.startedAtMs) / 1000;
  }

  private note(message: string): void {
    if (!this.notes.includes(message)) this.notes.push(message);
    this.reportOnce(message, message);
  }

  private reportOnce(key: string, message: string): void {
    if (this.reported.has(key)) return;
    this.reported.add(key);
    process.stderr.write(`memprobe agent: ${message}\n`);
  }

  /** Runs agent work; a failure is reported once per kind and never reaches the application. */
  private guard<T>(kind: string, work: () => T): T | undefined {
    try {
      return work();
    } catch (err) {
      this.reportOnce(`error:${kind}`, `${kind} failed: ${firstLine(err)} (the application is unaffected)`);
      return undefined;
    }
  }
}

/**
 * `mkdir -p`, owner-only, one level at a time. Node 20's `mkdirSync(…, { recursive: true })` never
 * returns for some paths (under /proc it loops on ENOENT): in someone's application at start-up, a
 * hang is worse than an error.
 */
function makeDirectory(dir: string): void {
  const missing: string[] = [];
  for (let d = resolve(dir); !existsSync(d); d = dirname(d)) {
    if (dirname(d) === d) break;
    missing.unshift(d);
  }
  for (const d of missing) {
    try {
      mkdirSync(d, { mode: 0o700 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}

/** Sums two sampling trees node by node, matching children by call frame. */
function mergeProfileTrees(a: SamplingNode, b: SamplingNode): SamplingNode {
  const key = (n: SamplingNode) => {
    const f = n.callFrame;
    return `${f.functionName}\0${f.url}\0${f.lineNumber}\0${f.columnNumber}`;
  };
  const children = new Map<string, SamplingNode>(a.children.map((c) => [key(c), c]));
  for (const child of b.children) {
    const existing = children.get(key(child));
    children.set(key(child), existing ? mergeProfileTrees(existing, child) : child);
  }
  return { callFrame: a.callFrame, selfSize: a.selfSize + b.selfSize, children: [...children.values()] };
}

/**
 * v8-profiler-next's tree in the DevTools `.heapprofile` shape: node ids, and 0-based line and column
 * numbers (V8's AllocationProfile counts from 1, the protocol from 0; 0 there means unknown, -1 here).
 */
function toDevToolsProfile(head: SamplingNode): { head: unknown; samples: [] } {
  let nextId = 1;
  const convert = (node: SamplingNode): unknown => ({
    callFrame: { ...node.callFrame, lineNumber: node.callFrame.lineNumber - 1, columnNumber: node.callFrame.columnNumber - 1 },
    selfSize: node.selfSize,
    id: nextId++,
    children: node.children.map(convert),
  });
  return { head: convert(head), samples: [] };
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0];
}



/**
 * Starts the agent once per process (a second --import or -r of it is a no-op). A directory that
 * already holds another process's run gets a fresh sibling rather than being mixed into.
 */
export function startAgent(env: NodeJS.ProcessEnv = process.env): MemprobeAgent | null {
  const global = globalThis as { [STATE_KEY]?: MemprobeAgent };
  if (global[STATE_KEY]) return global[STATE_KEY];
  try {
    const config = agentConfigFromEnv(env, process.pid);
    if (existsSync(join(config.dir, RUN_FILES.run))) config.dir = `${config.dir}-${process.pid}-${Date.now()}`;
    const agent = new MemprobeAgent(config);
    Object.defineProperty(global, STATE_KEY, { value: agent, configurable: true, enumerable: false });
    const trigger = config.signal ? `; kill -${config.signal.slice(3)} ${process.pid} ${config.mode === 'sampling' ? 'reads the sampling profile (sampling mode: no snapshots)' : 'takes a snapshot'}` : '';
    process.stderr.write(`memprobe agent: writing to ${config.dir}${trigger}\n`);
    return agent;
  } catch (err) {
    process.stderr.write(`memprobe agent: not started: ${firstLine(err)}\n`);
    return null;
  }
}

// Loaded as a preload (`--import memprobe/agent`, `-r memprobe/agent`): start. Imported by a test or
// by the application's own code with MEMPROBE_AGENT_MANUAL=1: leave starting to the caller. Worker
// threads inherit `-r` preloads: one agent per process, in the main thread (the heap snapshot of a
// worker would be another isolate's, and signals reach only the main thread).
if (process.env.MEMPROBE_AGENT_MANUAL !== '1' && isMainThread) startAgent();
