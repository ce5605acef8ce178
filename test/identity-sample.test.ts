import { describe, expect, it } from 'vitest';
import { ArrayStrings, type HeapSnapshot } from '../analyzers/heap-snapshot.js';
import { PICK_CAPACITY, compareIdentity, identitySample, identitySampleOf, pickIdentityNodes } from '../analyzers/identity-sample.js';
import { SecondCore } from '../analyzers/second-core-job.js';

/** Just the columns the sample reads: odd ids for objects, even ones for synthetic nodes. */
function nodesOnly(nodeCount: number, shared: boolean): HeapSnapshot {
  const nodeId = shared ? new Uint32Array(new SharedArrayBuffer(4 * nodeCount)) : new Uint32Array(nodeCount);
  const nodeType = new Uint8Array(nodeCount);
  const nodeName = new Uint32Array(nodeCount);
  for (let node = 0; node < nodeCount; node++) {
    nodeId[node] = node % 10 === 0 ? 2 * node : 2 * node + 1;
    nodeType[node] = node % 3;
    nodeName[node] = node % 7;
  }
  return {
    nodeCount,
    nodeId,
    nodeType,
    nodeName,
    nodeTypeNames: ['hidden', 'object', 'closure'],
    strings: new ArrayStrings(['a', 'b', 'c', 'd', 'e', 'f', 'g']),
  } as unknown as HeapSnapshot;
}

describe('identity sample', () => {
  it('samples about 1024 objects by id, ascending, the same from the pick and its names as in one call', () => {
    const snapshot = nodesOnly(300_000, false);
    const sample = identitySample(snapshot);
    expect(sample.ids.length).toBeGreaterThan(800);
    expect(sample.ids.length).toBeLessThan(1300);
    expect(sample.ids.every((id, i) => id % 2 === 1 && (i === 0 || sample.ids[i - 1] < id))).toBe(true);
    const pick = { nodeCount: snapshot.nodeCount, nodeId: snapshot.nodeId, ordinals: new Uint32Array(PICK_CAPACITY), result: new Float64Array(2) };
    pickIdentityNodes(pick);
    expect(pick.result[1]).toBe(sample.ids.length);
    expect(identitySampleOf(snapshot, pick)).toEqual(sample);
    expect(compareIdentity(sample, sample)).toEqual({ shared: sample.ids.length, agreeing: sample.ids.length });
  });

  it('says when the pick does not fit, and the one-call sample makes room', () => {
    const snapshot = nodesOnly(300_000, false);
    const pick = { nodeCount: snapshot.nodeCount, nodeId: snapshot.nodeId, ordinals: new Uint32Array(10), result: new Float64Array(2) };
    pickIdentityNodes(pick);
    expect(pick.result[1]).toBe(-1);
    // A heap of no more objects than the sample size gives them all.
    const small = nodesOnly(1000, false);
    const all = identitySample(small);
    expect(all.ids.length).toBe(900);
    expect(all.threshold).toBe(0x1_0000_0000);
  });

  it('picks on the second core exactly as here, from shared columns only', async () => {
    const snapshot = nodesOnly(300_000, true);
    const expected = identitySample(snapshot);
    const core = SecondCore.open()!;
    try {
      const local = { nodeCount: snapshot.nodeCount, nodeId: new Uint32Array(snapshot.nodeId), ordinals: new Uint32Array(PICK_CAPACITY), result: new Float64Array(2) };
      expect(core.identityPick(local)).toBeNull(); // nothing shared: not for the worker
      const pick = {
        nodeCount: snapshot.nodeCount,
        nodeId: snapshot.nodeId,
        ordinals: new Uint32Array(new SharedArrayBuffer(4 * PICK_CAPACITY)),
        result: new Float64Array(new SharedArrayBuffer(16)),
      };
      const job = core.identityPick(pick)!;
      for (let waited = 0; !job.started && waited < 30_000; waited += 20) await new Promise((done) => setTimeout(done, 20));
      expect(job.join()).toBe(true);
      expect(identitySampleOf(snapshot, pick)).toEqual(expected);
    } finally {
      core.close();
    }
  }, 60_000);
});
