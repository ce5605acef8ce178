/**
 * Shortest retaining paths: breadth-first from the root over the essential edges, recording the
 * edge each node was first reached by. Following `parentEdge` (and its source, see
 * `edgeSource`) from any node back to the root spells the shortest path that keeps it alive, the one DevTools' Retainers view lists
 * first. Using the essential-edge bits (not a filter of its own) keeps these paths inside the graph
 * the dominator tree was built on: every edge of a path really retains.
 *
 * The edge, not the node, is recorded because readers want its name (the property or variable that
 * holds an object), and finding the edge from a node with a million elements would be a scan.
 * Distances themselves are not kept (a path's length is its walk back to the root): at 8M nodes
 * another column would cost 35 MB at the pipeline's memory peak. Unreachable nodes (and the root)
 * keep `UNREACHABLE` as parent edge.
 */
import type { HeapSnapshot } from './heap-snapshot.js';
import { ROOT_ORDINAL, type EssentialEdgeBits } from './essential-edges.js';
import { NO_SHARING, type BufferSource } from './work-buffers.js';

export const UNREACHABLE = 0xffffffff;

export interface ShortestPaths {
  parentEdge: Uint32Array;
}

export function computeShortestPaths(
  snapshot: Pick<HeapSnapshot, 'nodeCount' | 'firstEdge' | 'edgeToNode'>,
  essential: EssentialEdgeBits,
  buffers: BufferSource = NO_SHARING,
  /** Where to write the result (length nodeCount); by default an array from `buffers`. */
  into?: Uint32Array,
): ShortestPaths {
  const { nodeCount, firstEdge, edgeToNode } = snapshot;
  const parentEdge = (into ?? buffers.uint32(nodeCount, false)).fill(UNREACHABLE);
  // "Seen" as one bit per node (1 MB at 8M nodes): asked once per essential edge at random places,
  // it stays in cache where `parentEdge` (32 MB) would not; `parentEdge` is then written once per node.
  const seen = buffers.uint32((nodeCount + 31) >>> 5);
  seen[ROOT_ORDINAL >>> 5] |= 1 << (ROOT_ORDINAL & 31);
  // Every node enters the queue at most once, so the queue never wraps.
  const queue = buffers.uint32(nodeCount, false);
  let head = 0;
  let tail = 0;
  queue[tail++] = ROOT_ORDINAL;
  while (head < tail) {
    const node = queue[head++];
    for (let edge = firstEdge[node], end = firstEdge[node + 1]; edge < end; edge++) {
      if (((essential[edge >>> 3] >>> (edge & 7)) & 1) === 0) continue;
      const target = edgeToNode[edge];
      const bit = 1 << (target & 31);
      if ((seen[target >>> 5] & bit) !== 0) continue;
      seen[target >>> 5] |= bit;
      parentEdge[target] = edge;
      queue[tail++] = target;
    }
  }
  buffers.give(seen, queue);
  return { parentEdge };
}

/** The node an edge starts from: binary search in `firstEdge` (edges are stored grouped by source). */
export function edgeSource(snapshot: HeapSnapshot, edge: number): number {
  const { firstEdge } = snapshot;
  let low = 0;
  let high = snapshot.nodeCount - 1;
  while (low < high) {
    const mid = (low + high + 1) >>> 1;
    if (firstEdge[mid] <= edge) low = mid;
    else high = mid - 1;
  }
  return low;
}
