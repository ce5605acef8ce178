/**
 * The summaries of a live run: each snapshot is summarized in a worker thread while the run goes on
 * (`harness/summarize-worker.ts`), one after another in capture order, so that each gets the cohort
 * boundaries of every earlier one (`analyzers/snapshot-sequence.ts`).
 */
import { SnapshotSequence } from '../analyzers/snapshot-sequence.js';
import { SnapshotSummarizer, type SummaryFigures, type SummaryJob } from '../harness/summarize-worker.js';

export class SnapshotSummaries {
  private readonly summarizer = new SnapshotSummarizer();
  private readonly sequence = new SnapshotSequence();
  private queue: Promise<void> = Promise.resolve();

  /**
   * Queues a snapshot behind the ones before it. `done` runs once it is summarized (or failed: the
   * error), in order, before the next one starts.
   */
  add(job: Omit<SummaryJob, 'cohortBoundaries'>, done: (result: SummaryFigures | Error) => void): void {
    this.queue = this.queue.then(async () => {
      let result: SummaryFigures | Error;
      try {
        result = await this.sequence.next((cohortBoundaries) => this.summarizer.summarize({ ...job, cohortBoundaries }));
      } catch (err) {
        result = err as Error;
      }
      done(result);
    });
  }

  /** Resolves once every queued snapshot is summarized. */
  drained(): Promise<void> {
    return this.queue;
  }

  close(): Promise<void> {
    return this.summarizer.close();
  }
}
