/**
 * What each owner is made of: one sweep over the nodes, once every node has its owner or none
 * (`owners.ts`), that sums bytes and counts by owner and category, heap-wide by category, and by
 * owner and birth cohort. Nodes without an owner go to their bucket (`(runtime)` or
 * `(unattributed)`, by category) on the way, so the owners' self bytes come out of the same sweep:
 * an owner's self bytes are the sum over its categories.
 *
 * Cohorts count JS heap objects only: V8 gives those odd ids in allocation order, while native and
 * synthetic nodes get even ids that say nothing about when they were made (DevTools' `maxJsNodeId`
 * skips them for the same reason).
 */
import type { HeapSnapshot } from './heap-snapshot.js';
import { CATEGORIES, type Category, type CategoryStats } from './snapshot-summary.js';

/** `ownerOfNode` entry of a node that no owner holds. */
export const NO_OWNER = 0xffffffff;

export interface OwnerComposition {
  /** Heap-wide bytes and counts by category. */
  heap: Partial<Record<Category, CategoryStats>>;
  /** Per owner index, its bytes and counts by category. */
  byOwner: Partial<Record<Category, CategoryStats>>[];
  /** Self bytes per owner index (the sum of its categories' bytes). */
  selfBytes: Float64Array;
  /** Nodes per owner index. */
  nodeCounts: Float64Array;
  /** Number of cohorts: one more than the boundaries. */
  cohorts: number;
  /** JS objects per owner and cohort, owner-major: [owner * cohorts + cohort]. */
  cohortCounts: Float64Array;
  cohortBytes: Float64Array;
  /** The largest JS object id (odd), 0 when there is none. */
  maxNodeId: number;
}

export interface CompositionInputs {
  snapshot: Pick<HeapSnapshot, 'nodeCount' | 'nodeId' | 'nodeSelfSize'>;
  ownerCount: number;
  /** Owner index per node, NO_OWNER for a node no owner holds: that one gets its category's bucket, written here. */
  ownerOfNode: Uint32Array;
  categories: Uint8Array;
  /** The owner index of the bucket for each category index, for the nodes without an owner. */
  bucketOfCategory: Uint32Array;
  /** Ascending node ids: a JS object is in cohort k when its id is above k of them. */
  cohortBoundaries: number[];
}

export function composeOwners({ snapshot, ownerCount, ownerOfNode, categories, bucketOfCategory, cohortBoundaries }: CompositionInputs): OwnerComposition {
  const { nodeCount, nodeId, nodeSelfSize } = snapshot;
  const categoryCount = CATEGORIES.length;
  const counts = new Float64Array(ownerCount * categoryCount);
  const bytes = new Float64Array(ownerCount * categoryCount);
  const boundaries = cohortBoundaries;
  const cohorts = boundaries.length + 1;
  const cohortCounts = new Float64Array(ownerCount * cohorts);
  const cohortBytes = new Float64Array(ownerCount * cohorts);
  let maxNodeId = 0;

  for (let node = 0; node < nodeCount; node++) {
    const category = categories[node];
    let owner = ownerOfNode[node];
    if (owner === NO_OWNER) owner = ownerOfNode[node] = bucketOfCategory[category];
    const size = nodeSelfSize[node];
    const cell = owner * categoryCount + category;
    counts[cell]++;
    bytes[cell] += size;
    const id = nodeId[node];
    if (id % 2 === 1) {
      if (id > maxNodeId) maxNodeId = id;
      let cohort = 0;
      while (cohort < boundaries.length && id > boundaries[cohort]) cohort++;
      cohortCounts[owner * cohorts + cohort]++;
      cohortBytes[owner * cohorts + cohort] += size;
    }
  }

  const heap: Partial<Record<Category, CategoryStats>> = {};
  const byOwner: Partial<Record<Category, CategoryStats>>[] = [];
  const selfBytes = new Float64Array(ownerCount);
  const nodeCounts = new Float64Array(ownerCount);
  for (let owner = 0; owner < ownerCount; owner++) {
    const stats: Partial<Record<Category, CategoryStats>> = {};
    for (let c = 0; c < categoryCount; c++) {
      const count = counts[owner * categoryCount + c];
      if (count === 0) continue;
      const category = CATEGORIES[c];
      const size = bytes[owner * categoryCount + c];
      stats[category] = { count, bytes: size };
      selfBytes[owner] += size;
      nodeCounts[owner] += count;
      const total = (heap[category] ??= { count: 0, bytes: 0 });
      total.count += count;
      total.bytes += size;
    }
    byOwner.push(stats);
  }
  return { heap, byOwner, selfBytes, nodeCounts, cohorts, cohortCounts, cohortBytes, maxNodeId };
}
