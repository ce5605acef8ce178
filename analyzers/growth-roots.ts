/**
 * Growth roots: where the objects born since the first snapshot hang on to the old graph.
 *
 * Objects that survive from one snapshot to the next keep their V8 id, and ids grow with
 * allocation, so in snapshot k every JS object with an id above the first snapshot's largest id is
 * *new*: born during the run, and still alive after the forced GC that precedes the snapshot. New
 * objects always hang from old ones somewhere (the growth has to attach to what was there before):
 * the dominator tree says exactly where. A new object whose immediate dominator is old is the top
 * of a new subtree, and that old dominator is its *attach point*: a Map or Set whose table was
 * reallocated, an array, a listener list, a timer list, a closure's context, an instance's field.
 *
 * Attach points are then grouped into *roots*, named after the nearest holder above them that a
 * user recognises (`holderOf`): a class instance (`Server`, `TrendSink`; Node's own plumbing
 * classes such as `TimersList` are passed over), the function whose closure context holds it
 * (`memoize()` at `file:line`), or a Map/Set/Array/Object held by a named variable (`Map (cache)`).
 * The root's key is the holder's identity plus the readable path from the holder down to the attach
 * point (`Server › clients`), so the same field of every instance of a class is one root, and two
 * fields are two. Growth that reaches no holder is a root of its own, keyed by its retaining path.
 *
 * For each root the summary keeps what was added under it: bytes and counts by *entry kind* (what a
 * verdict needs: requests and other handles, timers, listeners, pending or settled promises,
 * closures, records, values), the new instances by owner (its *contents*, e.g. 26,081
 * `IncomingMessage`), how the entries are keyed (by strings, by integers, by position), and how much
 * of the new growth was already alive one snapshot earlier (work in flight at snapshot time is
 * always young; a leak's objects grow old).
 */
import type { HeapSnapshot } from './heap-snapshot.js';
import { typeCodes } from './heap-snapshot.js';
import { ROOT_ORDINAL } from './essential-edges.js';
import type { DominatorTree } from './dominators.js';
import { UNREACHABLE, edgeSource, type ShortestPaths } from './distances.js';
import { CATEGORY_INDEX } from './node-categories.js';
import { holdingNameReader, type Owner } from './owners.js';
import { describeRetainerPath, edgeLabel } from './retainer-paths.js';
import type { CategoryStats } from './snapshot-summary.js';

/**
 * What a new object is, for the verdict. The first four are the *lifecycle* kinds: things that
 * belong to a piece of work (a request, a connection, an async operation) and should die with it.
 */
export const ENTRY_KINDS = [
  'handle', // sockets, requests, responses, streams and other emitters, native handles
  'timer', // Timeout / Immediate and their callbacks
  'listener', // functions held in an emitter's listener store or an EventTarget's list
  'pending-promise', // promises not settled (or settled to a primitive: the snapshot cannot tell)
  'settled-promise', // promises holding their result
  'closure', // functions and the contexts they capture
  'instance', // instances of classes that are not handles
  'record', // plain objects, Map/Set objects and their tables
  'value', // strings, numbers, value arrays, buffers' native bytes
  'structure', // arrays of references, property stores: the plumbing between holder and entries
] as const;
export type EntryKind = (typeof ENTRY_KINDS)[number];
export const LIFECYCLE_KINDS: readonly EntryKind[] = ['handle', 'timer', 'listener', 'pending-promise'];

export type KeyedBy = 'strings' | 'integers' | 'positions' | 'fields' | 'none';

export interface GrowthRootContent {
  /** Owner key of the new instances (as in `OwnerSummary.key`). */
  key: string;
  owner: string;
  count: number;
  bytes: number;
}

export interface GrowthRootSummary {
  /** Stable across snapshots: the holder's identity and the path from it to the attach points. */
  key: string;
  /** The holder's identity alone: roots under one holder make one finding. */
  holderKey: string;
  /** Display name of the holder (`Server`, `memoize()`, `Map (cache)`), or of the growth when none. */
  owner: string;
  /** `OwnerSummary.key` of the holding owner, null when the holder is a function or there is none. */
  ownerKey: string | null;
  /**
   * `runtime`: the new objects hang directly from the runtime's own roots or native handles (an
   * open connection's TCP wrap, the GC roots): live work the runtime holds, not something the
   * program keeps.
   */
  holderKind: 'class' | 'collection' | 'function' | 'runtime' | 'none';
  /**
   * The holder (or the store itself) is reachable from the callbacks of an async_hooks hook: what
   * it keeps by integer key is kept by async id, one entry per async operation.
   */
  asyncHookStore: boolean;
  /** `script:line` of the holder's class or function, when known. */
  location: string | null;
  /** Readable path from the holder to the attach point (`clients`, `_events → data`), '' at the holder itself. */
  container: string;
  /** Path from the GC roots to one attach point. */
  retainerPath: string[];
  attachPoints: number;
  /**
   * V8 ids of the attach points carrying the most new bytes (at most ATTACH_IDS_KEPT), largest
   * first. Ids survive from snapshot to snapshot, so they tell the same root again when its holder
   * is resolved differently (an array held by its function, and in the next snapshot also by a
   * request in flight, whose dominator moves up). Absent in summaries written before it existed.
   */
  attachIds?: number[];
  /** Self bytes and count of the new objects (born after the first snapshot) under this root. */
  newBytes: number;
  newObjects: number;
  /** Of those, born before the previous snapshot: growth that has outlived a snapshot. */
  agedBytes: number;
  /**
   * Of those, array backing stores and hash tables: stores V8 grows by a factor ahead of use, so
   * growth can hide in their spare capacity for a while (a staircase, not a plateau).
   */
  elasticBytes: number;
  /**
   * Of those, native nodes: backing stores and native state (a zlib stream's, a Buffer's bytes) that
   * the snapshot shows but that live outside the JS heap and its limit. Absent in summaries written
   * before it existed.
   */
  nativeBytes?: number;
  /**
   * Retained bytes of the attach points (old and new objects under them, each counted once):
   * the root's size, which stays flat when new entries only replace old ones (a capped cache).
   */
  retainedBytes: number;
  /** Owners passed between the attach points and the holder (`Map (cache)` inside `memoize()`). */
  via: string[];
  /** Holder keys above this root's holder, nearest first: a finding under another's holder folds into it. */
  above: string[];
  /** New objects by entry kind (node level: every new object counted once). */
  kinds: Partial<Record<EntryKind, CategoryStats>>;
  /**
   * Entries (the first new objects below the plumbing) by the strongest kind in their subtree:
   * an audit record `{ req, res }` is a `handle` entry, a cached `{ html }` is a `record` entry.
   */
  entries: Partial<Record<EntryKind, CategoryStats>>;
  keyedBy: KeyedBy;
  /** New instances by owner, largest first (at most CONTENTS_KEPT). */
  contents: GrowthRootContent[];
}

export interface GrowthRootInputs {
  snapshot: HeapSnapshot;
  tree: DominatorTree;
  retainedSizes: Float64Array;
  paths: ShortestPaths;
  categories: Uint8Array;
  owners: Owner[];
  ownerOfNode: Uint32Array;
  isInstance: Uint8Array;
  /** Largest node id of the first snapshot of the process, and of the previous one. */
  firstMaxNodeId: number;
  previousMaxNodeId: number;
  /** `script:line` of a closure's function, null when unknown. */
  functionSite: (closure: number) => string | null;
}

/** Roots kept per summary, largest new bytes first. */
export const ROOTS_KEPT = 200;
const CONTENTS_KEPT = 8;
const ATTACH_IDS_KEPT = 8;
/** Steps of the holder → attach point path kept in the key. */
const CONTAINER_STEPS = 6;

const KIND = Object.fromEntries(ENTRY_KINDS.map((k, i) => [k, i])) as Record<EntryKind, number>;
/** Kind strength for entries: an entry is as transient as the most transient thing it holds. */
const STRENGTH = [9, 8, 7, 6, 2, 5, 4, 3, 1, 0];

export function computeGrowthRoots(inputs: GrowthRootInputs): GrowthRootSummary[] {
  const { snapshot, tree, categories, ownerOfNode, firstMaxNodeId, previousMaxNodeId } = inputs;
  const { nodeCount, nodeId, nodeSelfSize } = snapshot;
  const { dominator, preorder } = tree;
  const kindOf = entryKindReader(inputs);

  // Pass 1, dominators first (preorder): which nodes are new, and the attach point of each. Native
  // and synthetic nodes have even ids that say nothing about age: they are as new as their dominator.
  const NONE = 0xffffffff;
  const attach = new Uint32Array(nodeCount).fill(NONE);
  const kinds = new Uint8Array(nodeCount);
  const strongest = new Uint8Array(nodeCount);
  const aged = new Uint8Array(nodeCount);
  for (let i = 1; i < nodeCount; i++) {
    const node = preorder[i];
    const dom = dominator[node];
    const id = nodeId[node];
    const isNew = id % 2 === 1 ? id > firstMaxNodeId : attach[dom] !== NONE;
    if (!isNew) continue;
    attach[node] = attach[dom] !== NONE ? attach[dom] : dom;
    kinds[node] = strongest[node] = kindOf(node);
    // Age likewise: a native node (a zlib stream's state, a Buffer's backing store) is as old as the
    // JS object that holds it.
    aged[node] = id % 2 === 1 ? (id <= previousMaxNodeId ? 1 : 0) : aged[dom];
  }

  // Pass 2, children first (reverse preorder): the strongest kind under each new node.
  for (let i = nodeCount - 1; i >= 1; i--) {
    const node = preorder[i];
    if (attach[node] === NONE) continue;
    const dom = dominator[node];
    if (attach[dom] !== NONE && STRENGTH[strongest[node]] > STRENGTH[strongest[dom]]) strongest[dom] = strongest[node];
  }

  // Pass 3: per attach point, then per root.
  const holders = holderReader(inputs);
  const roots = new Map<string, RootTally>();
  const rootOfAttach = new Map<number, RootTally>();
  const structure = KIND.structure;
  const C = CATEGORY_INDEX;
  const objectType = typeCodes(snapshot).node.object;
  const ELASTIC = new Uint8Array(256);
  for (const c of [C['value-array'], C['object-array'], C.collection]) ELASTIC[c] = 1;
  const inEntry = new Uint8Array(nodeCount);

  // Attach points, outer ones first (a dominator comes before what it dominates in preorder). One
  // inside another of the same holder (`memoized()` itself, and the `keys` array in the cache its
  // closure holds) joins that one's root: the outer one's retained size already has it, and two
  // roots of one holder would count it twice when their finding adds them up.
  const isAttach = new Uint8Array(nodeCount);
  for (let i = 1; i < nodeCount; i++) {
    const node = preorder[i];
    // New hidden classes, code and feedback are the VM's bookkeeping of new shapes, not growth.
    if (attach[node] !== NONE && categories[node] !== C.code) isAttach[attach[node]] = 1;
  }
  for (let i = 0; i < nodeCount; i++) {
    const at = preorder[i];
    if (isAttach[at] === 0) continue;
    const holder = holders(at);
    let root: RootTally | undefined;
    for (let up = dominator[at], steps = 0; up !== ROOT_ORDINAL && steps < 64; up = dominator[up], steps++) {
      const outer = rootOfAttach.get(up);
      if (outer !== undefined && outer.holder.holderKey === holder.holderKey) {
        root = outer;
        break;
      }
    }
    if (!root) {
      root = roots.get(holder.key);
      if (!root) {
        root = newTally(holder);
        roots.set(holder.key, root);
      }
      root.retainedBytes += inputs.retainedSizes[at];
    }
    root.attachPoints++;
    rootOfAttach.set(at, root);
  }

  let lastAttach = NONE;
  let lastRoot: RootTally | undefined;
  // New bytes under the current attach point, added to its root's tally when the attach point changes.
  let runBytes = 0;
  for (let i = 1; i < nodeCount; i++) {
    const node = preorder[i];
    const at = attach[node];
    if (at === NONE || categories[node] === C.code) continue;
    if (at !== lastAttach && lastRoot) {
      addAttachBytes(lastRoot, lastAttach, runBytes);
      runBytes = 0;
    }
    // Nodes of one new subtree are consecutive in preorder: most share the previous node's attach point.
    const root = at === lastAttach ? lastRoot! : rootOfAttach.get(at)!;
    lastAttach = at;
    lastRoot = root;
    const size = nodeSelfSize[node];
    const kind = kinds[node];
    runBytes += size;
    root.newBytes += size;
    root.newObjects++;
    if (aged[node]) root.agedBytes += size;
    const category = categories[node];
    if (category === C.listener ? snapshot.nodeType[node] !== objectType : ELASTIC[category] === 1) root.elasticBytes += size;
    if (category === C.native) root.nativeBytes += size;
    add(root.kinds, kind, size);
    // An entry: the first new object below the plumbing (its dominator is old, or new plumbing).
    const dom = dominator[node];
    const entry = kind !== structure && (attach[dom] === NONE || (kinds[dom] === structure && inEntry[dom] === 0));
    if (entry) {
      add(root.entries, strongest[node], size);
      root.keyVotes[keyedByOf(inputs, node)]++;
    }
    if (entry || (attach[dom] !== NONE && inEntry[dom] === 1)) inEntry[node] = 1;
    if (inputs.isInstance[node] && categories[node] !== CATEGORY_INDEX.collection) {
      const owner = inputs.owners[ownerOfNode[node]];
      const content = root.contents.get(owner.key) ?? { key: owner.key, owner: owner.name, count: 0, bytes: 0 };
      content.count++;
      content.bytes += size;
      root.contents.set(owner.key, content);
    } else if (inputs.isInstance[node] === 0 && attach[dom] !== NONE && inputs.isInstance[dom]) {
      const content = root.contents.get(inputs.owners[ownerOfNode[dom]].key);
      if (content) content.bytes += size;
    }
  }

  if (lastRoot) addAttachBytes(lastRoot, lastAttach, runBytes);

  const out: GrowthRootSummary[] = [];
  for (const root of roots.values()) {
    const kindsOut: Partial<Record<EntryKind, CategoryStats>> = {};
    const entriesOut: Partial<Record<EntryKind, CategoryStats>> = {};
    ENTRY_KINDS.forEach((k, i) => {
      if (root.kinds[i * 2] > 0) kindsOut[k] = { count: root.kinds[i * 2], bytes: root.kinds[i * 2 + 1] };
      if (root.entries[i * 2] > 0) entriesOut[k] = { count: root.entries[i * 2], bytes: root.entries[i * 2 + 1] };
    });
    const votes = root.keyVotes;
    const best = KEYED_BY.reduce((a, b, i) => (votes[i] > votes[KEYED_BY.indexOf(a)] ? b : a), 'none' as KeyedBy);
    out.push({
      key: root.holder.key,
      holderKey: root.holder.holderKey,
      owner: root.holder.owner,
      ownerKey: root.holder.ownerKey,
      holderKind: root.holder.holderKind,
      asyncHookStore: root.holder.asyncHookStore,
      location: root.holder.location,
      container: root.holder.container,
      retainerPath: root.holder.retainerPath,
      attachPoints: root.attachPoints,
      attachIds: largestAttachPoints(root.attachBytes).map((at) => nodeId[at]),
      newBytes: root.newBytes,
      newObjects: root.newObjects,
      agedBytes: root.agedBytes,
      elasticBytes: root.elasticBytes,
      nativeBytes: root.nativeBytes,
      retainedBytes: root.retainedBytes,
      via: root.holder.via,
      above: root.holder.above,
      kinds: kindsOut,
      entries: entriesOut,
      keyedBy: best,
      contents: [...root.contents.values()].sort((a, b) => b.bytes - a.bytes).slice(0, CONTENTS_KEPT),
    });
  }
  out.sort((a, b) => b.newBytes - a.newBytes || (a.key < b.key ? -1 : 1));
  return out.slice(0, ROOTS_KEPT);
}

const KEYED_BY: KeyedBy[] = ['strings', 'integers', 'positions', 'fields', 'none'];

interface Holder {
  key: string;
  holderKey: string;
  asyncHookStore: boolean;
  owner: string;
  ownerKey: string | null;
  holderKind: GrowthRootSummary['holderKind'];
  location: string | null;
  container: string;
  retainerPath: string[];
  via: string[];
  above: string[];
}

interface RootTally {
  holder: Holder;
  attachPoints: number;
  /** New bytes by attach point (node ordinal). */
  attachBytes: Map<number, number>;
  newBytes: number;
  newObjects: number;
  agedBytes: number;
  elasticBytes: number;
  nativeBytes: number;
  retainedBytes: number;
  /** [count, bytes] per entry kind, interleaved. */
  kinds: Float64Array;
  entries: Float64Array;
  keyVotes: number[];
  contents: Map<string, GrowthRootContent>;
}

function newTally(holder: Holder): RootTally {
  return {
    holder,
    attachPoints: 0,
    attachBytes: new Map(),
    newBytes: 0,
    newObjects: 0,
    agedBytes: 0,
    elasticBytes: 0,
    nativeBytes: 0,
    retainedBytes: 0,
    kinds: new Float64Array(ENTRY_KINDS.length * 2),
    entries: new Float64Array(ENTRY_KINDS.length * 2),
    keyVotes: KEYED_BY.map(() => 0),
    contents: new Map(),
  };
}

function addAttachBytes(root: RootTally, at: number, bytes: number): void {
  root.attachBytes.set(at, (root.attachBytes.get(at) ?? 0) + bytes);
}

/** The ATTACH_IDS_KEPT attach points with the most new bytes, largest first (ties: lower ordinal). */
function largestAttachPoints(bytesByAttach: Map<number, number>): number[] {
  const top: [number, number][] = [];
  const before = (a: [number, number], b: [number, number]) => a[1] > b[1] || (a[1] === b[1] && a[0] < b[0]);
  for (const entry of bytesByAttach) {
    if (top.length === ATTACH_IDS_KEPT && !before(entry, top[top.length - 1])) continue;
    let i = top.length;
    while (i > 0 && before(entry, top[i - 1])) i--;
    top.splice(i, 0, entry);
    if (top.length > ATTACH_IDS_KEPT) top.pop();
  }
  return top.map(([at]) => at);
}

function add(tally: Float64Array, kind: number, bytes: number): void {
  tally[kind * 2]++;
  tally[kind * 2 + 1] += bytes;
}

/** The entry kind of one node, from its category and, for objects, a look at its edges. */
function entryKindReader(inputs: GrowthRootInputs): (node: number) => number {
  const { snapshot, categories } = inputs;
  const { firstEdge, edgeType, edgeNameOrIndex, edgeToNode, nodeName, strings } = snapshot;
  const codes = typeCodes(snapshot);
  const C = CATEGORY_INDEX;
  const EVENTS = strings.indexOf('_events');
  const RESULT = strings.indexOf('reactions_or_result');
  const REACTION = strings.indexOf('system / PromiseReaction');
  const hasEdge = (node: number, type: number, name: number): number => {
    if (name < 0) return -1;
    for (let edge = firstEdge[node], end = firstEdge[node + 1]; edge < end; edge++) {
      if (edgeType[edge] === type && edgeNameOrIndex[edge] === name) return edgeToNode[edge];
    }
    return -1;
  };
  return (node) => {
    switch (categories[node]) {
      case C.socket:
        return KIND.handle;
      case C.timer:
        return KIND.timer;
      case C.listener:
        return KIND.listener;
      case C.promise: {
        if (nodeName[node] === REACTION) return KIND['pending-promise'];
        if (snapshot.nodeType[node] !== codes.node.object || strings.get(nodeName[node]) !== 'Promise') return KIND['pending-promise'];
        const result = hasEdge(node, codes.edge.internal, RESULT);
        return result >= 0 && nodeName[result] !== REACTION ? KIND['settled-promise'] : KIND['pending-promise'];
      }
      case C.closure:
      case C.context:
        return KIND.closure;
      case C.instance:
        // Emitters (streams, connections, jobs with events) have a life that ends: handles.
        return hasEdge(node, codes.edge.property, EVENTS) >= 0 ? KIND.handle : KIND.instance;
      case C.collection:
        // The Map/Set object is a record; its hash table is the plumbing that holds the entries.
        return snapshot.nodeType[node] === codes.node.object ? KIND.record : KIND.structure;
      case C['plain-object']:
        return KIND.record;
      case C['value-array']:
      case C.string:
      case C.number:
      case C.bigint:
      case C.native:
        return KIND.value;
      default:
        return KIND.structure;
    }
  };
}

/** How an entry is held by its container: by a string key, an integer key, a position, a field. */
function keyedByOf(inputs: GrowthRootInputs, node: number): number {
  const { snapshot, paths, categories } = inputs;
  const edge = paths.parentEdge[node];
  if (edge === UNREACHABLE) return KEYED_BY.indexOf('none');
  const e = typeCodes(snapshot).edge;
  const type = snapshot.edgeType[edge];
  if (type === e.element) return KEYED_BY.indexOf('positions');
  if (type === e.property) {
    // A dictionary-mode object keyed by input has its keys as property names; a record has fields.
    const source = edgeSource(snapshot, edge);
    return snapshot.firstEdge[source + 1] - snapshot.firstEdge[source] > 64 ? KEYED_BY.indexOf('strings') : KEYED_BY.indexOf('fields');
  }
  if (type === e.internal) {
    const source = edgeSource(snapshot, edge);
    if (categories[source] === CATEGORY_INDEX.collection) {
      const label = edgeLabel(snapshot, categories, source, edge);
      if (label === null || label === '[entry]') return KEYED_BY.indexOf('integers');
      return label.startsWith('"') ? KEYED_BY.indexOf('strings') : KEYED_BY.indexOf('fields');
    }
  }
  return KEYED_BY.indexOf('fields');
}

/**
 * The holder of an attach point: walk up the dominator tree to the nearest class instance (not
 * Node's internal plumbing), or the closure whose context it is in; a named collection passed on the
 * way is the holder when neither comes before the code that owns nothing (a module, the global).
 */
function holderReader(inputs: GrowthRootInputs): (attachPoint: number) => Holder {
  const { snapshot, tree, paths, categories, owners, ownerOfNode, isInstance, functionSite } = inputs;
  const { nodeType, nodeName, strings } = snapshot;
  const t = typeCodes(snapshot).node;
  const CONTEXT = strings.indexOf('system / Context');
  const memo = new Map<number, Holder>();
  const hookHeld = asyncHookHeldObjects(snapshot);
  const describe = (node: number) => describeRetainerPath(snapshot, paths, categories, node, { ownerName: (n) => (isInstance[n] ? owners[ownerOfNode[n]].name : null) });

  const packageOf = (location: string | null): string | null => {
    const m = location ? /[\\/]node_modules[\\/]((?:@[^\\/]+[\\/])?[^\\/]+)[\\/]/.exec(location) : null;
    return m ? m[1] : null;
  };
  const ownerAt = (at: number) => owners[ownerOfNode[at]];
  const isClassHolder = (at: number) =>
    isInstance[at] === 1 && ownerAt(at).kind === 'class' && (!isRuntimePlumbing(ownerAt(at).location) || PUBLIC_RUNTIME_CLASSES.has(ownerAt(at).name));
  const isFunctionHolder = (at: number) => nodeType[at] === t.closure && !isRuntimePlumbing(functionSite(at));

  const holderAt = (node: number): { node: number; kind: Holder['holderKind']; via: string[]; above: string[] } => {
    let collection = -1;
    const via: string[] = [];
    let found = -1;
    let kind: Holder['holderKind'] = 'none';
    let at = node;
    for (let steps = 0; at !== ROOT_ORDINAL && steps < 10_000; steps++) {
      if (isClassHolder(at)) {
        found = at;
        kind = 'class';
        break;
      }
      if (isInstance[at] && (ownerAt(at).kind === 'collection' || ownerAt(at).kind === 'plain')) {
        if (collection < 0) collection = at;
        via.push(ownerAt(at).key);
      }
      // A function above the growth holds it: through its closure context (a memoizer's cache), a
      // property (`memoized.cache`), or as the key of a WeakMap entry whose value it is.
      if (at !== node && isFunctionHolder(at)) {
        found = at;
        kind = 'function';
        break;
      }
      if (nodeName[at] === CONTEXT && (nodeType[at] === t.object || nodeType[at] === t.hidden) && isFunctionHolder(tree.dominator[at])) {
        found = tree.dominator[at];
        kind = 'function';
        break;
      }
      if (ownerAt(at).kind === 'bucket' && collection >= 0) break;
      at = tree.dominator[at];
    }
    if (found < 0 && collection >= 0) {
      found = collection;
      kind = 'collection';
      via.pop();
    }
    // A library's internal classes (lodash's Hash inside its MapCache, a queue inside a pool) are
    // the library's: the holder is the outermost instance of the same package, the one the program made.
    if (kind === 'class') {
      const pkg = packageOf(ownerAt(found).location);
      if (pkg) {
        for (let up = tree.dominator[found], steps = 0; up !== ROOT_ORDINAL && steps < 10_000; up = tree.dominator[up], steps++) {
          if (isClassHolder(up) && packageOf(ownerAt(up).location) === pkg) {
            via.push(ownerAt(found).key);
            found = up;
          }
        }
      }
    }
    // Holders further up (for folding a finding into the one that holds it).
    const above: string[] = [];
    if (found >= 0) {
      for (let up = tree.dominator[found], steps = 0; up !== ROOT_ORDINAL && steps < 10_000 && above.length < 16; up = tree.dominator[up], steps++) {
        if (isClassHolder(up) || (isInstance[up] && ownerAt(up).kind !== 'bucket')) above.push(ownerAt(up).key);
        else if (isFunctionHolder(up)) above.push(functionKey(up));
      }
    }
    return { node: found, kind, via, above };
  };
  // An anonymous function is called after the property or variable it is kept in (`formats.datetime
  // = (value) => ...` is `datetime()`), as a user would look for it; `(anonymous)` when neither.
  const holdingName = holdingNameReader(snapshot, paths);
  const functionName = (closure: number): string => {
    const own = strings.get(nodeName[closure]);
    if (own) return own;
    const held = holdingName(closure);
    return held && /^[A-Za-z_$][\w$]*$/.test(held) ? held : '(anonymous)';
  };
  const functionKey = (closure: number) => `fn:${functionName(closure)}()@${functionSite(closure) ?? '?'}`;

  return (attachPoint) => {
    const cached = memo.get(attachPoint);
    if (cached) return cached;
    const runtimeHeld = snapshot.nodeType[attachPoint] === t.native || snapshot.nodeType[attachPoint] === t.synthetic;
    const { node: holder, kind, via, above } = runtimeHeld ? { node: -1, kind: 'runtime' as const, via: [], above: [] } : holderAt(attachPoint);
    const path = describe(attachPoint);
    let holderData: Holder;
    if (kind === 'runtime') {
      const name = strings.get(nodeName[attachPoint]) || '(GC roots)';
      holderData = {
        key: `runtime:${name}`,
        holderKey: `runtime:${name}`,
        owner: name,
        ownerKey: null,
        holderKind: 'runtime',
        location: null,
        container: '',
        retainerPath: path,
        via,
        above,
        asyncHookStore: false,
      };
    } else if (kind === 'none') {
      // No holder a user would name: the path itself is the identity.
      const steps = path.map(normaliseStep);
      holderData = {
        key: `path:${steps.join(' › ')}`,
        holderKey: `path:${steps.join(' › ')}`,
        owner: lastNamedStep(path),
        ownerKey: null,
        holderKind: 'none',
        location: null,
          asyncHookStore: false,
        container: '',
        retainerPath: path,
        via,
        above,
      };
    } else {
      const container = containerPath(inputs, holder, attachPoint);
      if (kind === 'function') {
        const name = `${functionName(holder)}()`;
        const location = functionSite(holder);
        holderData = {
          key: `${functionKey(holder)} › ${container}`,
          holderKey: functionKey(holder),
          owner: name,
          ownerKey: null,
          holderKind: 'function',
          location,
          asyncHookStore: false,
          container,
          retainerPath: path,
          via,
          above,
        };
      } else {
        const owner = owners[ownerOfNode[holder]];
        // A record held by a name (`Object (exports)`) is the program's namespace; the store is the
        // property below it the growth is in (`Object (cache)`, from `exports.cache`).
        const store = owner.kind === 'plain' ? container.split(' → ').filter((step) => step !== '[]').pop() : undefined;
        holderData = {
          key: `${owner.key} › ${container}`,
          holderKey: owner.key,
          owner: store ? `${strings.get(nodeName[attachPoint]) || 'Object'} (${store})` : owner.name,
          ownerKey: owner.key,
          holderKind: kind,
          location: owner.location,
          asyncHookStore: false,
          container,
          retainerPath: path,
          via,
          above,
        };
      }
    }
    holderData.asyncHookStore = hookHeld.has(attachPoint) || (holder >= 0 && hookHeld.has(holder));
    memo.set(attachPoint, holderData);
    return holderData;
  };
}

/**
 * Classes of Node's public API whose code is in `node:internal/...`: a program makes these itself
 * (`new AbortController()`, `new MessageChannel()`) and hands them to libraries, so growth under one
 * is held by something the program owns: listeners piling up on a shared AbortSignal are that
 * signal's, not the anonymous `Listener` records of its list. The rest of `node:internal` (timer
 * lists, Listener records, async-hook bookkeeping) stays plumbing.
 */
const PUBLIC_RUNTIME_CLASSES = new Set([
  'AbortController', 'AbortSignal', 'EventTarget', 'MessagePort', 'MessageChannel', 'BroadcastChannel',
  'Worker', 'AsyncLocalStorage', 'AsyncResource', 'Channel', 'PerformanceObserver',
  'ReadableStream', 'WritableStream', 'TransformStream', 'Blob', 'Headers',
]);

/** Node's own modules (`node:internal/...`) and code with no script: runtime plumbing, not a holder. */
function isRuntimePlumbing(location: string | null): boolean {
  return location !== null && location.startsWith('node:internal/');
}

/** Readable steps from the holder down to the attach point along the shortest-path tree. */
function containerPath(inputs: GrowthRootInputs, holder: number, attachPoint: number): string {
  const { snapshot, paths, categories } = inputs;
  const steps: string[] = [];
  for (let at = attachPoint, guard = 0; at !== holder && guard < 64; guard++) {
    const edge = paths.parentEdge[at];
    if (edge === UNREACHABLE) break;
    const source = edgeSource(snapshot, edge);
    const label = edgeLabel(snapshot, categories, source, edge);
    if (label !== null) steps.push(normaliseStep(label));
    if (source === ROOT_ORDINAL) break;
    at = source;
  }
  return steps.reverse().slice(-CONTAINER_STEPS).join(' → ');
}

/** Element indexes and map keys differ between attach points of one container: `[]` for all. */
function normaliseStep(step: string): string {
  if (/^\[\d+\]$/.test(step) || step === '[entry]' || step.startsWith('"') || /^\d+$/.test(step)) return '[]';
  return step;
}

function lastNamedStep(path: string[]): string {
  for (let i = path.length - 1; i >= 0; i--) {
    const step = path[i];
    if (step && !step.startsWith('(') && !step.startsWith('[') && !/^\d+$/.test(step) && step !== '...') return step;
  }
  return '(GC roots)';
}

/**
 * Objects an async_hooks hook's callbacks hold: for every `AsyncHook` (Node's class behind
 * `async_hooks.createHook`), the functions it keeps, the variables of their closure contexts (and
 * of the enclosing contexts, a module's variables included). A Map kept there (or kept by an object
 * kept there) and filled by integer key is filled by async id, from the hook's `init`.
 */
function asyncHookHeldObjects(snapshot: HeapSnapshot): Set<number> {
  const { nodeCount, nodeType, nodeName, strings, firstEdge, edgeType, edgeNameOrIndex, edgeToNode } = snapshot;
  const codes = typeCodes(snapshot);
  const held = new Set<number>();
  const HOOK = strings.indexOf('AsyncHook');
  if (HOOK < 0) return held;
  const CONTEXT_EDGE = strings.indexOf('context');
  const PREVIOUS = strings.indexOf('previous');
  const edgeTo = (node: number, type: number, name: number): number => {
    for (let e = firstEdge[node], end = firstEdge[node + 1]; e < end; e++) if (edgeType[e] === type && edgeNameOrIndex[e] === name) return edgeToNode[e];
    return -1;
  };
  for (let node = 0; node < nodeCount; node++) {
    if (nodeName[node] !== HOOK || nodeType[node] !== codes.node.object) continue;
    for (let e = firstEdge[node], end = firstEdge[node + 1]; e < end; e++) {
      const fn = edgeToNode[e];
      if (nodeType[fn] !== codes.node.closure) continue;
      let context = edgeTo(fn, codes.edge.internal, CONTEXT_EDGE);
      for (let depth = 0; context >= 0 && depth < 4; depth++) {
        for (let c = firstEdge[context], cend = firstEdge[context + 1]; c < cend; c++) {
          if (edgeType[c] === codes.edge.context) held.add(edgeToNode[c]);
        }
        context = edgeTo(context, codes.edge.internal, PREVIOUS);
      }
    }
  }
  return held;
}
