/**
 * Snapshot summaries computed in a worker thread, one at a time, while the run goes on.
 *
 * Parsing a snapshot and computing dominators is seconds of CPU; on the main thread it would stall
 * the timeline, the progress line and the SIGINT handler. The worker writes `summaries/NNN.json`
 * itself and posts back only the few figures the run needs (the summary's owners never cross threads).
 *
 * This file is both sides: imported normally it exports `SnapshotSummarizer`; started as the worker
 * (workerData.role) it serves jobs.
 */
import { parentPort, Worker, workerData } from 'node:worker_threads';
import { writeAtomically } from '../core/write-atomically.js';

export interface SummaryJob {
  /** The raw `.heapsnapshot`. */
  snapshotFile: string;
  /** Where the summary JSON goes. */
  summaryFile: string;
  source: string | null;
  t: number | null;
  requests: number | null;
  /** maxNodeId of each earlier snapshot of this process, in order. */
  cohortBoundaries: number[];
}

export interface SummaryFigures {
  maxNodeId: number;
  totalBytes: number;
  nodeCount: number;
}

type Reply = { id: number; ok: true; figures: SummaryFigures } | { id: number; ok: false; error: string };

const ROLE = 'memprobe-snapshot-summarizer';

if (parentPort && (workerData as { role?: string } | null)?.role === ROLE) {
  const port = parentPort;
  port.on('message', async (message: { id: number; job: SummaryJob }) => {
    const { id, job } = message;
    try {
      // Loaded lazily so that importing this file on the main thread does not pull in the analyzers.
      const { summarizeSnapshotFile } = await import('../analyzers/summarize-snapshot.js');
      const summary = await summarizeSnapshotFile(job.snapshotFile, {
        source: job.source,
        t: job.t,
        requests: job.requests,
        cohortBoundaries: job.cohortBoundaries,
      });
      // Owner-only like the snapshot: retainer paths carry heap strings (map keys, property names).
      writeAtomically(job.summaryFile, JSON.stringify(summary), { mode: 0o600 });
      const reply: Reply = {
        id,
        ok: true,
        figures: { maxNodeId: summary.maxNodeId, totalBytes: summary.totalBytes, nodeCount: summary.nodeCount },
      };
      port.postMessage(reply);
    } catch (err) {
      const reply: Reply = { id, ok: false, error: err instanceof Error ? err.message : String(err) };
      port.postMessage(reply);
    }
  });
}

/** Starts this file as a worker; from TypeScript sources (tests) through tsx's loader. */
function startWorker(): Worker {
  const self = new URL(import.meta.url);
  if (self.pathname.endsWith('.ts')) {
    const bootstrap = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(self.href)}); })`;
    return new Worker(bootstrap, { eval: true, workerData: { role: ROLE } });
  }
  return new Worker(self, { workerData: { role: ROLE } });
}

/** The main-thread side: queues jobs to one worker, started on first use and restarted if it dies. */
export class SnapshotSummarizer {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (f: SummaryFigures) => void; reject: (e: Error) => void }>();

  summarize(job: SummaryJob): Promise<SummaryFigures> {
    const worker = this.ensureWorker();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, job });
    });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    if (worker) await worker.terminate();
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = startWorker();
    worker.on('message', (reply: Reply) => {
      const entry = this.pending.get(reply.id);
      if (!entry) return;
      this.pending.delete(reply.id);
      if (reply.ok) entry.resolve(reply.figures);
      else entry.reject(new Error(reply.error));
    });
    const failAll = (err: Error) => {
      if (this.worker === worker) this.worker = null;
      for (const [id, entry] of this.pending) {
        this.pending.delete(id);
        entry.reject(err);
      }
    };
    worker.on('error', (err) => failAll(new Error(`the summarizer failed: ${err.message}`)));
    worker.on('exit', (code) => failAll(new Error(`the summarizer exited (code ${code}), out of memory?`)));
    this.worker = worker;
    return worker;
  }
}
