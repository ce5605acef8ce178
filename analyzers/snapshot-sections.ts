/**
 * Readers for the number sections memprobe keeps: `nodes` and `edges` into typed-array columns,
 * `locations` into a table by node ordinal (`source-locations.ts`). (`strings` is `snapshot-strings.ts`.)
 *
 * Each reader checks what it can as it goes, against the layout and counts in the header: row counts,
 * type indexes, `to_node` alignment and range, edge counts summing to `edge_count`. Checks that need
 * a later section (string indexes) are in `snapshot-string-references.ts`.
 */
import type { SnapshotByteSource } from './snapshot-byte-source.js';
import type { SnapshotHeader } from './snapshot-header.js';
import { NumberArrayReader, locateValue } from './snapshot-number-array.js';
import type { EdgeColumnViews, EdgeRowChecks, NodeColumnViews, NodeRowChecks, NumberScanKernel } from './number-scan-kernel.js';
import { SourceLocationTable } from './source-locations.js';

/** `nodeType`, `nodeName`, `nodeId`, `nodeSelfSize`, `nodeDetachedness`, `firstEdge`: declared with the kernel that can write them. */
export type NodeColumns = NodeColumnViews;

/** `edgeType`, `edgeNameOrIndex`, `edgeToNode`: declared with the kernel that can write them. */
export type EdgeColumns = EdgeColumnViews;

/**
 * A section's columns, where its '[' is (to find a value again for an error message), and the
 * largest string index it refers to (checked once `strings`, the last section, has been read).
 */
export interface ReadSection<T> {
  columns: T;
  arrayStart: number;
  maxStringIndex: number;
}

/**
 * Rows of one number section going into columns. `add` is synchronous and called once per batch, so
 * V8 optimises it as an ordinary hot function (a long loop inside the async reader would only get
 * on-stack replacement). It returns the batch index of the first bad value, or -1, with `problem`
 * saying what is wrong; the reader turns that into an error with the value's byte offset.
 */
interface RowSink {
  problem: string;
  add(values: Uint32Array, count: number): number;
}

/**
 * Drive `reader` through a whole section into `sink`. With `expected` set, more values than that
 * is an error reported at the first extra value.
 */
async function readRows(
  source: SnapshotByteSource,
  reader: NumberArrayReader,
  sink: RowSink,
  expected: number | null,
  tooMany: string,
): Promise<number> {
  const arrayStart = await reader.open();
  while (!reader.done) {
    const limit = expected === null ? reader.values.length : Math.min(reader.values.length, expected + 1 - reader.total);
    const count = await reader.next(limit);
    if (expected !== null && reader.total > expected) {
      source.fail(tooMany, await locateValue(source.path, arrayStart, reader.section, expected));
    }
    const bad = sink.add(reader.values, count);
    if (bad >= 0) source.fail(sink.problem, await locateValue(source.path, arrayStart, reader.section, reader.before + bad));
  }
  return arrayStart;
}

/**
 * A batch of `rows` whole rows split by a kernel's row loop (`inKernel(row, rows)`: rows taken from
 * `row` on), with `byHand` (a reader's own loop, which words the errors) taking each row the kernel
 * stops at, and the kernel going on after it. Returns the batch index of a bad value, or -1.
 */
function splitRows(rows: number, inKernel: (row: number, rows: number) => number, byHand: (row: number) => number): number {
  let row = 0;
  while (row < rows) {
    row += inKernel(row, rows - row);
    if (row === rows) break;
    const bad = byHand(row);
    if (bad >= 0) return bad;
    row++;
  }
  return -1;
}

class NodeRows implements RowSink {
  problem = '';
  node = 0;
  edgeSum = 0;
  maxName = -1;
  readonly columns: NodeColumns;
  private readonly width: number;
  private readonly typeAt: number;
  private readonly nameAt: number;
  private readonly idAt: number;
  private readonly sizeAt: number;
  private readonly edgesAt: number;
  private readonly detachedAt: number;
  private readonly typeLimit: number;
  private readonly edgeCount: number;
  /** The kernel whose memory holds the columns: it splits the rows, this loop takes a row it stops at. */
  private readonly kernel: NumberScanKernel | null;
  private readonly checks: NodeRowChecks;

  constructor(header: SnapshotHeader, shared: boolean, kernel: NumberScanKernel | null = null) {
    const fields = header.nodeFields;
    const nodeCount = header.nodeCount;
    this.width = fields.length;
    this.typeAt = fields.indexOf('type');
    this.nameAt = fields.indexOf('name');
    this.idAt = fields.indexOf('id');
    this.sizeAt = fields.indexOf('self_size');
    this.edgesAt = fields.indexOf('edge_count');
    this.detachedAt = fields.indexOf('detachedness');
    this.typeLimit = header.nodeTypeNames.length;
    this.edgeCount = header.edgeCount;
    const { width, typeAt, nameAt, idAt, sizeAt, edgesAt, detachedAt, typeLimit, edgeCount } = this;
    this.checks = { width, typeAt, nameAt, idAt, sizeAt, edgesAt, detachedAt, typeLimit, edgeCount };
    // In the byte source's WebAssembly memory, grown for them, its kernel splits the rows itself
    // (they are then on a SharedArrayBuffer, as the second core needs nodeId and firstEdge).
    const at = kernel !== null && edgeCount <= 0xffffffff ? kernel.grow(18 * nodeCount + 4) : -1;
    this.kernel = at >= 0 ? kernel : null;
    this.columns =
      kernel !== null && at >= 0
        ? {
            nodeName: kernel.view(Uint32Array, at, nodeCount),
            nodeId: kernel.view(Uint32Array, at + 4 * nodeCount, nodeCount),
            nodeSelfSize: kernel.view(Uint32Array, at + 8 * nodeCount, nodeCount),
            firstEdge: kernel.view(Uint32Array, at + 12 * nodeCount, nodeCount + 1),
            nodeType: kernel.view(Uint8Array, at + 16 * nodeCount + 4, nodeCount),
            nodeDetachedness: kernel.view(Uint8Array, at + 17 * nodeCount + 4, nodeCount),
          }
        : {
            nodeType: new Uint8Array(nodeCount),
            nodeName: new Uint32Array(nodeCount),
            // Shared too: the essential-edge sweep reads ids on the second core (`second-core-job.ts`).
            nodeId: shared ? new Uint32Array(new SharedArrayBuffer(4 * nodeCount)) : new Uint32Array(nodeCount),
            nodeSelfSize: new Uint32Array(nodeCount),
            nodeDetachedness: new Uint8Array(nodeCount),
            // Shared when the edge columns are: a worker thread can then walk the graph (`second-core-job.ts`).
            firstEdge: shared ? new Uint32Array(new SharedArrayBuffer(4 * (nodeCount + 1))) : new Uint32Array(nodeCount + 1),
          };
  }

  add(values: Uint32Array, count: number): number {
    // A batch holds whole rows unless the array ended mid-row, which the count check reports.
    const end = count - (count % this.width);
    const kernel = this.kernel;
    if (kernel === null || !kernel.holds(values)) return this.addRows(values, 0, end);
    const width = this.width;
    return splitRows(
      end / width,
      (row, rows) => {
        const taken = kernel.splitNodeRows(values, row * width, rows, this.columns, this.node, this.checks, this.maxName, this.edgeSum);
        this.node += taken;
        this.maxName = kernel.maxName;
        this.edgeSum = kernel.edgeSum;
        return taken;
      },
      (row) => this.addRows(values, row * width, (row + 1) * width),
    );
  }

  /** Rows from value index `from` to `end` (whole rows), by this loop. */
  private addRows(values: Uint32Array, from: number, end: number): number {
    const { nodeType, nodeName, nodeId, nodeSelfSize, nodeDetachedness, firstEdge } = this.columns;
    const { width, typeAt, nameAt, idAt, sizeAt, edgesAt, detachedAt, typeLimit, edgeCount } = this;
    let node = this.node;
    let edgeSum = this.edgeSum;
    let maxName = this.maxName;
    let bad = -1;
    for (let k = from; k < end; k += width, node++) {
      const type = values[k + typeAt];
      if (type >= typeLimit) {
        this.problem = `node type ${type} is not one of the ${typeLimit} in meta.node_types`;
        bad = k + typeAt;
        break;
      }
      nodeType[node] = type;
      const name = values[k + nameAt];
      nodeName[node] = name;
      if (name > maxName) maxName = name;
      nodeId[node] = values[k + idAt];
      nodeSelfSize[node] = values[k + sizeAt];
      edgeSum += values[k + edgesAt];
      if (edgeSum > edgeCount) {
        this.problem = `node edge counts add up to more than edge_count ${edgeCount}`;
        bad = k + edgesAt;
        break;
      }
      firstEdge[node + 1] = edgeSum;
      if (detachedAt >= 0) {
        const detachedness = values[k + detachedAt];
        if (detachedness > 255) {
          this.problem = `node detachedness ${detachedness} is out of range`;
          bad = k + detachedAt;
          break;
        }
        nodeDetachedness[node] = detachedness;
      }
    }
    this.node = node;
    this.edgeSum = edgeSum;
    this.maxName = maxName;
    return bad;
  }
}

/**
 * Where a row of `edges` keeps each field, and what its checks compare with: the same for every
 * reader of the section (`EdgeRows`, and the backward reader of `edge-tail-reader.ts`).
 */
export interface EdgeRowLayout extends Omit<EdgeRowChecks, 'namedMask'> {
  /** 1 for edge types whose name_or_index is a string index; element and hidden carry an index. */
  namedType: Uint8Array;
}

export function edgeRowLayout(header: SnapshotHeader): EdgeRowLayout {
  const fields = header.edgeFields;
  const nodeWidth = header.nodeFields.length;
  return {
    width: fields.length,
    typeAt: fields.indexOf('type'),
    nameAt: fields.indexOf('name_or_index'),
    toAt: fields.indexOf('to_node'),
    nodeWidth,
    typeLimit: header.edgeTypeNames.length,
    toLimit: header.nodeCount * nodeWidth,
    namedType: Uint8Array.from(header.edgeTypeNames, (t) => (t === 'element' || t === 'hidden' ? 0 : 1)),
  };
}

class EdgeRows implements RowSink {
  problem = '';
  edge = 0;
  maxName = -1;
  readonly columns: EdgeColumns;
  private readonly width: number;
  private readonly typeAt: number;
  private readonly nameAt: number;
  private readonly toAt: number;
  private readonly nodeWidth: number;
  private readonly nodeCount: number;
  private readonly typeLimit: number;
  private readonly toLimit: number;
  /** 1 for edge types whose name_or_index is a string index; element and hidden carry an index. */
  private readonly namedType: Uint8Array;
  /**
   * The kernel whose memory holds the columns (the edges worker's, `edge-column-memory.ts`): it
   * splits the rows itself, and this loop takes only a row it stops at. Null otherwise.
   */
  private readonly kernel: NumberScanKernel | null;
  private readonly checks: EdgeRowChecks;

  constructor(header: SnapshotHeader, columns: EdgeColumns = allocateEdgeColumns(header, false), kernel: NumberScanKernel | null = null) {
    ({
      width: this.width,
      typeAt: this.typeAt,
      nameAt: this.nameAt,
      toAt: this.toAt,
      nodeWidth: this.nodeWidth,
      typeLimit: this.typeLimit,
      toLimit: this.toLimit,
      namedType: this.namedType,
    } = edgeRowLayout(header));
    this.nodeCount = header.nodeCount;
    this.columns = columns;
    const { width, typeAt, nameAt, toAt, nodeWidth, typeLimit, toLimit } = this;
    this.checks = { width, typeAt, nameAt, toAt, nodeWidth, typeLimit, toLimit, namedMask: this.namedType.reduce((mask, named, t) => mask | (named << t), 0) };
    const inKernel = kernel !== null && typeLimit <= 32 && kernel.holds(columns.edgeType) && kernel.holds(columns.edgeNameOrIndex) && kernel.holds(columns.edgeToNode);
    this.kernel = inKernel ? kernel : null;
  }

  add(values: Uint32Array, count: number): number {
    const end = count - (count % this.width);
    const kernel = this.kernel;
    if (kernel === null || !kernel.holds(values)) return this.addRows(values, 0, end);
    const width = this.width;
    // The JavaScript loop also takes a to_node the kernel could not compare in 32 bits.
    return splitRows(
      end / width,
      (row, rows) => {
        const taken = kernel.splitEdgeRows(values, row * width, rows, this.columns, this.edge, this.checks, this.maxName);
        this.edge += taken;
        this.maxName = kernel.maxName;
        return taken;
      },
      (row) => this.addRows(values, row * width, (row + 1) * width),
    );
  }

  /** Rows from value index `from` to `end` (whole rows), by this loop. */
  private addRows(values: Uint32Array, from: number, end: number): number {
    const { edgeType, edgeNameOrIndex, edgeToNode } = this.columns;
    const { width, typeAt, nameAt, toAt, nodeWidth, typeLimit, toLimit, namedType } = this;
    let edge = this.edge;
    let maxName = this.maxName;
    let bad = -1;
    for (let k = from; k < end; k += width, edge++) {
      const type = values[k + typeAt];
      const to = values[k + toAt];
      const ordinal = to / nodeWidth;
      if (type >= typeLimit || to >= toLimit || ordinal !== Math.floor(ordinal)) {
        bad = this.describe(type, to, k);
        break;
      }
      edgeType[edge] = type;
      const nameOrIndex = values[k + nameAt];
      edgeNameOrIndex[edge] = nameOrIndex;
      if (nameOrIndex > maxName && namedType[type] === 1) maxName = nameOrIndex;
      edgeToNode[edge] = ordinal;
    }
    this.edge = edge;
    this.maxName = maxName;
    return bad;
  }

  private describe(type: number, to: number, k: number): number {
    if (type >= this.typeLimit) {
      this.problem = `edge type ${type} is not one of the ${this.typeLimit} in meta.edge_types`;
      return k + this.typeAt;
    }
    this.problem =
      to >= this.toLimit
        ? `edge to_node ${to} points past the last of ${this.nodeCount} nodes`
        : `edge to_node ${to} is not a multiple of the ${this.nodeWidth} node fields`;
    return k + this.toAt;
  }
}

class LocationRows implements RowSink {
  problem = '';
  readonly locations = new SourceLocationTable();
  private readonly width: number;
  private readonly objectAt: number;
  private readonly scriptAt: number;
  private readonly lineAt: number;
  private readonly columnAt: number;
  private readonly nodeWidth: number;
  private readonly nodeCount: number;

  constructor(header: SnapshotHeader) {
    const fields = header.locationFields;
    this.width = fields.length;
    this.objectAt = fields.indexOf('object_index');
    this.scriptAt = fields.indexOf('script_id');
    this.lineAt = fields.indexOf('line');
    this.columnAt = fields.indexOf('column');
    this.nodeWidth = header.nodeFields.length;
    this.nodeCount = header.nodeCount;
  }

  add(values: Uint32Array, count: number): number {
    const end = count - (count % this.width);
    for (let k = 0; k < end; k += this.width) {
      const objectIndex = values[k + this.objectAt];
      const ordinal = (objectIndex / this.nodeWidth) >>> 0;
      if (ordinal * this.nodeWidth !== objectIndex || ordinal >= this.nodeCount) {
        this.problem = `location object_index ${objectIndex} is not the start of one of the ${this.nodeCount} nodes`;
        return k + this.objectAt;
      }
      this.locations.add(ordinal, values[k + this.scriptAt], values[k + this.lineAt], values[k + this.columnAt]);
    }
    return -1;
  }
}

export async function readNodes(source: SnapshotByteSource, header: SnapshotHeader, shared = false): Promise<ReadSection<NodeColumns>> {
  const { nodeCount, edgeCount } = header;
  const width = header.nodeFields.length;
  const expected = nodeCount * width;
  const reader = new NumberArrayReader(source, 'nodes', width);
  const rows = new NodeRows(header, shared, source.kernel);
  const arrayStart = await readRows(source, reader, rows, expected, `"nodes" has more than node_count ${nodeCount} × ${width} = ${expected} values`);
  const closeAt = source.offset - 1;
  if (reader.total !== expected) {
    source.fail(`"nodes" has ${reader.total} values, but node_count ${nodeCount} × ${width} fields needs ${expected}`, closeAt);
  }
  if (rows.edgeSum !== edgeCount) source.fail(`node edge counts add up to ${rows.edgeSum}, but edge_count is ${edgeCount}`, closeAt);
  return { columns: rows.columns, arrayStart, maxStringIndex: rows.maxName };
}

/** The edge columns; on SharedArrayBuffers when a worker thread is to write part of them. */
export function allocateEdgeColumns(header: SnapshotHeader, shared: boolean): EdgeColumns {
  const n = header.edgeCount;
  return shared
    ? {
        edgeType: new Uint8Array(new SharedArrayBuffer(n)),
        edgeNameOrIndex: new Uint32Array(new SharedArrayBuffer(n * 4)),
        edgeToNode: new Uint32Array(new SharedArrayBuffer(n * 4)),
      }
    : { edgeType: new Uint8Array(n), edgeNameOrIndex: new Uint32Array(n), edgeToNode: new Uint32Array(n) };
}

export async function readEdges(
  source: SnapshotByteSource,
  header: SnapshotHeader,
  columns?: EdgeColumns,
): Promise<ReadSection<EdgeColumns>> {
  const { edgeCount } = header;
  const width = header.edgeFields.length;
  const expected = edgeCount * width;
  const reader = new NumberArrayReader(source, 'edges', width);
  const rows = new EdgeRows(header, columns, source.kernel);
  const arrayStart = await readRows(source, reader, rows, expected, `"edges" has more than edge_count ${edgeCount} × ${width} = ${expected} values`);
  if (reader.total !== expected) {
    source.fail(`"edges" has ${reader.total} values, but edge_count ${edgeCount} × ${width} fields needs ${expected}`, source.offset - 1);
  }
  return { columns: rows.columns, arrayStart, maxStringIndex: rows.maxName };
}

/** What the edges worker read of a split `edges` (`readClaimedEdges`). */
export interface ClaimedEdges {
  rows: number;
  maxStringIndex: number;
  /**
   * File offset just past the last value read (past the '[' when no row was), or past the ','
   * after it when the reader took that too (`afterComma`).
   */
  endOffset: number;
  afterComma: boolean;
}

/**
 * Rows of `edges` from its '[' on, for as long as `claim(rows)` grants more (at most `rows` at a
 * time; 0: stop): the edges worker's share of a split parse, the main thread reading the rest
 * backwards (`edge-row-claims.ts`). Null when a granted row is not there as the checks want it;
 * no error is worded (the split is then abandoned, and the ordinary parse says what is wrong).
 */
export async function readClaimedEdges(source: SnapshotByteSource, header: SnapshotHeader, columns: EdgeColumns, claim: (rows: number) => number): Promise<ClaimedEdges | null> {
  const width = header.edgeFields.length;
  const reader = new NumberArrayReader(source, 'edges', width);
  const rows = new EdgeRows(header, columns, source.kernel);
  await reader.open();
  for (let granted = claim(reader.values.length / width); granted > 0; granted = claim(reader.values.length / width)) {
    for (let need = granted * width; need > 0; ) {
      const count = await reader.next(Math.min(need, reader.values.length));
      if (count === 0 || count % width !== 0 || rows.add(reader.values, count) >= 0) return null;
      need -= count;
    }
  }
  return { rows: rows.edge, maxStringIndex: rows.maxName, endOffset: source.offset, afterComma: reader.afterComma };
}

export async function readLocations(source: SnapshotByteSource, header: SnapshotHeader): Promise<SourceLocationTable> {
  const width = header.locationFields.length;
  const reader = new NumberArrayReader(source, 'locations', width);
  const rows = new LocationRows(header);
  await readRows(source, reader, rows, null, '');
  if (reader.total % width !== 0) {
    source.fail(`"locations" has ${reader.total} values, not a multiple of ${width} fields`, source.offset - 1);
  }
  return rows.locations.finish();
}
