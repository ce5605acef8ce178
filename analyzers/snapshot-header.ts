/**
 * The `snapshot` section of a `.heapsnapshot`: `meta` (field layouts and type names) and the declared
 * counts. Small, so it is captured whole and JSON.parsed; everything taken from it is checked here,
 * because every later allocation and range check rests on it.
 */

export interface SnapshotHeader {
  /** `meta.node_fields`: 6 names in older V8, 7 (with `detachedness`) in newer. */
  nodeFields: string[];
  nodeTypeNames: string[];
  edgeFields: string[];
  edgeTypeNames: string[];
  /** `meta.location_fields`; V8's layout when the file predates locations. */
  locationFields: string[];
  nodeCount: number;
  edgeCount: number;
  /** `snapshot.extra_native_bytes`, when present and a non-negative number. */
  extraNativeBytes?: number;
}

export const REQUIRED_NODE_FIELDS = ['type', 'name', 'id', 'self_size', 'edge_count'] as const;
export const REQUIRED_EDGE_FIELDS = ['type', 'name_or_index', 'to_node'] as const;
const DEFAULT_LOCATION_FIELDS = ['object_index', 'script_id', 'line', 'column'];

/** Returns the header, or a description of the first thing wrong with it. */
export function readSnapshotHeader(value: unknown): SnapshotHeader | { problem: string } {
  if (!isObject(value)) return { problem: '"snapshot" is not an object' };
  const meta = value.meta;
  if (!isObject(meta)) return { problem: '"snapshot.meta" is missing or not an object' };

  const nodeFields = stringList(meta.node_fields);
  if (!nodeFields) return { problem: '"meta.node_fields" is not a list of names' };
  const missingNode = REQUIRED_NODE_FIELDS.find((f) => !nodeFields.includes(f));
  if (missingNode) return { problem: `"meta.node_fields" lacks "${missingNode}"` };
  const nodeTypeNames = typeNames(meta.node_types, nodeFields.indexOf('type'));
  if (!nodeTypeNames) return { problem: '"meta.node_types" has no list of node type names' };

  const edgeFields = stringList(meta.edge_fields);
  if (!edgeFields) return { problem: '"meta.edge_fields" is not a list of names' };
  const missingEdge = REQUIRED_EDGE_FIELDS.find((f) => !edgeFields.includes(f));
  if (missingEdge) return { problem: `"meta.edge_fields" lacks "${missingEdge}"` };
  const edgeTypeNames = typeNames(meta.edge_types, edgeFields.indexOf('type'));
  if (!edgeTypeNames) return { problem: '"meta.edge_types" has no list of edge type names' };

  let locationFields = DEFAULT_LOCATION_FIELDS;
  if (meta.location_fields !== undefined) {
    const listed = stringList(meta.location_fields);
    if (!listed) return { problem: '"meta.location_fields" is not a list of names' };
    const missing = DEFAULT_LOCATION_FIELDS.find((f) => !listed.includes(f));
    if (missing) return { problem: `"meta.location_fields" lacks "${missing}"` };
    locationFields = listed;
  }

  const nodeCount = value.node_count;
  const edgeCount = value.edge_count;
  if (!isCount(nodeCount)) return { problem: '"snapshot.node_count" is not a non-negative integer' };
  if (!isCount(edgeCount)) return { problem: '"snapshot.edge_count" is not a non-negative integer' };
  // Columns are indexed by uint32 and firstEdge holds edge ordinals in a Uint32Array.
  if (nodeCount > 0xfffffffe) return { problem: `"snapshot.node_count" ${nodeCount} is beyond what memprobe indexes` };
  if (edgeCount > 0xffffffff) return { problem: `"snapshot.edge_count" ${edgeCount} is beyond what memprobe indexes` };

  const header: SnapshotHeader = { nodeFields, nodeTypeNames, edgeFields, edgeTypeNames, locationFields, nodeCount, edgeCount };
  const extra = value.extra_native_bytes;
  if (extra !== undefined) {
    if (typeof extra !== 'number' || !Number.isFinite(extra) || extra < 0) {
      return { problem: '"snapshot.extra_native_bytes" is not a non-negative number' };
    }
    header.extraNativeBytes = extra;
  }
  return header;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** A non-empty list of distinct strings. */
function stringList(value: unknown): string[] | null {
  if (!Array.isArray(value) || value.length === 0) return null;
  if (!value.every((v) => typeof v === 'string')) return null;
  if (new Set(value).size !== value.length) return null;
  return value as string[];
}

/** The `type` field's entry in node_types/edge_types is the list of type names (an enum). */
function typeNames(types: unknown, typeField: number): string[] | null {
  if (!Array.isArray(types)) return null;
  const names = types[typeField];
  if (!Array.isArray(names) || names.length === 0 || names.length > 256) return null;
  if (!names.every((v) => typeof v === 'string')) return null;
  return names as string[];
}
