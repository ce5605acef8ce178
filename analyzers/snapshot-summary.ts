/**
 * The compact, persisted summary of one heap snapshot (`<run>/summaries/NNN.json`).
 *
 * Small enough to keep after the raw snapshot is deleted, and enough to redo the growth analysis
 * (`memprobe report <run-dir>`) without it. Built by `summarize-snapshot.ts` from the engine's
 * passes; read by `growth.ts` and `verdicts.ts`.
 */
import type { IdentitySample } from './identity-sample.js';

import type { GrowthRootSummary } from './growth-roots.js';

/**
 * What an owner's exclusively attributed bytes are made of. Structural kinds that separate a leak
 * (transient things surviving) from accumulation (plain values piling up in a long-lived store).
 */
export const CATEGORIES = [
  'closure', // JS functions (type `closure`)
  'context', // closure contexts (`system / Context`)
  'listener', // closures held in an EventEmitter's `_events` (or EventTarget listener lists)
  'timer', // Timeout / Immediate / TimersList objects and their callbacks' holders
  'promise', // Promise objects and reactions
  'socket', // Socket, TCP/TLS wraps, IncomingMessage, ServerResponse, ClientRequest, native handles
  'instance', // instances of user-defined classes (named constructors other than Object/Array/Map/Set)
  'plain-object', // `Object` instances: records, label sets, option bags
  'collection', // Map/Set/WeakMap backing tables and the Map/Set objects themselves
  'value-array', // array backing stores holding only values (doubles, smis, numbers, strings)
  'object-array', // array backing stores holding references to objects
  'string', // string, concatenated string, sliced string
  'number', // heap numbers
  'bigint',
  'code', // code, shared function infos, feedback, scripts: VM metadata
  'native', // native / external memory (ArrayBuffer backing stores, etc.)
  'other',
] as const;
export type Category = (typeof CATEGORIES)[number];

export interface CategoryStats {
  count: number;
  bytes: number;
}

export interface OwnerSummary {
  /** Stable identity across snapshots of one process: name plus definition site when known. */
  key: string;
  /** Display name: the constructor a user would recognise (`TrendSink`, `Map`, `Timeout`). */
  owner: string;
  /** `script:line` where the owner's constructor is defined, when the snapshot says. */
  location: string | null;
  /** Number of live instances of this owner. */
  count: number;
  /** Dominator-tree retained size of the instances, counted once (nested instances not twice). */
  retainedBytes: number;
  /** Bytes whose nearest owning dominator is an instance of this owner (each byte in exactly one owner). */
  selfBytes: number;
  /** The exclusively attributed bytes by kind. */
  composition: Partial<Record<Category, CategoryStats>>;
  /**
   * Cohorts: exclusively attributed objects by birth interval. Entry i counts objects whose node id
   * is in (cohortBoundaries[i-1], cohortBoundaries[i]] (entry 0: id <= cohortBoundaries[0]; the last
   * entry: ids above every boundary, i.e. born since the previous snapshot).
   */
  cohortCounts: number[];
  cohortBytes: number[];
  /** One path from the GC roots to an instance, readable edge names, ending in the owner. */
  retainerPath: string[];
}

export interface SnapshotSummary {
  schema: 'memprobe/snapshot-summary@1';
  /** Snapshot file the summary was made from (basename), or null. */
  source: string | null;
  /** Seconds since the run started, when known. */
  t: number | null;
  /** Requests completed when the snapshot was taken, when known. */
  requests: number | null;
  nodeCount: number;
  edgeCount: number;
  /**
   * Bytes reachable from the GC roots (the root's retained size), plus the header's
   * `extra_native_bytes` when newer V8 writes it, as DevTools' Total counts them. The categories
   * sum to the first part only: those bytes belong to no node.
   */
  totalBytes: number;
  /** Largest node id in this snapshot: the birth boundary later snapshots use for cohorts. */
  maxNodeId: number;
  /** Node-id boundaries for the cohorts (maxNodeId of each earlier snapshot of the same process). */
  cohortBoundaries: number[];
  /** Heap-wide totals by category (all reachable bytes). */
  categories: Partial<Record<Category, CategoryStats>>;
  /** Owners, largest retainedBytes first (long tail cut; see `summarize-snapshot.ts`). */
  owners: OwnerSummary[];
  /**
   * Where the objects born since the first snapshot of the process hang (`growth-roots.ts`);
   * absent in the first snapshot's summary, and in summaries written before growth roots existed.
   */
  growthRoots?: GrowthRootSummary[];
  /** Addition: sampled node ids with a hash of their type and name, to tell one process's snapshots from another's (`identity-sample.ts`). */
  identity?: IdentitySample;
}
