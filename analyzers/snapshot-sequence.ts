/**
 * One process's snapshots are summarized in capture order, each with the maxNodeId of every earlier
 * one as its cohort boundaries: V8 numbers heap objects as they are allocated and never reuses an id,
 * so the boundaries tell which snapshot first saw each object (what survives from which phase of
 * the run). A snapshot that yields no summary (failed, or its file is gone) gives no boundary.
 *
 * The one place the rule lives, for a live run (summaries in a worker as the run goes), `memprobe
 * report` (summaries a run directory lacks), `memprobe analyze a b c` and `summarizeSnapshotFiles`.
 */
export class SnapshotSequence {
  private readonly boundaries: number[] = [];

  /** Summarizes the next snapshot; one at a time, in capture order (await each before the next). */
  async next<S extends { maxNodeId: number }>(summarize: (cohortBoundaries: number[]) => Promise<S>): Promise<S> {
    const summary = await summarize([...this.boundaries]);
    this.boundaries.push(summary.maxNodeId);
    return summary;
  }

  /** A snapshot summarized before (its summary read back from disk): its boundary counts for later ones. */
  add(summary: { maxNodeId: number }): void {
    this.boundaries.push(summary.maxNodeId);
  }
}
