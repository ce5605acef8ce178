import { beforeAll, describe, expect, it } from 'vitest';
import { parseSnapshotFile } from '../analyzers/snapshot-parser.js';
import { computeEssentialEdges } from '../analyzers/essential-edges.js';
import { buildRetainerIndex } from '../analyzers/retainers.js';
import { allocateDominatedChildren, buildDominatedChildren, buildDominatorTree } from '../analyzers/dominators.js';
import { WorkBuffers } from '../analyzers/work-buffers.js';
import { computeRetainedSizes } from '../analyzers/retained-sizes.js';
import { computeShortestPaths } from '../analyzers/distances.js';
import { CATEGORY_INDEX, classifyNodes } from '../analyzers/node-categories.js';
import { attributeOwners, type Owner, type OwnerAttribution } from '../analyzers/owners.js';
import { summarizeSnapshot } from '../analyzers/summarize-snapshot.js';
import { SecondCore, type SecondCoreJob } from '../analyzers/second-core-job.js';
import type { HeapSnapshot } from '../analyzers/heap-snapshot.js';
import type { OwnerSummary, SnapshotSummary } from '../analyzers/snapshot-summary.js';
import { writeProgramSnapshot } from './helpers/program-snapshot.js';
import { heapGraph } from './helpers/heap-graph-builder.js';

const SAMPLES = 20_000;

/** Each pattern the verdicts must tell apart, in one process. */
const PROGRAM = `
const { EventEmitter } = require('events');
const { Sink: OtherSink } = require('./other-sink.cjs');
class TrendSink { constructor() { this.values = []; } add(x) { this.values.push(x); } }
class Sink { constructor() { this.items = []; } }
class Registry { constructor() { this.sinks = new Map(); }
  sink(name) { let s = this.sinks.get(name); if (!s) { s = new TrendSink(); this.sinks.set(name, s); } return s; } }
class ListNode { constructor(next) { this.next = next; this.payload = new Array(16).fill(1.5); } }
const registry = new Registry();
for (let i = 0; i < ${SAMPLES}; i++) { registry.sink('http_req_duration').add(Math.random() * 100); registry.sink('http_req_waiting').add(i + 0.5); }
const handlers = new Map();
for (let i = 0; i < 400; i++) { const ctx = { id: i, note: 'request ' + i }; handlers.set('req' + i, () => ctx.id); }
const otherHandlers = new Map([['a', 1]]);
class Bus extends EventEmitter {}
const bus = new Bus(); bus.setMaxListeners(0);
for (let i = 0; i < 300; i++) { const req = { n: i }; bus.on('request', () => req.n); }
for (let i = 0; i < 40; i++) { const state = { i }; setInterval(() => state.i++, 1e6); }
const target = new EventTarget();
for (let i = 0; i < 60; i++) { const req = { n: i }; target.addEventListener('request', () => req.n); }
const names = []; for (let i = 0; i < 2000; i++) names.push('name-' + i);
let list = null; for (let i = 0; i < 200; i++) list = new ListNode(list);
const sinks = [new Sink(), new OtherSink()];
const { Job: OtherJob } = require('./other-job.cjs');
class Job extends EventEmitter { constructor(id) { super(); this.id = id; } }
class Cache extends Map {}
class Listener { constructor(n) { this.rows = [n]; } }
const jobs = [new Job(1), new Job(2), new OtherJob(3)];
const cache = new Cache([['a', 1]]);
const userListeners = Array.from({ length: 50 }, (_, i) => new Listener(i));
globalThis.keep = { registry, handlers, otherHandlers, bus, target, names, list, sinks, jobs, cache, userListeners };
`;
const OTHER_SINK = `class Sink { constructor() { this.rows = []; } }\nmodule.exports = { Sink };\n`;
const OTHER_JOB = `const { EventEmitter } = require('events');\nclass Job extends EventEmitter { constructor(id) { super(); this.id = id; } }\nmodule.exports = { Job };\n`;

interface Analysis {
  snapshot: HeapSnapshot;
  attribution: OwnerAttribution;
  summary: SnapshotSummary;
}

let analysis: Analysis;

beforeAll(async () => {
  const { file } = writeProgramSnapshot(PROGRAM, { 'other-sink.cjs': OTHER_SINK, 'other-job.cjs': OTHER_JOB });
  const snapshot = await parseSnapshotFile(file);
  const essential = computeEssentialEdges(snapshot);
  const tree = buildDominatorTree(snapshot, essential, buildRetainerIndex(snapshot, essential));
  const retainedSizes = computeRetainedSizes(snapshot.nodeSelfSize, tree);
  const attribution = attributeOwners({
    snapshot,
    tree,
    children: buildDominatedChildren(tree),
    retainedSizes,
    paths: computeShortestPaths(snapshot, essential),
    categories: classifyNodes(snapshot),
  });
  const summary = summarizeSnapshot(snapshot, { source: 'program.heapsnapshot', t: null, requests: null, cohortBoundaries: [] });
  analysis = { snapshot, attribution, summary };
}, 60_000);

function owner(name: string): OwnerSummary {
  const found = analysis.summary.owners.filter((o) => o.owner === name);
  expect(found.map((o) => o.key), `owners named ${name}`).toHaveLength(1);
  return found[0];
}

function bytesOf(o: OwnerSummary, category: keyof typeof CATEGORY_INDEX): number {
  return o.composition[category]?.bytes ?? 0;
}

describe('owners on a real snapshot', () => {
  it('attributes every byte to exactly one owner', () => {
    const { snapshot, attribution } = analysis;
    let total = 0;
    for (let i = 0; i < snapshot.nodeCount; i++) total += snapshot.nodeSelfSize[i];
    const attributed = attribution.owners.reduce((sum: number, o: Owner) => sum + o.selfBytes, 0);
    expect(attributed).toBe(total);
    expect(analysis.summary.totalBytes).toBe(total); // the root's retained size: everything, as DevTools' Total
  });

  it('TrendSink: two instances, their doubles as value arrays, a path through the registry', () => {
    const sink = owner('TrendSink');
    expect(sink.count).toBe(2);
    expect(sink.location).toMatch(/program\.cjs:4$/);
    expect(sink.key).toBe(`TrendSink@${sink.location}`);
    expect(sink.retainedBytes).toBeGreaterThan(2 * SAMPLES * 8);
    expect(bytesOf(sink, 'value-array')).toBeGreaterThan(0.9 * sink.selfBytes);
    expect(sink.retainerPath.slice(-5)).toEqual(['Registry', 'sinks', 'Map', sink.retainerPath.at(-2), 'TrendSink']);
    expect(sink.retainerPath.at(-2)).toMatch(/^"http_req_(duration|waiting)"$/);
    expect(sink.retainerPath[0]).toBe('(GC roots)');
    // The registry holds the sinks: its retained size contains theirs, its own bytes do not.
    const registry = owner('Registry');
    expect(registry.retainedBytes).toBeGreaterThanOrEqual(sink.retainedBytes);
    expect(registry.selfBytes).toBeLessThan(sink.selfBytes / 10);
  });

  it('a module-level Map of closures is its own owner, made of closures and their contexts', () => {
    const map = owner('Map (handlers)');
    expect(map.count).toBe(1);
    expect(map.composition.closure?.count).toBeGreaterThanOrEqual(400);
    expect(map.composition.context?.count).toBeGreaterThanOrEqual(400);
    expect(bytesOf(map, 'collection')).toBeGreaterThan(0);
    // Two Maps held by different names stay apart.
    expect(owner('Map (otherHandlers)').key).not.toBe(map.key);
  });

  it('listeners added per request are the emitter subclass\'s, as listener bytes', () => {
    const bus = owner('Bus');
    expect(bus.composition.listener?.count).toBeGreaterThanOrEqual(300);
    expect(bus.composition.context?.count).toBeGreaterThanOrEqual(300);
  });

  it('EventTarget listeners are the target\'s, as listener bytes, not owners of their own', () => {
    const target = owner('EventTarget');
    expect(target.composition.listener?.count).toBeGreaterThanOrEqual(120); // Listener records and functions
    expect(analysis.summary.owners.some((o) => o.owner === 'Listener' && o.location?.startsWith('node:'))).toBe(false);
  });

  it('intervals never cleared: Timeout instances made of timer bytes', () => {
    const timeout = owner('Timeout');
    expect(timeout.count).toBeGreaterThanOrEqual(40);
    expect(timeout.location).toMatch(/timers/);
    expect(bytesOf(timeout, 'timer')).toBeGreaterThan(bytesOf(timeout, 'context'));
  });

  it('an array of strings is value-array and string bytes', () => {
    const names = owner('Array (names)');
    expect(names.composition.string?.count).toBeGreaterThanOrEqual(2000);
    expect(bytesOf(names, 'object-array')).toBe(0);
  });

  it('same-named classes from different scripts stay apart', () => {
    const sinks = analysis.summary.owners.filter((o) => o.owner === 'Sink');
    expect(sinks).toHaveLength(2);
    expect(new Set(sinks.map((s) => s.location?.replace(/.*\//, '')))).toEqual(new Set(['program.cjs:5', 'other-sink.cjs:1']));
  });

  it('subclasses are keyed where they are defined, not where their base class is', () => {
    // V8 gives a derived class's instances the base class's constructor in their hidden class
    // (EventEmitter, the builtin Map); the prototype's constructor is the class itself.
    const jobs = analysis.summary.owners.filter((o) => o.owner === 'Job');
    expect(new Set(jobs.map((j) => j.location?.replace(/.*\//, '')))).toEqual(new Set(['program.cjs:24', 'other-job.cjs:2']));
    expect(owner('Cache').location).toMatch(/program\.cjs:25$/);
  });

  it("a program's own class named Listener is an instance, not an event listener", () => {
    const listeners = owner('Listener');
    expect(listeners.location).toMatch(/program\.cjs:26$/);
    expect(listeners.count).toBe(50);
    expect(bytesOf(listeners, 'listener')).toBe(0);
    expect(bytesOf(listeners, 'instance')).toBeGreaterThan(0);
  });

  it('a linked list of one class is counted once, not once per level', () => {
    const node = owner('ListNode');
    expect(node.count).toBe(200);
    expect(node.retainedBytes).toBe(node.selfBytes);
  });

  it('never names V8 internals as owners', () => {
    for (const o of analysis.summary.owners) {
      expect(o.owner).not.toMatch(/^\((array|system|object elements|object properties)\)|^system \//);
    }
  });
});

describe('owner rules on hand-built graphs', () => {
  it('a plain object is an owner only when nothing owns it from above', () => {
    const g = heapGraph()
      .node('root', { type: 'synthetic', name: '' })
      .node('global', { name: 'global', size: 10 })
      .node('state', { name: 'Object', size: 20 })
      .node('inner', { name: 'Object', size: 30 })
      .node('sessions', { name: 'Map', size: 40 })
      .node('svc', { name: 'Service', size: 50 })
      .node('svcState', { name: 'Object', size: 60 })
      .edge('root', 'global', { type: 'shortcut', name: 'global' })
      .edge('global', 'state', { name: 'state' })
      .edge('state', 'inner', { name: 'inner' })
      .edge('state', 'sessions', { name: 'sessions' })
      .edge('global', 'svc', { name: 'svc' })
      .edge('svc', 'svcState', { name: 'state' });
    const snapshot = g.build();
    const essential = computeEssentialEdges(snapshot);
    const tree = buildDominatorTree(snapshot, essential, buildRetainerIndex(snapshot, essential));
    const { owners, ownerOfNode } = attributeOwners({
      snapshot,
      tree,
      children: buildDominatedChildren(tree),
      retainedSizes: computeRetainedSizes(snapshot.nodeSelfSize, tree),
      paths: computeShortestPaths(snapshot, essential),
      categories: classifyNodes(snapshot),
    });
    const ownerOf = (key: string) => owners[ownerOfNode[g.ordinal(key)]].name;
    expect(ownerOf('state')).toBe('Object (state)');
    expect(ownerOf('inner')).toBe('Object (state)'); // a record inside a record belongs to it
    expect(ownerOf('sessions')).toBe('Map (sessions)'); // a collection under a plain record is its own
    expect(ownerOf('svcState')).toBe('Service'); // inside a class instance, part of the instance
    expect(ownerOf('global')).toBe('(unattributed)');
    const sessions = owners.find((o) => o.name === 'Map (sessions)')!;
    expect(sessions.key).toBe('Map (sessions) < Object (state)');
    expect(CATEGORY_INDEX['plain-object']).toBeGreaterThan(0);
  });
});

describe("the owners' retained-once walk on the second core", () => {
  const share = <T extends Uint8Array | Uint32Array | Float64Array>(a: T): T => {
    const copy = new (a.constructor as new (b: SharedArrayBuffer) => T)(new SharedArrayBuffer(Math.max(1, a.byteLength)));
    copy.set(a as never);
    return copy;
  };
  const figures = (owners: Owner[]) => owners.map((o) => [o.key, o.count, o.retainedBytes, o.representative]);

  it('gives the same counts, retained bytes and representatives, taken by the worker or left to this thread', async () => {
    const { snapshot } = analysis;
    const essential = computeEssentialEdges(snapshot);
    const tree = buildDominatorTree(snapshot, essential);
    const children = buildDominatedChildren(tree);
    const inputs = {
      snapshot,
      tree,
      children: { firstDominated: share(children.firstDominated), dominated: share(children.dominated) },
      retainedSizes: share(computeRetainedSizes(snapshot.nodeSelfSize, tree)),
      paths: computeShortestPaths(snapshot, essential),
      categories: classifyNodes(snapshot),
    };
    const expected = figures(analysis.attribution.owners);
    const core = SecondCore.open()!;
    try {
      for (const wait of [true, false]) {
        let job: SecondCoreJob | null = null;
        const attribution = attributeOwners(inputs, { retainedElsewhere: (walk) => (job = core.retainedOnce(walk)) });
        expect(job).not.toBeNull();
        // Taken by the worker, or claimed back by this thread (which then walks itself).
        if (wait) for (let waited = 0; !job!.started && waited < 30_000; waited += 20) await new Promise((done) => setTimeout(done, 20));
        attribution.finish();
        attribution.finish(); // once only
        expect(figures(attribution.owners)).toEqual(expected);
      }
    } finally {
      core.close();
    }
  }, 60_000);

  it('runs there behind the jobs that fill its inputs, and here when one of those failed', async () => {
    const { snapshot } = analysis;
    const n = snapshot.nodeCount;
    const essential = computeEssentialEdges(snapshot);
    const tree = buildDominatorTree(snapshot, essential);
    const sharedTree = { ...tree, dominator: share(tree.dominator), preorder: share(tree.preorder) };
    const selfSize = share(snapshot.nodeSelfSize);
    const paths = computeShortestPaths(snapshot, essential);
    const categories = classifyNodes(snapshot);
    const expected = figures(analysis.attribution.owners);
    const core = SecondCore.open()!;
    try {
      for (const failing of [false, true]) {
        // Submitted one after the other, none waited for: the walk's inputs are still being filled.
        const into = allocateDominatedChildren(n, new WorkBuffers({ shared: true }));
        const childrenJob = core.dominatedChildren(sharedTree, into)!;
        // An output one entry long makes the retained sizes fail there.
        const sizes = new Float64Array(new SharedArrayBuffer(8 * (failing ? 1 : n)));
        const sizesJob = core.retainedSizes(selfSize, sharedTree, sizes)!;
        let walkJob: SecondCoreJob | null = null;
        let madeHere = 0;
        const attribution = attributeOwners(
          {
            snapshot,
            tree: sharedTree,
            children: () => (childrenJob.join() ? into : (madeHere++, buildDominatedChildren(tree))),
            retainedSizes: () => (sizesJob.join() ? sizes : (madeHere++, computeRetainedSizes(snapshot.nodeSelfSize, tree))),
            filling: { children: into, retainedSizes: sizes },
            paths,
            categories,
          },
          { retainedElsewhere: (walk) => (walkJob = core.retainedOnce(walk, [childrenJob, sizesJob])) },
        );
        expect(walkJob).not.toBeNull();
        // Left to the worker (which takes the three in turn), so that this thread claims none of them.
        for (let waited = 0; !walkJob!.started && waited < 30_000; waited += 20) await new Promise((done) => setTimeout(done, 20));
        attribution.finish();
        // Done there only when both jobs before it were; otherwise the sizes were made here.
        expect(walkJob!.join()).toBe(!failing);
        expect(madeHere).toBe(failing ? 1 : 0);
        expect(figures(attribution.owners)).toEqual(expected);
      }
    } finally {
      core.close();
    }
  }, 60_000);
});
