/**
 * `heap.pb.gz`: V8's sampling heap profile (live objects) as a gzip-compressed pprof profile
 * (github.com/google/pprof/blob/main/proto/profile.proto), encoded with `pprof-format`, the encoder
 * @datadog/pprof uses. Readable by `go tool pprof`, Pyroscope, Parca and Grafana.
 *
 * Sample types are Go's heap-profile names, `inuse_objects/count` and `inuse_space/bytes`
 * (`inuse_space` the default): V8's sampling heap profiler keeps a sample only while its object is
 * alive, which is exactly what Go's "inuse" means, and tools key on these names (go tool pprof's
 * `-sample_index=inuse_space`, Pyroscope's and Parca's memory views). The `alloc_*` names would be
 * wrong: what was allocated and has been collected is not in the profile. Period is the sampling
 * interval (`space/bytes`), as in Go's profiles.
 *
 * One pprof sample per call-tree node with live sampled bytes; its stack runs leaf first (pprof's
 * order). Bytes are V8's `selfSize`, already scaled for the sampling; objects are each raw sample
 * scaled the same way V8 scales bytes (one sample of `size` stands for `1 / (1 - e^(-size/interval))`
 * objects), so bytes / objects is the average object size.
 */
import { gzipSync } from 'node:zlib';
import { Function as PprofFunction, Line, Location, Profile, Sample, StringTable, ValueType } from 'pprof-format';
import type { SamplingCallFrame, SamplingHeapProfile, SamplingHeapProfileNode } from '../analyzers/allocation-sites.js';

export const PPROF_SAMPLE_TYPES = [
  { type: 'inuse_objects', unit: 'count' },
  { type: 'inuse_space', unit: 'bytes' },
] as const;

/** A frame as the profile shows it; source maps may replace the generated position with the original. */
export interface ResolvedFrame {
  functionName: string;
  file: string;
  /** 1-based. */
  line: number;
  column: number;
}

export interface PprofOptions {
  /** The sampler's interval (bytes): the period, and the scale of object counts. Default 32 KiB. */
  samplingIntervalBytes?: number;
  /** When the profile was read (ms since the epoch). */
  timeMs?: number;
  /** How long sampling ran (ms). */
  durationMs?: number;
  /** Maps a generated position to its original source (source maps); identity when absent. */
  resolve?: (frame: SamplingCallFrame) => ResolvedFrame;
}

const defaultResolve = (f: SamplingCallFrame): ResolvedFrame => ({
  functionName: f.functionName || '(anonymous)',
  file: f.url ? f.url.replace(/^file:\/\//, '') : '(native)',
  line: f.lineNumber + 1,
  column: f.columnNumber + 1,
});

/** Builds the pprof profile (not yet encoded). */
export function samplingProfileToPprof(profile: SamplingHeapProfile, options: PprofOptions = {}): Profile {
  const interval = options.samplingIntervalBytes ?? 32 * 1024;
  const resolve = options.resolve ?? defaultResolve;
  const strings = new StringTable();
  const functions: PprofFunction[] = [];
  const locations: Location[] = [];
  const samples: Sample[] = [];
  const functionIds = new Map<string, number>();
  const locationIds = new Map<string, number>();

  // Raw samples per node, scaled to objects (absent in some producers' profiles: then 0 objects).
  const objectsByNode = new Map<number, number>();
  for (const s of profile.samples ?? []) {
    const scale = 1 / (1 - Math.exp(-s.size / interval));
    objectsByNode.set(s.nodeId, (objectsByNode.get(s.nodeId) ?? 0) + scale);
  }

  const locationOf = (frame: SamplingCallFrame): number => {
    const r = resolve(frame);
    const key = `${r.functionName}\u0000${r.file}\u0000${r.line}\u0000${r.column}`;
    let id = locationIds.get(key);
    if (id !== undefined) return id;
    const fnKey = `${r.functionName}\u0000${r.file}`;
    let functionId = functionIds.get(fnKey);
    if (functionId === undefined) {
      functionId = functions.length + 1;
      functionIds.set(fnKey, functionId);
      functions.push(new PprofFunction({ id: functionId, name: strings.dedup(r.functionName), systemName: strings.dedup(r.functionName), filename: strings.dedup(r.file) }));
    }
    id = locations.length + 1;
    locationIds.set(key, id);
    locations.push(new Location({ id, line: [new Line({ functionId, line: r.line, column: r.column })] }));
    return id;
  };

  const stack: number[] = [];
  const visit = (node: SamplingHeapProfileNode, depth: number) => {
    // V8's call tree starts with a synthetic "(root)" frame that is not code.
    const isRoot = depth === 0 && node.callFrame.functionName === '(root)' && !node.callFrame.url;
    if (!isRoot) stack.push(locationOf(node.callFrame));
    if (node.selfSize > 0) {
      const objects = Math.round(objectsByNode.get(node.id) ?? 0);
      samples.push(new Sample({ locationId: [...stack].reverse(), value: [objects, Math.round(node.selfSize)] }));
    }
    for (const child of node.children ?? []) visit(child, depth + 1);
    if (!isRoot) stack.pop();
  };
  visit(profile.head, 0);

  const sampleType = PPROF_SAMPLE_TYPES.map((t) => new ValueType({ type: strings.dedup(t.type), unit: strings.dedup(t.unit) }));
  const periodType = new ValueType({ type: strings.dedup('space'), unit: strings.dedup('bytes') });
  return new Profile({
    sampleType,
    sample: samples,
    location: locations,
    function: functions,
    stringTable: strings,
    periodType,
    period: interval,
    defaultSampleType: strings.dedup('inuse_space'),
    ...(options.timeMs !== undefined ? { timeNanos: BigInt(Math.round(options.timeMs)) * 1_000_000n } : {}),
    ...(options.durationMs !== undefined ? { durationNanos: BigInt(Math.round(options.durationMs)) * 1_000_000n } : {}),
  });
}

/** The gzip-compressed encoding: the bytes of `heap.pb.gz`. */
export function encodePprofGzip(profile: SamplingHeapProfile, options: PprofOptions = {}): Buffer {
  return gzipSync(samplingProfileToPprof(profile, options).encode());
}
