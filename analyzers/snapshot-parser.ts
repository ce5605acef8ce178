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
import { SnapshotByteSource, describeByte } from './snapshot-byte-source.js';
import { readSnapshotHeader, type SnapshotHeader } from './snapshot-header.js';
import { locateValue } from './snapshot-number-array.js';
import { readEdges, readLocations, readNodes, type EdgeColumns, type NodeColumns, type ReadSection } from './snapshot-sections.js';
import { readStrings } from './snapshot-strings.js';
import { findBadStringReference } from './snapshot-string-references.js';

export { SnapshotFormatError } from './snapshot-format-error.js';

export interface ParseSnapshotOptions {
  /** Bytes read per chunk (two buffers of this size are held). Default 8 MiB. */
  chunkSize?: number;
  /** Called after each chunk is read. */
  onProgress?: (bytesRead: number, totalBytes: number) => void;
}

const DEFAULT_CHUNK_SIZE = 8 * 1024 * 1024;
const MAX_CHUNK_SIZE = 1 << 30;

/** Sections V8 writes whose content the model does not hold (allocation tracking): checked to be arrays, then skipped. */
const SKIPPED_ARRAY_SECTIONS = new Set(['trace_function_infos', 'trace_tree', 'samples']);

export async function parseSnapshotFile(path: string, options: ParseSnapshotOptions = {}): Promise<HeapSnapshot> {
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  if (!Number.isInteger(chunkSize) || chunkSize < 1 || chunkSize > MAX_CHUNK_SIZE) {
    throw new RangeError(`chunkSize must be an integer from 1 to ${MAX_CHUNK_SIZE}, not ${chunkSize}`);
  }
  const source = await SnapshotByteSource.open(path, chunkSize, options.onProgress);
  try {
    return await new SnapshotParser(source).parse();
  } finally {
    await source.close();
  }
}

class SnapshotParser {
  private header: SnapshotHeader | null = null;
  private nodes: ReadSection<NodeColumns> | null = null;
  private edges: ReadSection<EdgeColumns> | null = null;
  private locations = new Map<number, SourceLocation>();
  private strings: string[] | null = null;
  private seen = new Set<string>();

  constructor(private readonly source: SnapshotByteSource) {}

  async parse(): Promise<HeapSnapshot> {
    const source = this.source;
    const first = await source.peekToken();
    if (first === -1) source.fail(source.fileSize === 0 ? 'file is empty' : 'file holds only whitespace');
    if (first !== 0x7b) source.fail(`not a heap snapshot: expected '{', found ${describeByte(first)}`);
    source.pos++;
    if ((await source.peekToken()) === 0x7d) source.fail('not a heap snapshot: empty object');
    for (;;) {
      const quote = await source.peekToken();
      if (quote !== 0x22) source.fail(`expected a section name, found ${describeByte(quote)}`);
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
    return await this.finish();
  }

  private async readSection(key: string): Promise<void> {
    const source = this.source;
    switch (key) {
      case 'snapshot':
        this.header = await readHeader(source);
        return;
      case 'nodes':
        this.nodes = await readNodes(source, this.requireHeader(key));
        return;
      case 'edges':
        this.edges = await readEdges(source, this.requireHeader(key));
        return;
      case 'locations':
        this.locations = await readLocations(source, this.requireHeader(key));
        return;
      case 'strings':
        this.strings = await readStrings(source);
        return;
      default: {
        const first = await source.peekToken();
        if (SKIPPED_ARRAY_SECTIONS.has(key) && first !== 0x5b) {
          source.fail(`expected '[' to open "${key}", found ${describeByte(first)}`);
        }
        await source.skipValue();
      }
    }
  }

  private requireHeader(section: string): SnapshotHeader {
    if (!this.header) this.source.fail(`"${section}" comes before the "snapshot" header`);
    return this.header;
  }

  private async finish(): Promise<HeapSnapshot> {
    const source = this.source;
    for (const required of ['snapshot', 'nodes', 'edges', 'strings']) {
      if (!this.seen.has(required)) source.fail(`section "${required}" is missing`);
    }
    const header = this.header!;
    const nodes = this.nodes!;
    const edges = this.edges!;
    const strings = this.strings!;
    const inRange = Math.max(nodes.maxStringIndex, edges.maxStringIndex) < strings.length;
    const bad = inRange ? null : findBadStringReference(nodes.columns.nodeName, edges.columns.edgeType, edges.columns.edgeNameOrIndex, header.edgeTypeNames, strings.length);
    if (bad) {
      const isNode = bad.section === 'nodes';
      const fields = isNode ? header.nodeFields : header.edgeFields;
      const valueIndex = bad.ordinal * fields.length + fields.indexOf(isNode ? 'name' : 'name_or_index');
      const arrayStart = isNode ? nodes.arrayStart : edges.arrayStart;
      source.fail(
        `${isNode ? 'node' : 'edge'} ${bad.ordinal} names string ${bad.index}, but "strings" has ${strings.length}`,
        await locateValue(source.path, arrayStart, bad.section, valueIndex),
      );
    }
    return {
      nodeCount: header.nodeCount,
      edgeCount: header.edgeCount,
      ...nodes.columns,
      ...edges.columns,
      strings,
      nodeTypeNames: header.nodeTypeNames,
      edgeTypeNames: header.edgeTypeNames,
      locations: this.locations,
      ...(header.extraNativeBytes === undefined ? {} : { extraNativeBytes: header.extraNativeBytes }),
    };
  }
}

/** The `snapshot` section: small, so captured whole, JSON.parsed, then checked field by field. */
async function readHeader(source: SnapshotByteSource): Promise<SnapshotHeader> {
  const at = source.offset;
  const first = await source.peekToken();
  if (first !== 0x7b) source.fail(`"snapshot" is not an object: found ${describeByte(first)}`);
  const bytes = await source.captureValue();
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    // V8's message may quote the text (newlines and all) and gives a position within it.
    const message = (err instanceof Error ? err.message : String(err)).replace(/\s+/g, ' ');
    const position = /at position (\d+)/.exec(message);
    source.fail(`"snapshot" is not valid JSON (${message})`, position ? at + Number(position[1]) : at);
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
  return header;
}
