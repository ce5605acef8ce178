/**
 * One readable retaining path, from the GC roots to a node, along the shortest-path tree of
 * `distances.ts`: alternating holders and the names that hold, e.g.
 *   ["(GC roots)", "global", "keep", "Object", "registry", "Registry", "sinks", "Map",
 *    "\"http_req_duration\"", "TrendSink"]
 * Edges read as a user would write them: property names, closure variables, `[i]` for elements,
 * the key for a Map entry. V8's plumbing between them (backing stores, hash tables, contexts,
 * `elements`/`table`/`properties` edges) is left out: it names nothing the user wrote. Owner
 * instances on the way read as their owner (`Map (handlers)`), so a path shows which owners hold
 * which.
 */
import type { HeapSnapshot } from './heap-snapshot.js';
import { typeCodes } from './heap-snapshot.js';
import { ROOT_ORDINAL } from './essential-edges.js';
import { UNREACHABLE, edgeSource, type ShortestPaths } from './distances.js';
import { CATEGORY_INDEX } from './node-categories.js';

export const ROOTS_LABEL = '(GC roots)';
const PLUMBING_EDGES = new Set(['elements', 'properties', 'table', 'context', 'previous']);
const DEFAULT_MAX_ENTRIES = 16;

export function describeRetainerPath(
  snapshot: HeapSnapshot,
  paths: ShortestPaths,
  categories: Uint8Array,
  node: number,
  options: { maxEntries?: number; ownerName?: (node: number) => string | null } = {},
): string[] {
  const maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
  const label = (n: number) => options.ownerName?.(n) ?? nodeLabel(snapshot, n);
  const edges: number[] = [];
  for (let at = node; at !== ROOT_ORDINAL; ) {
    const edge = paths.parentEdge[at];
    if (edge === UNREACHABLE) return [ROOTS_LABEL, '(unreachable)', label(node) ?? '?'];
    edges.push(edge);
    at = edgeSource(snapshot, edge);
  }
  edges.reverse();

  const labels = [ROOTS_LABEL];
  const push = (label: string | null) => {
    if (label !== null && label !== labels[labels.length - 1]) labels.push(label);
  };
  for (const edge of edges) {
    const source = edgeSource(snapshot, edge);
    const target = snapshot.edgeToNode[edge];
    if (source !== ROOT_ORDINAL) push(edgeLabel(snapshot, categories, source, edge));
    push(label(target));
  }
  if (labels.length <= maxEntries) return labels;
  return [ROOTS_LABEL, '...', ...labels.slice(labels.length - (maxEntries - 2))];
}

/** What a user would call the node on a path, or null for V8's plumbing. */
export function nodeLabel(snapshot: HeapSnapshot, node: number): string | null {
  const t = typeCodes(snapshot).node;
  const type = snapshot.nodeType[node];
  const name = snapshot.strings.get(snapshot.nodeName[node]);
  if (type === t.object) return name.startsWith('system / ') ? null : name;
  if (type === t.closure) return `${name || '(anonymous)'}()`;
  if (type === t.synthetic || type === t.native) return name;
  return null;
}

/** How an edge reads: `name`, `[i]`, a Map key, or null when it is plumbing. */
export function edgeLabel(snapshot: HeapSnapshot, categories: Uint8Array, source: number, edge: number): string | null {
  const e = typeCodes(snapshot).edge;
  const type = snapshot.edgeType[edge];
  const nameOrIndex = snapshot.edgeNameOrIndex[edge];
  if (type === e.element) return `[${nameOrIndex}]`;
  if (type === e.hidden || type === e.weak) return null;
  const name = snapshot.strings.get(nameOrIndex);
  if (type === e.internal) {
    if (categories[source] === CATEGORY_INDEX.collection && snapshot.nodeType[source] === typeCodes(snapshot).node.array) {
      return mapKeyLabel(snapshot, source, name, edge);
    }
    return PLUMBING_EDGES.has(name) ? null : `{${name}}`;
  }
  return name;
}

/**
 * An OrderedHashMap stores each entry as (key, value, chain) slots, and V8 names the table's
 * edges by slot index, so the key of the value in slot k is whatever the edge named k - 1 points
 * to: V8 writes the slots in order, so that is the edge just before the value's (`valueEdge`),
 * looked at first; otherwise the table's edges are searched. Keys that are small integers are not
 * heap objects and have no edge: `[entry]` then.
 */
function mapKeyLabel(snapshot: HeapSnapshot, table: number, slotName: string, valueEdge: number): string {
  const slot = Number(slotName);
  if (!Number.isInteger(slot) || slot < 1) return '[entry]';
  const keySlot = String(slot - 1);
  const { firstEdge, edgeNameOrIndex, edgeToNode, strings, nodeType, nodeName } = snapshot;
  const t = typeCodes(snapshot).node;
  const before = valueEdge - 1;
  const start = before >= firstEdge[table] && strings.get(edgeNameOrIndex[before]) === keySlot ? before : firstEdge[table];
  for (let edge = start, end = firstEdge[table + 1]; edge < end; edge++) {
    if (strings.get(edgeNameOrIndex[edge]) !== keySlot) continue;
    const key = edgeToNode[edge];
    const type = nodeType[key];
    const name = strings.get(nodeName[key]);
    if (type === t.string || type === t.concatenatedString || type === t.slicedString) {
      return JSON.stringify(name.length > 40 ? `${name.slice(0, 40)}…` : name);
    }
    return `[${nodeLabel(snapshot, key) ?? name}]`;
  }
  return '[entry]';
}
