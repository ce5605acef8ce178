/**
 * Builds a `HeapSnapshot` in memory from a small description, for tests of the graph passes that
 * should not depend on the file parser. The first node is the root, as in every V8 snapshot.
 *
 *   heapGraph()
 *     .node('root', { type: 'synthetic', name: '' })
 *     .node('a', { name: 'A', size: 10 })
 *     .edge('root', 'a', { type: 'shortcut', name: 'global' })
 *     .build();
 */
import { ArrayStrings, type HeapSnapshot, type SourceLocation } from '../../analyzers/heap-snapshot.js';

/** V8's type lists, in V8's order (a 7-field snapshot's `meta`). */
export const V8_NODE_TYPES = [
  'hidden', 'array', 'string', 'object', 'code', 'closure', 'regexp', 'number', 'native', 'synthetic',
  'concatenated string', 'sliced string', 'symbol', 'bigint', 'object shape',
];
export const V8_EDGE_TYPES = ['context', 'element', 'property', 'internal', 'hidden', 'shortcut', 'weak'];

export interface NodeSpec {
  type?: string;
  name?: string;
  size?: number;
  id?: number;
  location?: SourceLocation;
}

export interface EdgeSpec {
  type?: string;
  /** Property/context/internal name, or element/hidden index. */
  name?: string | number;
}

class HeapGraphBuilder {
  private nodes: { key: string; spec: NodeSpec }[] = [];
  private index = new Map<string, number>();
  private edges: { from: number; to: string; spec: EdgeSpec }[] = [];

  node(key: string, spec: NodeSpec = {}): this {
    if (this.index.has(key)) throw new Error(`node ${key} defined twice`);
    this.index.set(key, this.nodes.length);
    this.nodes.push({ key, spec });
    return this;
  }

  /** Edges keep the order they are added in, per source node. */
  edge(from: string, to: string, spec: EdgeSpec = {}): this {
    const source = this.index.get(from);
    if (source === undefined) throw new Error(`edge from unknown node ${from}`);
    this.edges.push({ from: source, to, spec });
    return this;
  }

  ordinal(key: string): number {
    const ordinal = this.index.get(key);
    if (ordinal === undefined) throw new Error(`unknown node ${key}`);
    return ordinal;
  }

  build(): HeapSnapshot {
    const nodeCount = this.nodes.length;
    const strings: string[] = [];
    const stringIndex = new Map<string, number>();
    const intern = (s: string): number => {
      let i = stringIndex.get(s);
      if (i === undefined) {
        i = strings.length;
        strings.push(s);
        stringIndex.set(s, i);
      }
      return i;
    };
    const typeOf = (list: string[], name: string): number => {
      const i = list.indexOf(name);
      if (i < 0) throw new Error(`unknown type ${name}`);
      return i;
    };

    const nodeType = new Uint8Array(nodeCount);
    const nodeName = new Uint32Array(nodeCount);
    const nodeId = new Uint32Array(nodeCount);
    const nodeSelfSize = new Uint32Array(nodeCount);
    const nodeEdgeCount = new Uint32Array(nodeCount);
    const locations = new Map<number, SourceLocation>();
    this.nodes.forEach(({ key, spec }, i) => {
      nodeType[i] = typeOf(V8_NODE_TYPES, spec.type ?? (i === 0 ? 'synthetic' : 'object'));
      nodeName[i] = intern(spec.name ?? (i === 0 ? '' : key));
      nodeId[i] = spec.id ?? 2 * i + 1;
      nodeSelfSize[i] = spec.size ?? 0;
      if (spec.location) locations.set(i, spec.location);
    });

    const sorted = this.edges.map((e, order) => ({ ...e, order })).sort((a, b) => a.from - b.from || a.order - b.order);
    const edgeCount = sorted.length;
    const edgeType = new Uint8Array(edgeCount);
    const edgeNameOrIndex = new Uint32Array(edgeCount);
    const edgeToNode = new Uint32Array(edgeCount);
    sorted.forEach(({ from, to, spec }, i) => {
      const type = spec.type ?? 'property';
      edgeType[i] = typeOf(V8_EDGE_TYPES, type);
      const name = spec.name ?? (type === 'element' || type === 'hidden' ? i : to);
      edgeNameOrIndex[i] = typeof name === 'number' ? name : intern(name);
      edgeToNode[i] = this.ordinal(to);
      nodeEdgeCount[from]++;
    });
    const firstEdge = new Uint32Array(nodeCount + 1);
    for (let i = 0; i < nodeCount; i++) firstEdge[i + 1] = firstEdge[i] + nodeEdgeCount[i];

    return {
      nodeCount,
      edgeCount,
      nodeType,
      nodeName,
      nodeId,
      nodeSelfSize,
      nodeDetachedness: new Uint8Array(nodeCount),
      firstEdge,
      edgeType,
      edgeNameOrIndex,
      edgeToNode,
      strings: new ArrayStrings(strings),
      nodeTypeNames: [...V8_NODE_TYPES],
      edgeTypeNames: [...V8_EDGE_TYPES],
      locations,
    };
  }
}

export function heapGraph(): HeapGraphBuilder {
  return new HeapGraphBuilder();
}
