/**
 * Streaming `.heapsnapshot` parser: file in, `HeapSnapshot` columns out.
 *
 * The file is read in fixed chunks (`SnapshotByteSource`); the top level is walked section by
 * section, and the big number arrays go byte by byte into typed-array columns (`NumberArrayReader`),
 * so neither the file nor its `strings` section ever becomes one JS string: files past V8's 512 MB
 * string limit parse in memory close to the size of the columns plus the strings.
 *
 * Everything is checked as it is read, against the layout and counts in the file's own `meta`:
 * a corrupt, truncated or mis-shaped file throws `SnapshotFormatError` naming what is wrong and the
 * byte offset, and nothing is allocated from a declared count the file's size cannot back.
 */
import type { HeapSnapshot, SourceLocation } from './heap-snapshot.js';
import { SnapshotByteSource } from './snapshot-byte-source.js';
import { describeByte } from './snapshot-byte-source.js';
import { readSnapshotHeader, type SnapshotHeader } from './snapshot-header.js';
import { NumberArrayReader } from './snapshot-number-array.js';

export { SnapshotFormatError } from './snapshot-format-error.js';

export interface ParseSnapshotOptions {
  /** Bytes read per chunk (two buffers of this size are held). Default 8 MiB. */
  chunkSize?: number;
  /** Called after each chunk is read. */
  onProgress?: (bytesRead: number, totalBytes: number) => void;
}

const DEFAULT_CHUNK_SIZE = 8 * 1024 * 1024;
const MIN_CHUNK_SIZE = 1;

/** Sections V8 writes whose content memprobe does not keep (allocation tracking); skipped, not lost. */
const SKIPPED_ARRAY_SECTIONS = new Set(['trace_function_infos', 'trace_tree', 'samples']);

export async function parseSnapshotFile(path: string, options: ParseSnapshotOptions = {}): Promise<HeapSnapshot> {
  const chunkSize = Math.max(MIN_CHUNK_SIZE, Math.floor(options.chunkSize ?? DEFAULT_CHUNK_SIZE));
  const source = await SnapshotByteSource.open(path, chunkSize, options.onProgress);
  try {
    return await new SnapshotParser(source).parse();
  } finally {
    await source.close();
  }
}

// Roles of node/edge/location fields; a field the parser does not keep (trace_node_id) is IGNORED.
const IGNORED = 0;
const N_TYPE = 1;
const N_NAME = 2;
const N_ID = 3;
const N_SELF_SIZE = 4;
const N_EDGE_COUNT = 5;
const N_DETACHEDNESS = 6;
const E_TYPE = 1;
const E_NAME_OR_INDEX = 2;
const E_TO_NODE = 3;
const L_OBJECT_INDEX = 1;
const L_SCRIPT_ID = 2;
const L_LINE = 3;
const L_COLUMN = 4;

const NODE_ROLES: Record<string, number> = {
  type: N_TYPE,
  name: N_NAME,
  id: N_ID,
  self_size: N_SELF_SIZE,
  edge_count: N_EDGE_COUNT,
  detachedness: N_DETACHEDNESS,
};
const EDGE_ROLES: Record<string, number> = { type: E_TYPE, name_or_index: E_NAME_OR_INDEX, to_node: E_TO_NODE };
const LOCATION_ROLES: Record<string, number> = {
  object_index: L_OBJECT_INDEX,
  script_id: L_SCRIPT_ID,
  line: L_LINE,
  column: L_COLUMN,
};

const UINT32_MAX = 0xffffffff;

interface NodeColumns {
  nodeType: Uint8Array;
  nodeName: Uint32Array;
  nodeId: Uint32Array;
  nodeSelfSize: Uint32Array;
  nodeEdgeCount: Uint32Array;
  nodeDetachedness: Uint8Array;
  firstEdge: Uint32Array;
}

interface EdgeColumns {
  edgeType: Uint8Array;
  edgeNameOrIndex: Uint32Array;
  edgeToNode: Uint32Array;
}

/** The largest string index the nodes and edges refer to, checked once `strings` has been read. */
interface StringReference {
  index: number;
  offset: number;
  what: string;
}

class SnapshotParser {
  private header: SnapshotHeader | null = null;
  private nodes: NodeColumns | null = null;
  private edges: EdgeColumns | null = null;
  private locations = new Map<number, SourceLocation>();
  private strings: string[] | null = null;
  private seen = new Set<string>();
  private maxStringReference: StringReference = { index: -1, offset: 0, what: '' };
  private nodeEdgeSum = 0;
  private nodeEdgeSumOffset = 0;

  constructor(private readonly source: SnapshotByteSource) {}

  async parse(): Promise<HeapSnapshot> {
    const source = this.source;
    const first = await source.peekToken();
    if (first === -1) source.fail(source.fileSize === 0 ? 'file is empty' : 'file holds only whitespace');
    if (first !== 0x7b) source.fail(`not a heap snapshot: expected '{', found ${describeByte(first)}`);
    source.pos++;
    if ((await source.peekToken()) === 0x7d) source.fail('not a heap snapshot: empty object');
    for (;;) {
      if ((await source.peekToken()) !== 0x22) source.fail(`expected a section name, found ${describeByte(await source.peekToken())}`);
      const keyAt = source.offset;
      const key = await source.readString();
      await source.expect(0x3a, `':' after "${key}"`);
      if (this.seen.has(key)) source.fail(`section "${key}" appears twice`, keyAt);
      this.seen.add(key);
      await this.readSection(key);
      const next = await source.peekToken();
      source.pos++;
      if (next === 0x7d) break;
      if (next !== 0x2c) source.fail(`expected ',' or '}' after "${key}", found ${describeByte(next)}`, source.offset - 1);
    }
    const trailing = await source.peekToken();
    if (trailing !== -1) source.fail(`unexpected ${describeByte(trailing)} after the end of the snapshot`);
    return this.finish();
  }

  private async readSection(key: string): Promise<void> {
    switch (key) {
      case 'snapshot':
        return this.readHeader();
      case 'nodes':
        return this.readNodes();
      case 'edges':
        return this.readEdges();
      case 'locations':
        return this.readLocations();
      case 'strings':
        return this.readStrings();
      default:
        if (SKIPPED_ARRAY_SECTIONS.has(key) && (await this.source.peekToken()) !== 0x5b) {
          this.source.fail(`expected '[' to open "${key}", found ${describeByte(await this.source.peekToken())}`);
        }
        return this.source.skipValue();
    }
  }

  private async readHeader(): Promise<void> {
    const source = this.source;
    const at = source.offset;
    if ((await source.peekToken()) !== 0x7b) source.fail(`"snapshot" is not an object: found ${describeByte(await source.peekToken())}`);
    const bytes = await source.captureValue();
    let value: unknown;
    try {
      value = JSON.parse(bytes.toString('utf8'));
    } catch (err) {
      source.fail(`"snapshot" is not valid JSON (${err instanceof Error ? err.message : String(err)})`, at);
    }
    const header = readSnapshotHeader(value);
    if ('problem' in header) return source.fail(header.problem, at);
    // Every value takes at least one digit and one separator, so a declared count the file's size
    // cannot hold is a lie; refuse it before allocating columns for it.
    const values = header.nodeCount * header.nodeFields.length + header.edgeCount * header.edgeFields.length;
    if (values * 2 > source.fileSize + 2) {
      source.fail(
        `node_count ${header.nodeCount} and edge_count ${header.edgeCount} need at least ${values * 2} bytes, ` +
          `but the file has ${source.fileSize}`,
        at,
      );
    }
    this.header = header;
  }

  private requireHeader(section: string): SnapshotHeader {
    if (!this.header) this.source.fail(`"${section}" comes before the "snapshot" header`);
    return this.header;
  }

  private async readNodes(): Promise<void> {
    const header = this.requireHeader('nodes');
    const source = this.source;
    const nodeCount = header.nodeCount;
    const fieldCount = header.nodeFields.length;
    const roles = Uint8Array.from(header.nodeFields, (f) => NODE_ROLES[f] ?? IGNORED);
    const typeLimit = header.nodeTypeNames.length;
    const edgeCount = header.edgeCount;
    const columns: NodeColumns = {
      nodeType: new Uint8Array(nodeCount),
      nodeName: new Uint32Array(nodeCount),
      nodeId: new Uint32Array(nodeCount),
      nodeSelfSize: new Uint32Array(nodeCount),
      nodeEdgeCount: new Uint32Array(nodeCount),
      nodeDetachedness: new Uint8Array(nodeCount),
      firstEdge: new Uint32Array(nodeCount + 1),
    };
    const { nodeType, nodeName, nodeId, nodeSelfSize, nodeEdgeCount, nodeDetachedness, firstEdge } = columns;
    const expected = nodeCount * fieldCount;
    const reader = new NumberArrayReader(source, 'nodes');
    await reader.open();
    let node = 0;
    let field = 0;
    let edgeSum = 0;
    let maxName = -1;
    let maxNameAt = 0;
    const values = reader.values;
    const offsets = reader.offsets;
    while (!reader.done) {
      const count = await reader.next();
      if (reader.total > expected) {
        source.fail(`"nodes" has more than node_count × ${fieldCount} = ${expected} values`, offsets[count - (reader.total - expected)]);
      }
      for (let k = 0; k < count; k++) {
        const v = values[k];
        switch (roles[field]) {
          case N_TYPE:
            if (v >= typeLimit) source.fail(`node type ${v} is not one of the ${typeLimit} in meta.node_types`, offsets[k]);
            nodeType[node] = v;
            break;
          case N_NAME:
            if (v > UINT32_MAX) source.fail(`node name index ${v} is out of range`, offsets[k]);
            if (v > maxName) {
              maxName = v;
              maxNameAt = offsets[k];
            }
            nodeName[node] = v;
            break;
          case N_ID:
            if (v > UINT32_MAX) source.fail(`node id ${v} is out of range`, offsets[k]);
            nodeId[node] = v;
            break;
          case N_SELF_SIZE:
            // Sizes past 4 GiB do not fit the column; saturate rather than wrap to a small size.
            nodeSelfSize[node] = v > UINT32_MAX ? UINT32_MAX : v;
            break;
          case N_EDGE_COUNT:
            edgeSum += v;
            if (edgeSum > edgeCount) {
              source.fail(`node edge counts add up to more than edge_count ${edgeCount}`, offsets[k]);
            }
            nodeEdgeCount[node] = v;
            firstEdge[node + 1] = edgeSum;
            break;
          case N_DETACHEDNESS:
            if (v > 255) source.fail(`node detachedness ${v} is out of range`, offsets[k]);
            nodeDetachedness[node] = v;
            break;
        }
        if (++field === fieldCount) {
          field = 0;
          node++;
        }
      }
    }
    if (reader.total !== expected) {
      source.fail(
        `"nodes" has ${reader.total} values, but node_count ${nodeCount} × ${fieldCount} fields needs ${expected}`,
        source.offset - 1,
      );
    }
    if (edgeSum !== edgeCount) {
      source.fail(`node edge counts add up to ${edgeSum}, but edge_count is ${edgeCount}`, source.offset - 1);
    }
    this.nodeEdgeSum = edgeSum;
    this.nodeEdgeSumOffset = source.offset - 1;
    this.noteStringReference(maxName, maxNameAt, 'node name');
    this.nodes = columns;
  }

  private async readEdges(): Promise<void> {
    const header = this.requireHeader('edges');
    const source = this.source;
    const edgeCount = header.edgeCount;
    const fieldCount = header.edgeFields.length;
    const nodeFieldCount = header.nodeFields.length;
    const nodeCount = header.nodeCount;
    const roles = Uint8Array.from(header.edgeFields, (f) => EDGE_ROLES[f] ?? IGNORED);
    const typeLimit = header.edgeTypeNames.length;
    // element and hidden edges carry an index; every other type names a string.
    const namedType = Uint8Array.from(header.edgeTypeNames, (t) => (t === 'element' || t === 'hidden' ? 0 : 1));
    const columns: EdgeColumns = {
      edgeType: new Uint8Array(edgeCount),
      edgeNameOrIndex: new Uint32Array(edgeCount),
      edgeToNode: new Uint32Array(edgeCount),
    };
    const { edgeType, edgeNameOrIndex, edgeToNode } = columns;
    const expected = edgeCount * fieldCount;
    const reader = new NumberArrayReader(source, 'edges');
    await reader.open();
    let edge = 0;
    let field = 0;
    let type = 0;
    let nameOrIndex = 0;
    let nameAt = 0;
    let maxName = -1;
    let maxNameAt = 0;
    const values = reader.values;
    const offsets = reader.offsets;
    while (!reader.done) {
      const count = await reader.next();
      if (reader.total > expected) {
        source.fail(`"edges" has more than edge_count × ${fieldCount} = ${expected} values`, offsets[count - (reader.total - expected)]);
      }
      for (let k = 0; k < count; k++) {
        const v = values[k];
        switch (roles[field]) {
          case E_TYPE:
            if (v >= typeLimit) source.fail(`edge type ${v} is not one of the ${typeLimit} in meta.edge_types`, offsets[k]);
            type = v;
            edgeType[edge] = v;
            break;
          case E_NAME_OR_INDEX:
            if (v > UINT32_MAX) source.fail(`edge name or index ${v} is out of range`, offsets[k]);
            nameOrIndex = v;
            nameAt = offsets[k];
            edgeNameOrIndex[edge] = v;
            break;
          case E_TO_NODE: {
            const ordinal = v / nodeFieldCount;
            if (ordinal !== Math.floor(ordinal)) {
              source.fail(`edge to_node ${v} is not a multiple of the ${nodeFieldCount} node fields`, offsets[k]);
            }
            if (ordinal >= nodeCount) source.fail(`edge to_node ${v} points past the last of ${nodeCount} nodes`, offsets[k]);
            edgeToNode[edge] = ordinal;
            break;
          }
        }
        if (++field === fieldCount) {
          // The name check needs the type, which may come after the name in a reordered layout.
          if (namedType[type] === 1 && nameOrIndex > maxName) {
            maxName = nameOrIndex;
            maxNameAt = nameAt;
          }
          field = 0;
          edge++;
        }
      }
    }
    if (reader.total !== expected) {
      source.fail(
        `"edges" has ${reader.total} values, but edge_count ${edgeCount} × ${fieldCount} fields needs ${expected}`,
        source.offset - 1,
      );
    }
    this.noteStringReference(maxName, maxNameAt, 'edge name');
    this.edges = columns;
  }

  private async readLocations(): Promise<void> {
    const header = this.requireHeader('locations');
    const source = this.source;
    const fieldCount = header.locationFields.length;
    const nodeFieldCount = header.nodeFields.length;
    const nodeCount = header.nodeCount;
    const roles = Uint8Array.from(header.locationFields, (f) => LOCATION_ROLES[f] ?? IGNORED);
    const reader = new NumberArrayReader(source, 'locations');
    await reader.open();
    let field = 0;
    let ordinal = 0;
    let scriptId = 0;
    let line = 0;
    let column = 0;
    const values = reader.values;
    const offsets = reader.offsets;
    while (!reader.done) {
      const count = await reader.next();
      for (let k = 0; k < count; k++) {
        const v = values[k];
        switch (roles[field]) {
          case L_OBJECT_INDEX:
            ordinal = v / nodeFieldCount;
            if (ordinal !== Math.floor(ordinal) || ordinal >= nodeCount) {
              source.fail(`location object_index ${v} is not the start of one of the ${nodeCount} nodes`, offsets[k]);
            }
            break;
          case L_SCRIPT_ID:
            scriptId = v;
            break;
          case L_LINE:
            line = v;
            break;
          case L_COLUMN:
            column = v;
            break;
        }
        if (++field === fieldCount) {
          this.locations.set(ordinal, { scriptId, line, column });
          field = 0;
        }
      }
    }
    if (field !== 0) {
      source.fail(`"locations" has ${reader.total} values, not a multiple of ${fieldCount} fields`, source.offset - 1);
    }
  }

  private async readStrings(): Promise<void> {
    const source = this.source;
    await source.expect(0x5b, `'[' to open "strings"`);
    const strings: string[] = [];
    if ((await source.peekToken()) === 0x5d) {
      source.pos++;
    } else {
      for (;;) {
        const c = await source.peekToken();
        if (c !== 0x22) source.fail(`expected a string in "strings", found ${describeByte(c)}`);
        strings.push(await source.readString());
        const next = await source.peekToken();
        source.pos++;
        if (next === 0x5d) break;
        if (next !== 0x2c) source.fail(`expected ',' or ']' in "strings", found ${describeByte(next)}`, source.offset - 1);
      }
    }
    this.strings = strings;
  }

  private noteStringReference(index: number, offset: number, what: string): void {
    if (index > this.maxStringReference.index) this.maxStringReference = { index, offset, what };
  }

  private finish(): HeapSnapshot {
    const source = this.source;
    const end = source.offset;
    for (const required of ['snapshot', 'nodes', 'edges', 'strings']) {
      if (!this.seen.has(required)) source.fail(`section "${required}" is missing`, end);
    }
    const header = this.header!;
    const nodes = this.nodes!;
    const edges = this.edges!;
    const strings = this.strings!;
    const ref = this.maxStringReference;
    if (ref.index >= strings.length) {
      source.fail(`${ref.what} refers to string ${ref.index}, but "strings" has ${strings.length}`, ref.offset);
    }
    if (this.nodeEdgeSum !== header.edgeCount) {
      source.fail(`node edge counts add up to ${this.nodeEdgeSum}, but edge_count is ${header.edgeCount}`, this.nodeEdgeSumOffset);
    }
    return {
      nodeCount: header.nodeCount,
      edgeCount: header.edgeCount,
      ...nodes,
      ...edges,
      strings,
      nodeTypeNames: header.nodeTypeNames,
      edgeTypeNames: header.edgeTypeNames,
      locations: this.locations,
    };
  }
}
