/**
 * Immediate dominators of every node, by the Lengauer–Tarjan algorithm ("A fast algorithm for
 * finding dominators in a flowgraph", TOPLAS 1979), over the essential edges only.
 *
 * Written for 10M+ node graphs: the DFS and the path compression are loops with explicit stacks
 * (no recursion), and the buckets are linked lists threaded through two typed arrays instead of
 * DevTools' `Array<Set<number>>` (a Set per node costs gigabytes at that size). Vertices are
 * numbered 1..n as in the paper, 0 meaning "none"; vertex v is node ordinal v - 1.
 *
 * Unreachable nodes are handled as DevTools does: a node whose retainers are all non-essential
 * (weak only) is treated as a child of the root and DFS-ed from there; whatever is still unnumbered
 * after that (cycles of nodes that only retain each other) is attached to the root one by one. Their
 * immediate dominator is then the root, so their size counts in the root's retained size, exactly
 * as DevTools' "Total" does. V8 runs a full GC before writing a snapshot, so these are few: objects
 * kept only through weak references that the GC had not yet cleared.
 */
import type { HeapSnapshot } from './heap-snapshot.js';
import { ROOT_ORDINAL, isEssentialEdge, type EssentialEdgeBits } from './essential-edges.js';
import type { RetainerIndex } from './retainers.js';

export interface DominatorTree {
  /** Immediate dominator ordinal per node ordinal; the root is its own dominator. */
  dominator: Uint32Array;
  /**
   * Node ordinals in DFS preorder (the root first). A node's dominator is a DFS ancestor, so it
   * always comes earlier in this order: one forward sweep visits dominators before the nodes they
   * dominate, one backward sweep visits children before their dominators.
   */
  preorder: Uint32Array;
  /** Nodes not reachable from the root over essential edges (attached under the root). */
  unreachableCount: number;
}

export function buildDominatorTree(
  snapshot: HeapSnapshot,
  essential: EssentialEdgeBits,
  retainers: RetainerIndex,
): DominatorTree {
  const { nodeCount, firstEdge, edgeToNode } = snapshot;
  const { firstRetainer, retainingNodes } = retainers;
  const length = nodeCount + 1;
  // Memory is the constraint at 10M nodes (this pass is the pipeline's peak), so three arrays of
  // the paper share storage where their lifetimes do not overlap:
  // - `parent` doubles as the paper's `ancestor`: link(parent[w], w) sets ancestor[w] = parent[w],
  //   and parent[w] is never read after w's own step; a bit per vertex says "linked".
  // - `dom` doubles as the bucket heads: bucket(s) is last used at the step of s's first DFS child,
  //   before any dom[s] is written (at s's own step or later). Nodes attached under the root
  //   artificially (unreachable ones) can leave a bucket never emptied, so a second bit says which
  //   dom[] entries were really written.
  // - the DFS's per-vertex edge cursor becomes the bucket links once the DFS is over.
  const parent = new Uint32Array(length);
  const LINKED = 1;
  const DOMINATOR_SET = 2;
  const state = new Uint8Array(length);
  const vertex = new Uint32Array(length);
  const label = new Uint32Array(length);
  const semi = new Uint32Array(length);
  const dom = new Uint32Array(length);
  const nextEdge = new Uint32Array(length);
  let n = 0;

  const dfs = (start: number): void => {
    nextEdge[start] = firstEdge[start - 1];
    let v = start;
    while (v !== 0) {
      if (semi[v] === 0) {
        semi[v] = ++n;
        vertex[n] = label[v] = v;
      }
      let next = parent[v];
      const end = firstEdge[v];
      for (let edge = nextEdge[v]; edge < end; edge++) {
        if (!isEssentialEdge(essential, edge)) continue;
        const w = edgeToNode[edge] + 1;
        if (semi[w] !== 0) continue;
        nextEdge[v] = edge + 1;
        parent[w] = v;
        nextEdge[w] = firstEdge[w - 1];
        next = w;
        break;
      }
      if (next === parent[v]) nextEdge[v] = end;
      v = next;
    }
  };

  const r = ROOT_ORDINAL + 1;
  dfs(r);
  const reachable = n;
  if (n < nodeCount) {
    for (let v = 1; v <= nodeCount; v++) {
      if (semi[v] === 0 && firstRetainer[v - 1] === firstRetainer[v]) {
        parent[v] = r;
        dfs(v);
      }
    }
  }
  if (n < nodeCount) {
    for (let v = 1; v <= nodeCount; v++) {
      if (semi[v] !== 0) continue;
      parent[v] = r;
      semi[v] = ++n;
      vertex[n] = label[v] = v;
    }
  }

  // Grown on demand: the ancestor chains compress() walks are short in practice, and a stack sized
  // for the worst case would cost another 4 bytes per node at the memory peak of the pipeline.
  let compressionStack = new Uint32Array(1024);
  const ancestor = parent;
  const evaluate = (v: number): number => {
    if ((state[v] & LINKED) === 0) return v;
    let top = 0;
    let u = v;
    while ((state[ancestor[u]] & LINKED) !== 0) {
      if (++top === compressionStack.length) {
        const grown = new Uint32Array(compressionStack.length * 2);
        grown.set(compressionStack);
        compressionStack = grown;
      }
      compressionStack[top] = u;
      u = ancestor[u];
    }
    while (top > 0) {
      const w = compressionStack[top--];
      const a = ancestor[w];
      if (semi[label[a]] < semi[label[w]]) label[w] = label[a];
      ancestor[w] = ancestor[a];
    }
    return label[v];
  };

  const bucketHead = dom;
  const bucketNext = nextEdge.fill(0);
  for (let i = n; i >= 2; i--) {
    const w = vertex[i];
    const from = firstRetainer[w - 1];
    const to = firstRetainer[w];
    if (from === to) {
      // A node with no essential retainer hangs off the root; semi[r] = 1 is the smallest number.
      semi[w] = semi[r];
    } else {
      for (let k = from; k < to; k++) {
        const u = evaluate(retainingNodes[k] + 1);
        if (semi[u] < semi[w]) semi[w] = semi[u];
      }
    }
    const s = vertex[semi[w]];
    bucketNext[w] = bucketHead[s];
    bucketHead[s] = w;
    const p = parent[w];
    state[w] |= LINKED; // link(parent[w], w): ancestor[w] is parent[w]
    for (let v = bucketHead[p]; v !== 0; v = bucketNext[v]) {
      const u = evaluate(v);
      dom[v] = semi[u] < semi[v] ? u : p;
      state[v] |= DOMINATOR_SET;
    }
    bucketHead[p] = 0;
  }
  // As DevTools: dom[0] = r, so a vertex whose dominator was never set (only artificially
  // attached ones) takes the root.
  dom[0] = dom[r] = r;
  for (let i = 2; i <= n; i++) {
    const w = vertex[i];
    if ((state[w] & DOMINATOR_SET) === 0) dom[w] = 0;
    if (dom[w] !== vertex[semi[w]]) dom[w] = dom[dom[w]];
  }

  // Back to ordinals, in place: dom[v] (vertex numbers) -> dominator[v - 1] (ordinals).
  const dominator = dom.subarray(1);
  for (let i = 0; i < nodeCount; i++) dominator[i] = dom[i + 1] - 1;
  const preorder = vertex.subarray(1);
  for (let i = 0; i < nodeCount; i++) preorder[i] = vertex[i + 1] - 1;
  return { dominator, preorder, unreachableCount: nodeCount - reachable };
}

/** Children lists of the dominator tree (CSR): firstDominated[n]..firstDominated[n+1]-1 in `dominated`. */
export interface DominatedChildren {
  firstDominated: Uint32Array;
  dominated: Uint32Array;
}

export function buildDominatedChildren(tree: DominatorTree): DominatedChildren {
  const { dominator } = tree;
  const nodeCount = dominator.length;
  const firstDominated = new Uint32Array(nodeCount + 1);
  for (let node = 0; node < nodeCount; node++) if (node !== ROOT_ORDINAL) firstDominated[dominator[node]]++;
  let offset = 0;
  for (let node = 0; node < nodeCount; node++) {
    offset += firstDominated[node];
    firstDominated[node] = offset;
  }
  firstDominated[nodeCount] = offset;
  const dominated = new Uint32Array(offset);
  // Filled back to front in reverse preorder, so each child list ends up in preorder.
  const { preorder } = tree;
  for (let i = nodeCount - 1; i >= 0; i--) {
    const node = preorder[i];
    if (node === ROOT_ORDINAL) continue;
    dominated[--firstDominated[dominator[node]]] = node;
  }
  return { firstDominated, dominated };
}
