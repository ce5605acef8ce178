/**
 * The verdict of a growth root, by what it keeps: the entries added under it since the first
 * snapshot (`growth-roots.ts`), never the owner's name and never the curve alone.
 *
 * - `leak`: the entries are things whose work is over: requests, responses, sockets, streams and
 *   other emitters or handles, timers, listeners, promises that never settle; contexts of async
 *   operations (a store an async_hooks hook fills by async id); or closures made per piece of work
 *   (held by position or by an id, not by the input they were made from).
 * - `accumulation`: the entries are data kept on purpose: values, records, class instances that
 *   are not handles, settled promises, and functions cached by the input they were compiled or
 *   memoized from (keyed by strings).
 * - `bounded` is decided before this, from the series (it levelled off).
 */
import { formatBytes, formatCount } from '../core/units.js';
import type { Verdict } from '../core/report-schema.js';
import { type EntryKind, type GrowthRootSummary, LIFECYCLE_KINDS } from './growth-roots.js';
import type { CategoryStats } from './snapshot-summary.js';
import type { GrowthPattern } from './verdicts.js';
import { ROOT_VERDICT } from './thresholds.js';

export interface RootVerdict {
  verdict: Verdict;
  pattern: GrowthPattern;
  /** The reason first, then the entries that decided it. */
  evidence: string[];
}

const KIND_WORDS: Record<EntryKind, string> = {
  handle: 'requests, sockets, streams and other handles',
  timer: 'timers',
  listener: 'listeners',
  'pending-promise': 'unsettled promises',
  'settled-promise': 'settled promises',
  closure: 'closures',
  instance: 'class instances',
  record: 'records (plain objects, Map/Set entries)',
  value: 'values (strings, numbers, arrays of values)',
  structure: 'arrays and tables',
};

const PATTERN_OF_LIFECYCLE: Record<string, GrowthPattern> = {
  handle: 'sockets',
  timer: 'timers',
  listener: 'listeners',
  'pending-promise': 'promises',
};

function total(stats: Partial<Record<EntryKind, CategoryStats>>): CategoryStats {
  let count = 0;
  let bytes = 0;
  for (const s of Object.values(stats)) {
    count += s.count;
    bytes += s.bytes;
  }
  return { count, bytes };
}

function sumOf(stats: Partial<Record<EntryKind, CategoryStats>>, kinds: readonly EntryKind[]): CategoryStats {
  let count = 0;
  let bytes = 0;
  for (const k of kinds) {
    count += stats[k]?.count ?? 0;
    bytes += stats[k]?.bytes ?? 0;
  }
  return { count, bytes };
}

const pct = (x: number) => `${Math.round(x * 100)}%`;

/** "1,530 requests, sockets, ... (1.0 per request)" for the largest entry kinds. */
export function entriesLine(root: GrowthRootSummary, requests: number | null): string {
  const all = total(root.entries);
  const parts = (Object.entries(root.entries) as [EntryKind, CategoryStats][])
    .sort((a, b) => b[1].bytes - a[1].bytes)
    .slice(0, 3)
    .map(([k, s]) => `${formatCount(s.count)} ${KIND_WORDS[k]} (${formatBytes(s.bytes)}${requests ? `, ${(s.count / requests).toFixed(2)} per request` : ''})`);
  const keyed = root.keyedBy === 'none' ? '' : `, held by ${root.keyedBy === 'strings' ? 'string keys' : root.keyedBy === 'integers' ? 'integer keys' : root.keyedBy === 'positions' ? 'position' : 'field'}`;
  return `new entries under ${root.owner}${root.container ? ` › ${root.container}` : ''}: ${formatCount(all.count)}${keyed}; by what they hold: ${parts.join(', ') || 'none'}`;
}

export function judgeRoot(root: GrowthRootSummary, requests: number | null): RootVerdict {
  const entries = total(root.entries);
  const share = (s: CategoryStats) => ({
    count: entries.count > 0 ? s.count / entries.count : 0,
    bytes: entries.bytes > 0 ? s.bytes / entries.bytes : 0,
  });
  const evidence = [entriesLine(root, requests)];
  const result = (verdict: Verdict, pattern: GrowthPattern, reason: string): RootVerdict => ({ verdict, pattern, evidence: [reason, ...evidence] });

  const lifecycle = share(sumOf(root.entries, LIFECYCLE_KINDS));
  if (lifecycle.count >= ROOT_VERDICT.lifecycleEntryShare || lifecycle.bytes >= ROOT_VERDICT.lifecycleEntryShare) {
    const top = [...LIFECYCLE_KINDS].sort((a, b) => (root.entries[b]?.bytes ?? 0) - (root.entries[a]?.bytes ?? 0))[0];
    return result(
      'leak',
      PATTERN_OF_LIFECYCLE[top],
      `what piles up under ${root.owner} is things whose work is over: ${KIND_WORDS[top]} (${pct(lifecycle.count)} of the new entries, ${pct(lifecycle.bytes)} of their bytes)`,
    );
  }
  if (root.asyncHookStore && root.keyedBy === 'integers') {
    return result(
      'leak',
      'async-contexts',
      `${root.owner} is filled by an async_hooks hook and keyed by integers: one entry per async id, kept after the operation it belongs to has ended`,
    );
  }
  const closures = share(sumOf(root.entries, ['closure']));
  if (closures.count >= ROOT_VERDICT.dominantEntryShare || closures.bytes >= ROOT_VERDICT.dominantEntryShare) {
    if (root.keyedBy === 'strings') {
      return result(
        'accumulation',
        'memoized',
        `${root.owner} keeps a function for every distinct input (keyed by strings): compiled or memoized results, kept on purpose and never evicted`,
      );
    }
    return result(
      'leak',
      'closures',
      `closures made per piece of work pile up under ${root.owner}, held by ${root.keyedBy === 'integers' ? 'an id' : root.keyedBy === 'positions' ? 'position' : 'field'} rather than by the input they were made from`,
    );
  }
  const settled = share(sumOf(root.entries, ['settled-promise']));
  if (settled.count >= ROOT_VERDICT.dominantEntryShare) {
    return result('accumulation', 'memoized', `${root.owner} keeps the settled promise of every lookup: memoized results, never evicted`);
  }
  const instances = share(sumOf(root.entries, ['instance']));
  if (instances.count >= ROOT_VERDICT.dominantEntryShare && root.contents.length > 0) {
    return result('accumulation', 'series-multiplying', `new ${root.contents[0].owner} instances keep being added under ${root.owner}, each keeping its own data: a store multiplied by distinct keys or labels`);
  }
  const values = share(sumOf(root.entries, ['value']));
  if (values.bytes >= ROOT_VERDICT.valueEntryShare && entries.count <= ROOT_VERDICT.inPlaceEntries * Math.max(1, root.attachPoints)) {
    return result('accumulation', 'sample-store', `${root.owner} keeps every value it is given in arrays that grow in place`);
  }
  if (root.keyedBy === 'strings' || root.keyedBy === 'integers' || sumOf(root.entries, ['record']).count > 0) {
    return result('accumulation', 'keyed-store', `${root.owner} keeps adding entries (records, keys, table slots) and none are evicted`);
  }
  return result('accumulation', 'value-store', `${root.owner} keeps every value it is given`);
}
