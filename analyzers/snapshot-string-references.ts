/**
 * The one check that must wait for the end of the file: `strings` comes last, so whether every node
 * name and every named edge points into it is only known after it has been read. The section readers
 * track the largest index on the way; this pass runs only when that is out of range, to name the
 * first offender.
 */

export interface BadStringReference {
  section: 'nodes' | 'edges';
  ordinal: number;
  index: number;
}

/** The first node name or named edge that points past `stringCount`, or null if all are in range. */
export function findBadStringReference(
  nodeName: Uint32Array,
  edgeType: Uint8Array,
  edgeNameOrIndex: Uint32Array,
  edgeTypeNames: string[],
  stringCount: number,
): BadStringReference | null {
  for (let i = 0; i < nodeName.length; i++) {
    if (nodeName[i] >= stringCount) return { section: 'nodes', ordinal: i, index: nodeName[i] };
  }
  // element and hidden edges carry an element index; every other type names a string.
  const named = Uint8Array.from(edgeTypeNames, (t) => (t === 'element' || t === 'hidden' ? 0 : 1));
  for (let e = 0; e < edgeNameOrIndex.length; e++) {
    if (named[edgeType[e]] === 1 && edgeNameOrIndex[e] >= stringCount) {
      return { section: 'edges', ordinal: e, index: edgeNameOrIndex[e] };
    }
  }
  return null;
}
