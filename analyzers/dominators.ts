/**
 * Immediate dominators of every node over the essential edges only, by the Semi-NCA algorithm
 * (Georgiadis, Tarjan, Werneck, "Finding dominators in practice", 2006): Lengauer–Tarjan's
 * semidominators ("A fast algorithm for finding dominators in a flowgraph", TOPLAS 1979), then each
 * immediate dominator as the nearest common ancestor of the node's DFS parent and its
 * semidominator, found by walking up the dominators already known. It computes the same tree as
 * Lengauer–Tarjan with the same DFS, without LT's buckets and the pass that settles them, and is
 * the faster of the two on large sparse graphs in that paper's measurements (and here: heap graphs
 * are wide and shallow, so the NCA walks are short).
 *
 * The retainers each vertex's semidominator is taken over are listed here, after the DFS, with the
 * retaining node's DFS number instead of its ordinal: the main loop then compares a retainer with
 * its own position directly, and reads nothing at all for retainers numbered below it (most are),
 * where an ordinal would first cost a random read of the node's number.
 *
 * Written for 10M+ node graphs: the DFS and the path compression are loops with explicit stacks
 * (no recursion). Vertices are numbered 1..n in DFS preorder, 0 meaning "none", and every work
 * array is indexed by that number rather than by node ordinal: the main loop then reads its own
 * vertex's entries in order, and the number of a vertex compares directly with the loop index
 * (processed vertices are exactly those numbered above it), which replaces LT's "linked" flags.
 *
 * Unreachable nodes are handled as DevTools does: a node whose retainers are all non-essential
 * (weak only) is treated as a child of the root and DFS-ed from there; whatever is still unnumbered
 * after that (cycles of nodes that only retain each other) is attached to the root one by one. Their
 * immediate dominator is then the root, so their size counts in the root's retained size, exactly
 * as DevTools' "Total" does. V8 runs a full GC before writing a snapshot, so these are few: objects
 * kept only through weak references that the GC had not yet cleared. (Semi-NCA gives them the same
 * dominators as DevTools' LT: a weak-only node has the root as semidominator, i.e. a virtual edge
 * from the root; a node of a retaining cycle is a leaf under the root, and its semidominator is
 * another such leaf, so both algorithms end at the root. The tests check this against a
 * transcription of DevTools on random graphs with islands.)
 */
import type { HeapSnapshot } from './heap-snapshot.js';
import { ROOT_ORDINAL, type EssentialEdgeBits } from './essential-edges.js';
import type { RetainerIndex } from './retainers.js';
import { NO_SHARING, type BufferSource } from './work-buffers.js';

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

/**
 * `retainers`, when the caller has built the retainer index anyway, saves a counting sweep over
 * the edges: only its counts are read. Without it (the pipeline's case) no ordinal-keyed index is
 * built at all.
 */
export interface DominatorWork {
  /** Work buffers: the pass takes its arrays from them and gives back those it does not return. */
  buffers?: BufferSource;
  /**
   * Essential retainers per node (length nodeCount + 1), as `computeEssentialEdges` counts them on
   * request: saves the counting sweep. Used as the pass's own work array and given back.
   */
  retainerCounts?: Uint32Array;
  /**
   * Starts `fillRetainerLists` on another thread (its arrays are on shared memory when the
   * buffers are), or returns null. The DFS then only numbers the vertices, and the other thread
   * lists the retainers of each vertex it has numbered, close behind it.
   */
  fillElsewhere?: (fill: RetainerFill) => { join(): boolean } | null;
}

/**
 * The retainer lists of the dominator pass, filled from the DFS numbering: for each vertex, in
 * number order, its DFS number goes into the list of every node it retains over an essential edge.
 * On another thread this follows the DFS as it numbers (`progress`); the lists then hold the same
 * retainers as when the DFS fills them itself, in another order, which the semidominators (a
 * minimum over each list) do not depend on.
 */
export interface RetainerFill {
  /** Node ordinal of each DFS number, written by the DFS as it numbers (entries 1..n). */
  vertex: Uint32Array;
  firstEdge: Uint32Array;
  edgeToNode: Uint32Array;
  essential: EssentialEdgeBits;
  /** End offsets of each node's list (filled back to front); the start offsets once done. */
  firstRetainer: Uint32Array;
  retainingNumbers: Uint32Array;
  /** [0]: vertices numbered so far, as published by the DFS; [1]: 1 once [0] is final. */
  progress: Int32Array;
}

/** How many vertices the DFS numbers between two publications of its progress. */
const PUBLISH_EVERY = 8192;

/** Fill the retainer lists of vertices 1..n as the DFS publishes them (all at once if it is done). */
export function fillRetainerLists(fill: RetainerFill): void {
  const { vertex, firstEdge, edgeToNode, essential, firstRetainer, retainingNumbers, progress } = fill;
  let v = 1;
  for (;;) {
    const done = Atomics.load(progress, 1) === 1;
    const numbered = Atomics.load(progress, 0);
    for (; v <= numbered; v++) {
      const node = vertex[v];
      for (let edge = firstEdge[node], end = firstEdge[node + 1]; edge < end; edge++) {
        if (((essential[edge >>> 3] >>> (edge & 7)) & 1) !== 0) retainingNumbers[--firstRetainer[edgeToNode[edge]]] = v;
      }
    }
    if (done) return;
    // Woken by the next publication; the timeout only bounds a wait on a notification missed.
    Atomics.wait(progress, 0, numbered, 100);
  }
}

export function buildDominatorTree(
  snapshot: HeapSnapshot,
  essential: EssentialEdgeBits,
  retainers?: RetainerIndex,
  work: DominatorWork = {},
): DominatorTree {
  const { nodeCount, edgeCount, firstEdge, edgeToNode } = snapshot;
  const length = nodeCount + 1;
  const buffers = work.buffers ?? NO_SHARING;
  // Essential retainers per node (end offsets once summed up, then start offsets once filled).
  const counted = work.retainerCounts;
  if (counted && counted.length !== length) throw new RangeError(`retainerCounts has length ${counted.length}, not ${length}`);
  const firstRetainer = counted ?? buffers.uint32(length);
  if (counted) {
    // Counted by the essential-edge pass.
  } else if (retainers) {
    const given = retainers.firstRetainer;
    for (let node = 0; node < nodeCount; node++) firstRetainer[node] = given[node + 1] - given[node];
  } else {
    countRetainers(essential, edgeCount, edgeToNode, firstRetainer);
  }
  // Retainer lists keyed by retained node (ordinal), holding retainers' DFS numbers: counts become
  // end offsets, and each node's range is filled back to front as the DFS meets its retainers (it
  // meets every essential edge once), which saves a sweep of its own over all the edges.
  const essentialCount = toEndOffsets(firstRetainer, nodeCount);
  const retainingNumbers = buffers.uint32(essentialCount, false); // every slot is filled once

  // Besides the retainer lists, four 4-byte columns (one of them two wide) and a bitset: this
  // pass is the pipeline's memory peak.
  /**
   * The semidominators (vertex i at i - 1), then the result. No column of DFS numbers by node
   * ordinal is kept: the DFS marks `visited` and writes `vertex`, and a node's own number is never
   * read back (the retainer lists get numbers from `vertex`), which leaves a random write per
   * vertex out of its loop.
   */
  const semi = buffers.uint32(nodeCount, false); // every entry is written, as a semidominator or a dominator

  /** Node ordinal of each DFS number: the preorder. */
  const vertex = buffers.uint32(length, false); // entries 1 .. n written as numbered; 0 never read
  /**
   * Per vertex v, [2v] is the DFS parent, then the path-compressed forest's ancestor; [2v + 1] is
   * the smallest semidominator on the compressed path up from v. The main loop reads both of a
   * random vertex together, so they share a cache line.
   */
  const forest = buffers.uint32(2 * length, false); // parents written as numbered, labels as processed, each read after
  /**
   * DFS parent, written as each vertex is numbered: the start of each NCA walk, then the immediate
   * dominator. (The forest's parents are overwritten by the path compression.)
   */
  const idom = buffers.uint32(length, false); // entries 1 .. n written as numbered
  let n = 0;
  // "Visited" as one bit per node (1 MB at 8M nodes, where a 4-byte column is 32 MB): the DFS asks it
  // once per essential edge, at random places, and a bitset that stays in cache answers faster.
  const visited = buffers.uint32((nodeCount + 31) >>> 5);
  // With the second core, it lists the retainers behind the DFS (`fillRetainerLists`) and the DFS
  // only numbers: the random writes into the lists leave its loop.
  const progress = new Int32Array(new SharedArrayBuffer(8));
  const elsewhere = work.fillElsewhere?.({ vertex, firstEdge, edgeToNode, essential, firstRetainer, retainingNumbers, progress }) ?? null;
  const fillHere = elsewhere === null;
  // The DFS path as (vertex, next edge, end edge) triples: returning to a vertex reads the top of
  // this stack, which is in cache, instead of three columns at random. Grown on demand: a path as
  // long as the graph (a linked list of every node) is possible but not typical.
  let path = new Uint32Array(3 * 1024);

  const dfs = (start: number, startParent: number): void => {
    const first = ++n;
    visited[start >>> 5] |= 1 << (start & 31);
    vertex[first] = start;
    forest[2 * first] = startParent;
    idom[first] = startParent;
    path[0] = first;
    path[1] = firstEdge[start];
    path[2] = firstEdge[start + 1];
    let top = 3;
    while (top > 0) {
      const source = path[top - 3];
      const end = path[top - 1];
      let edge = path[top - 2];
      let w = -1;
      for (; edge < end; edge++) {
        if (((essential[edge >>> 3] >>> (edge & 7)) & 1) === 0) continue;
        const target = edgeToNode[edge];
        if (fillHere) retainingNumbers[--firstRetainer[target]] = source;
        if ((visited[target >>> 5] & (1 << (target & 31))) === 0) {
          w = target;
          break;
        }
      }
      if (w < 0) {
        top -= 3;
        continue;
      }
      path[top - 2] = edge + 1;
      const child = ++n;
      visited[w >>> 5] |= 1 << (w & 31);
      vertex[child] = w;
      const parent = path[top - 3];
      forest[2 * child] = parent;
      idom[child] = parent;
      if (!fillHere && child % PUBLISH_EVERY === 0) {
        Atomics.store(progress, 0, child);
        Atomics.notify(progress, 0);
      }
      if (top + 3 > path.length) {
        const grown = new Uint32Array(path.length * 2);
        grown.set(path);
        path = grown;
      }
      path[top] = child;
      path[top + 1] = firstEdge[w];
      path[top + 2] = firstEdge[w + 1];
      top += 3;
    }
  };

  const r = 1; // the root's DFS number
  dfs(ROOT_ORDINAL, 0);
  const reachable = n;
  if (n < nodeCount) {
    // Which unvisited nodes have an essential retainer at all: only unvisited nodes can retain
    // them (a visited retainer would have led the DFS there).
    const retained = buffers.uint32((nodeCount + 31) >>> 5);
    for (let node = 0; node < nodeCount; node++) {
      if ((visited[node >>> 5] & (1 << (node & 31))) !== 0) continue;
      for (let edge = firstEdge[node], end = firstEdge[node + 1]; edge < end; edge++) {
        if (((essential[edge >>> 3] >>> (edge & 7)) & 1) === 0) continue;
        const target = edgeToNode[edge];
        retained[target >>> 5] |= 1 << (target & 31);
      }
    }
    for (let node = 0; node < nodeCount; node++) {
      if (((visited[node >>> 5] | retained[node >>> 5]) & (1 << (node & 31))) === 0) dfs(node, r);
    }
    buffers.give(retained);
  }
  // Vertices up to here were numbered by a DFS, so each was reached from its DFS parent over an
  // essential edge: one with a single essential retainer has that parent as semidominator.
  const numberedByDfs = n;
  if (n < nodeCount) {
    // Attached one by one, never DFS-ed: their edges go into the retainer lists here.
    const attached = n + 1;
    for (let node = 0; node < nodeCount; node++) {
      if ((visited[node >>> 5] & (1 << (node & 31))) !== 0) continue;
      const v = ++n;
      vertex[v] = node;
      forest[2 * v] = r;
      idom[v] = r;
    }
    for (let v = attached; v <= n && fillHere; v++) {
      const node = vertex[v];
      for (let edge = firstEdge[node], end = firstEdge[node + 1]; edge < end; edge++) {
        if (((essential[edge >>> 3] >>> (edge & 7)) & 1) !== 0) retainingNumbers[--firstRetainer[edgeToNode[edge]]] = v;
      }
    }
  }
  if (elsewhere) {
    // Every vertex is numbered: the final count, then the flag that says it is final.
    Atomics.store(progress, 0, n);
    Atomics.store(progress, 1, 1);
    Atomics.notify(progress, 0);
    if (!elsewhere.join()) {
      // Not done there (never started, or failed part way): the lists again from the counts.
      firstRetainer.fill(0);
      countRetainers(essential, edgeCount, edgeToNode, firstRetainer);
      toEndOffsets(firstRetainer, nodeCount);
      fillRetainerLists({ vertex, firstEdge, edgeToNode, essential, firstRetainer, retainingNumbers, progress });
    }
  }


  // Semidominators, from the last-numbered vertex up. While vertex i is processed, the vertices
  // numbered above i are the linked ones (each linked to its DFS parent), and a vertex numbered at
  // or below i is a tree root whose semidominator is still its own number.
  // Grown on demand: compressed paths are short in practice, and a stack sized for the worst case
  // would cost another 4 bytes per node at the pipeline's memory peak.
  let stack = new Uint32Array(1024);
  for (let i = n; i >= 2; i--) {
    const w = vertex[i];
    const from = firstRetainer[w];
    const to = firstRetainer[w + 1];
    // A node with no essential retainer hangs off the root: the root's number, 1, is the least. One
    // with a single retainer, reached by a DFS, was reached from it: its parent, numbered below it
    // (most heap objects have one retainer, and its number is then not read from the lists). Not so
    // for the attached vertices, whose parent is the root and whose retainer is another of them.
    let s = from === to ? r : i;
    if (to - from === 1 && i <= numberedByDfs) s = idom[i];
    else for (let k = from; k < to && s !== r; k++) {
      const v = retainingNumbers[k];
      let candidate = v;
      if (v > i) {
        let a = forest[2 * v];
        if (a > i) {
          // Path compression: every vertex on the path from v up to the last linked one gets
          // that vertex's ancestor (a tree root) as its own, and the smallest label on the way.
          let top = 0;
          let u = v;
          do {
            if (top === stack.length) {
              const grown = new Uint32Array(stack.length * 2);
              grown.set(stack);
              stack = grown;
            }
            stack[top++] = u;
            u = a;
            a = forest[2 * u];
          } while (a > i);
          let aboveLabel = forest[2 * u + 1];
          while (top > 0) {
            const x = stack[--top];
            if (aboveLabel < forest[2 * x + 1]) forest[2 * x + 1] = aboveLabel;
            else aboveLabel = forest[2 * x + 1];
            forest[2 * x] = a;
          }
        }
        candidate = forest[2 * v + 1];
      }
      if (candidate < s) s = candidate;
    }
    semi[i - 1] = s;
    forest[2 * i + 1] = s;
  }

  // Immediate dominators in preorder: idom(w) is the nearest common ancestor of its DFS parent and
  // its semidominator, i.e. the first vertex up the dominator chain from the parent that is not
  // numbered above semi(w). Vertices numbered below w already have their final idom.
  idom[r] = r;
  for (let i = 2; i <= n; i++) {
    const s = semi[i - 1];
    let d = idom[i];
    while (d > s) d = idom[d];
    idom[i] = d;
  }

  // Back to ordinals: the semidominators are no longer needed and their column becomes the result
  // (one fewer 4-byte column at the memory peak, and one fewer large allocation).
  const dominator = semi;
  for (let i = 1; i <= n; i++) dominator[vertex[i]] = vertex[idom[i]];
  const preorder = vertex.subarray(1);
  buffers.give(firstRetainer, retainingNumbers, forest, visited, idom);
  return { dominator, preorder, unreachableCount: nodeCount - reachable };
}

/** Essential retainers per node, into `counts` (zeroed, length nodeCount + 1). */
function countRetainers(essential: EssentialEdgeBits, edgeCount: number, edgeToNode: Uint32Array, counts: Uint32Array): void {
  for (let edge = 0; edge < edgeCount; edge++) {
    if (((essential[edge >>> 3] >>> (edge & 7)) & 1) !== 0) counts[edgeToNode[edge]]++;
  }
}

/** Counts per node into end offsets (a running sum), in place; returns the total. */
function toEndOffsets(counts: Uint32Array, nodeCount: number): number {
  let total = 0;
  for (let node = 0; node < nodeCount; node++) {
    total += counts[node];
    counts[node] = total;
  }
  counts[nodeCount] = total;
  return total;
}

/** Children lists of the dominator tree (CSR): firstDominated[n]..firstDominated[n+1]-1 in `dominated`. */
export interface DominatedChildren {
  firstDominated: Uint32Array;
  dominated: Uint32Array;
}

/**
 * The arrays `buildDominatedChildren` fills: every node but the root has one dominator, so the
 * lists hold nodeCount - 1 entries in all.
 */
export function allocateDominatedChildren(nodeCount: number, buffers: BufferSource = NO_SHARING): DominatedChildren {
  return { firstDominated: buffers.uint32(nodeCount + 1), dominated: buffers.uint32(Math.max(0, nodeCount - 1), false) };
}

export function buildDominatedChildren(
  tree: Pick<DominatorTree, 'dominator' | 'preorder'>,
  buffers: BufferSource = NO_SHARING,
  /** Where to write them (from `allocateDominatedChildren`, `firstDominated` zeroed); by default arrays from `buffers`. */
  into: DominatedChildren = allocateDominatedChildren(tree.dominator.length, buffers),
): DominatedChildren {
  const { dominator } = tree;
  const nodeCount = dominator.length;
  const { firstDominated, dominated } = into;
  for (let node = 0; node < nodeCount; node++) if (node !== ROOT_ORDINAL) firstDominated[dominator[node]]++;
  let offset = 0;
  for (let node = 0; node < nodeCount; node++) {
    offset += firstDominated[node];
    firstDominated[node] = offset;
  }
  firstDominated[nodeCount] = offset;
  // Filled back to front in reverse preorder, so each child list ends up in preorder.
  const { preorder } = tree;
  for (let i = nodeCount - 1; i >= 0; i--) {
    const node = preorder[i];
    if (node === ROOT_ORDINAL) continue;
    dominated[--firstDominated[dominator[node]]] = node;
  }
  return { firstDominated, dominated };
}
