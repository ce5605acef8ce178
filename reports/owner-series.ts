/**
 * Retained bytes of the largest owners across a run's snapshot summaries, for the report's
 * per-owner chart: the owners that grew sit next to the big stable ones, so a reader sees scale.
 */
import type { SnapshotSummary } from '../analyzers/snapshot-summary.js';

export interface OwnerSeries {
  owner: string;
  key: string;
  /** One entry per summary, in order; null where the owner was not among that summary's owners. */
  retainedBytes: (number | null)[];
}

/** The `limit` owners largest in the last snapshot, plus every key in `include` (the findings). */
export function topOwnerSeries(summaries: SnapshotSummary[], limit: number, include: readonly string[] = []): OwnerSeries[] {
  const last = summaries[summaries.length - 1];
  if (!last) return [];
  const keys = new Set(include);
  for (const o of last.owners) {
    if (keys.size >= limit + include.length) break;
    keys.add(o.key);
  }
  const byKey = summaries.map((s) => new Map(s.owners.map((o) => [o.key, o])));
  const series: OwnerSeries[] = [];
  for (const key of keys) {
    const owner = byKey.map((m) => m.get(key)).find((o) => o !== undefined);
    if (!owner) continue;
    series.push({ owner: owner.owner, key, retainedBytes: byKey.map((m) => m.get(key)?.retainedBytes ?? null) });
  }
  return series.sort((a, b) => (b.retainedBytes.at(-1) ?? 0) - (a.retainedBytes.at(-1) ?? 0));
}
