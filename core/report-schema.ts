/**
 * `report.json`, schema `memprobe/report@1` (docs/contract.md). The documented fields
 * are the minimum; extra fields are additions, never renames.
 */

export type Verdict = 'leak' | 'accumulation' | 'bounded';

export interface AllocationSite {
  functionName: string;
  /** `file:line:column` (1-based line and column). */
  location: string;
  /** Sampled bytes allocated at this site and still alive at the end of sampling. */
  bytes: number;
  /** Addition: the nearest caller outside node_modules, when the site itself is inside one (`function file:line:col`). */
  calledFrom?: string;
  /** Addition: how the site was tied to the owner (see analyzers/allocation-sites.ts). */
  link?: 'owner-function' | 'owner-script' | 'pattern-module' | 'only-growing-owner';
}

export interface Finding {
  owner: string;
  verdict: Verdict;
  bytesPerRequest: number | null;
  bytesPerSecond: number;
  growthBytes: number;
  retainerPath: string[];
  evidence: string[];
  hint: string;
  // --- additions ---
  /** Owner identity across snapshots (name plus definition site). */
  key?: string;
  location?: string | null;
  /** Owner's retained bytes at each snapshot, in snapshot order. */
  retainedBytesSeries?: number[];
  /** Owner's instance count at each snapshot. */
  countSeries?: number[];
  /** Goodness of fit of the linear growth model, 0..1. */
  r2?: number;
  allocationSites?: AllocationSite[];
  /**
   * Addition, sampling mode: the allocation site the growth was measured at, and its stack from the
   * allocating frame down to the nearest frame outside node_modules (`function file:line:col`, leaf first).
   */
  site?: { functionName: string; location: string; stack: string[] };
  /**
   * Addition, sampling mode: where a profile cannot tell a leak from an accumulation, the one heap
   * snapshot that would decide, with its predicted cost (snapshot cost model) and how to take it.
   */
  decidingSnapshot?: { pauseS: number; rssRiseBytes: number; basis: string; command: string };
  /** Addition: what the growth is made of when it is outside the JS heap (`external`, `native`). */
  memory?: 'heap' | 'external' | 'native';
  /**
   * Addition: where this owner grows, when the run captured several processes or threads:
   * `pid 4243 (cluster worker 2)`, `worker thread 1 (indexer) of pid 4242 (...)` (see `Report.processes`).
   */
  process?: string;
}

/** Addition: one captured process or worker thread (`report.processes[]`). */
export interface ProcessReportEntry {
  name: string;
  kind: 'process' | 'thread';
  pid: number | null;
  threadId?: number;
  /** Its run directory, relative to the run's (`.` for the target itself). */
  dir: string;
  requests: number | null;
  findings: number;
  status: 'complete' | 'partial';
}

/** A growing root or owner the analysis considered, and what became of it (`memprobe analyze --explain`). */
export interface GrowthCandidate {
  kind: 'root' | 'owner';
  owner: string;
  key: string;
  /** First-to-last growth: a root's size (at most its new bytes), an owner's exclusive bytes. */
  growthBytes: number;
  /** reported: a finding (or part of one); folded: counted in the finding `into`; rejected: failed `reason`. */
  status: 'reported' | 'folded' | 'rejected';
  into?: string;
  reason: string;
}

export interface SnapshotRecord {
  t: number;
  requests: number | null;
  totalBytes: number;
  file: string | null;
  /** Additions: how long the target was paused taking it (ms), and its summary file. */
  pauseMs?: number;
  summary?: string;
}

export interface Projection {
  heapLimitBytes: number | null;
  atRps: number | null;
  secondsToLimit: number | null;
  /** Additions: the same projection at rates the user named (`--project-rps`). */
  atOtherRates?: { rps: number; secondsToLimit: number | null }[];
  /** One sentence for humans, e.g. "at 1,000/s TrendSink alone reaches the 4.0 GB limit in 1.4 h". */
  text?: string;
  /**
   * Addition: growth outside the JS heap (Buffers, native memory) projected against the process's
   * memory limit (cgroup memory.max, else physical memory), from its last RSS; never the heap limit.
   */
  memory?: { limitBytes: number; source: string; rssBytes: number; secondsToLimit: number | null; text: string };
}

export interface GateResult {
  passed: boolean;
  reasons: string[];
  /** Addition: one entry per budget checked, for JUnit and annotations. */
  checks?: { name: string; passed: boolean; reason: string | null; owner?: string }[];
}

export interface Report {
  schema: 'memprobe/report@1';
  status: 'complete' | 'partial';
  target: { kind: 'script' | 'http' | 'attach' | 'snapshots'; command: string; pid?: number };
  load: {
    targetRps: number | null;
    achievedRps: number | null;
    requests: number | null;
    dropped: number | null;
    durationS: number;
    /** Additions. */
    /** Arrivals skipped because the target was paused (a snapshot, a long GC) when they fell due. */
    overdue?: number;
    errors?: number;
    statusCounts?: Record<string, number>;
    errorMessages?: string[];
    /**
     * Where `requests` (and so every bytesPerRequest) came from: memprobe's load driver, or a count
     * taken inside the target (diagnostics_channel `http.server.request.start`, `--count-expression`,
     * `--count-metric`).
     */
    countedBy?: string;
    /** With memprobe's own load: the requests the target itself counted meanwhile (all traffic, not only memprobe's). */
    countedInTarget?: number | null;
  };
  snapshots: SnapshotRecord[];
  findings: Finding[];
  projection: Projection;
  gate?: GateResult;
  notes: string[];
  /** Addition: every growing root and owner considered, largest first (absent for summaries without growth roots). */
  candidates?: GrowthCandidate[];
  /** Addition: every process and worker thread captured, when there was more than the target's main thread. */
  processes?: ProcessReportEntry[];
  /** Additions: environment and capture cost. */
  meta?: {
    nodeVersion?: string;
    memprobeVersion?: string;
    startedAt?: string;
    snapshotPauseMs?: number;
    snapshotPauseShare?: number;
    /** The sampling heap profiler's interval (bytes), when it ran. */
    samplingIntervalBytes?: number;
    /** `snapshots` (full heap snapshots, the default) or `sampling` (`--sampling`: no snapshots). */
    mode?: 'snapshots' | 'sampling';
  };
}

/** One line of `timeline.ndjson`. */
export interface TimelineSample {
  /** Seconds since the run started. */
  t: number;
  requests: number;
  dropped: number;
  heapUsed: number;
  heapTotal: number;
  rss: number;
  external: number;
  arrayBuffers: number;
  /** Event-loop delay p99 over the last interval, milliseconds (shows snapshot pauses). */
  eventLoopDelayP99Ms: number | null;
  /** Optional: errors so far, snapshot in progress. */
  errors?: number;
  snapshotting?: boolean;
}
