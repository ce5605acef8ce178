/**
 * The counters of a load (requests, drops, errors, statuses, latency) in constant memory: plain
 * numbers, a status map bounded by the few codes a server returns, a handful of error messages, and
 * an HDR histogram for latency. Nothing is kept per request: this lives in the target's child process,
 * where anything that grew with the load would show up in the heap snapshots as a leak of our own.
 */
// The JS histogram alone: the package index also loads a WebAssembly build and its 39 kB base64
// source, which would sit in every heap snapshot of a script target for nothing.
import { createRequire } from 'node:module';
import type Int32HistogramModule from 'hdr-histogram-js/dist/Int32Histogram.js';
import type { ArrivalObserver } from './arrival-scheduler.js';
import type { LoadCounters } from './target-process.js';

// require() rather than import: the package is CommonJS with an `exports.default`, which Node and
// vitest hand to an ES `import` differently.
const Int32Histogram = (
  createRequire(import.meta.url)('hdr-histogram-js/dist/Int32Histogram.js') as typeof Int32HistogramModule
).default;

/** Distinct error messages kept: enough to tell the user what goes wrong, never a growing list. */
const MAX_ERROR_MESSAGES = 5;
const MAX_ERROR_MESSAGE_LENGTH = 300;
/** Latency is recorded in microseconds from 1 µs to 10 minutes, to 3 significant digits (~80 kB). */
const HIGHEST_LATENCY_US = 600e6;

export class LoadStats implements ArrivalObserver {
  private requests = 0;
  private droppedArrivals = 0;
  private overdueArrivals = 0;
  private errors = 0;
  private readonly statusCounts: Record<string, number> = {};
  private readonly errorMessages: string[] = [];
  private readonly latencyUs = new Int32Histogram(1, HIGHEST_LATENCY_US, 3);

  completed(latencyMs: number): void {
    this.requests++;
    this.recordLatency(latencyMs);
  }

  failed(latencyMs: number, error: unknown): void {
    this.requests++;
    this.recordLatency(latencyMs);
    this.recordError(error);
  }

  dropped(count: number): void {
    this.droppedArrivals += count;
  }

  overdue(count: number): void {
    this.overdueArrivals += count;
  }

  /** An HTTP response: counted by status; 5xx also counts as an error. */
  status(code: number): void {
    const key = String(code);
    this.statusCounts[key] = (this.statusCounts[key] ?? 0) + 1;
    if (code >= 500) this.recordError(`HTTP ${code}`);
  }

  counters(inFlight: number): LoadCounters {
    const h = this.latencyUs;
    return {
      requests: this.requests,
      dropped: this.droppedArrivals,
      overdue: this.overdueArrivals,
      errors: this.errors,
      inFlight,
      statusCounts: { ...this.statusCounts },
      errorMessages: [...this.errorMessages],
      latencyMs:
        h.totalCount === 0
          ? null
          : {
              p50: h.getValueAtPercentile(50) / 1000,
              p99: h.getValueAtPercentile(99) / 1000,
              max: h.maxValue / 1000,
            },
    };
  }

  private recordLatency(latencyMs: number): void {
    const us = Math.round(latencyMs * 1000);
    this.latencyUs.recordValue(Math.min(HIGHEST_LATENCY_US, Math.max(1, us)));
  }

  private recordError(error: unknown): void {
    this.errors++;
    if (this.errorMessages.length >= MAX_ERROR_MESSAGES) return;
    const message = describeError(error).slice(0, MAX_ERROR_MESSAGE_LENGTH);
    if (!this.errorMessages.includes(message)) this.errorMessages.push(message);
  }
}

function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code && !error.message.includes(code) ? `${code}: ${error.message}` : error.message || error.name;
  }
  return typeof error === 'string' ? error : `non-Error thrown: ${String(error)}`;
}
