/**
 * A `--sampling` run directory's readings in, the `memprobe/report@1` document out: growth by
 * allocation site from `sampling.ndjson` (no summaries exist), then the report and the gate, the
 * same way snapshot runs go (`summaries-to-report.ts`).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Report, TimelineSample } from '../core/report-schema.js';
import { RUN_FILES, type RunRecord } from '../core/run-directory-layout.js';
import { UsageError } from '../core/usage-error.js';
import type { GateBudgets } from '../analyzers/gate.js';
import { analyzeSamplingGrowth, parseSamplingSeries } from '../analyzers/sampling-growth.js';
import { buildReport, gateReport, withOutsideHeap } from './summaries-to-report.js';
import { frameLabeler, type SourceMapper } from './source-maps.js';

export interface SamplingToReportOptions {
  runRps: number | null;
  budgets: GateBudgets | null;
  inputNotes?: string[];
  timeline?: TimelineSample[];
  sourceMaps?: SourceMapper;
}

export function reportFromSamplingRun(runDir: string, run: RunRecord, options: SamplingToReportOptions): Report {
  const notes = [...(options.inputNotes ?? [])];
  const file = join(runDir, RUN_FILES.sampling);
  let text = '';
  if (existsSync(file)) {
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new UsageError(`${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
  } else {
    notes.push(`no ${RUN_FILES.sampling} in the run directory: a sampling run without readings has no findings`);
  }
  const series = parseSamplingSeries(text);
  if (series.unreadable) notes.push(`${RUN_FILES.sampling}: ${series.unreadable} unreadable line${series.unreadable === 1 ? '' : 's'} skipped`);
  const analysis = analyzeSamplingGrowth(series, {
    intervalBytes: run.meta.samplingIntervalBytes ?? 32 * 1024,
    heapLimitBytes: run.analysis.heapLimitBytes,
    runRps: options.runRps,
    projectRps: run.analysis.projectRps,
    horizonS: run.analysis.horizonS,
    attachCommand: run.target.kind === 'attach' && run.target.pid ? `memprobe attach ${run.target.pid}` : null,
    ...(options.sourceMaps ? { label: frameLabeler(options.sourceMaps) } : {}),
  });
  const firstReading = series.points[0]?.t ?? Infinity;
  const lastHeap = series.points[series.points.length - 1]?.heapUsed ?? 0;
  const outside = options.timeline ? withOutsideHeap(run, analysis, options.timeline, firstReading, lastHeap, options.runRps) : analysis;
  const ungated = buildReport(run, { ...outside, notes: [...outside.notes, ...notes] }, null);
  return options.budgets ? gateReport(ungated, options.budgets) : ungated;
}
