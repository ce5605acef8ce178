/**
 * Owners: every node is attributed to the nearest node above it in the dominator tree (itself
 * included) that is an *owner instance*, something a user would recognise as "the thing that keeps
 * this memory":
 *
 * 1. An instance of a named class: user classes (`TrendSink`) and Node's own (`Timeout`, `Socket`,
 *    `EventEmitter` and its subclasses). Key: name plus the class's definition site
 *    (`script:line`), so same-named classes of different scripts stay apart. The site comes from
 *    the instance's hidden class: `map` -> (`back_pointer`...) -> `constructor` closure, whose
 *    entry in the snapshot's `locations` gives the line and whose `shared` -> `script_or_debug_info`
 *    names the script.
 * 2. A Map, Set, WeakMap, WeakSet or Array held by a named variable or property (the last edge of
 *    its shortest retaining path), when no owner is above it, or only a plain-object owner: a
 *    module-level `const cache = new Map()` or `state.sessions`. Displayed `Map (cache)`; keyed by
 *    that and the owner above, so two Maps held by different variables stay apart. Inside a class
 *    instance a collection is part of the instance (TrendSink's `values` array is TrendSink's).
 * 3. A plain `Object` held by a named variable or property, when no owner at all is above it.
 *
 * Never an owner: V8 internals (arrays, `system / ...`, contexts, code), closures, promises,
 * values, and the containers every program has (`global`, modules), which would otherwise own
 * everything. Nodes with no owner above them go to `(runtime)` (code, VM metadata, native) or
 * `(unattributed)` (JS data no owner holds).
 *
 * Per owner: instances, retained bytes counted once (an instance inside another instance of the
 * same owner is already in its retained size), exclusive self bytes, and the representative
 * instance (largest retained size, the first in DFS order among equals) whose retaining path the
 * summary shows.
 */
import type { HeapSnapshot } from './heap-snapshot.js';
import { typeCodes } from './heap-snapshot.js';
import { ROOT_ORDINAL } from './essential-edges.js';
import type { DominatedChildren, DominatorTree } from './dominators.js';
import { UNREACHABLE, type ShortestPaths } from './distances.js';
import { BUILTIN_CONSTRUCTORS, CATEGORY_INDEX } from './node-categories.js';
import { classSiteReader } from './class-sites.js';
import type { BufferSource } from './work-buffers.js';
import { CATEGORIES } from './snapshot-summary.js';
import { NO_OWNER, composeOwners, type OwnerComposition } from './owner-composition.js';

export { NO_OWNER } from './owner-composition.js';
export const RUNTIME_OWNER = '(runtime)';
export const UNATTRIBUTED_OWNER = '(unattributed)';

/** Objects every Node process has that hold user state generically; never owners themselves. */
const CONTAINER_NAMES = new Set([
  'global', 'Window', 'process', 'Module', 'BuiltinModule', 'ModuleWrap', 'ModuleJob', 'ModuleMap',
  'ModuleLoader', 'ESMLoader', 'DefaultModuleLoader', 'CustomizedModuleLoader', 'SafeMap', 'SafeSet',
  'SafeWeakMap', 'SafeWeakSet', 'SafeFinalizationRegistry', 'SafeWeakRef',
]);
const COLLECTION_NAMES = new Set(['Map', 'Set', 'WeakMap', 'WeakSet', 'Array']);
/** The global object as V8 names it in a snapshot: `global / ` in Node, `Window / https://…` in a page. */
const GLOBAL_OBJECT = /^(global|Window) \/ /;

/**
 * Node's own per-entry records inside a container a user does recognise: an EventTarget's
 * `Listener` entries belong to the EventTarget (as listener bytes), not to an owner of their own.
 */
function isNodeRecord(name: string, location: string | null): boolean {
  return name === 'Listener' && location !== null && location.startsWith('node:internal/event_target');
}

export type OwnerKind = 'class' | 'collection' | 'plain' | 'bucket';

export interface Owner {
  key: string;
  /** Display name: `TrendSink`, `Map (handlers)`, `(runtime)`. */
  name: string;
  kind: OwnerKind;
  /** `script:line` of the class definition, when the snapshot has it. */
  location: string | null;
  count: number;
  retainedBytes: number;
  selfBytes: number;
  /** Node ordinal of the instance whose path represents the owner; -1 for the buckets. */
  representative: number;
}

export interface OwnerAttribution {
  owners: Owner[];
  /** Index into `owners` for every node (each node in exactly one owner, the buckets included). */
  ownerOfNode: Uint32Array;
  /** 1 for the owner instances themselves. */
  isInstance: Uint8Array;
  /** `script:line` of a closure's function, null when the snapshot does not say. */
  functionSite: (closure: number) => string | null;
  /** Each owner's bytes by category and by birth cohort (`owner-composition.ts`). */
  composition: OwnerComposition;
  /**
   * Completes the owners' instance counts, retained bytes and representatives when their walk ran
   * elsewhere (`OwnerWork.retainedElsewhere`): call it before reading those. Does nothing otherwise.
   */
  finish: () => void;
}

/**
 * The walk that counts each owner's retained bytes once (`countRetainedOnce`): its inputs, and
 * its outputs per owner (zeroed; `representative` filled with -1).
 */
export interface RetainedOnceWalk {
  firstDominated: Uint32Array;
  dominated: Uint32Array;
  retainedSizes: Float64Array;
  ownerOfNode: Uint32Array;
  isInstance: Uint8Array;
  instanceCount: number;
  counts: Float64Array;
  retained: Float64Array;
  representative: Int32Array;
  /** The walk's stack, at least nodeCount + instanceCount + 1 long (dirty is fine); made by the walk when absent. */
  stack?: Uint32Array;
}

export interface OwnerWork {
  /**
   * Starts `countRetainedOnce` on another thread, or returns null. The per-node arrays are then on
   * shared memory, and this thread sums the owners' self bytes meanwhile (it writes `ownerOfNode`
   * only at nodes without an owner, which the walk never reads).
   */
  retainedElsewhere?: (walk: RetainedOnceWalk) => { join(): boolean } | null;
  /**
   * Work buffers for the per-node arrays (owner per node, instance marks, the walk's stack): the
   * graph passes' spent ones, whose pages are already in memory. Shared buffers when the walk is to
   * run elsewhere.
   */
  buffers?: BufferSource;
}

export interface OwnerInputs {
  snapshot: HeapSnapshot;
  tree: DominatorTree;
  /**
   * The dominator tree's children lists, or a function that gives them: it is called once every
   * node has its owner, so the caller may still be building them elsewhere meanwhile.
   */
  children: DominatedChildren | (() => DominatedChildren);
  /** Retained size per node, or a function that gives them, called as `children` is. */
  retainedSizes: Float64Array | (() => Float64Array);
  /**
   * The arrays `children` and `retainedSizes` give, while another thread still fills them, for a
   * walk there (`OwnerWork.retainedElsewhere`) that its queue runs after them: the walk is then
   * handed over without waiting for them. This thread calls the two functions only to walk itself.
   */
  filling?: { children: DominatedChildren; retainedSizes: Float64Array };
  paths: ShortestPaths;
  categories: Uint8Array;
  /** Ascending node ids that split the JS objects into birth cohorts (none by default). */
  cohortBoundaries?: number[];
}

const KIND_NONE = 0;
const KIND_CLASS = 1;
const KIND_COLLECTION = 2;
const KIND_PLAIN = 3;

export function attributeOwners(inputs: OwnerInputs, work: OwnerWork = {}): OwnerAttribution {
  const { snapshot, tree, paths, categories } = inputs;
  const { nodeCount, nodeType, nodeName, strings } = snapshot;
  const codes = typeCodes(snapshot);
  const { dominator, preorder } = tree;

  const owners: Owner[] = [];
  const ownerIndex = new Map<string, number>();
  const addOwner = (key: string, name: string, kind: OwnerKind, location: string | null): number => {
    let index = ownerIndex.get(key);
    if (index === undefined) {
      index = owners.length;
      owners.push({ key, name, kind, location, count: 0, retainedBytes: 0, selfBytes: 0, representative: -1 });
      ownerIndex.set(key, index);
    }
    return index;
  };
  const runtime = addOwner(RUNTIME_OWNER, RUNTIME_OWNER, 'bucket', null);
  const unattributed = addOwner(UNATTRIBUTED_OWNER, UNATTRIBUTED_OWNER, 'bucket', null);

  const UNKNOWN = 255;
  const kindOfName = new Uint8Array(strings.length).fill(UNKNOWN);
  const nameKind = (nameIndex: number): number => {
    let kind = kindOfName[nameIndex];
    if (kind === UNKNOWN) {
      const name = strings.get(nameIndex);
      if (name === 'Object') kind = KIND_PLAIN;
      else if (COLLECTION_NAMES.has(name)) kind = KIND_COLLECTION;
      else if (name === '' || name.startsWith('system / ') || name.startsWith('(') || BUILTIN_CONSTRUCTORS.has(name) || CONTAINER_NAMES.has(name) || GLOBAL_OBJECT.test(name)) kind = KIND_NONE;
      else kind = KIND_CLASS;
      kindOfName[nameIndex] = kind;
    }
    return kind;
  };
  const classSite = classSiteReader(snapshot);
  const holdingName = holdingNameReader(snapshot, paths);
  const isPrototype = prototypeDetector(snapshot);

  // Dominators come before the nodes they dominate in preorder, so the owner above is known.
  const shared = work.retainedElsewhere !== undefined;
  const buffers = work.buffers;
  const ownerOfNode = (buffers ? buffers.uint32(nodeCount, false) : sharedIf(shared, Uint32Array, nodeCount)).fill(NO_OWNER);
  const isInstance = buffers ? buffers.uint8(nodeCount) : sharedIf(shared, Uint8Array, nodeCount);
  const classOwnerByHiddenClass = new Map<number, number>();
  let instanceCount = 0;
  for (let i = 0; i < nodeCount; i++) {
    const node = preorder[i];
    if (node === ROOT_ORDINAL) continue;
    const above = ownerOfNode[dominator[node]];
    let owner = above;
    if (nodeType[node] === codes.node.object) {
      const kind = nameKind(nodeName[node]);
      if (kind === KIND_CLASS && !isPrototype(node)) {
        // Instances of a class share hidden classes: resolve each hidden class's owner once.
        const hiddenClass = classSite.hiddenClassOf(node);
        let cached = hiddenClass >= 0 ? classOwnerByHiddenClass.get(hiddenClass) : undefined;
        if (cached === undefined) {
          const name = strings.get(nodeName[node]);
          const location = classSite.siteOf(node, hiddenClass);
          cached = isNodeRecord(name, location) ? NO_OWNER : addOwner(location ? `${name}@${location}` : name, name, 'class', location);
          if (hiddenClass >= 0) classOwnerByHiddenClass.set(hiddenClass, cached);
        }
        if (cached !== NO_OWNER) {
          owner = cached;
          isInstance[node] = 1;
          instanceCount++;
        }
      } else if (
        (kind === KIND_PLAIN || kind === KIND_COLLECTION) &&
        (above === NO_OWNER || (kind === KIND_COLLECTION && owners[above].kind === 'plain')) &&
        !isPrototype(node)
      ) {
        const holder = holdingName(node);
        if (holder !== null) {
          const name = `${strings.get(nodeName[node])} (${holder})`;
          const key = above === NO_OWNER ? name : `${name} < ${owners[above].key}`;
          owner = addOwner(key, name, kind === KIND_PLAIN ? 'plain' : 'collection', null);
          isInstance[node] = 1;
          instanceCount++;
        }
      }
    }
    ownerOfNode[node] = owner;
  }

  const ownerCount = owners.length;
  const ready = () => ({
    children: typeof inputs.children === 'function' ? inputs.children() : inputs.children,
    retainedSizes: typeof inputs.retainedSizes === 'function' ? inputs.retainedSizes() : inputs.retainedSizes,
  });
  // Handed over to another thread: the arrays it is filling ahead of the walk; else those ready here.
  const { children, retainedSizes } = work.retainedElsewhere && inputs.filling ? inputs.filling : ready();
  const walk: RetainedOnceWalk = {
    firstDominated: children.firstDominated,
    dominated: children.dominated,
    retainedSizes,
    ownerOfNode,
    isInstance,
    instanceCount,
    counts: sharedIf(shared, Float64Array, ownerCount),
    retained: sharedIf(shared, Float64Array, ownerCount),
    representative: sharedIf(shared, Int32Array, ownerCount).fill(-1),
    ...(buffers ? { stack: buffers.uint32(nodeCount + instanceCount + 1, false) } : {}),
  };
  // The walk here: on the inputs as this thread has them (computed here if the other thread failed).
  const walkHere = () => {
    const here = ready();
    walk.firstDominated = here.children.firstDominated;
    walk.dominated = here.children.dominated;
    walk.retainedSizes = here.retainedSizes;
    countRetainedOnce(walk);
  };
  const elsewhere = work.retainedElsewhere?.(walk) ?? null;
  if (!elsewhere) walkHere();
  let finished = false;
  const finish = () => {
    if (finished) return;
    finished = true;
    if (elsewhere && !elsewhere.join()) {
      // Not done there: again here, from zeroed outputs.
      walk.counts.fill(0);
      walk.retained.fill(0);
      walk.representative.fill(-1);
      walkHere();
    }
    for (let index = 0; index < ownerCount; index++) {
      const owner = owners[index];
      owner.count += walk.counts[index];
      owner.retainedBytes += walk.retained[index];
      owner.representative = walk.representative[index];
    }
  };
  if (!elsewhere) finish();

  // Nodes without an owner go to a bucket by category: VM code, metadata and native memory to
  // (runtime), JS data to (unattributed). The sweep that puts them there sums every owner's bytes.
  const bucketOfCategory = new Uint32Array(CATEGORIES.length).fill(unattributed);
  for (const category of [CATEGORY_INDEX.code, CATEGORY_INDEX.native, CATEGORY_INDEX.other]) bucketOfCategory[category] = runtime;
  const composition = composeOwners({
    snapshot,
    ownerCount: owners.length,
    ownerOfNode,
    categories,
    bucketOfCategory,
    cohortBoundaries: inputs.cohortBoundaries ?? [],
  });
  owners.forEach((owner, index) => {
    owner.selfBytes = composition.selfBytes[index];
    if (owner.kind === 'bucket') {
      owner.count = composition.nodeCounts[index];
      owner.retainedBytes = composition.selfBytes[index];
    }
  });
  return { owners, ownerOfNode, isInstance, functionSite: classSite.functionSite, composition, finish };
}

/**
 * Walks the dominator tree depth-first with, per owner, the number of its instances on the
 * current branch: an instance adds its retained size only when none is above it. Iterative (an
 * explicit stack holding enter and exit marks), as a linked list of a million nodes is a million
 * levels deep.
 */
export function countRetainedOnce(walk: RetainedOnceWalk): void {
  const { firstDominated, dominated, retainedSizes, ownerOfNode, isInstance, instanceCount, counts, retained, representative } = walk;
  const active = new Uint32Array(counts.length);
  const EXIT = 0x80000000;
  // Every node is pushed once, and each instance once more as its exit mark.
  const depth = retainedSizes.length + instanceCount + 1;
  if (walk.stack && walk.stack.length < depth) throw new RangeError(`the walk's stack holds ${walk.stack.length} entries, not ${depth}`);
  const stack = walk.stack ?? new Uint32Array(depth);
  let top = 0;
  stack[top++] = ROOT_ORDINAL;
  while (top > 0) {
    const entry = stack[--top];
    if (entry >= EXIT) {
      active[ownerOfNode[entry - EXIT]]--;
      continue;
    }
    const node = entry;
    if (isInstance[node]) {
      const index = ownerOfNode[node];
      counts[index]++;
      if (active[index] === 0) {
        retained[index] += retainedSizes[node];
        const best = representative[index];
        if (best < 0 || retainedSizes[node] > retainedSizes[best]) representative[index] = node;
      }
      active[index]++;
      stack[top++] = node + EXIT;
    }
    for (let k = firstDominated[node], end = firstDominated[node + 1]; k < end; k++) stack[top++] = dominated[k];
  }
}

type TypedArrayOf<T> = { new (buffer: ArrayBufferLike, byteOffset: number, length: number): T; new (length: number): T; BYTES_PER_ELEMENT: number };

/** A zeroed typed array, on a SharedArrayBuffer when another thread is to read or write it. */
function sharedIf<T>(shared: boolean, Type: TypedArrayOf<T>, length: number): T {
  return shared ? new Type(new SharedArrayBuffer(Math.max(1, length) * Type.BYTES_PER_ELEMENT), 0, length) : new Type(length);
}

/**
 * Prototype objects are named after their constructor (`URL.prototype` is an object named `URL`)
 * but are not instances; they are the objects with an own `constructor` property.
 */
function prototypeDetector(snapshot: HeapSnapshot): (node: number) => boolean {
  const { firstEdge, edgeType, edgeNameOrIndex } = snapshot;
  const property = typeCodes(snapshot).edge.property;
  const constructor = snapshot.strings.indexOf('constructor');
  return (node) => {
    if (constructor < 0) return false;
    for (let edge = firstEdge[node], end = firstEdge[node + 1]; edge < end; edge++) {
      if (edgeType[edge] === property && edgeNameOrIndex[edge] === constructor) return true;
    }
    return false;
  };
}

/** Edge names that hold language plumbing, not user state. */
const NON_HOLDING_NAMES = new Set(['__proto__', 'prototype', 'constructor']);

/** The variable or property name holding a node on its shortest path, or null (element, internal). */
export function holdingNameReader(snapshot: HeapSnapshot, paths: ShortestPaths): (node: number) => string | null {
  const e = typeCodes(snapshot).edge;
  return (node) => {
    const edge = paths.parentEdge[node];
    if (edge === UNREACHABLE) return null;
    const type = snapshot.edgeType[edge];
    if (type !== e.property && type !== e.context && type !== e.shortcut) return null;
    const name = snapshot.strings.get(snapshot.edgeNameOrIndex[edge]);
    return NON_HOLDING_NAMES.has(name) ? null : name;
  };
}
