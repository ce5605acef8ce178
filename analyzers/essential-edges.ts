/**
 * The one rule for "does this edge keep its target alive?", shared by every graph pass (retainer
 * index, dominators, shortest paths). Computed once into a bit per edge; every pass reads the bits,
 * so no two passes can disagree about the graph they walk (the bug that made memlab's dominator
 * pass hang for years was two passes filtering edges differently).
 *
 * The rules are Chrome DevTools' `computeIsEssentialEdge` (HeapSnapshot.ts), in its order:
 * 1. The edge from a WeakMap's backing table to a value is dropped: an ephemeron value is kept by
 *    the key and the table together, and V8 writes both edges; DevTools keeps the key's, which
 *    names the object that actually decides the value's lifetime.
 * 2. `weak` edges never retain.
 * 3. Self edges are ignored (they cannot change a dominator and would confuse the DFS).
 * 4. `shortcut` edges retain only from the root: the root's shortcut edges mark the user roots
 *    (`global` in Node, Window objects in a page); elsewhere a shortcut duplicates a real path
 *    (bound functions, for example).
 * 5. An edge from an object that is not reachable from a user root into one that is, is dropped:
 *    V8's own bookkeeping ((Handle scope), (Stack roots), the compilation cache, the debugger) then
 *    cannot become the dominator of user objects. In a Node snapshot the user root is `global`; an
 *    object kept only by Node's internals (the timer lists, libuv handles) stays dominated by them.
 *
 * Ordinal 0 is the root: V8 writes the synthetic root node first in every snapshot.
 */
import { ROOT_ORDINAL, typeCodes, type HeapSnapshot, type SnapshotStrings } from './heap-snapshot.js';
import { dropEdgesIntoUserGraph, sweepEssentialEdges, type EssentialEdgeSweep, type UserOwnedBits } from './essential-edge-sweep.js';
import { NO_SHARING, type BufferSource } from './work-buffers.js';

export { ROOT_ORDINAL } from './heap-snapshot.js';

/** One bit per edge ordinal; 1 = the edge retains its target. */
export type EssentialEdgeBits = Uint8Array;

export function isEssentialEdge(bits: EssentialEdgeBits, edge: number): boolean {
  return ((bits[edge >>> 3] >>> (edge & 7)) & 1) === 1;
}

export interface EssentialEdgeOptions {
  /**
   * Rule 5 above (default true). Off, the rules are memlab's for a Node snapshot: memlab marks
   * everything reachable from the root's non-shortcut children as user-owned, which in Node is
   * nearly everything, so its rule 5 almost never applies. Then an object held both through
   * `global` and by (Stack roots) or a V8 cache is dominated by the root, not by its JS owner.
   */
  userRoots?: boolean;
  /**
   * Rule 1 above (default true). Off, a WeakMap value is retained by its table and its key
   * together, as memlab reads it: the value then counts in neither's retained size, but in the
   * nearest node that dominates both.
   */
  ephemeronValuesByKey?: boolean;
}

/** A sweep running on another thread: true once it is done there, false if this thread must run it. */
export interface SweepElsewhere {
  join(): boolean;
}

/** What the pipeline hands the pass besides the rules: shared work buffers, and where to count retainers. */
export interface EssentialEdgeWork {
  /** Work buffers to take the pass's scratch arrays from and give them back to. */
  buffers?: BufferSource;
  /**
   * Length nodeCount + 1, zeroed: gets each node's number of essential retainers, counted on the
   * way (the dominator pass needs these counts, and would otherwise sweep all edges again for them).
   */
  retainerCounts?: Uint32Array;
  /** Put the bits on a SharedArrayBuffer, for a pass in a worker thread to read. */
  shared?: boolean;
  /**
   * Starts the per-edge sweep on another thread (the inputs are on shared memory when `shared`),
   * or returns null. This thread marks the user-owned nodes meanwhile, then joins it.
   */
  sweepElsewhere?: (sweep: EssentialEdgeSweep) => SweepElsewhere | null;
  /** Work for this thread while the sweep runs elsewhere (after the user-owned marks). */
  meanwhile?: () => void;
}

export function computeEssentialEdges(snapshot: HeapSnapshot, options: EssentialEdgeOptions = {}, work: EssentialEdgeWork = {}): EssentialEdgeBits {
  const { nodeCount, firstEdge, edgeType, edgeToNode, edgeNameOrIndex, nodeId } = snapshot;
  const codes = typeCodes(snapshot);
  const buffers = work.buffers ?? NO_SHARING;
  const shared = work.shared ?? false;
  const bitBytes = (snapshot.edgeCount + 7) >>> 3;
  const names = ephemeronNames(snapshot.strings, options.ephemeronValuesByKey !== false, shared);
  const sweep: EssentialEdgeSweep = {
    nodeCount, firstEdge, edgeType, edgeToNode, edgeNameOrIndex, nodeId,
    weak: codes.edge.weak,
    shortcut: codes.edge.shortcut,
    // -1 (no edge has it) when rule 1 is off.
    internal: options.ephemeronValuesByKey === false ? -1 : codes.edge.internal,
    ephemeronName: names.kind,
    ephemeronTable: names.tables,
    bits: shared ? new Uint8Array(new SharedArrayBuffer(bitBytes)) : new Uint8Array(bitBytes),
    counts: work.retainerCounts ?? null,
  };
  const elsewhere = work.sweepElsewhere?.(sweep) ?? null;
  // Rule 5's marks: a DFS of this thread's, while the sweep (rules 1 to 4) may run on another.
  const userOwned = options.userRoots === false ? null : markUserOwnedNodes(snapshot, buffers);
  work.meanwhile?.();
  if (!(elsewhere?.join() ?? false)) {
    // Zeroed again: a worker that failed may have begun them.
    if (elsewhere) {
      sweep.bits.fill(0);
      sweep.counts?.fill(0);
    }
    sweepEssentialEdges(sweep);
  }
  if (userOwned) {
    dropEdgesIntoUserGraph(sweep, userOwned);
    buffers.give(userOwned);
  }
  return sweep.bits;
}

/**
 * Marks everything reachable over non-weak edges from the root's user roots (targets of the root's
 * `shortcut` edges, plus `(Document DOM trees)` in a browser snapshot), as DevTools'
 * `markPageOwnedNodes` does. The marks are a bit per node: the walk asks one per edge, at random
 * places, and 1 MB per 8M nodes stays in the core's cache where a byte per node would not (this
 * walk runs beside the edge sweep on the other core, and both slow down on misses to memory).
 */
function markUserOwnedNodes(snapshot: HeapSnapshot, buffers: BufferSource): UserOwnedBits {
  const { nodeCount, firstEdge, edgeType, edgeToNode, nodeType, nodeName, strings } = snapshot;
  const codes = typeCodes(snapshot);
  const owned = buffers.uint32((nodeCount + 31) >>> 5);
  const stack = buffers.uint32(nodeCount, false);
  let top = 0;
  for (let edge = firstEdge[ROOT_ORDINAL], end = firstEdge[ROOT_ORDINAL + 1]; edge < end; edge++) {
    const target = edgeToNode[edge];
    const type = edgeType[edge];
    const isDomTreesRoot =
      type === codes.edge.element &&
      nodeType[target] === codes.node.synthetic &&
      strings.get(nodeName[target]) === '(Document DOM trees)';
    if ((type === codes.edge.shortcut || isDomTreesRoot) && (owned[target >>> 5] & (1 << (target & 31))) === 0) {
      owned[target >>> 5] |= 1 << (target & 31);
      stack[top++] = target;
    }
  }
  const weak = codes.edge.weak;
  while (top > 0) {
    const node = stack[--top];
    for (let edge = firstEdge[node], end = firstEdge[node + 1]; edge < end; edge++) {
      const target = edgeToNode[edge];
      if ((owned[target >>> 5] & (1 << (target & 31))) !== 0 || edgeType[edge] === weak) continue;
      owned[target >>> 5] |= 1 << (target & 31);
      stack[top++] = target;
    }
  }
  buffers.give(stack);
  return owned;
}

/**
 * V8 names each ephemeron edge `<n> / part of key (<name> @<id>) -> value (<name> @<id>) pair in
 * WeakMap (table @<id>)`. Only the strings that mention a WeakMap pair (found in the table's bytes,
 * not by decoding every string) go to the regular expression. `kind` holds a byte per string (1: an
 * ephemeron name), small enough to stay in cache where a number per string would not, and goes to
 * another thread with the sweep.
 */
function ephemeronNames(strings: SnapshotStrings, wanted: boolean, shared: boolean): { kind: Uint8Array; tables: Map<number, number> } {
  const kind = shared ? new Uint8Array(new SharedArrayBuffer(Math.max(1, strings.length))) : new Uint8Array(strings.length);
  const tables = new Map<number, number>();
  if (!wanted) return { kind, tables };
  for (const i of strings.indexesContaining('pair in WeakMap')) {
    const match = EPHEMERON_NAME.exec(strings.get(i));
    if (!match) continue;
    kind[i] = 1;
    tables.set(i, Number(match[1]));
  }
  return { kind, tables };
}

const EPHEMERON_NAME = / \/ part of key \(.*? @\d+\) -> value \(.*? @\d+\) pair in WeakMap \(table @(\d+)\)$/;
