import { describe, expect, it } from 'vitest';
import { dropEdgesIntoUserGraph } from '../analyzers/essential-edge-sweep.js';

/** A deterministic pseudo-random source (xorshift32). */
function random(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

/** Rule 5 as its definition reads, node by node: the reference the word-at-a-time pass must match. */
function dropOneByOne(nodeCount: number, firstEdge: Uint32Array, edgeToNode: Uint32Array, bits: Uint8Array, counts: Uint32Array, owned: (node: number) => boolean): void {
  for (let node = 1; node < nodeCount; node++) {
    if (owned(node)) continue;
    for (let edge = firstEdge[node]; edge < firstEdge[node + 1]; edge++) {
      const target = edgeToNode[edge];
      if ((bits[edge >>> 3] >>> (edge & 7)) & 1 && owned(target)) {
        bits[edge >>> 3] &= ~(1 << (edge & 7));
        counts[target]--;
      }
    }
  }
}

describe('rule 5: edges into the user graph from outside it', () => {
  // Node counts around word boundaries; marks dense (a few nodes outside, as in a real heap), even
  // and sparse; words with only bit 31 clear; marks set past the last node.
  for (const [nodeCount, ownedShare, seed] of [[1, 0.9, 1], [31, 0.5, 2], [32, 0.97, 3], [33, 0.1, 4], [1000, 0.98, 5], [4097, 0.5, 6], [4096, 0, 7], [4096, 1, 8]] as const) {
    it(`${nodeCount} nodes, ${ownedShare * 100}% of them in the user graph`, () => {
      const next = random(seed);
      const firstEdge = new Uint32Array(nodeCount + 1);
      const targets: number[] = [];
      for (let node = 0; node < nodeCount; node++) {
        firstEdge[node] = targets.length;
        const edges = node === 0 ? 4 : Math.floor(next() * 5);
        for (let i = 0; i < edges; i++) targets.push(Math.floor(next() * nodeCount));
      }
      firstEdge[nodeCount] = targets.length;
      const edgeToNode = Uint32Array.from(targets);
      const marks = new Uint32Array(((nodeCount + 31) >>> 5) + 1);
      for (let node = 0; node < nodeCount; node++) if (next() < ownedShare || node % 64 === 63) marks[node >>> 5] |= 1 << (node & 31);
      // The root is never marked, and its edges are never dropped.
      marks[0] &= ~1;
      // Bits past the last node (the pass must not read them as nodes).
      marks[nodeCount >>> 5] |= nodeCount % 32 === 0 ? 0 : ~0 << nodeCount % 32;
      const bits = new Uint8Array((targets.length + 7) >>> 3);
      const counts = new Uint32Array(nodeCount + 1);
      for (let edge = 0; edge < targets.length; edge++) {
        if (next() < 0.8) {
          bits[edge >>> 3] |= 1 << (edge & 7);
          counts[edgeToNode[edge]]++;
        }
      }
      const before = bits.slice();
      const expectedBits = bits.slice();
      const expectedCounts = counts.slice();
      dropOneByOne(nodeCount, firstEdge, edgeToNode, expectedBits, expectedCounts, (node) => ((marks[node >>> 5] >>> (node & 31)) & 1) === 1);
      dropEdgesIntoUserGraph({ nodeCount, firstEdge, edgeToNode, bits, counts }, marks);
      expect(bits).toEqual(expectedBits);
      expect(counts).toEqual(expectedCounts);
      // The case has edges to drop (else it would test nothing).
      if (ownedShare > 0 && ownedShare < 1 && nodeCount > 100) expect(expectedBits).not.toEqual(before);
    });
  }
});
