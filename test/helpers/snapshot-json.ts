/**
 * Build a small `.heapsnapshot` JSON text from a plain description, for tests.
 *
 *   const text = snapshotJson({
 *     nodes: [
 *       { type: 'synthetic', name: '', edges: [{ type: 'element', name: 1, to: 1 }] },   // node 0: root
 *       { type: 'object', name: 'TrendSink', selfSize: 32, edges: [{ type: 'property', name: 'samples', to: 2 }] },
 *       { type: 'array', name: '', selfSize: 8000 },
 *     ],
 *   });
 *   await writeFile(path, text);
 *
 * - Nodes are listed in order; `to` is the target's position in `nodes` (a node ordinal). Node 0 is
 *   the root, as in V8 snapshots.
 * - Edges belong to the node they are listed under. `name` is a string (interned into `strings`) for
 *   named edges, or a number for `element`/`hidden` edges (the element index).
 * - Types are V8's names (`NODE_TYPES`, `EDGE_TYPES` below). `id` defaults to 2×ordinal+1, `selfSize`
 *   to 0, `detachedness` to 0.
 * - `layout: 6` writes the older 6-field node layout (no `detachedness`); the default is 7.
 * - `locations` writes the `locations` section (`node` is a node ordinal).
 * - The output is laid out like V8's (one node/edge per line), so tests can cut or corrupt it by text.
 */

export const NODE_TYPES = [
  'hidden', 'array', 'string', 'object', 'code', 'closure', 'regexp', 'number', 'native', 'synthetic',
  'concatenated string', 'sliced string', 'symbol', 'bigint', 'object shape',
] as const;
export const EDGE_TYPES = ['context', 'element', 'property', 'internal', 'hidden', 'shortcut', 'weak'] as const;

export type NodeTypeName = (typeof NODE_TYPES)[number];
export type EdgeTypeName = (typeof EDGE_TYPES)[number];

export interface EdgeSpec {
  type: EdgeTypeName;
  /** Property/variable name, or element index for `element` and `hidden` edges. */
  name: string | number;
  /** Target node ordinal. */
  to: number;
}

export interface NodeSpec {
  type: NodeTypeName;
  name: string;
  id?: number;
  selfSize?: number;
  detachedness?: number;
  edges?: EdgeSpec[];
}

export interface LocationSpec {
  node: number;
  scriptId: number;
  line: number;
  column: number;
}

export interface SnapshotSpec {
  nodes: NodeSpec[];
  layout?: 6 | 7;
  locations?: LocationSpec[];
  /** Extra strings appended to `strings` (after those the nodes and edges use). */
  extraStrings?: string[];
}

export function snapshotJson(spec: SnapshotSpec): string {
  const layout = spec.layout ?? 7;
  const nodeFields = ['type', 'name', 'id', 'self_size', 'edge_count', 'trace_node_id'];
  if (layout === 7) nodeFields.push('detachedness');
  const strings: string[] = [];
  const stringIndex = new Map<string, number>();
  const intern = (s: string): number => {
    let index = stringIndex.get(s);
    if (index === undefined) {
      index = strings.length;
      strings.push(s);
      stringIndex.set(s, index);
    }
    return index;
  };
  const nodeRows: string[] = [];
  const edgeRows: string[] = [];
  spec.nodes.forEach((node, ordinal) => {
    const edges = node.edges ?? [];
    const row = [
      typeIndex(NODE_TYPES, node.type),
      intern(node.name),
      node.id ?? ordinal * 2 + 1,
      node.selfSize ?? 0,
      edges.length,
      0,
    ];
    if (layout === 7) row.push(node.detachedness ?? 0);
    nodeRows.push(row.join(','));
    for (const edge of edges) {
      if (edge.to < 0 || edge.to >= spec.nodes.length) throw new Error(`edge to ${edge.to}: no such node`);
      const name = typeof edge.name === 'number' ? edge.name : intern(edge.name);
      edgeRows.push([typeIndex(EDGE_TYPES, edge.type), name, edge.to * nodeFields.length].join(','));
    }
  });
  for (const extra of spec.extraStrings ?? []) intern(extra);
  const locationRows = (spec.locations ?? []).map((l) =>
    [l.node * nodeFields.length, l.scriptId, l.line, l.column].join(','),
  );
  const meta = {
    node_fields: nodeFields,
    node_types: [[...NODE_TYPES], 'string', 'number', 'number', 'number', 'number', 'number'].slice(0, nodeFields.length),
    edge_fields: ['type', 'name_or_index', 'to_node'],
    edge_types: [[...EDGE_TYPES], 'string_or_number', 'node'],
    trace_function_info_fields: ['function_id', 'name', 'script_name', 'script_id', 'line', 'column'],
    trace_node_fields: ['id', 'function_info_index', 'count', 'size', 'children'],
    sample_fields: ['timestamp_us', 'last_assigned_id'],
    location_fields: ['object_index', 'script_id', 'line', 'column'],
  };
  const header = { meta, node_count: spec.nodes.length, edge_count: edgeRows.length, trace_function_count: 0 };
  return (
    `{"snapshot":${JSON.stringify(header)},\n` +
    `"nodes":[${nodeRows.join('\n,')}],\n` +
    `"edges":[${edgeRows.join('\n,')}],\n` +
    `"trace_function_infos":[],\n"trace_tree":[],\n"samples":[],\n` +
    `"locations":[${locationRows.join('\n,')}],\n` +
    `"strings":[${strings.map((s) => JSON.stringify(s)).join(',\n')}]}`
  );
}

function typeIndex(names: readonly string[], name: string): number {
  const index = names.indexOf(name);
  if (index < 0) throw new Error(`unknown type ${name}`);
  return index;
}
