import { describe, expect, it } from 'vitest';
import { summarizeSnapshot } from '../analyzers/summarize-snapshot.js';
import { judgeRoot } from '../analyzers/root-verdicts.js';
import { rootGrowthModels } from '../analyzers/root-findings.js';
import { analyzeGrowth, type GrowthOptions } from '../analyzers/analyze-growth.js';
import type { EntryKind, GrowthRootSummary } from '../analyzers/growth-roots.js';
import { heapGraph } from './helpers/heap-graph-builder.js';
import { writeProgramSnapshot } from './helpers/program-snapshot.js';
import { summarizeSnapshotFiles } from '../analyzers/summarize-snapshot.js';

/** Ids up to this are "old" (the first snapshot's largest id); odd ids above it are new. */
const FIRST = 99;

/**
 * A tracker instance whose Map (old) got a new table holding two new sockets, each with a string;
 * a memoizer closure whose context's Map got a new table of closures keyed by strings; and a new
 * array of values on an unowned global.
 */
function graph() {
  return heapGraph()
    .node('root', { type: 'synthetic', name: '' })
    .node('global', { name: 'global', size: 10, id: 3 })
    .node('tracker', { name: 'Tracker', size: 40, id: 5 })
    .node('pending', { name: 'Map', size: 32, id: 7 })
    .node('table', { type: 'array', name: '', size: 200, id: 101 })
    .node('s1', { name: 'Socket', size: 300, id: 103 })
    .node('s2', { name: 'Socket', size: 300, id: 105 })
    .node('str1', { type: 'string', name: 'GET /a', size: 24, id: 107 })
    .node('memo', { type: 'closure', name: 'memoized', size: 32, id: 9 })
    .node('ctx', { name: 'system / Context', size: 40, id: 11 })
    .node('cache', { name: 'Map', size: 32, id: 13 })
    .node('ctable', { type: 'array', name: '', size: 160, id: 109 })
    .node('k1', { type: 'string', name: 'template one', size: 32, id: 111 })
    .node('f1', { type: 'closure', name: 'render', size: 64, id: 113 })
    .node('k2', { type: 'string', name: 'template two', size: 32, id: 115 })
    .node('f2', { type: 'closure', name: 'render', size: 64, id: 117 })
    .edge('root', 'global', { type: 'shortcut', name: 'global' })
    .edge('global', 'tracker', { name: 'tracker' })
    .edge('tracker', 'pending', { name: 'pending' })
    .edge('pending', 'table', { type: 'internal', name: 'table' })
    .edge('table', 's1', { type: 'internal', name: '1' })
    .edge('table', 's2', { type: 'internal', name: '4' })
    .edge('s1', 'str1', { name: 'method' })
    .edge('global', 'memo', { name: 'quote' })
    .edge('memo', 'ctx', { type: 'internal', name: 'context' })
    .edge('ctx', 'cache', { type: 'context', name: 'cache' })
    .edge('cache', 'ctable', { type: 'internal', name: 'table' })
    .edge('ctable', 'k1', { type: 'internal', name: '0' })
    .edge('ctable', 'f1', { type: 'internal', name: '1' })
    .edge('ctable', 'k2', { type: 'internal', name: '3' })
    .edge('ctable', 'f2', { type: 'internal', name: '4' });
}

describe('growth roots on a hand-built graph', () => {
  const summary = summarizeSnapshot(graph().build(), { source: null, t: null, requests: null, cohortBoundaries: [FIRST] });
  const roots = summary.growthRoots!;
  const find = (owner: string) => roots.find((r) => r.owner === owner)!;

  it('the first snapshot of a process has no growth roots; later ones do', () => {
    const first = summarizeSnapshot(graph().build(), { source: null, t: null, requests: null, cohortBoundaries: [] });
    expect(first.growthRoots).toBeUndefined();
    expect(roots.length).toBeGreaterThanOrEqual(2);
  });

  it('new objects are attributed to the class instance above the old Map they hang from', () => {
    const tracker = find('Tracker');
    expect(tracker).toMatchObject({ holderKind: 'class', container: 'pending', keyedBy: 'integers', attachPoints: 1 });
    expect(tracker.key).toBe('Tracker › pending');
    // The new table, two sockets and one string: 824 bytes, all new.
    expect(tracker.newBytes).toBe(200 + 300 + 300 + 24);
    expect(tracker.newObjects).toBe(4);
    // Entries are what the table holds; the string inside a socket is part of that socket's entry.
    expect(tracker.entries).toEqual({ handle: { count: 2, bytes: 600 } });
    expect(tracker.contents.map((c) => [c.owner, c.count])).toEqual([['Socket', 2]]);
    // The root's size is the Map's retained size (the old Map and everything under it).
    expect(tracker.retainedBytes).toBe(32 + 824);
  });

  it('a Map reachable only through a closure context belongs to that function', () => {
    const memo = find('memoized()');
    expect(memo).toMatchObject({ holderKind: 'function', container: 'cache', keyedBy: 'strings' });
    expect(memo.entries.closure?.count).toBe(2);
    expect(memo.via).toEqual(['Map (cache)']);
  });

  it('counts the new bytes in native nodes (a stream\'s native state), which live outside the heap', () => {
    expect(find('Tracker').nativeBytes).toBe(0);
    // The second socket gets native state of its own: a native node's even id says nothing of its
    // age, so it is as new as the socket that holds it.
    const withState = graph()
      .node('state', { type: 'native', name: 'Node / ZlibStream', size: 5000, id: 200 })
      .edge('s2', 'state', { type: 'internal', name: 'native' })
      .build();
    const tracker = summarizeSnapshot(withState, { source: null, t: null, requests: null, cohortBoundaries: [FIRST] }).growthRoots!.find((r) => r.owner === 'Tracker')!;
    expect(tracker.newBytes).toBe(824 + 5000);
    expect(tracker.nativeBytes).toBe(5000);
  });

  it('objects older than the first snapshot are never growth', () => {
    const all = roots.reduce((sum, r) => sum + r.newBytes, 0);
    expect(all).toBe(824 + 160 + 32 + 64 + 32 + 64);
  });
});

describe('attach points of one holder, one inside the other', () => {
  // A memoizer's closure context gets a new result of its own, and the old `keys` array it holds
  // gets a new store with new keys: the context's retained size already has the keys.
  const snapshot = heapGraph()
    .node('root', { type: 'synthetic', name: '' })
    .node('global', { name: 'global', size: 10, id: 3 })
    .node('memo', { type: 'closure', name: 'memoized', size: 32, id: 5 })
    .node('ctx', { name: 'system / Context', size: 40, id: 7 })
    .node('keys', { name: 'Array', size: 32, id: 9 })
    .node('store', { type: 'array', name: '', size: 64, id: 101 })
    .node('k1', { type: 'string', name: 'key one', size: 32, id: 103 })
    .node('k2', { type: 'string', name: 'key two', size: 32, id: 105 })
    .node('last', { name: 'Object', size: 48, id: 107 })
    .edge('root', 'global', { type: 'shortcut', name: 'global' })
    .edge('global', 'memo', { name: 'quote' })
    .edge('memo', 'ctx', { type: 'internal', name: 'context' })
    .edge('ctx', 'last', { type: 'context', name: 'last' })
    .edge('ctx', 'keys', { type: 'context', name: 'keys' })
    .edge('keys', 'store', { type: 'internal', name: 'elements' })
    .edge('store', 'k1', { type: 'element', name: 0 })
    .edge('store', 'k2', { type: 'element', name: 1 })
    .build();
  const summary = summarizeSnapshot(snapshot, { source: null, t: null, requests: null, cohortBoundaries: [FIRST] });

  it('are one root, whose retained size counts the inner one once', () => {
    const roots = summary.growthRoots!.filter((r) => r.owner === 'memoized()');
    expect(roots).toHaveLength(1);
    expect(roots[0]).toMatchObject({ attachPoints: 2, newBytes: 64 + 32 + 32 + 48, newObjects: 4 });
    // The context's retained size: itself, the keys array and everything new.
    expect(roots[0].retainedBytes).toBe(40 + 32 + 64 + 32 + 32 + 48);
  });
});

describe('a cache in the closure of an anonymous function', () => {
  // i18next@23.12.3: `formats.datetime = createCachedFormatter(...)`, an arrow function whose closure
  // keeps a formatter per key.
  const snapshot = heapGraph()
    .node('root', { type: 'synthetic', name: '' })
    .node('global', { name: 'global', size: 10, id: 3 })
    .node('formats', { name: 'Object', size: 40, id: 5 })
    .node('fn', { type: 'closure', name: '', size: 32, id: 7 })
    .node('ctx', { name: 'system / Context', size: 40, id: 9 })
    .node('cache', { name: 'Object', size: 32, id: 11 })
    .node('props', { type: 'array', name: '(object properties)', size: 64, id: 101 })
    .node('f1', { type: 'closure', name: 'format', size: 64, id: 103 })
    .node('f2', { type: 'closure', name: 'format', size: 64, id: 105 })
    .edge('root', 'global', { type: 'shortcut', name: 'global' })
    .edge('global', 'formats', { name: 'formats' })
    .edge('formats', 'fn', { name: 'datetime' })
    .edge('fn', 'ctx', { type: 'internal', name: 'context' })
    .edge('ctx', 'cache', { type: 'context', name: 'cache' })
    .edge('cache', 'props', { type: 'internal', name: 'properties' })
    .edge('props', 'f1', { type: 'internal', name: 'en-{"day":1}' })
    .edge('props', 'f2', { type: 'internal', name: 'en-{"day":2}' })
    .build();

  it('is named after the property the function is kept in', () => {
    const summary = summarizeSnapshot(snapshot, { source: null, t: null, requests: null, cohortBoundaries: [FIRST] });
    const roots = summary.growthRoots!;
    expect(roots.map((r) => r.owner)).toContain('datetime()');
    expect(roots.find((r) => r.owner === 'datetime()')).toMatchObject({ holderKind: 'function' });
    expect(roots.some((r) => r.owner === '(anonymous)()')).toBe(false);
  });
});

describe('listeners left on a shared AbortSignal (real V8 snapshots)', () => {
  // got@12.5.2, p-map@7.0.2, p-timeout@6.1.2: each call adds an `abort` listener to the caller's
  // signal and never removes it. Node keeps the listeners in a linked list of internal `Listener`
  // records under the signal, whose class (like AbortController's) is in `node:internal/...`.
  const program = `
    const shutdown = new AbortController();
    globalThis.shutdown = shutdown;
    function call(i) {
      const result = { i, body: 'result ' + i + ' '.repeat(64) };
      shutdown.signal.addEventListener('abort', () => result.i);
      return result;
    }
    require('events').setMaxListeners(0, shutdown.signal);
    for (let i = 0; i < 200; i++) call(i);
    require('v8').writeHeapSnapshot(process.argv[2] + '.first');
    for (let i = 200; i < 1200; i++) call(i);
  `;

  it('are held by the signal, not by the anonymous Listener records they are kept in', async () => {
    const { file } = writeProgramSnapshot(program);
    const [, second] = await summarizeSnapshotFiles([`${file}.first`, file], [{ t: 0, requests: 200 }, { t: 10, requests: 1200 }]);
    const roots = [...second.growthRoots!].sort((a, b) => b.newBytes - a.newBytes);
    // Node creates a signal as an EventTarget and then gives it AbortSignal's prototype: V8 names it either way.
    expect(['EventTarget', 'AbortSignal']).toContain(roots[0].owner);
    expect(roots[0].holderKind).toBe('class');
    // The 1000 new listeners, their closures and results: about 1000 x (Listener, closure, context, result, string).
    expect(roots[0].newBytes).toBeGreaterThan(1000 * 150);
    expect(roots.some((r) => r.owner === 'Listener')).toBe(false);
  }, 60_000);
});

function root(entries: Partial<Record<EntryKind, { count: number; bytes: number }>>, keyedBy: GrowthRootSummary['keyedBy'], extra: Partial<GrowthRootSummary> = {}): GrowthRootSummary {
  return {
    key: 'Holder › items', holderKey: 'Holder', owner: 'Holder', ownerKey: 'Holder', holderKind: 'class', asyncHookStore: false, location: null, container: 'items',
    retainerPath: ['(GC roots)', 'Holder'], attachPoints: 1, newBytes: 1e6, newObjects: 1e4, agedBytes: 5e5, elasticBytes: 0, retainedBytes: 1e6,
    via: [], above: [], kinds: entries, entries, keyedBy, contents: [], ...extra,
  };
}

describe('verdict by what a root keeps', () => {
  it('finished requests, timers, listeners and unsettled promises are leaks', () => {
    expect(judgeRoot(root({ handle: { count: 1000, bytes: 600_000 } }, 'integers'), 1000)).toMatchObject({ verdict: 'leak', pattern: 'sockets' });
    expect(judgeRoot(root({ timer: { count: 1000, bytes: 100_000 } }, 'positions'), 1000)).toMatchObject({ verdict: 'leak', pattern: 'timers' });
    expect(judgeRoot(root({ listener: { count: 1000, bytes: 50_000 } }, 'positions'), 1000)).toMatchObject({ verdict: 'leak', pattern: 'listeners' });
    expect(judgeRoot(root({ 'pending-promise': { count: 1000, bytes: 50_000 } }, 'positions'), 1000)).toMatchObject({ verdict: 'leak', pattern: 'promises' });
  });

  it('records that each hold a request are a leak: an entry is as transient as what it holds', () => {
    // entries are classified by the strongest kind in their subtree, so `{ req, res }` is a handle entry
    const r = root({ handle: { count: 900, bytes: 400_000 }, record: { count: 100, bytes: 20_000 } }, 'positions');
    expect(judgeRoot(r, 1000).verdict).toBe('leak');
  });

  it('functions cached by the input they were built from are an accumulation; per-request callbacks by id a leak', () => {
    expect(judgeRoot(root({ closure: { count: 1000, bytes: 100_000 } }, 'strings'), 1000)).toMatchObject({ verdict: 'accumulation', pattern: 'memoized' });
    expect(judgeRoot(root({ closure: { count: 1000, bytes: 100_000 } }, 'integers'), 1000)).toMatchObject({ verdict: 'leak', pattern: 'closures' });
  });

  it('settled promises, records and values are data kept on purpose', () => {
    expect(judgeRoot(root({ 'settled-promise': { count: 1000, bytes: 100_000 } }, 'strings'), 1000)).toMatchObject({ verdict: 'accumulation', pattern: 'memoized' });
    expect(judgeRoot(root({ record: { count: 1000, bytes: 100_000 }, value: { count: 2000, bytes: 60_000 } }, 'strings'), 1000)).toMatchObject({ verdict: 'accumulation', pattern: 'keyed-store' });
    expect(judgeRoot(root({ value: { count: 1, bytes: 800_000 } }, 'fields'), 1000)).toMatchObject({ verdict: 'accumulation', pattern: 'sample-store' });
  });

  it('records an async_hooks hook files by integer key are contexts of async operations: a leak', () => {
    const records = { record: { count: 1000, bytes: 100_000 } };
    expect(judgeRoot(root(records, 'integers', { asyncHookStore: true }), 1000)).toMatchObject({ verdict: 'leak', pattern: 'async-contexts' });
    // The same records outside any hook, or keyed by input, stay data.
    expect(judgeRoot(root(records, 'integers'), 1000).verdict).toBe('accumulation');
    expect(judgeRoot(root(records, 'strings', { asyncHookStore: true }), 1000).verdict).toBe('accumulation');
  });

  it('the evidence names the entries that decided, with counts per request', () => {
    const { evidence } = judgeRoot(root({ handle: { count: 2000, bytes: 600_000 } }, 'integers'), 1000);
    expect(evidence[0]).toMatch(/things whose work is over/);
    expect(evidence[1]).toMatch(/2,000 requests, sockets, streams and other handles \(600 KB, 2\.00 per request\)/);
  });
});

/**
 * Express 4's router, five snapshots: `app.use` per request pushes a Layer with a new closure onto
 * the router function's `stack` array (whose store V8 reallocates as it grows). In the last
 * snapshot a request is in flight, and `Router.handle`'s closure context holds `stack` too, so the
 * array's dominator moves up past the router function and its holder resolves differently.
 */
function routerSnapshot(k: number, inFlight: boolean) {
  const LAYERS_PER_SNAPSHOT = 400;
  const g = heapGraph()
    .node('root', { type: 'synthetic', name: '' })
    .node('global', { name: 'global', size: 10, id: 3 })
    .node('router', { type: 'closure', name: 'router', size: 64, id: 5 })
    .node('stack', { name: 'Array', size: 32, id: 7 })
    // A new backing store each snapshot, as V8 grows the array by copying.
    .node('store', { type: 'array', name: '', size: 8 * LAYERS_PER_SNAPSHOT * (k + 1), id: k === 0 ? 9 : 100_001 + 2 * k })
    .edge('root', 'global', { type: 'shortcut', name: 'global' })
    .edge('global', 'router', { name: 'router' })
    .edge('router', 'stack', { name: 'stack' })
    .edge('stack', 'store', { type: 'internal', name: 'elements' });
  for (let j = 0; j < LAYERS_PER_SNAPSHOT * k; j++) {
    g.node(`layer${j}`, { name: 'Layer', size: 80, id: 1001 + 4 * j })
      .node(`fn${j}`, { type: 'closure', name: 'handle', size: 64, id: 1003 + 4 * j })
      .edge('store', `layer${j}`, { type: 'element', name: j })
      .edge(`layer${j}`, `fn${j}`, { name: 'handle' });
  }
  if (inFlight) {
    g.node('next', { type: 'closure', name: 'next', size: 64, id: 200_001 })
      .node('handleCtx', { name: 'system / Context', size: 40, id: 200_003 })
      .edge('root', 'next', { type: 'shortcut', name: 'pending' })
      .edge('next', 'handleCtx', { type: 'internal', name: 'context' })
      .edge('handleCtx', 'stack', { type: 'context', name: 'stack' });
  }
  return g.build();
}

describe('a root found again when its holder resolves differently', () => {
  const series = (inFlightAt: number) => {
    const out = [];
    for (let k = 0; k < 5; k++) {
      out.push(summarizeSnapshot(routerSnapshot(k, k === inFlightAt), { source: null, t: 10 * (k + 1), requests: 400 * (k + 1), cohortBoundaries: out.map((s) => s.maxNodeId) }));
    }
    return out;
  };
  const options: GrowthOptions = { heapLimitBytes: 4e9, runRps: 40, projectRps: [], horizonS: 86_400, allocationProfile: null };

  it("the array's attach point keeps its id while its holder changes", () => {
    const [last, inFlightWork] = series(4)[4].growthRoots!;
    const [steady] = series(-1)[4].growthRoots!;
    expect(last.key).toBe('Array (stack) › ');
    // The request in flight is the runtime's own live work.
    expect(inFlightWork.holderKind).toBe('runtime');
    expect(steady.key).toBe('fn:router()@? › stack');
    expect(last.key).not.toBe(steady.key);
    expect(last.attachIds).toEqual([7]);
    expect(steady.attachIds).toEqual([7]);
  });

  it('is one model with a complete series, known by the key it had most often, and one leak finding', () => {
    const summaries = series(4);
    const models = rootGrowthModels(summaries).filter((m) => m.latest.holderKind !== 'runtime');
    expect(models).toHaveLength(1);
    expect(models[0].key).toBe('fn:router()@? › stack');
    expect(models[0].latest.owner).toBe('router()');
    expect(models[0].newBytes.every((b, i) => i === 0 || b > 0)).toBe(true);
    const { findings } = analyzeGrowth(summaries, options);
    expect(findings.map((f) => [f.verdict, f.owner])).toEqual([['leak', 'router()']]);
  });

  it('without attach ids (a summary written before them) the series splits in two', () => {
    const summaries = series(4).map((s) => ({ ...s, growthRoots: s.growthRoots?.map(({ attachIds: _ids, ...r }) => r) }));
    const models = rootGrowthModels(summaries).filter((m) => m.latest.holderKind !== 'runtime');
    expect(models.map((m) => m.key)).toEqual(['fn:router()@? › stack', 'Array (stack) › ']);
    expect(analyzeGrowth(summaries, options).findings).toEqual([]);
  });
});
