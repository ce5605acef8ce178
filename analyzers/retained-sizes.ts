/**
 * Retained size of every node: its own size plus the retained sizes of the nodes it immediately
 * dominates (what would be freed if it were gone). One backward sweep over the DFS preorder adds
 * each node into its dominator after all of the node's own dominated nodes were added into it.
 *
 * Float64: a root's retained size passes 4 GiB on large heaps.
 */
import { ROOT_ORDINAL } from './essential-edges.js';
import type { DominatorTree } from './dominators.js';
import { NO_SHARING, type BufferSource } from './work-buffers.js';

export function computeRetainedSizes(
  selfSize: Uint32Array,
  tree: Pick<DominatorTree, 'dominator' | 'preorder'>,
  buffers: BufferSource = NO_SHARING,
  /** Where to write them (length nodeCount); by default an array from `buffers`. */
  into?: Float64Array,
): Float64Array {
  const { dominator, preorder } = tree;
  const retained = into ?? buffers.float64(selfSize.length, false); // set in full just below
  retained.set(selfSize);
  for (let i = preorder.length - 1; i >= 0; i--) {
    const node = preorder[i];
    if (node === ROOT_ORDINAL) continue;
    retained[dominator[node]] += retained[node];
  }
  return retained;
}
