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
import { typeCodes, type HeapSnapshot } from './heap-snapshot.js';
import { NO_SHARING, type BufferSource } from './work-buffers.js';

export const ROOT_ORDINAL = 0;

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
}

export function computeEssentialEdges(snapshot: HeapSnapshot, options: EssentialEdgeOptions = {}, work: EssentialEdgeWork = {}): EssentialEdgeBits {
  const { nodeCount, firstEdge, edgeType, edgeToNode, edgeNameOrIndex, nodeId } = snapshot;
  const codes = typeCodes(snapshot);
  const weak = codes.edge.weak;
  const shortcut = codes.edge.shortcut;
  // -1 (no edge has it) when rule 1 is off.
  const internal = options.ephemeronValuesByKey === false ? -1 : codes.edge.internal;
  const buffers = work.buffers ?? NO_SHARING;
  const userOwned = options.userRoots === false ? buffers.uint8(nodeCount) : markUserOwnedNodes(snapshot, buffers);
  const counts = work.retainerCounts ?? null;
  const names = new EphemeronNames(snapshot.strings);
  const nameKind = names.kind;

  const bitBytes = (snapshot.edgeCount + 7) >>> 3;
  const bits = work.shared ? new Uint8Array(new SharedArrayBuffer(bitBytes)) : new Uint8Array(bitBytes);
  for (let node = 0; node < nodeCount; node++) {
    const isRoot = node === ROOT_ORDINAL;
    const fromUserOwned = userOwned[node];
    for (let edge = firstEdge[node], end = firstEdge[node + 1]; edge < end; edge++) {
      const type = edgeType[edge];
      if (type === weak) continue;
      const target = edgeToNode[edge];
      if (target === node) continue;
      if (type === internal) {
        // Rule 1, asked once per internal edge (a third of all edges): the name's kind is read
        // from a byte per string, so only ephemeron names go further.
        const name = edgeNameOrIndex[edge];
        let kind = nameKind[name];
        if (kind === UNKNOWN_NAME) kind = names.classify(name);
        if (kind === EPHEMERON_NAME && names.tableId(name) === nodeId[node]) continue;
      }
      if (!isRoot) {
        if (type === shortcut) continue;
        // Rule 5 reads the target's flag only for edges from outside the user's graph, which are few.
        if (fromUserOwned === 0 && userOwned[target] === 1) continue;
      }
      bits[edge >>> 3] |= 1 << (edge & 7);
      if (counts !== null) counts[target]++;
    }
  }
  buffers.give(userOwned);
  return bits;
}

/**
 * Marks everything reachable over non-weak edges from the root's user roots (targets of the root's
 * `shortcut` edges, plus `(Document DOM trees)` in a browser snapshot), as DevTools'
 * `markPageOwnedNodes` does.
 */
function markUserOwnedNodes(snapshot: HeapSnapshot, buffers: BufferSource): Uint8Array {
  const { nodeCount, firstEdge, edgeType, edgeToNode, nodeType, nodeName, strings } = snapshot;
  const codes = typeCodes(snapshot);
  const owned = buffers.uint8(nodeCount);
  const stack = buffers.uint32(nodeCount, false);
  let top = 0;
  for (let edge = firstEdge[ROOT_ORDINAL], end = firstEdge[ROOT_ORDINAL + 1]; edge < end; edge++) {
    const target = edgeToNode[edge];
    const type = edgeType[edge];
    const isDomTreesRoot =
      type === codes.edge.element &&
      nodeType[target] === codes.node.synthetic &&
      strings[nodeName[target]] === '(Document DOM trees)';
    if ((type === codes.edge.shortcut || isDomTreesRoot) && !owned[target]) {
      owned[target] = 1;
      stack[top++] = target;
    }
  }
  const weak = codes.edge.weak;
  while (top > 0) {
    const node = stack[--top];
    for (let edge = firstEdge[node], end = firstEdge[node + 1]; edge < end; edge++) {
      const target = edgeToNode[edge];
      if (owned[target] || edgeType[edge] === weak) continue;
      owned[target] = 1;
      stack[top++] = target;
    }
  }
  buffers.give(stack);
  return owned;
}

const UNKNOWN_NAME = 0;
const OTHER_NAME = 1;
const EPHEMERON_NAME = 2;

/**
 * V8 names each ephemeron edge `<n> / part of key (<name> @<id>) -> value (<name> @<id>) pair in
 * WeakMap (table @<id>)`. Each string is tested once, lazily: `kind` holds a byte per string
 * (unknown, other, ephemeron), small enough to stay in cache where a number per string (16 MB at
 * 2M strings) would not, and the regular expression runs once per distinct ephemeron name.
 */
class EphemeronNames {
  private static readonly pattern = / \/ part of key \(.*? @\d+\) -> value \(.*? @\d+\) pair in WeakMap \(table @(\d+)\)$/;
  readonly kind: Uint8Array;
  private readonly tableIds = new Map<number, number>();

  constructor(private readonly strings: string[]) {
    this.kind = new Uint8Array(strings.length);
  }

  classify(stringIndex: number): number {
    const name = this.strings[stringIndex];
    const match = name !== undefined && name.includes('pair in WeakMap') ? EphemeronNames.pattern.exec(name) : null;
    if (match) this.tableIds.set(stringIndex, Number(match[1]));
    return (this.kind[stringIndex] = match ? EPHEMERON_NAME : OTHER_NAME);
  }

  /** The table id in an ephemeron name (classified first). */
  tableId(stringIndex: number): number {
    return this.tableIds.get(stringIndex)!;
  }
}
