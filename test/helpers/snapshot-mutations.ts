/**
 * Seeded mutations of valid `.heapsnapshot` texts, for the fuzz test and `bench/fuzz-snapshots.ts`.
 *
 * Each mutation is the kind of damage a real file gets (cut short by a crash, bit rot, a bad edit,
 * a different producer) or the kind a hostile file carries (absurd counts, indexes out of range,
 * JSON of another shape). The same seed always gives the same cases, so a failure can be replayed.
 */
import { snapshotJson, NODE_TYPES, EDGE_TYPES, type NodeSpec, type SnapshotSpec } from './snapshot-json.js';

/** mulberry32: small, fast, good enough to pick mutations reproducibly. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface FuzzCase {
  mutation: string;
  bytes: Buffer;
  /** Chunk size to parse with: small ones put every token across a boundary. */
  chunkSize: number | undefined;
}

/** A valid snapshot with a random graph: `nodeCount` nodes, a few edges each, some locations. */
export function randomSnapshot(random: () => number, nodeCount: number, layout: 6 | 7): string {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)];
  const names = ['TrendSink', 'Map', 'caf\u00e9 \u65e5\u672c', 'quote"\\', 'line\nbreak', '\ud83d\ude00', ''];
  const nodes: NodeSpec[] = [];
  for (let i = 0; i < nodeCount; i++) {
    const edges = Array.from({ length: Math.floor(random() * 4) }, () => {
      const type = pick(EDGE_TYPES);
      const name = type === 'element' || type === 'hidden' ? Math.floor(random() * 100) : pick(names);
      return { type, name, to: Math.floor(random() * nodeCount) };
    });
    nodes.push({ type: pick(NODE_TYPES), name: pick(names), selfSize: Math.floor(random() * 100000), edges });
  }
  const spec: SnapshotSpec = {
    nodes,
    layout,
    locations: nodes.slice(0, 3).map((_, node) => ({ node, scriptId: node + 1, line: node * 7, column: 3 })),
  };
  return snapshotJson(spec);
}

type Mutator = (text: string, random: () => number) => string | Buffer;

const int = (random: () => number, below: number) => Math.floor(random() * below);
const hugeNumbers = ['4294967295', '4294967296', '99999999999999999999', '1e9', '-1', '0.5', '100000000', '9007199254740993'];

/** Replace one number in the `name` section (the n-th), with a chosen value. */
function replaceNumberIn(text: string, section: string, random: () => number, value: (old: string) => string): string {
  const start = text.indexOf(`"${section}":[`);
  if (start < 0) return text;
  const open = start + section.length + 4;
  const close = text.indexOf(']', open);
  const numbers = [...text.slice(open, close).matchAll(/\d+/g)];
  if (numbers.length === 0) return text;
  const match = numbers[int(random, numbers.length)];
  const at = open + match.index!;
  return text.slice(0, at) + value(match[0]) + text.slice(at + match[0].length);
}

export const MUTATORS: Record<string, Mutator> = {
  truncate: (t, r) => t.slice(0, int(r, t.length)),
  'flip byte': (t, r) => {
    const bytes = Buffer.from(t);
    bytes[int(r, bytes.length)] = int(r, 256);
    return bytes;
  },
  'insert bytes': (t, r) => {
    const bytes = Buffer.from(t);
    const at = int(r, bytes.length + 1);
    const extra = Buffer.from(Array.from({ length: 1 + int(r, 4) }, () => int(r, 256)));
    return Buffer.concat([bytes.subarray(0, at), extra, bytes.subarray(at)]);
  },
  'insert token': (t, r) => {
    const at = int(r, t.length + 1);
    return t.slice(0, at) + ['[', ']', '{', '}', ',', '"', ':', '\\', '0', '-'][int(r, 10)] + t.slice(at);
  },
  'delete bytes': (t, r) => {
    const at = int(r, t.length);
    return t.slice(0, at) + t.slice(at + 1 + int(r, 16));
  },
  'duplicate span': (t, r) => {
    const at = int(r, t.length);
    const span = t.slice(at, at + 1 + int(r, 40));
    return t.slice(0, at) + span + t.slice(at);
  },
  'edit node_count': (t, r) => t.replace(/"node_count":\d+/, `"node_count":${[int(r, 100), ...hugeNumbers][int(r, 9)]}`),
  'edit edge_count': (t, r) => t.replace(/"edge_count":\d+/, `"edge_count":${[int(r, 300), ...hugeNumbers][int(r, 9)]}`),
  'huge counts': (t) => t.replace(/"node_count":\d+/, '"node_count":4294967294').replace(/"edge_count":\d+/, '"edge_count":4294967295'),
  'edge value out of range': (t, r) => replaceNumberIn(t, 'edges', r, () => String([int(r, 1e6), 4294967295, 1, 3][int(r, 4)])),
  'node value out of range': (t, r) => replaceNumberIn(t, 'nodes', r, () => [String(int(r, 1e9)), ...hugeNumbers][int(r, 9)]),
  'location out of range': (t, r) => replaceNumberIn(t, 'locations', r, () => String(int(r, 1e5))),
  'wrong meta shape': (t, r) =>
    t.replace(/"(node_fields|node_types|edge_fields|edge_types|location_fields)":/, (_m, key) => `"${key}":${['null', '{}', '[]', '"x"', '[1,2]', '[[]]'][int(r, 6)]},"was":`),
  'drop meta field': (t, r) => t.replace(['"name",', '"type",', '"to_node"', '"edge_count",', '"detachedness"'][int(r, 5)], ''),
  'wrong section shape': (t, r) => {
    const section = ['snapshot', 'nodes', 'edges', 'strings', 'locations', 'samples', 'trace_tree'][int(r, 7)];
    return t.replace(`"${section}":`, `"${section}":${['{}', '"x"', '1', 'null', '[[1]]', 'true'][int(r, 6)]},"old_${section}":`);
  },
  'drop section': (t, r) => t.replace(new RegExp(`"${['snapshot', 'nodes', 'edges', 'strings'][int(r, 4)]}":`), '"renamed":'),
  'random bytes': (_t, r) => Buffer.from(Array.from({ length: int(r, 2000) }, () => int(r, 256))),
  'random JSON': (_t, r) => JSON.stringify([{ snapshot: 1 }, [1, 2, 3], { a: { b: [null] } }, 'x', 42, { nodes: [1], strings: ['a'] }][int(r, 6)]),
  empty: () => '',
  'whitespace only': () => ' \n\t ',
};

/** `count` cases from `seed`: each a mutation of a random valid snapshot, parsed at a random chunk size. */
export function* fuzzCases(seed: number, count: number, maxNodes = 30): Generator<FuzzCase> {
  const random = seededRandom(seed);
  const names = Object.keys(MUTATORS);
  for (let i = 0; i < count; i++) {
    const base = randomSnapshot(random, 1 + int(random, maxNodes), random() < 0.5 ? 6 : 7);
    const mutation = names[i % names.length];
    const mutated = MUTATORS[mutation](base, random);
    const bytes = typeof mutated === 'string' ? Buffer.from(mutated) : mutated;
    const chunkSize = [undefined, 5, 13, 64, 256, 4096][int(random, 6)];
    yield { mutation, bytes, chunkSize };
  }
}
