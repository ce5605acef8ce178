/**
 * Shortest retaining paths: breadth-first from the root over the essential edges, recording each
 * node's distance and the node it was first reached from. Following `parent` from any node back to
 * the root spells the shortest path that keeps it alive, the one DevTools' Retainers view lists
 * first. Using the essential-edge bits (not a filter of its own) keeps these paths inside the graph
 * the dominator tree was built on: every edge of a path really retains.
 *
 * Unreachable nodes keep `UNREACHABLE` distance and parent.
 */
import type { HeapSnapshot } from './heap-snapshot.js';
import { ROOT_ORDINAL, isEssentialEdge, type EssentialEdgeBits } from './essential-edges.js';

export const UNREACHABLE = 0xffffffff;

export interface ShortestPaths {
  distance: Uint32Array;
  parent: Uint32Array;
}

export function computeShortestPaths(snapshot: HeapSnapshot, essential: EssentialEdgeBits): ShortestPaths {
  const { nodeCount, firstEdge, edgeToNode } = snapshot;
  const distance = new Uint32Array(nodeCount).fill(UNREACHABLE);
  const parent = new Uint32Array(nodeCount).fill(UNREACHABLE);
  // Every node enters the queue at most once, so the queue never wraps.
  const queue = new Uint32Array(nodeCount);
  let head = 0;
  let tail = 0;
  distance[ROOT_ORDINAL] = 0;
  parent[ROOT_ORDINAL] = ROOT_ORDINAL;
  queue[tail++] = ROOT_ORDINAL;
  while (head < tail) {
    const node = queue[head++];
    const next = distance[node] + 1;
    for (let edge = firstEdge[node], end = firstEdge[node + 1]; edge < end; edge++) {
      if (!isEssentialEdge(essential, edge)) continue;
      const target = edgeToNode[edge];
      if (distance[target] !== UNREACHABLE) continue;
      distance[target] = next;
      parent[target] = node;
      queue[tail++] = target;
    }
  }
  return { distance, parent };
}
