/**
 * The per-edge part of the essential-edge rules (`essential-edges.ts`): one sweep over every edge
 * that applies rules 1 to 4 (WeakMap table values, weak edges, self edges, shortcuts off the root),
 * sets a bit per retaining edge and counts each node's retainers. Rule 5 (edges into the user's
 * graph from outside it) needs the user-owned marks, a DFS of its own: it is applied afterwards to
 * the few edges it concerns (`dropEdgesIntoUserGraph`), so the sweep needs nothing but the columns
 * and can run on another thread while the main thread does that DFS.
 *
 * Its input is plain data (typed arrays, a Map, numbers): on SharedArrayBuffers it goes to a worker
 * thread as is (`second-core-job.ts`), and the same function runs there or here.
 */
import { ROOT_ORDINAL } from './heap-snapshot.js';

export interface EssentialEdgeSweep {
  nodeCount: number;
  firstEdge: Uint32Array;
  edgeType: Uint8Array;
  edgeToNode: Uint32Array;
  edgeNameOrIndex: Uint32Array;
  nodeId: Uint32Array;
  /** Edge type codes; `internal` is -1 when rule 1 is off. */
  weak: number;
  shortcut: number;
  internal: number;
  /** Per string index: 1 for an ephemeron edge name (rule 1). */
  ephemeronName: Uint8Array;
  /** The WeakMap table id in each ephemeron edge name, by string index. */
  ephemeronTable: Map<number, number>;
  /** Out: one bit per retaining edge (zeroed on entry). */
  bits: Uint8Array;
  /** Out: essential retainers per node (length nodeCount + 1, zeroed on entry), or null. */
  counts: Uint32Array | null;
}

export function sweepEssentialEdges(sweep: EssentialEdgeSweep): void {
  const { nodeCount, firstEdge, edgeType, edgeToNode, edgeNameOrIndex, nodeId, weak, shortcut, internal, ephemeronName, ephemeronTable, bits, counts } = sweep;
  for (let node = 0; node < nodeCount; node++) {
    const isRoot = node === ROOT_ORDINAL;
    for (let edge = firstEdge[node], end = firstEdge[node + 1]; edge < end; edge++) {
      const type = edgeType[edge];
      if (type === weak) continue;
      const target = edgeToNode[edge];
      if (target === node) continue;
      if (type === internal) {
        // Rule 1, asked once per internal edge (a third of all edges): a byte per string says
        // whether the name is an ephemeron's, and only those go to the table ids.
        const name = edgeNameOrIndex[edge];
        if (ephemeronName[name] === 1 && ephemeronTable.get(name) === nodeId[node]) continue;
      }
      if (type === shortcut && !isRoot) continue;
      bits[edge >>> 3] |= 1 << (edge & 7);
      if (counts !== null) counts[target]++;
    }
  }
}

/** One bit per node ordinal (bit `node & 31` of word `node >>> 5`); 1 = in the user's graph. */
export type UserOwnedBits = Uint32Array;

/**
 * Rule 5 on a swept graph: an edge from a node outside the user's graph (not the root) into one
 * inside it does not retain. Reads the marks 32 nodes at a time and the edges of the nodes outside,
 * which are few (V8's and Node's own bookkeeping): a word of 32 marked nodes costs one test.
 */
export function dropEdgesIntoUserGraph(sweep: Pick<EssentialEdgeSweep, 'nodeCount' | 'firstEdge' | 'edgeToNode' | 'bits' | 'counts'>, userOwned: UserOwnedBits): void {
  const { nodeCount, firstEdge, edgeToNode, bits, counts } = sweep;
  const words = (nodeCount + 31) >>> 5;
  for (let word = 0; word < words; word++) {
    // The nodes of this word outside the user's graph, lowest first (bits past the last node end it).
    let outside = ~userOwned[word];
    for (; outside !== 0; outside &= outside - 1) {
      const node = (word << 5) | (31 - Math.clz32(outside & -outside));
      if (node >= nodeCount) break;
      if (node !== ROOT_ORDINAL) dropEdgesFrom(node, firstEdge, edgeToNode, bits, counts, userOwned);
    }
  }
}

function dropEdgesFrom(node: number, firstEdge: Uint32Array, edgeToNode: Uint32Array, bits: Uint8Array, counts: Uint32Array | null, userOwned: UserOwnedBits): void {
  for (let edge = firstEdge[node], end = firstEdge[node + 1]; edge < end; edge++) {
    const bit = 1 << (edge & 7);
    const target = edgeToNode[edge];
    if ((bits[edge >>> 3] & bit) === 0 || (userOwned[target >>> 5] & (1 << (target & 31))) === 0) continue;
    bits[edge >>> 3] &= ~bit;
    if (counts !== null) counts[target]--;
  }
}
