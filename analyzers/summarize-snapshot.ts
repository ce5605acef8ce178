/**
 * Snapshot in, compact `SnapshotSummary` out: the whole engine, pass by pass, as DevTools'
 * `initialize()` reads: essential edges -> dominators (with their own retainer lists) -> retained
 * sizes -> shortest paths -> categories -> owners -> per-owner composition and cohorts. For big
 * files (shared columns) the second core takes the essential-edge sweep, the dominator pass's
 * retainer lists, the shortest-path BFS, the dominated children, the retained sizes and the owners'
 * retained-once walk while this thread does other passes (`graphPasses`, `passesSharingBuffers`,
 * `second-core-job.ts`).
 *
 * Memory: the graph passes and the owners share one pool of work buffers (`work-buffers.ts`):
 * the user-owned marks and DFS stack of the essential-edge pass, the retainer lists and work arrays
 * of the dominator pass, the BFS queue, each goes back to the pool when its pass is done and becomes
 * a later pass's array (retained sizes, shortest paths, dominated children, and the owner of every
 * node, the instance marks and the retained-once walk's stack, which fit in what the retainer lists
 * leave), so those cost no fresh memory and no garbage waits for a collection meanwhile. What
 * survives is a few 4- or 8-byte columns per node.
 *
 * Which owners are kept: all of them, whatever their size, because growth analysis needs an owner
 * that is tiny in the first snapshot (a cache still empty) to be there too. A Node process has a
 * few hundred (about 230 for a bare script: 25 classes, the rest Node's own module-level Maps and
 * records), about 400 bytes each in JSON. Past `MAX_OWNERS`, class owners are kept first (their
 * number is bounded by the program's classes), then the rest by retained size.
 */
import { statSync } from 'node:fs';
import { basename } from 'node:path';
import type { HeapSnapshot } from './heap-snapshot.js';
import type { OwnerSummary, SnapshotSummary } from './snapshot-summary.js';
import { ROOT_ORDINAL, computeEssentialEdges } from './essential-edges.js';
import { allocateDominatedChildren, buildDominatedChildren, buildDominatorTree, type DominatorTree } from './dominators.js';
import { computeRetainedSizes } from './retained-sizes.js';
import { computeShortestPaths } from './distances.js';
import { classifyNodes } from './node-categories.js';
import { attributeOwners, type Owner, type RetainedOnceWalk } from './owners.js';
import { describeRetainerPath } from './retainer-paths.js';
import { SPLIT_PARSE_MIN_BYTES, parseSnapshotFile } from './snapshot-parser.js';
import { SnapshotSequence } from './snapshot-sequence.js';
import { computeGrowthRoots } from './growth-roots.js';
import { NO_SHARING, WorkBuffers } from './work-buffers.js';
import { SecondCore, type SecondCoreJob, type ShortestPathsJob } from './second-core-job.js';
import { PICK_CAPACITY, identitySample, identitySampleOf, type IdentityPick } from './identity-sample.js';

export interface SummaryContext {
  source: string | null;
  t: number | null;
  requests: number | null;
  cohortBoundaries: number[];
}

export const MAX_OWNERS = 2000;

/**
 * Runs one named pass and returns its result: the hook `bench/graph-passes.ts` uses to time each
 * pass of exactly this wiring. The default just calls the pass.
 */
export type PassRunner = <T>(name: string, pass: () => T) => T;
const runPass: PassRunner = (_name, pass) => pass();

export interface SummaryWork {
  /**
   * The thread for the second core's jobs (`second-core-job.ts`), opened by the caller ahead of
   * time (while the file is parsed), and closed by it. Without it, a snapshot with shared columns
   * gets one for the length of the call.
   */
  secondCore?: SecondCore | null;
  /**
   * The graph passes' pool of work buffers, made by the caller ahead of time and perhaps already
   * holding buffers (`graphPassBuffers`); by default a pool of their own. Emptied when the passes
   * that share it are done.
   */
  buffers?: WorkBuffers;
}

export function summarizeSnapshot(snapshot: HeapSnapshot, context: SummaryContext, run: PassRunner = runPass, work: SummaryWork = {}): SnapshotSummary {
  // Big files come with shared graph columns, and then the second core takes a share of the passes.
  const shared = snapshot.firstEdge.buffer instanceof SharedArrayBuffer && snapshot.edgeToNode.buffer instanceof SharedArrayBuffer;
  const ownCore = shared && work.secondCore === undefined ? SecondCore.open() : null;
  const core = shared ? (work.secondCore ?? ownCore) : null;
  try {
    return summarize(snapshot, context, run, core, work.buffers);
  } finally {
    ownCore?.close();
  }
}

function summarize(snapshot: HeapSnapshot, context: SummaryContext, run: PassRunner, core: SecondCore | null, pool: WorkBuffers | undefined): SnapshotSummary {
  const { categories, tree, paths, identity, attribution, boundaries, ...passes } = passesSharingBuffers(snapshot, context, run, core, pool);
  const { owners, ownerOfNode, isInstance, functionSite, composition } = attribution;
  run('owners retained once', () => attribution.finish());
  const retainedSizes = passes.retainedSizes();

  // Growth roots need an earlier snapshot of the same process: the first one has no new objects.
  const growthRoots =
    boundaries.length > 0
      ? run('growth roots', () =>
          computeGrowthRoots({
            snapshot, tree, retainedSizes, paths, categories, owners, ownerOfNode, isInstance, functionSite,
            firstMaxNodeId: boundaries[0],
            previousMaxNodeId: boundaries[boundaries.length - 1],
          }),
        )
      : undefined;

  const kept = keptOwners(owners);
  const ownerName = (node: number) => (isInstance[node] ? owners[ownerOfNode[node]].name : null);
  const ownerSummaries: OwnerSummary[] = run('owner summaries', () => kept.map((index) => {
    const owner = owners[index];
    return {
      key: owner.key,
      owner: owner.name,
      location: owner.location,
      count: owner.count,
      retainedBytes: owner.retainedBytes,
      selfBytes: owner.selfBytes,
      composition: composition.byOwner[index],
      cohortCounts: Array.from(composition.cohortCounts.subarray(index * composition.cohorts, (index + 1) * composition.cohorts)),
      cohortBytes: Array.from(composition.cohortBytes.subarray(index * composition.cohorts, (index + 1) * composition.cohorts)),
      retainerPath:
        owner.representative >= 0
          ? describeRetainerPath(snapshot, paths, categories, owner.representative, { ownerName })
          : ['(GC roots)', owner.name],
    };
  }));

  return {
    schema: 'memprobe/snapshot-summary@1',
    source: context.source,
    t: context.t,
    requests: context.requests,
    nodeCount: snapshot.nodeCount,
    edgeCount: snapshot.edgeCount,
    // As DevTools' Total: the root's retained size plus the native bytes newer V8 reports in the
    // header (`extra_native_bytes`) that no node holds.
    totalBytes: retainedSizes[ROOT_ORDINAL] + (snapshot.extraNativeBytes ?? 0),
    maxNodeId: composition.maxNodeId,
    cohortBoundaries: boundaries,
    categories: composition.heap,
    owners: ownerSummaries,
    ...(growthRoots ? { growthRoots } : {}),
    identity,
  };
}

export async function summarizeSnapshotFile(
  path: string,
  context: SummaryContext,
  onProgress?: (read: number, total: number) => void,
): Promise<SnapshotSummary> {
  // A file parsed on two threads gets the second core for its graph passes: started now, the
  // thread is ready by the time the passes begin.
  const secondCore = fileSize(path) >= SPLIT_PARSE_MIN_BYTES ? SecondCore.open() : null;
  // While the parser waits for its edges worker, this thread faults in the pages of the graph
  // passes' largest work buffers, which the passes would otherwise pay for on their own time.
  const buffers = secondCore ? new WorkBuffers({ shared: true }) : undefined;
  try {
    const whileWaiting = buffers ? (counts: GraphCounts) => buffers.prefault(graphPassBuffers(counts)) : undefined;
    const snapshot = await parseSnapshotFile(path, { onProgress, ...(whileWaiting ? { whileWaiting } : {}) });
    return summarizeSnapshot(snapshot, { ...context, source: context.source ?? basename(path) }, runPass, { secondCore, ...(buffers ? { buffers } : {}) });
  } finally {
    secondCore?.close();
  }
}

/** The file's size, or 0 when it cannot be read (the parser then says why, as it always has). */
function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** Summaries of snapshots of ONE process in order, each with the earlier snapshots' maxNodeId as cohort boundaries. */
export async function summarizeSnapshotFiles(
  paths: string[],
  contexts: Partial<SummaryContext>[] = [],
): Promise<SnapshotSummary[]> {
  const sequence = new SnapshotSequence();
  const summaries: SnapshotSummary[] = [];
  for (const [i, path] of paths.entries()) {
    const given = contexts[i] ?? {};
    const summary = await sequence.next((cohortBoundaries) =>
      summarizeSnapshotFile(path, {
        source: given.source ?? basename(path),
        t: given.t ?? null,
        requests: given.requests ?? null,
        cohortBoundaries: given.cohortBoundaries ?? cohortBoundaries,
      }),
    );
    summaries.push(summary);
  }
  return summaries;
}

/**
 * The passes that share work buffers, the graph passes and the owners: the pool is emptied when
 * they return (a pool of their own when the caller gave none), so that buffers nobody took become
 * garbage then.
 */
function passesSharingBuffers(snapshot: HeapSnapshot, context: SummaryContext, run: PassRunner, core: SecondCore | null, pool: WorkBuffers | undefined) {
  // A pool made elsewhere may hold buffers that are not shared: with the second core, all must be.
  const buffers = pool && (core === null || pool.isShared) ? pool : new WorkBuffers({ shared: core !== null });
  try {
    const passes = graphPasses(snapshot, run, core, buffers);
    const { tree, children, retainedSizes, filling, paths, categories } = passes;
    const boundaries = [...context.cohortBoundaries].sort((a, b) => a - b);
    // With the second core, the owners' retained-once walk runs there, behind the jobs that fill
    // its inputs, while this thread sums the owners' bytes by category and cohort. Their per-node
    // arrays are the graph passes' spent ones.
    const attribution = run('owners', () =>
      attributeOwners(
        { snapshot, tree, children, retainedSizes, ...(filling ? { filling } : {}), paths, categories, cohortBoundaries: boundaries },
        { buffers, ...(core ? { retainedElsewhere: (walk: RetainedOnceWalk) => core.retainedOnce(walk, filling?.jobs ?? []) } : {}) },
      ),
    );
    return { ...passes, attribution, boundaries };
  } finally {
    buffers.drop();
  }
}

interface GraphCounts {
  nodeCount: number;
  edgeCount: number;
}

/**
 * The buffers the graph passes take from their pool at its peak, the dominator pass, that no
 * earlier pass has given back (byte lengths, the largest first): the retainer lists (an entry per
 * essential edge, at most every edge), the DFS forest (two words per node), four node columns (the
 * essential-edge pass's retainer counts and DFS stack, which the dominator pass reuses, then the
 * preorder and the immediate dominators) and two node bitsets (visited marks). Made ahead of time,
 * they are taken as reused buffers are; a list that no longer matches the passes only saves less.
 */
export function graphPassBuffers({ nodeCount, edgeCount }: GraphCounts): number[] {
  const column = 4 * (nodeCount + 1);
  const bitset = 4 * ((nodeCount + 31) >>> 5);
  return [4 * edgeCount, 2 * column, column, column, column, column, bitset, bitset];
}

/**
 * Big files come with shared graph columns: the second core then takes the essential-edge sweep
 * and the identity sample's sweep of the node ids (while this thread marks the user-owned nodes
 * and classifies every node), the retainer lists (behind this thread's dominator DFS), the
 * shortest-path BFS (while this thread computes the semidominators and dominators), and the
 * dominated children and the retained sizes (while this thread gives every node its owner, the
 * part of the owners pass that reads neither; the owners' walk that reads both is queued there
 * behind them). Work arrays are then shared too, so that the second core can write them.
 */
function graphPasses(snapshot: HeapSnapshot, run: PassRunner, core: SecondCore | null, buffers: WorkBuffers) {
  // Counted by the essential-edge pass on its way, for the dominator pass.
  const retainerCounts = buffers.uint32(snapshot.nodeCount + 1);
  let categories: Uint8Array | null = null;
  // The identity sample's sweep of every node id, queued on the second core after the essential
  // sweep: that one ends about 90 ms before this thread's share of the pass at 759 MB (the user-owned
  // marks and the categories), and the pick takes 40 to 55 ms.
  let identityJob: SecondCoreJob | null = null;
  const identityPick: IdentityPick = {
    nodeCount: snapshot.nodeCount,
    nodeId: snapshot.nodeId,
    ordinals: new Uint32Array(new SharedArrayBuffer(4 * Math.max(1, Math.min(snapshot.nodeCount, PICK_CAPACITY)))),
    result: new Float64Array(new SharedArrayBuffer(16)),
  };
  const essential = run(core ? 'essential edges + categories' : 'essential edges', () =>
    computeEssentialEdges(snapshot, {}, {
      buffers,
      retainerCounts,
      shared: core !== null,
      ...(core
        ? {
            sweepElsewhere: (sweep) => {
              const job = core.essentialSweep(sweep);
              identityJob = core.identityPick(identityPick);
              return job;
            },
            meanwhile: () => (categories = classifyNodes(snapshot)),
          }
        : {}),
    }),
  );
  categories ??= run('categories', () => classifyNodes(snapshot));
  // The dominator pass lists retainers itself, keyed the way its main loop reads them; with the
  // second core, that one lists them behind the DFS, then does the shortest paths (queued after).
  let pathsJob: ShortestPathsJob | null = null;
  const tree: DominatorTree = run('dominators', () =>
    buildDominatorTree(snapshot, essential, undefined, {
      buffers,
      retainerCounts,
      ...(core
        ? {
            fillElsewhere: (fill) => {
              const job = core.retainerFill(fill);
              pathsJob = core.shortestPaths(snapshot, essential);
              return job;
            },
          }
        : {}),
    }),
  );
  const childrenInto = allocateDominatedChildren(snapshot.nodeCount, buffers);
  const childrenJob = core?.dominatedChildren(tree, childrenInto) ?? null;
  // With the second core the retained sizes are made there too, behind the children lists, while
  // this thread gives every node its owner, which reads neither: both are joined when needed.
  const retainedInto = core ? buffers.float64(snapshot.nodeCount, false) : null;
  const retainedJob = core && retainedInto ? core.retainedSizes(snapshot.nodeSelfSize, tree, retainedInto) : null;
  const retainedSizes = joinedOrMadeHere(retainedJob, retainedInto, () =>
    run('retained sizes', () => computeRetainedSizes(snapshot.nodeSelfSize, tree, buffers, retainedInto ?? undefined)),
  );
  if (!retainedJob) retainedSizes();
  const identity = run('identity sample', () =>
    identityJob?.join() && identityPick.result[1] >= 0 ? identitySampleOf(snapshot, identityPick) : identitySample(snapshot),
  );
  const paths = run('shortest paths', () => pathsJob?.join() ?? computeShortestPaths(snapshot, essential, buffers));
  // Joined when the owners need them (after assigning every node its owner), not here: the second
  // core may still be building them, and that assignment does not read them.
  const children = joinedOrMadeHere(childrenJob, childrenInto, () => {
    // Zeroed again: a worker that failed may have begun the counts.
    childrenInto.firstDominated.fill(0);
    return buildDominatedChildren(tree, NO_SHARING, childrenInto);
  });
  if (!childrenJob) run('dominated children', children);
  // For the owners' walk on the second core, queued behind the two jobs that fill its inputs.
  const filling = childrenJob && retainedJob ? { children: childrenInto, retainedSizes: retainedInto!, jobs: [childrenJob, retainedJob] } : null;
  return { categories, tree, retainedSizes, paths, children, filling, identity };
}

/**
 * A result the second core may be making into `into`: once asked for, the job's output if it was
 * done there, else what `here` makes on this thread (the job is then out of `into`); the same
 * result on every later call.
 */
function joinedOrMadeHere<T>(job: SecondCoreJob | null, into: T | null, here: () => T): () => T {
  let result: T | null = null;
  return () => (result ??= job?.join() ? into! : here());
}

function keptOwners(owners: Owner[]): number[] {
  const bySize = (a: number, b: number) => owners[b].retainedBytes - owners[a].retainedBytes || (owners[a].key < owners[b].key ? -1 : 1);
  const all = owners.map((_, index) => index);
  if (all.length > MAX_OWNERS) {
    const isClass = (i: number) => (owners[i].kind === 'class' ? 0 : 1);
    all.sort((a, b) => isClass(a) - isClass(b) || bySize(a, b));
    all.length = MAX_OWNERS;
  }
  return all.sort(bySize);
}
