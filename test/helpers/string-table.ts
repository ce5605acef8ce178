import type { SnapshotStrings } from '../../analyzers/heap-snapshot.js';

/** Every string of a table, decoded, in index order. */
export function allStrings(strings: SnapshotStrings): string[] {
  return Array.from({ length: strings.length }, (_, i) => strings.get(i));
}
