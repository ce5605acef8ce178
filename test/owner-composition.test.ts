import { describe, expect, it } from 'vitest';
import { NO_OWNER, composeOwners } from '../analyzers/owner-composition.js';
import { CATEGORY_INDEX } from '../analyzers/node-categories.js';
import { CATEGORIES } from '../analyzers/snapshot-summary.js';

const C = CATEGORY_INDEX;

describe('composeOwners', () => {
  // Owners: 0 (runtime bucket), 1 (unattributed bucket), 2 (a class).
  const bucketOfCategory = new Uint32Array(CATEGORIES.length).fill(1);
  bucketOfCategory[C.code] = 0;
  const categories = Uint8Array.from([C.code, C.instance, C['value-array'], C.string, C.code, C.string]);
  const nodeSelfSize = Uint32Array.from([10, 20, 300, 40, 5, 60]);
  // Odd ids are JS objects, in allocation order; 4 is native (even): no cohort.
  const nodeId = Uint32Array.from([1, 3, 5, 4, 9, 11]);
  const compose = (cohortBoundaries: number[]) => {
    const ownerOfNode = Uint32Array.from([NO_OWNER, 2, 2, NO_OWNER, 2, NO_OWNER]);
    const result = composeOwners({
      snapshot: { nodeCount: 6, nodeId, nodeSelfSize },
      ownerCount: 3,
      ownerOfNode,
      categories,
      bucketOfCategory,
      cohortBoundaries,
    });
    return { ownerOfNode, result };
  };

  it('puts the nodes without an owner in their category\'s bucket, and sums self bytes from the categories', () => {
    const { ownerOfNode, result } = compose([]);
    expect(Array.from(ownerOfNode)).toEqual([0, 2, 2, 1, 2, 1]);
    expect(Array.from(result.selfBytes)).toEqual([10, 100, 325]);
    expect(Array.from(result.nodeCounts)).toEqual([1, 2, 3]);
    expect(result.byOwner[2]).toEqual({ instance: { count: 1, bytes: 20 }, 'value-array': { count: 1, bytes: 300 }, code: { count: 1, bytes: 5 } });
    expect(result.heap.code).toEqual({ count: 2, bytes: 15 });
    expect(result.heap.string).toEqual({ count: 2, bytes: 100 });
    expect(result.maxNodeId).toBe(11);
  });

  it('counts JS objects (odd ids) by birth cohort, owner-major', () => {
    const { result } = compose([3, 9]);
    expect(result.cohorts).toBe(3);
    // Owner 2: id 3 (cohort 0), 5 (cohort 1), 9 (cohort 1). Owner 1: id 11 (cohort 2); id 4 is native.
    expect(Array.from(result.cohortCounts.subarray(6, 9))).toEqual([1, 2, 0]);
    expect(Array.from(result.cohortBytes.subarray(6, 9))).toEqual([20, 305, 0]);
    expect(Array.from(result.cohortCounts.subarray(3, 6))).toEqual([0, 0, 1]);
    expect(Array.from(result.cohortBytes.subarray(3, 6))).toEqual([0, 0, 60]);
  });
});
