/**
 * Differential test against memlab: the same generated snapshot through memlab's
 * `getFullHeapFromFile` (its own parser, Lengauer–Tarjan and retained sizes) and through memprobe's
 * passes. memlab runs in a child process: it is CommonJS, prints progress, and keeps global state.
 */
import { execFileSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseSnapshotFile } from '../analyzers/snapshot-parser.js';
import { computeEssentialEdges, type EssentialEdgeOptions } from '../analyzers/essential-edges.js';
import { buildRetainerIndex } from '../analyzers/retainers.js';
import { buildDominatorTree } from '../analyzers/dominators.js';
import { computeRetainedSizes } from '../analyzers/retained-sizes.js';
import type { HeapSnapshot } from '../analyzers/heap-snapshot.js';
import { writeProgramSnapshot } from './helpers/program-snapshot.js';

const MIN_RETAINED = 64 * 1024;

// Retainers of every kind: class instances holding doubles and objects, closures over contexts,
// a WeakMap, a linked chain, and objects also held from the stack (the module is still running
// when the snapshot is taken), where the DevTools rule for user roots matters.
const PROGRAM = `
class TrendSink { constructor() { this.values = []; this.tags = []; } add(x, i) { this.values.push(x); if (i % 10 === 0) this.tags.push({ i, label: 'tag' + i }); } }
const sinks = [new TrendSink(), new TrendSink(), new TrendSink()];
for (let i = 0; i < 30000; i++) sinks[i % 3].add(Math.random(), i);
const handlers = [];
for (let i = 0; i < 3000; i++) { const ctx = { id: i, body: 'x'.repeat(20) + i }; handlers.push(() => ctx); }
const weak = new WeakMap(); const keys = [];
for (let i = 0; i < 500; i++) { const k = { k: i }; keys.push(k); weak.set(k, new Array(40).fill(i + 0.5)); }
let chain = null; for (let i = 0; i < 2000; i++) chain = { next: chain, data: [i, i + 0.5, 'c' + i] };
globalThis.app = { sinks, handlers, weak, keys, chain };
`;

const MEMLAB_DUMP = `
const { createRequire } = require('node:module');
const requireFromRepo = createRequire(process.argv[1] + '/package.json');
const { getFullHeapFromFile } = requireFromRepo('@memlab/heap-analysis');
const write = process.stdout.write.bind(process.stdout);
process.stdout.write = () => true;
getFullHeapFromFile(process.argv[2]).then((heap) => {
  const nodes = [];
  heap.nodes.forEach((n) => { if (n.retainedSize >= 1024 || n.name === 'TrendSink') nodes.push([n.id, n.type, n.name, n.retainedSize]); });
  write(JSON.stringify(nodes));
});
`;

/** memlab 2.0.5 reads a Node snapshot without DevTools' user-root and WeakMap-value rules. */
const MEMLAB_RULES: EssentialEdgeOptions = { userRoots: false, ephemeronValuesByKey: false };

type MemlabNode = [id: number, type: string, name: string, retained: number];

let snapshot: HeapSnapshot;
let memlab: MemlabNode[];

function retainedSizes(options: EssentialEdgeOptions): Map<number, number> {
  const essential = computeEssentialEdges(snapshot, options);
  const tree = buildDominatorTree(snapshot, essential, buildRetainerIndex(snapshot, essential));
  const retained = computeRetainedSizes(snapshot.nodeSelfSize, tree);
  const byId = new Map<number, number>();
  for (let i = 0; i < snapshot.nodeCount; i++) byId.set(snapshot.nodeId[i], retained[i]);
  return byId;
}

beforeAll(async () => {
  const { file } = writeProgramSnapshot(PROGRAM);
  snapshot = await parseSnapshotFile(file);
  const output = execFileSync(process.execPath, ['-e', MEMLAB_DUMP, process.cwd(), file], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: 120_000,
  });
  memlab = JSON.parse(output) as MemlabNode[];
}, 180_000);

describe('retained sizes agree with memlab', () => {
  it('every object retaining at least 64 KB, by either tool, within 1%, with the rules memlab applies', () => {
    const ours = retainedSizes(MEMLAB_RULES);
    // memlab's list holds every node retaining 1 KB or more: enough to see any disagreement at 64 KB.
    const theirs = new Map(memlab.map(([id, , , size]) => [id, size]));
    const ids = new Set([...theirs.keys()].filter((id) => theirs.get(id)! >= MIN_RETAINED));
    for (const [id, size] of ours) if (size >= MIN_RETAINED) ids.add(id);
    expect(ids.size).toBeGreaterThan(10);
    const disagreements: string[] = [];
    for (const id of ids) {
      const mine = ours.get(id) ?? 0;
      const reference = theirs.get(id) ?? 0;
      if (Math.abs(mine - reference) > 0.01 * Math.max(mine, reference)) disagreements.push(`@${id}: memprobe ${mine}, memlab ${reference}`);
    }
    expect(disagreements).toEqual([]);
  });

  it('TrendSink instances within 1% with DevTools\' rules as well', () => {
    const ours = retainedSizes({});
    const sinks = memlab.filter(([, type, name]) => type === 'object' && name === 'TrendSink');
    expect(sinks).toHaveLength(3);
    for (const [id, , , size] of sinks) {
      expect(size).toBeGreaterThan(80_000);
      expect(Math.abs(ours.get(id)! - size)).toBeLessThanOrEqual(0.01 * size);
    }
  });

  it('where the rules differ, memprobe follows DevTools: WeakMap values are retained by their keys', () => {
    const devtools = retainedSizes({});
    const memlabRules = retainedSizes(MEMLAB_RULES);
    const keysArray = [...devtools.keys()].find((id) => devtools.get(id)! > 5 * (memlabRules.get(id) ?? 0) && devtools.get(id)! >= MIN_RETAINED);
    expect(keysArray, 'a node (the keys array) that retains the values only under DevTools rules').toBeDefined();
    expect(devtools.get(keysArray!)! - memlabRules.get(keysArray!)!).toBeGreaterThan(500 * 40 * 8);
  });
});
