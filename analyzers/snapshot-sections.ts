/**
 * Readers for the sections memprobe keeps: `nodes` and `edges` into typed-array columns,
 * `locations` into a map by node ordinal, `strings` into an array decoded one string at a time.
 *
 * Each reader checks what it can as it goes, against the layout and counts in the header: row counts,
 * type indexes, `to_node` alignment and range, edge counts summing to `edge_count`. Checks that need
 * a later section (string indexes) are in `snapshot-string-references.ts`.
 */
import type { SourceLocation } from './heap-snapshot.js';
import { type SnapshotByteSource, describeByte } from './snapshot-byte-source.js';
import type { SnapshotHeader } from './snapshot-header.js';
import { NumberArrayReader, locateValue } from './snapshot-number-array.js';

export interface NodeColumns {
  nodeType: Uint8Array;
  nodeName: Uint32Array;
  nodeId: Uint32Array;
  nodeSelfSize: Uint32Array;
  nodeEdgeCount: Uint32Array;
  nodeDetachedness: Uint8Array;
  firstEdge: Uint32Array;
}

export interface EdgeColumns {
  edgeType: Uint8Array;
  edgeNameOrIndex: Uint32Array;
  edgeToNode: Uint32Array;
}

/**
 * A section's columns, where its '[' is (to find a value again for an error message), and the
 * largest string index it refers to (checked once `strings`, the last section, has been read).
 */
export interface ReadSection<T> {
  columns: T;
  arrayStart: number;
  maxStringIndex: number;
}

/** Throw for value `valueIndex` of a section already read past, with that value's offset. */
async function failAtValue(source: SnapshotByteSource, reader: NumberArrayReader, arrayStart: number, valueIndex: number, problem: string): Promise<never> {
  return source.fail(problem, await locateValue(source.path, arrayStart, reader.section, valueIndex));
}

export async function readNodes(source: SnapshotByteSource, header: SnapshotHeader): Promise<ReadSection<NodeColumns>> {
  const { nodeCount, edgeCount, nodeFields } = header;
  const width = nodeFields.length;
  const typeAt = nodeFields.indexOf('type');
  const nameAt = nodeFields.indexOf('name');
  const idAt = nodeFields.indexOf('id');
  const sizeAt = nodeFields.indexOf('self_size');
  const edgesAt = nodeFields.indexOf('edge_count');
  const detachedAt = nodeFields.indexOf('detachedness');
  const typeLimit = header.nodeTypeNames.length;
  const nodeType = new Uint8Array(nodeCount);
  const nodeName = new Uint32Array(nodeCount);
  const nodeId = new Uint32Array(nodeCount);
  const nodeSelfSize = new Uint32Array(nodeCount);
  const nodeEdgeCount = new Uint32Array(nodeCount);
  const nodeDetachedness = new Uint8Array(nodeCount);
  const firstEdge = new Uint32Array(nodeCount + 1);
  const expected = nodeCount * width;
  const reader = new NumberArrayReader(source, 'nodes', width);
  const arrayStart = await reader.open();
  const values = reader.values;
  let node = 0;
  let edgeSum = 0;
  let maxName = -1;
  while (!reader.done) {
    const count = await reader.next(Math.min(reader.values.length, expected + 1 - reader.total));
    if (reader.total > expected) {
      return failAtValue(source, reader, arrayStart, expected, `"nodes" has more than node_count ${nodeCount} × ${width} = ${expected} values`);
    }
    // A batch holds whole rows unless the array ended mid-row, which the count check below reports.
    const rows = Math.floor(count / width);
    for (let row = 0, k = 0; row < rows; row++, k += width, node++) {
      const type = values[k + typeAt];
      if (type >= typeLimit) {
        return failAtValue(source, reader, arrayStart, reader.before + k + typeAt, `node type ${type} is not one of the ${typeLimit} in meta.node_types`);
      }
      nodeType[node] = type;
      const name = values[k + nameAt];
      nodeName[node] = name;
      if (name > maxName) maxName = name;
      nodeId[node] = values[k + idAt];
      nodeSelfSize[node] = values[k + sizeAt];
      const edges = values[k + edgesAt];
      nodeEdgeCount[node] = edges;
      edgeSum += edges;
      if (edgeSum > edgeCount) {
        return failAtValue(source, reader, arrayStart, reader.before + k + edgesAt, `node edge counts add up to more than edge_count ${edgeCount}`);
      }
      firstEdge[node + 1] = edgeSum;
      if (detachedAt >= 0) {
        const detachedness = values[k + detachedAt];
        if (detachedness > 255) {
          return failAtValue(source, reader, arrayStart, reader.before + k + detachedAt, `node detachedness ${detachedness} is out of range`);
        }
        nodeDetachedness[node] = detachedness;
      }
    }
  }
  const closeAt = source.offset - 1;
  if (reader.total !== expected) {
    source.fail(`"nodes" has ${reader.total} values, but node_count ${nodeCount} × ${width} fields needs ${expected}`, closeAt);
  }
  if (edgeSum !== edgeCount) source.fail(`node edge counts add up to ${edgeSum}, but edge_count is ${edgeCount}`, closeAt);
  return {
    columns: { nodeType, nodeName, nodeId, nodeSelfSize, nodeEdgeCount, nodeDetachedness, firstEdge },
    arrayStart,
    maxStringIndex: maxName,
  };
}

export async function readEdges(source: SnapshotByteSource, header: SnapshotHeader): Promise<ReadSection<EdgeColumns>> {
  const { edgeCount, nodeCount, edgeFields } = header;
  const width = edgeFields.length;
  const nodeWidth = header.nodeFields.length;
  const typeAt = edgeFields.indexOf('type');
  const nameAt = edgeFields.indexOf('name_or_index');
  const toAt = edgeFields.indexOf('to_node');
  const typeLimit = header.edgeTypeNames.length;
  const toLimit = nodeCount * nodeWidth;
  // element and hidden edges carry an element index; every other type names a string.
  const namedType = Uint8Array.from(header.edgeTypeNames, (t) => (t === 'element' || t === 'hidden' ? 0 : 1));
  let maxName = -1;
  const edgeType = new Uint8Array(edgeCount);
  const edgeNameOrIndex = new Uint32Array(edgeCount);
  const edgeToNode = new Uint32Array(edgeCount);
  const expected = edgeCount * width;
  const reader = new NumberArrayReader(source, 'edges', width);
  const arrayStart = await reader.open();
  const values = reader.values;
  let edge = 0;
  while (!reader.done) {
    const count = await reader.next(Math.min(reader.values.length, expected + 1 - reader.total));
    if (reader.total > expected) {
      return failAtValue(source, reader, arrayStart, expected, `"edges" has more than edge_count ${edgeCount} × ${width} = ${expected} values`);
    }
    const rows = Math.floor(count / width);
    for (let row = 0, k = 0; row < rows; row++, k += width, edge++) {
      const type = values[k + typeAt];
      const to = values[k + toAt];
      const ordinal = to / nodeWidth;
      if (type >= typeLimit || to >= toLimit || ordinal !== Math.floor(ordinal)) {
        const problem =
          type >= typeLimit
            ? `edge type ${type} is not one of the ${typeLimit} in meta.edge_types`
            : to >= toLimit
              ? `edge to_node ${to} points past the last of ${nodeCount} nodes`
              : `edge to_node ${to} is not a multiple of the ${nodeWidth} node fields`;
        return failAtValue(source, reader, arrayStart, reader.before + k + (type >= typeLimit ? typeAt : toAt), problem);
      }
      edgeType[edge] = type;
      const nameOrIndex = values[k + nameAt];
      edgeNameOrIndex[edge] = nameOrIndex;
      if (nameOrIndex > maxName && namedType[type] === 1) maxName = nameOrIndex;
      edgeToNode[edge] = ordinal;
    }
  }
  if (reader.total !== expected) {
    source.fail(`"edges" has ${reader.total} values, but edge_count ${edgeCount} × ${width} fields needs ${expected}`, source.offset - 1);
  }
  return { columns: { edgeType, edgeNameOrIndex, edgeToNode }, arrayStart, maxStringIndex: maxName };
}

export async function readLocations(source: SnapshotByteSource, header: SnapshotHeader): Promise<Map<number, SourceLocation>> {
  const { nodeCount, locationFields } = header;
  const width = locationFields.length;
  const nodeWidth = header.nodeFields.length;
  const objectAt = locationFields.indexOf('object_index');
  const scriptAt = locationFields.indexOf('script_id');
  const lineAt = locationFields.indexOf('line');
  const columnAt = locationFields.indexOf('column');
  const locations = new Map<number, SourceLocation>();
  const reader = new NumberArrayReader(source, 'locations', width);
  const arrayStart = await reader.open();
  const values = reader.values;
  while (!reader.done) {
    const count = await reader.next();
    const rows = Math.floor(count / width);
    for (let row = 0, k = 0; row < rows; row++, k += width) {
      const objectIndex = values[k + objectAt];
      const ordinal = objectIndex / nodeWidth;
      if (ordinal !== Math.floor(ordinal) || ordinal >= nodeCount) {
        return failAtValue(source, reader, arrayStart, reader.before + k + objectAt, `location object_index ${objectIndex} is not the start of one of the ${nodeCount} nodes`);
      }
      locations.set(ordinal, { scriptId: values[k + scriptAt], line: values[k + lineAt], column: values[k + columnAt] });
    }
  }
  if (reader.total % width !== 0) {
    source.fail(`"locations" has ${reader.total} values, not a multiple of ${width} fields`, source.offset - 1);
  }
  return locations;
}

const EXPECT_FIRST = 0;
const EXPECT_STRING = 1;
const EXPECT_SEPARATOR = 2;

/**
 * The `strings` array. Strings that end in the current chunk are read by a synchronous loop; only
 * one that spans chunks, or a chunk running out, costs an await.
 */
export async function readStrings(source: SnapshotByteSource): Promise<string[]> {
  await source.expect(0x5b, `'[' to open "strings"`);
  const strings: string[] = [];
  let state = EXPECT_FIRST;
  for (;;) {
    const buf = source.buf;
    const end = source.end;
    let needLongString = false;
    while (source.pos < end) {
      const c = buf[source.pos];
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) {
        source.pos++;
      } else if (state !== EXPECT_SEPARATOR && c === 0x22) {
        const value = source.readStringInChunk();
        if (value === null) {
          needLongString = true;
          break;
        }
        strings.push(value);
        state = EXPECT_SEPARATOR;
      } else if (state === EXPECT_SEPARATOR && c === 0x2c) {
        source.pos++;
        state = EXPECT_STRING;
      } else if (state !== EXPECT_STRING && c === 0x5d) {
        source.pos++;
        return strings;
      } else {
        const expected = state === EXPECT_SEPARATOR ? "',' or ']'" : 'a string';
        source.fail(`expected ${expected} in "strings", found ${describeByte(c)}`);
      }
    }
    if (needLongString) {
      strings.push(await source.readString());
      state = EXPECT_SEPARATOR;
    } else if (!(await source.fill())) {
      source.fail('file ends inside "strings"');
    }
  }
}
