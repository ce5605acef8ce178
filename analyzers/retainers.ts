/**
 * The retainer index: for each node, the nodes (and edges) that retain it, as DevTools'
 * `buildRetainers` lays it out (firstRetainer / retainingNodes / retainingEdges, counting sort by
 * target). Only essential edges are indexed, so a reader sees exactly the edges the dominator
 * pass's forward DFS sees. The pipeline itself does not build this index: the dominator pass lists
 * retainers by DFS number, the form its main loop reads (see `dominators.ts`), and takes only the
 * counts from an index a caller already has.
 *
 * `retainingEdges` costs 4 bytes per essential edge (about 120 MB on a 30M-edge snapshot) and no
 * pass of the pipeline needs it, so it is built only on request.
 */
import type { HeapSnapshot } from './heap-snapshot.js';
import { isEssentialEdge, type EssentialEdgeBits } from './essential-edges.js';

export interface RetainerIndex {
  /** firstRetainer[n]..firstRetainer[n+1]-1 index node n's retainers; length nodeCount + 1. */
  firstRetainer: Uint32Array;
  /** Ordinal of the retaining node. */
  retainingNodes: Uint32Array;
  /** Ordinal of the retaining edge; present when built with `withEdges`. */
  retainingEdges: Uint32Array | null;
}

export function buildRetainerIndex(
  snapshot: HeapSnapshot,
  essential: EssentialEdgeBits,
  options: { withEdges?: boolean } = {},
): RetainerIndex {
  const { nodeCount, firstEdge, edgeToNode } = snapshot;
  const firstRetainer = new Uint32Array(nodeCount + 1);

  let essentialCount = 0;
  for (let edge = 0; edge < snapshot.edgeCount; edge++) {
    if (!isEssentialEdge(essential, edge)) continue;
    firstRetainer[edgeToNode[edge]]++;
    essentialCount++;
  }
  // Counts become start offsets; then each slot range is filled back to front.
  let offset = 0;
  for (let node = 0; node < nodeCount; node++) {
    offset += firstRetainer[node];
    firstRetainer[node] = offset;
  }
  firstRetainer[nodeCount] = essentialCount;

  const retainingNodes = new Uint32Array(essentialCount);
  const retainingEdges = options.withEdges ? new Uint32Array(essentialCount) : null;
  for (let node = 0; node < nodeCount; node++) {
    for (let edge = firstEdge[node], end = firstEdge[node + 1]; edge < end; edge++) {
      if (!isEssentialEdge(essential, edge)) continue;
      const slot = --firstRetainer[edgeToNode[edge]];
      retainingNodes[slot] = node;
      if (retainingEdges) retainingEdges[slot] = edge;
    }
  }
  return { firstRetainer, retainingNodes, retainingEdges };
}
