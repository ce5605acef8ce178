/**
 * Memory outside the JS heap: ArrayBuffer/Buffer backing stores and the native memory Node reports
 * to V8 (zlib state, other internals), which `process.memoryUsage().external` counts, and RSS beyond
 * the heap and external together (native addons, the allocator, code). None of it counts against
 * V8's heap limit, so growth there is projected against the process's memory limit (cgroup
 * `memory.max`, else physical memory).
 *
 * From the timeline (a line a second), after warm-up, skipping lines taken while a snapshot ran and
 * the one after (the snapshot's own spike):
 *
 * - `external` growth goes through the same growth test as an allocation site's (sampling-growth.ts).
 *   When a finding's growth rate is matched by it (the snapshot reports backing stores and zlib
 *   state as native nodes, so the owner's retained bytes include them), that finding is the owner:
 *   it is marked `memory: 'external'`, leaves the heap projection and joins the memory projection.
 *   Otherwise the growth is a finding of its own, named for what it is.
 * - RSS beyond heap and external: a finding of its own ("native memory outside any JS object"), in
 *   runs without snapshots only: a snapshot's RSS spike leaves RSS high afterwards (the allocator
 *   keeps the pages), which would look like native growth.
 * - The rule for streams and handles, as on-heap: a Node stream or handle class that piles up
 *   (Gzip, Socket, ...) is work that was never ended: a leak, whatever the owner analysis said.
 */
import type { Finding, Projection, TimelineSample } from '../core/report-schema.js';
import { formatBytes, formatCount, formatDuration } from '../core/units.js';
import { fitLine } from './growth-model.js';
import { HEAP_SHARE, MIN_GROWTH_BYTES } from './noise-floor.js';
import { projectOutOfMemory } from './oom-projection.js';
import { testSampledGrowth } from './sampling-growth.js';
import { OUTSIDE_HEAP } from './thresholds.js';

/** Node's stream and handle classes: one piling up per request is a leak (never ended, destroyed, closed). */
const STREAM_CLASSES =
  /^(Gzip|Gunzip|Deflate|Inflate|DeflateRaw|InflateRaw|Unzip|BrotliCompress|BrotliDecompress|ZlibBase|Zlib|Socket|TLSSocket|Server|ReadStream|WriteStream|Readable|Writable|Duplex|Transform|PassThrough|IncomingMessage|ServerResponse|ClientRequest|FileHandle|ChildProcess|Worker|MessagePort)$/;

/** Floor for RSS beyond heap and external: an absolute minimum and a share of RSS. */
const NATIVE_MIN_GROWTH_BYTES = 2 * 1024 * 1024;
const NATIVE_RSS_SHARE = 0.02;

export interface OutsideHeapInput {
  timeline: TimelineSample[];
  /** Growth is measured from here (end of warm-up: the first snapshot or reading). */
  fromT: number;
  findings: Finding[];
  projection: Projection;
  runRps: number | null;
  projectRps: number[];
  horizonS: number;
  heapLimitBytes: number | null;
  /** Heap size the heap projection starts from (the last snapshot's, or the last reading's). */
  lastHeapBytes: number;
  memoryLimit: { bytes: number; source: string } | null;
  /** Whether heap snapshots were taken (their RSS spikes rule out the RSS-beyond-heap series). */
  snapshotsTaken: boolean;
}

export interface OutsideHeapResult {
  findings: Finding[];
  projection: Projection;
  notes: string[];
}

interface Series {
  x: number[];
  t: number[];
  byRequests: boolean;
  external: number[];
  native: number[];
  rss: number[];
}

function seriesOf(timeline: TimelineSample[], fromT: number): Series {
  const kept: TimelineSample[] = [];
  for (let i = 0; i < timeline.length; i++) {
    const s = timeline[i];
    if (s.t < fromT || s.snapshotting || (i > 0 && timeline[i - 1].snapshotting)) continue;
    kept.push(s);
  }
  const byRequests = kept.length >= 2 && kept[kept.length - 1].requests > kept[0].requests;
  return {
    x: kept.map((s) => (byRequests ? s.requests : s.t)),
    t: kept.map((s) => s.t),
    byRequests,
    external: kept.map((s) => s.external),
    native: kept.map((s) => s.rss - s.heapTotal - s.external),
    rss: kept.map((s) => s.rss),
  };
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length === 0 ? 0 : s[s.length >> 1];
}

export function analyzeOutsideHeap(input: OutsideHeapInput): OutsideHeapResult {
  const notes: string[] = [];
  // Owners whose growth the snapshot shows is mostly backing stores and native state (zlib, ...).
  const findings = input.findings.map((f) => {
    const g = streamRule(f);
    return nativeShare(g) >= OUTSIDE_HEAP.nativeGrowthShare ? { ...g, memory: 'external' as const } : g;
  });
  const s = seriesOf(input.timeline, input.fromT);
  const outside: Finding[] = [];
  if (s.x.length >= 3) {
    const floor = Math.max(MIN_GROWTH_BYTES, HEAP_SHARE * median(s.rss));
    const external = testSampledGrowth(s.x, s.external, floor);
    if (external.real && external.shape === 'linear') {
      const perX = fitLine(s.x, s.external).slope;
      const perSecond = fitLine(s.t, s.external).slope;
      const growth = s.external[s.external.length - 1] - s.external[0];
      const evidence = `external memory (ArrayBuffer/Buffer backing stores, native memory Node reports: zlib, …) grew ${formatBytes(s.external[0])} → ${formatBytes(s.external[s.external.length - 1])} (${formatBytes(perSecond)}/s, r² ${external.r2.toFixed(2)}), outside the JS heap`;
      // The finding whose growth this is: the one whose rate it matches best (within 2x).
      let owner = -1;
      let best = Infinity;
      findings.forEach((f, i) => {
        if (f.verdict === 'bounded' || !(f.bytesPerSecond > 0)) return;
        const ratio = perSecond / f.bytesPerSecond;
        const distance = Math.abs(Math.log(ratio));
        if (ratio >= 0.5 && ratio <= 2 && distance < best) {
          best = distance;
          owner = i;
        }
      });
      const nativeOwners = findings.filter((f) => f.memory === 'external');
      if (nativeOwners.length) {
        // The heap showed whose it is: the growth belongs to those owners, not a finding of its own.
        for (const f of nativeOwners) f.evidence = [...f.evidence, `${evidence}, not held against the heap limit`];
      } else if (owner >= 0) {
        const f = findings[owner];
        findings[owner] = { ...f, memory: 'external', evidence: [...f.evidence, `${evidence}: the same growth as this owner's, so it is not held against the heap limit`] };
      } else {
        outside.push({
          owner: '(external memory: Buffers, ArrayBuffers, native)',
          verdict: 'leak',
          bytesPerRequest: s.byRequests ? perX : null,
          bytesPerSecond: perSecond,
          growthBytes: Math.round(growth),
          retainerPath: [],
          evidence: [evidence, 'no JS owner in the analysis grows at this rate'],
          hint:
            'Buffers or typed arrays kept per request, or native handles never closed (zlib streams, sockets, file handles). ' +
            'A heap snapshot shows which JS objects hold the backing stores (`system / JSArrayBufferData`) and native state (`Node / ZlibStream`): end()/destroy() streams, close handles, drop the references.',
          memory: 'external',
          retainedBytesSeries: s.external,
          r2: external.r2,
        });
      }
    }
    if (!input.snapshotsTaken) {
      // RSS moves in pages and allocator arenas, and the first seconds of a process grow it (code,
      // stacks, malloc arenas): a higher floor than the heap's, 2 MB or 2% of RSS.
      const native = testSampledGrowth(s.x, s.native, Math.max(floor, NATIVE_MIN_GROWTH_BYTES, NATIVE_RSS_SHARE * median(s.rss)));
      if (native.real && native.shape === 'linear') {
        const perSecond = fitLine(s.t, s.native).slope;
        outside.push({
          owner: 'native memory outside any JS object',
          verdict: 'leak',
          bytesPerRequest: s.byRequests ? fitLine(s.x, s.native).slope : null,
          bytesPerSecond: perSecond,
          growthBytes: Math.round(s.native[s.native.length - 1] - s.native[0]),
          retainerPath: [],
          evidence: [
            `RSS beyond the JS heap and external memory grew ${formatBytes(s.native[0])} → ${formatBytes(s.native[s.native.length - 1])} (${formatBytes(perSecond)}/s, r² ${native.r2.toFixed(2)}): memory no JS object accounts for`,
          ],
          hint:
            'Native memory the JS heap does not see: a native addon allocating without releasing, or the allocator holding freed memory (fragmentation: try MALLOC_ARENA_MAX=2 or jemalloc). ' +
            'To go further: heaptrack node app.js, or valgrind --tool=massif, shows the native allocation stacks.',
          memory: 'native',
          retainedBytesSeries: s.native,
          r2: native.r2,
        });
      }
    } else {
      notes.push('RSS beyond heap and external memory is not judged in a run with heap snapshots: each snapshot raises RSS, and the allocator keeps the pages (use --sampling to watch it)');
    }
  }
  const all = [...findings, ...outside];
  const projection = project(input, all, s);
  return { findings: all, projection, notes };
}

/**
 * Share of a finding's growth that is native or external memory, from its composition evidence
 * (`the growth is 96% native/external memory …`, verdicts.ts); 0 when it does not say.
 */
function nativeShare(f: Finding): number {
  for (const line of f.evidence) {
    const m = /(\d+(?:\.\d+)?)% native\/external memory/.exec(line);
    if (m) return Number(m[1]) / 100;
  }
  return 0;
}

/** A stream or handle class piling up is a leak, as on-heap: the work it belongs to never ended. */
function streamRule(f: Finding): Finding {
  if (f.verdict !== 'accumulation' || !STREAM_CLASSES.test(f.owner)) return f;
  return {
    ...f,
    verdict: 'leak',
    evidence: [`${f.owner} is a Node.js stream or handle: one per request that stays is work that was never ended`, ...f.evidence],
    hint: `${f.owner} instances are created and never ended or destroyed: call end() (or use stream.pipeline(), which destroys on error) for streams, destroy()/close() for sockets and handles, and drop the reference when done. Each zlib stream holds ~300 KB of native memory until then.`,
  };
}

function project(input: OutsideHeapInput, findings: Finding[], s: Series): Projection {
  const unbounded = findings.filter((f) => f.verdict !== 'bounded');
  const inHeap = unbounded.filter((f) => !f.memory || f.memory === 'heap');
  const outside = unbounded.filter((f) => f.memory === 'external' || f.memory === 'native');
  const heapChanged = outside.some((f) => input.findings.some((g) => g.key === f.key && g.owner === f.owner && g.memory === undefined));
  // The heap projection again, without what lives outside the heap (it never reaches that limit).
  const heap = heapChanged
    ? projectOutOfMemory({
        lastTotalBytes: input.lastHeapBytes,
        heapLimitBytes: input.heapLimitBytes,
        runRps: input.runRps,
        projectRps: input.projectRps,
        horizonS: input.horizonS,
        growing: inHeap.map((f) => ({ owner: f.owner, bytesPerRequest: f.bytesPerRequest === null ? null : Math.max(0, f.bytesPerRequest), bytesPerSecond: Math.max(0, f.bytesPerSecond) })),
      })
    : input.projection;
  if (outside.length === 0 || !input.memoryLimit) return heap;
  const limit = input.memoryLimit;
  const rss = s.rss.length ? s.rss[s.rss.length - 1] : 0;
  const perRequest = outside.every((f) => f.bytesPerRequest !== null) && input.runRps !== null;
  const rate = perRequest ? outside.reduce((sum, f) => sum + Math.max(0, f.bytesPerRequest!) * input.runRps!, 0) : outside.reduce((sum, f) => sum + Math.max(0, f.bytesPerSecond), 0);
  const seconds = rate > 0 ? Math.max(0, limit.bytes - rss) / rate : Infinity;
  const names = outside.slice(0, 3).map((f) => f.owner).join(', ');
  const at = perRequest ? `at ${formatCount(input.runRps!)}/s` : 'at the observed rate';
  const heapText = inHeap.length === 0 ? 'nothing on the JS heap grows without bound' : heap.text;
  const text = Number.isFinite(seconds)
    ? `${at} memory outside the JS heap (${names}) takes the process to its ${formatBytes(limit.bytes)} memory limit (${limit.source}) in ${formatDuration(seconds)}${seconds > input.horizonS ? ` (beyond the ${formatDuration(input.horizonS)} horizon)` : ''}`
    : `${at} memory outside the JS heap does not grow`;
  return {
    ...heap,
    text: heapText ? `${heapText}; ${text}` : text,
    memory: { limitBytes: limit.bytes, source: limit.source, rssBytes: rss, secondsToLimit: Number.isFinite(seconds) && seconds <= input.horizonS ? seconds : null, text },
  };
}
