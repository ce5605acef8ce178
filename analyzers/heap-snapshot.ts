/**
 * The in-memory model of one V8 heap snapshot: columns of typed arrays, never an object per node.
 *
 * Produced by `snapshot-parser.ts` (streamed from a `.heapsnapshot` file), consumed by every pass in
 * `analyzers/` (edge index, retainers, dominators, retained sizes, owners). Node and edge *ordinals*
 * (0..nodeCount-1, 0..edgeCount-1) index the columns; `edgeToNode` already holds node ordinals, not
 * the file's `to_node` field offsets.
 */
/** V8 writes the synthetic root node first in every snapshot: its ordinal is 0. */
export const ROOT_ORDINAL = 0;

export interface HeapSnapshot {
  nodeCount: number;
  edgeCount: number;

  /** Node columns (one entry per node). */
  nodeType: Uint8Array; // index into nodeTypeNames
  nodeName: Uint32Array; // index into strings
  nodeId: Uint32Array; // V8's stable object id (increases over a process's life)
  nodeSelfSize: Uint32Array;
  /** Present when the file has `detachedness` (7-field layout); otherwise all zero. */
  nodeDetachedness: Uint8Array;
  /**
   * firstEdge[i]..firstEdge[i+1]-1 are node i's outgoing edges; length nodeCount + 1. (The file's
   * `edge_count` per node is firstEdge[i+1] - firstEdge[i]: no column of its own.)
   */
  firstEdge: Uint32Array;

  /** Edge columns (one entry per edge). */
  edgeType: Uint8Array; // index into edgeTypeNames
  /** String index for named edges, element index for `element`/`hidden` edges. */
  edgeNameOrIndex: Uint32Array;
  edgeToNode: Uint32Array; // node ordinal

  /** The `strings` table: node names, edge names, string values, by index. */
  strings: SnapshotStrings;
  nodeTypeNames: string[];
  edgeTypeNames: string[];

  /**
   * Script locations from the file's `locations` section, keyed by node ordinal:
   * closures carry the location of their function; used to tell same-named classes apart. The
   * parser gives a column table (`source-locations.ts`); a Map is one too.
   */
  locations: SourceLocations;

  /**
   * `snapshot.extra_native_bytes` from newer V8: native memory the embedder reports but no node
   * holds (DevTools adds it to the heap's total). Absent when the file does not say.
   */
  extraNativeBytes?: number;
}

/**
 * The string table, read by index. The parser's (`snapshot-strings.ts`) keeps the section's bytes
 * and decodes a string when it is first asked for: a big snapshot has millions of strings (every
 * string value, every heap number's text in newer V8) and an analysis reads a few thousand of them.
 */
export interface SnapshotStrings {
  readonly length: number;
  /** The string at `index`; '' past the end. */
  get(index: number): string;
  /** The first index holding exactly `text`, or -1. */
  indexOf(text: string): number;
  /** Indexes, ascending, of the strings that contain `fragment` (plain ASCII). */
  indexesContaining(fragment: string): number[];
}

/** A string table over an array (hand-built snapshots in tests, small tools). */
export class ArrayStrings implements SnapshotStrings {
  constructor(private readonly strings: readonly string[]) {}

  get length(): number {
    return this.strings.length;
  }

  get(index: number): string {
    return this.strings[index] ?? '';
  }

  indexOf(text: string): number {
    return this.strings.indexOf(text);
  }

  indexesContaining(fragment: string): number[] {
    const found: number[] = [];
    this.strings.forEach((s, i) => {
      if (s.includes(fragment)) found.push(i);
    });
    return found;
  }
}

/** What the analyses read of the locations, by node ordinal; a `Map<number, SourceLocation>` is one. */
export interface SourceLocations {
  readonly size: number;
  get(ordinal: number): SourceLocation | undefined;
}

export interface SourceLocation {
  scriptId: number;
  line: number; // 0-based, as in the file
  column: number; // 0-based
}

/** Node and edge type indexes resolved from `meta` once, so passes compare small integers. */
export interface TypeCodes {
  node: {
    hidden: number;
    array: number;
    string: number;
    object: number;
    code: number;
    closure: number;
    regexp: number;
    number: number;
    native: number;
    synthetic: number;
    concatenatedString: number;
    slicedString: number;
    symbol: number;
    bigint: number;
    objectShape: number;
  };
  edge: {
    context: number;
    element: number;
    property: number;
    internal: number;
    hidden: number;
    shortcut: number;
    weak: number;
  };
}

/** Resolve type codes by name; a type the file does not declare gets -1 and never matches. */
export function typeCodes(snapshot: Pick<HeapSnapshot, 'nodeTypeNames' | 'edgeTypeNames'>): TypeCodes {
  const n = (name: string) => snapshot.nodeTypeNames.indexOf(name);
  const e = (name: string) => snapshot.edgeTypeNames.indexOf(name);
  return {
    node: {
      hidden: n('hidden'),
      array: n('array'),
      string: n('string'),
      object: n('object'),
      code: n('code'),
      closure: n('closure'),
      regexp: n('regexp'),
      number: n('number'),
      native: n('native'),
      synthetic: n('synthetic'),
      concatenatedString: n('concatenated string'),
      slicedString: n('sliced string'),
      symbol: n('symbol'),
      bigint: n('bigint'),
      objectShape: n('object shape'),
    },
    edge: {
      context: e('context'),
      element: e('element'),
      property: e('property'),
      internal: e('internal'),
      hidden: e('hidden'),
      shortcut: e('shortcut'),
      weak: e('weak'),
    },
  };
}
