/**
 * The public `memprobe/summary@1` document (docs/contract.md, "analyze on one snapshot") from the internal
 * per-snapshot summary: what the heap holds, by owner, largest retained first. The documented
 * fields come first and keep their names; the rest (key, location, selfBytes, composition) are
 * additions a reader may ignore.
 */
import type { Category, CategoryStats, SnapshotSummary } from './snapshot-summary.js';

export interface HeapSummaryOwner {
  owner: string;
  count: number;
  retainedBytes: number;
  retainerPath: string[];
  key: string;
  location: string | null;
  selfBytes: number;
  composition: Partial<Record<Category, CategoryStats>>;
}

export interface HeapSummaryJson {
  schema: 'memprobe/summary@1';
  nodeCount: number;
  edgeCount: number;
  totalBytes: number;
  owners: HeapSummaryOwner[];
  source: string | null;
  maxNodeId: number;
  categories: Partial<Record<Category, CategoryStats>>;
}

export function toHeapSummaryJson(summary: SnapshotSummary, options: { top?: number } = {}): HeapSummaryJson {
  const owners = [...summary.owners]
    .sort((a, b) => b.retainedBytes - a.retainedBytes)
    .slice(0, options.top ?? summary.owners.length)
    .map((o) => ({
      owner: o.owner,
      count: o.count,
      retainedBytes: o.retainedBytes,
      retainerPath: o.retainerPath,
      key: o.key,
      location: o.location,
      selfBytes: o.selfBytes,
      composition: o.composition,
    }));
  return {
    schema: 'memprobe/summary@1',
    nodeCount: summary.nodeCount,
    edgeCount: summary.edgeCount,
    totalBytes: summary.totalBytes,
    owners,
    source: summary.source,
    maxNodeId: summary.maxNodeId,
    categories: summary.categories,
  };
}
