/**
 * Which raw snapshot files go once there are more than `--keep-snapshots`: all but the first (the
 * baseline a user compares against in DevTools) and the most recent. A file goes only once its
 * summary exists; a snapshot that could not be summarized is kept whatever the limit, since it is
 * then the only record of that moment.
 */
export function snapshotsToPrune(records: readonly { file: string | null }[], summarized: (index: number) => boolean, keep: number): number[] {
  const withFiles = records.map((r, i) => ({ r, i })).filter(({ r }) => r.file !== null);
  if (withFiles.length <= keep) return [];
  const kept = new Set<number>();
  if (keep >= 2) kept.add(withFiles[0].i);
  const recent = keep >= 2 ? keep - 1 : keep;
  for (const { i } of withFiles.slice(withFiles.length - recent)) if (recent > 0) kept.add(i);
  return withFiles.filter(({ i }) => !kept.has(i) && summarized(i)).map(({ i }) => i);
}
