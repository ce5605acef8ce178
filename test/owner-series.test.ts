import { describe, expect, it } from 'vitest';
import { topOwnerSeries } from '../reports/owner-series.js';
import type { OwnerSummary, SnapshotSummary } from '../analyzers/snapshot-summary.js';

function owner(key: string, retainedBytes: number): OwnerSummary {
  return {
    key,
    owner: key.split('@')[0],
    location: null,
    count: 1,
    retainedBytes,
    selfBytes: retainedBytes,
    composition: {},
    cohortCounts: [],
    cohortBytes: [],
    retainerPath: ['(GC roots)', key],
  };
}

function summary(owners: OwnerSummary[]): SnapshotSummary {
  return {
    schema: 'memprobe/snapshot-summary@1',
    source: null,
    t: null,
    requests: null,
    nodeCount: 0,
    edgeCount: 0,
    totalBytes: 0,
    maxNodeId: 0,
    cohortBoundaries: [],
    categories: {},
    owners: [...owners].sort((a, b) => b.retainedBytes - a.retainedBytes),
  };
}

describe('topOwnerSeries', () => {
  const summaries = [
    summary([owner('Big@a:1', 900), owner('Mid@a:2', 500), owner('Sink@a:3', 10)]),
    summary([owner('Big@a:1', 910), owner('Mid@a:2', 490), owner('Sink@a:3', 300)]),
    summary([owner('Big@a:1', 905), owner('Sink@a:3', 600), owner('New@a:4', 550)]),
  ];

  it('takes the owners largest at the last snapshot, plus the findings, with gaps where an owner was cut', () => {
    expect(topOwnerSeries(summaries, 2, ['Mid@a:2'])).toEqual([
      { owner: 'Big', key: 'Big@a:1', retainedBytes: [900, 910, 905] },
      { owner: 'Sink', key: 'Sink@a:3', retainedBytes: [10, 300, 600] },
      { owner: 'Mid', key: 'Mid@a:2', retainedBytes: [500, 490, null] },
    ]);
  });

  it('is empty without summaries', () => {
    expect(topOwnerSeries([], 5)).toEqual([]);
  });
});
