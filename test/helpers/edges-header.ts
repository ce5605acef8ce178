import type { SnapshotHeader } from '../../analyzers/snapshot-header.js';

/** V8's edge types, in its order. */
export const EDGE_TYPES = ['context', 'element', 'property', 'internal', 'hidden', 'shortcut', 'weak'];

/** A header for reading an `edges` section alone: V8's edge layout, `nodeWidth` node fields. */
export function edgesHeader(nodeCount: number, edgeCount: number, nodeWidth = 7): SnapshotHeader {
  return {
    nodeFields: ['type', 'name', 'id', 'self_size', 'edge_count', 'trace_node_id', 'detachedness'].slice(0, nodeWidth),
    nodeTypeNames: ['hidden'],
    edgeFields: ['type', 'name_or_index', 'to_node'],
    edgeTypeNames: EDGE_TYPES,
    locationFields: ['object_index', 'script_id', 'line', 'column'],
    nodeCount,
    edgeCount,
  };
}
