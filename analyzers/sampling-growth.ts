/**
 * Growth without heap snapshots (`--sampling`): V8's sampling heap profiler keeps one sample per
 * ~32 KiB allocated, with its allocation stack, for as long as the sampled object lives. Read at
 * intervals (`HeapProfiler.getSamplingProfile`: a full GC, then a walk of the samples), the live
 * sampled bytes of each allocation stack form a series; growth that survives is growth of that
 * series. Everything allocated before sampling started is invisible, so a 500 MB heap that does not
 * grow contributes nothing, and the noise is work in flight at the moment of the reading.
 *
 * Series are grouped by allocation site: the allocating frame nearest the leaf that is not Node.js
 * internals nor memprobe's own, and, when that frame is in `node_modules`, the frames up to the
 * nearest caller outside it (the line a user can change). Each site's series goes through the same
 * noise floor and growth test as an owner's across snapshots (`noise-floor.ts` rules: floor of
 * 64 KB or 0.2% of the heap, and here also 8 sampling intervals, sustained rise, r² of the line),
 * on the points bucketed to at most ten, since a profile read every few seconds has many more
 * points than a run has snapshots.
 *
 * A profile says where memory was allocated, not what keeps it. Where the stack shows what was
 * made (a stream or handle in `node:zlib`/`node:net`, a listener in `node:events`, a timer) the
 * verdict is a leak as on-heap; otherwise it cannot tell a leak from an accumulation, says so, and
 * names the one heap snapshot that would decide, with its predicted cost.
 */
import type { AllocationSite, Finding, Projection, Verdict } from '../core/report-schema.js';
import type { SamplingCallFrame, SamplingHeapProfile, SamplingHeapProfileNode } from './allocation-sites.js';
import { fitLine, monotonicity, plateauTest } from './growth-model.js';
import { HEAP_SHARE, MIN_GROWTH_BYTES, MIN_R2 } from './noise-floor.js';
import { projectOutOfMemory } from './oom-projection.js';
import { FIRST_GUESS, predictSnapshotCost, type SnapshotCostModel } from './snapshot-cost.js';
import { formatBytes, formatDuration } from '../core/units.js';

/** One read of the profile: live sampled bytes and objects per stack id. */
export interface SamplingPoint {
  t: number;
  requests: number | null;
  heapUsed: number;
  values: Map<number, { bytes: number; objects: number }>;
}

export interface SamplingSeries {
  /** Stack id → frames, root first. */
  stacks: Map<number, SamplingCallFrame[]>;
  points: SamplingPoint[];
}

/** One line of `sampling.ndjson` (schema `memprobe/sampling-point@1`). */
export interface SamplingLine {
  t: number;
  requests: number | null;
  heapUsed: number;
  /** Stacks first seen in this line: id → frames root first, `[functionName, url, line0, column0]`. */
  stacks?: Record<string, [string, string, number, number][]>;
  /** `[stackId, liveSampledBytes, liveObjects]` for every stack with live samples. */
  v: [number, number, number][];
}

/**
 * Flattens a profile into (stack, bytes, objects), assigning ids to stacks not seen before (`known`
 * is updated); returns the line to append. Objects are raw samples scaled as V8 scales bytes.
 */
export function samplingLine(
  profile: SamplingHeapProfile,
  known: Map<string, number>,
  at: { t: number; requests: number | null; heapUsed: number },
  intervalBytes: number,
): SamplingLine {
  const objectsByNode = new Map<number, number>();
  for (const s of profile.samples ?? []) objectsByNode.set(s.nodeId, (objectsByNode.get(s.nodeId) ?? 0) + 1 / (1 - Math.exp(-s.size / intervalBytes)));
  const fresh: Record<string, [string, string, number, number][]> = {};
  const values = new Map<number, [number, number, number]>();
  const frames: [string, string, number, number][] = [];
  const visit = (node: SamplingHeapProfileNode, depth: number) => {
    const f = node.callFrame;
    const isRoot = depth === 0 && f.functionName === '(root)' && !f.url;
    if (!isRoot) frames.push([f.functionName, f.url, f.lineNumber, f.columnNumber]);
    if (node.selfSize > 0) {
      const key = JSON.stringify(frames);
      let id = known.get(key);
      if (id === undefined) {
        id = known.size + 1;
        known.set(key, id);
        fresh[id] = frames.map((x) => [...x] as [string, string, number, number]);
      }
      const objects = objectsByNode.get(node.id) ?? 0;
      const v = values.get(id);
      if (v) {
        v[1] += node.selfSize;
        v[2] += objects;
      } else values.set(id, [id, node.selfSize, objects]);
    }
    for (const child of node.children ?? []) visit(child, depth + 1);
    if (!isRoot) frames.pop();
  };
  visit(profile.head, 0);
  const line: SamplingLine = { t: at.t, requests: at.requests, heapUsed: at.heapUsed, v: [...values.values()].map(([id, b, o]) => [id, Math.round(b), Math.round(o)]) };
  if (Object.keys(fresh).length) line.stacks = fresh;
  return line;
}

/** Reads `sampling.ndjson` text; a torn or foreign line is skipped and counted in `unreadable`. */
export function parseSamplingSeries(text: string): SamplingSeries & { unreadable: number } {
  const stacks = new Map<number, SamplingCallFrame[]>();
  const points: SamplingPoint[] = [];
  let unreadable = 0;
  for (const raw of text.split('\n')) {
    if (!raw.trim()) continue;
    let line: SamplingLine;
    try {
      line = JSON.parse(raw) as SamplingLine;
    } catch {
      unreadable++;
      continue;
    }
    if (typeof line?.t !== 'number' || !Array.isArray(line.v)) {
      unreadable++;
      continue;
    }
    for (const [id, frames] of Object.entries(line.stacks ?? {})) {
      stacks.set(Number(id), frames.map(([functionName, url, lineNumber, columnNumber]) => ({ functionName, url, lineNumber, columnNumber, scriptId: 0 })));
    }
    const values = new Map<number, { bytes: number; objects: number }>();
    for (const [id, bytes, objects] of line.v) values.set(id, { bytes, objects });
    points.push({ t: line.t, requests: typeof line.requests === 'number' ? line.requests : null, heapUsed: Number(line.heapUsed) || 0, values });
  }
  return { stacks, points, unreadable };
}

const isInternal = (f: SamplingCallFrame) => !f.url || f.url.startsWith('node:') || f.url.startsWith('internal/');
const inNodeModules = (f: SamplingCallFrame) => /[\\/]node_modules[\\/]/.test(f.url);
const isToolFrame = (f: SamplingCallFrame) => /[\\/](dist[\\/])?harness[\\/][^\\/]+\.[cm]?[jt]s$/.test(f.url);

/** `file:line:col` (1-based), or what a source map says it was. */
export type FrameLabeler = (f: SamplingCallFrame) => { functionName: string; location: string };

const plainLabel: FrameLabeler = (f) => ({
  functionName: f.functionName || '(anonymous)',
  location: `${f.url.replace(/^file:\/\//, '')}:${f.lineNumber + 1}:${f.columnNumber + 1}`,
});

interface Site {
  key: string;
  site: SamplingCallFrame;
  /** From the allocating frame up to the nearest frame outside node_modules, leaf first. */
  stack: SamplingCallFrame[];
  /** Node internals between the site and the allocation (what the site called to allocate). */
  below: SamplingCallFrame[];
}

/** The site of one stack (root first); null when it holds only internals and memprobe's frames. */
function siteOf(frames: SamplingCallFrame[], label: FrameLabeler): Site | null {
  for (let i = frames.length - 1; i >= 0; i--) {
    const f = frames[i];
    if (isInternal(f) || isToolFrame(f)) continue;
    const stack = [f];
    if (inNodeModules(f)) {
      for (let j = i - 1; j >= 0; j--) {
        if (isToolFrame(frames[j])) break;
        stack.push(frames[j]);
        if (!isInternal(frames[j]) && !inNodeModules(frames[j])) break;
      }
    }
    const outside = stack[stack.length - 1];
    const key = `${label(f).functionName}@${label(f).location}<${label(outside).location}`;
    return { key, site: f, stack, below: frames.slice(i + 1) };
  }
  return null;
}

/** Node modules whose allocations say what was made: per-request ones of these are leaks. */
const LEAK_MODULES: { test: RegExp; what: string }[] = [
  { test: /^node:(zlib|internal\/streams\/.*|stream)$/, what: 'streams (native zlib or stream state)' },
  { test: /^node:(net|tls|_http_\w+|http|https|internal\/http)$/, what: 'sockets or HTTP requests/responses' },
  { test: /^node:(events|internal\/event_target)$/, what: 'event listeners' },
  { test: /^node:(timers|internal\/timers)$/, what: 'timers' },
];

export interface SamplingOptions {
  intervalBytes: number;
  heapLimitBytes: number | null;
  runRps: number | null;
  projectRps: number[];
  horizonS: number;
  /** Calibrated on this process's snapshots when there were any; else the first guess. */
  costModel?: SnapshotCostModel;
  /** Memory available to the process (for the deciding snapshot's cost), when known. */
  availableMemoryBytes?: number | null;
  /** How the user reaches the process again: `memprobe attach 4242` (null: a run memprobe started). */
  attachCommand?: string | null;
  label?: FrameLabeler;
}

export interface SamplingAnalysis {
  findings: Finding[];
  projection: Projection;
  notes: string[];
}

const MAX_POINTS = 10;
/** Average live object size above which a site's bytes are backing stores that grow in steps. */
const LARGE_OBJECT_BYTES = 4096;

/** Means of consecutive, equal-count buckets: at most `MAX_POINTS` points. */
function bucket(x: number[], y: number[]): { x: number[]; y: number[] } {
  const n = y.length;
  if (n <= MAX_POINTS) return { x, y };
  const bx: number[] = [];
  const by: number[] = [];
  for (let b = 0; b < MAX_POINTS; b++) {
    const from = Math.floor((b * n) / MAX_POINTS);
    const to = Math.floor(((b + 1) * n) / MAX_POINTS);
    let sx = 0;
    let sy = 0;
    for (let i = from; i < to; i++) {
      sx += x[i];
      sy += y[i];
    }
    bx.push(sx / (to - from));
    by.push(sy / (to - from));
  }
  return { x: bx, y: by };
}

interface GrowthJudgement {
  real: boolean;
  shape: 'linear' | 'plateau' | 'none';
  r2: number;
  reason: string | null;
}

/** The snapshot rules of `testGrowth` (noise-floor.ts), for a series without object cohorts. */
export function testSampledGrowth(x: number[], y: number[], floorBytes: number, hiddenBytes = 0): GrowthJudgement {
  const b = bucket(x, y);
  const n = b.y.length;
  const step = floorBytes / 4;
  const fit = fitLine(b.x, b.y);
  if (n < 2) return { real: false, shape: 'none', r2: fit.r2, reason: 'fewer than two readings' };
  const plateau = plateauTest(b.x, b.y, step, hiddenBytes);
  if (plateau.plateaued && plateau.riseBytes >= floorBytes && monotonicity(b.y.slice(0, plateau.flatFrom + 1), step) === 1) {
    return { real: true, shape: 'plateau', r2: fit.r2, reason: null };
  }
  const growth = b.y[n - 1] - b.y[0];
  if (growth < floorBytes) return { real: false, shape: 'none', r2: fit.r2, reason: `grew ${Math.round(growth)} B, under the floor` };
  const mono = monotonicity(b.y, step);
  const allowedDips = n >= 5 ? 1 : 0;
  const dips = Math.round((1 - mono) * (n - 1));
  let deepest = 0;
  for (let i = 1; i < n; i++) deepest = Math.max(deepest, b.y[i - 1] - b.y[i]);
  if (dips > allowedDips || (dips > 0 && deepest > Math.max(2 * step, 0.1 * growth))) {
    return { real: false, shape: 'none', r2: fit.r2, reason: `fell at ${dips} of ${n - 1} intervals` };
  }
  if (n >= 3 && fit.r2 < MIN_R2) return { real: false, shape: 'none', r2: fit.r2, reason: `r² ${fit.r2.toFixed(2)} < ${MIN_R2}` };
  return { real: true, shape: 'linear', r2: fit.r2, reason: null };
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? 0 : s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function analyzeSamplingGrowth(series: SamplingSeries, options: SamplingOptions): SamplingAnalysis {
  const notes: string[] = [];
  const label = options.label ?? plainLabel;
  const points = series.points;
  const lastHeap = points.length ? points[points.length - 1].heapUsed : 0;
  const empty = (note: string): SamplingAnalysis => ({
    findings: [],
    projection: projectOutOfMemory({ ...options, lastTotalBytes: lastHeap, growing: [] }),
    notes: [...notes, note],
  });
  if (points.length < 2) return empty('growth needs two or more readings of the sampling heap profile; no findings');

  const byRequests = points.every((p) => p.requests !== null) && points[points.length - 1].requests! > points[0].requests!;
  const x = byRequests ? points.map((p) => p.requests!) : points.map((p) => p.t);
  const ts = points.map((p) => p.t);
  const floorBytes = Math.max(MIN_GROWTH_BYTES, HEAP_SHARE * median(points.map((p) => p.heapUsed)), 8 * options.intervalBytes);
  const span = x[x.length - 1] - x[0];
  notes.push(
    `sampling mode: no heap snapshots; V8's sampling heap profiler (one sample per ${formatBytes(options.intervalBytes)} allocated, live objects only) read ${points.length} times; ` +
      `noise floor: an allocation site must grow by at least ${Math.round(floorBytes / 1024)} KB` +
      (byRequests && span > 0 ? ` (${(floorBytes / span).toFixed(2)} B/request over ${span} requests)` : '') +
      ', steadily across readings, to be reported',
  );
  if (!byRequests) notes.push('no request counts: growth is measured over time and bytesPerRequest is null');

  // Stacks grouped by site.
  const sites = new Map<string, { site: Site; bytes: number[]; objects: number[]; stacks: { site: Site; growth: number }[] }>();
  for (const [id, frames] of series.stacks) {
    const site = siteOf(frames, label);
    if (!site) continue;
    let entry = sites.get(site.key);
    if (!entry) sites.set(site.key, (entry = { site, bytes: new Array(points.length).fill(0), objects: new Array(points.length).fill(0), stacks: [] }));
    const own = points.map((p) => p.values.get(id)?.bytes ?? 0);
    entry.stacks.push({ site, growth: own[own.length - 1] - own[0] });
    points.forEach((p, i) => {
      const v = p.values.get(id);
      if (v) {
        entry.bytes[i] += v.bytes;
        entry.objects[i] += v.objects;
      }
    });
  }
  // A site's shown stack, and what it says was made, is that of its stack that grew most: one
  // handler allocates its response (in flight) and its listener (kept) through different modules.
  for (const entry of sites.values()) {
    const grown = [...entry.stacks].sort((a, b) => b.growth - a.growth)[0];
    if (grown) entry.site = grown.site;
  }

  const cost = predictSnapshotCost(options.costModel ?? FIRST_GUESS, lastHeap);
  const findings: Finding[] = [];
  for (const { site, bytes, objects, stacks } of sites.values()) {
    // A site whose live bytes are a few large objects is a backing store growing in place (an
    // array, a hash table): V8 grows it by 1.5-2x, so it can look flat for a while and then jump,
    // a staircase, not a plateau. As on-heap (elasticSlackBytes), the flat stretch must be longer
    // than that slack could hide.
    const last = bytes.length - 1;
    const averageObject = objects[last] > 0 ? bytes[last] / objects[last] : 0;
    const hidden = averageObject >= LARGE_OBJECT_BYTES ? bytes[last] : 0;
    const test = testSampledGrowth(x, bytes, floorBytes, hidden);
    if (!test.real) continue;
    const perX = fitLine(x, bytes).slope;
    const perSecond = fitLine(ts, bytes).slope;
    const b = bucket(x, bytes);
    const growth = b.y[b.y.length - 1] - b.y[0];
    const siteLabel = label(site.site);
    const owner = `${siteLabel.functionName} (${shortLocation(siteLabel.location)})`;
    // What was made: the module of the stack that grew most, or of any stack with a quarter of the growth.
    const madeBy = (s: Site) => [...s.below].reverse().map((f) => LEAK_MODULES.find((m) => m.test.test(f.url))).find(Boolean);
    const totalGrowth = stacks.reduce((sum, s) => sum + Math.max(0, s.growth), 0);
    const made = madeBy(site) ?? stacks.filter((s) => s.growth >= 0.25 * totalGrowth).map((s) => madeBy(s.site)).find(Boolean);
    const stackText = site.stack.map((f) => `${label(f).functionName} ${label(f).location}`);
    const belowText = site.below.filter((f) => f.url).map((f) => `${f.functionName || '(anonymous)'} ${f.url}:${f.lineNumber + 1}`);
    const evidence = [
      `live sampled bytes allocated at ${siteLabel.functionName} ${siteLabel.location}: ${formatBytes(b.y[0])} → ${formatBytes(b.y[b.y.length - 1])} over ${points.length} readings (r² ${test.r2.toFixed(2)})`,
      `live objects from this site: ~${Math.round(objects[0])} → ~${Math.round(objects[objects.length - 1])}`,
      ...(belowText.length ? [`allocated through ${belowText.slice(-3).join(' ← ')}`] : []),
    ];
    let verdict: Verdict;
    let hint: string;
    let decidingSnapshot: Finding['decidingSnapshot'];
    if (test.shape === 'plateau') {
      verdict = 'bounded';
      evidence.push('grew, then levelled off');
      hint = `What ${siteLabel.functionName} allocates levelled off (a cache filling, warm-up); nothing to do unless the level is too high.`;
    } else if (made) {
      verdict = 'leak';
      evidence.push(`the stack shows what is made: ${made.what}, created per request and never released`);
      hint = `${made.what[0].toUpperCase()}${made.what.slice(1)} created at ${siteLabel.location} survive: end/destroy/close them when the work is done (stream.end() or pipeline(), socket.destroy(), off()/removeListener, clearTimeout).`;
    } else {
      verdict = 'accumulation';
      const command = options.attachCommand ? `${options.attachCommand} --snapshots 2 --duration 30s` : 'a run without --sampling';
      const fits = options.availableMemoryBytes ? (cost.rssRiseBytes < options.availableMemoryBytes ? `, of ${formatBytes(options.availableMemoryBytes)} available` : `: more than the ${formatBytes(options.availableMemoryBytes)} available, so take it where the process has more memory`) : '';
      decidingSnapshot = { pauseS: round(cost.pauseS, 1), rssRiseBytes: Math.round(cost.rssRiseBytes), basis: cost.basis, command };
      evidence.push(
        'a sampling profile records where memory was allocated, not what keeps it alive: it cannot tell a leak (per-request objects lost track of) from an accumulation (data kept on purpose); reported as an accumulation until a snapshot decides',
      );
      hint =
        `One heap snapshot decides (its owners table shows what retains what ${siteLabel.functionName} allocates): predicted pause ${formatDuration(cost.pauseS)}, RSS rise ${formatBytes(cost.rssRiseBytes)} (${cost.basis})${fits}; ` +
        `${command}. If ${siteLabel.functionName} stores values on purpose, bound it (cap, LRU/TTL, streaming aggregate); if it makes per-request objects, release them.`;
    }
    const allocationSite: AllocationSite = {
      functionName: siteLabel.functionName,
      location: siteLabel.location,
      bytes: bytes[bytes.length - 1],
      ...(site.stack.length > 1 ? { calledFrom: stackText[stackText.length - 1] } : {}),
    };
    findings.push({
      owner,
      verdict,
      bytesPerRequest: byRequests ? perX : null,
      bytesPerSecond: perSecond,
      growthBytes: Math.round(growth),
      retainerPath: [],
      evidence,
      hint,
      key: site.key,
      location: siteLabel.location,
      retainedBytesSeries: bytes,
      countSeries: objects.map(Math.round),
      r2: test.r2,
      allocationSites: [allocationSite],
      site: { functionName: siteLabel.functionName, location: siteLabel.location, stack: stackText },
      ...(decidingSnapshot ? { decidingSnapshot } : {}),
    });
  }
  findings.sort((a, b) => b.growthBytes - a.growthBytes);
  const growing = findings
    .filter((f) => f.verdict !== 'bounded')
    .map((f) => ({ owner: f.owner, bytesPerRequest: f.bytesPerRequest === null ? null : Math.max(0, f.bytesPerRequest), bytesPerSecond: Math.max(0, f.bytesPerSecond) }));
  const projection = projectOutOfMemory({ ...options, lastTotalBytes: lastHeap, growing });
  return { findings, projection, notes };
}

function shortLocation(location: string): string {
  const m = /([^/\\]+):(\d+):\d+$/.exec(location);
  return m ? `${m[1]}:${m[2]}` : location;
}

function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
