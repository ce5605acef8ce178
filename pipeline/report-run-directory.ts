/**
 * A run directory in, `report.json` and `report.html` out: the end of every run and attach, and
 * all of `memprobe report <run-dir>` and `memprobe gate <run-dir>`.
 *
 * In order: check that the directory reads (a one-line error, exit 2, before anything is written);
 * for `report` and `gate`, make the summaries a directory of raw snapshots lacks (the in-process agent
 * writes none; reporting it unsummarized would find nothing); analyse the summaries, gate, render.
 * Only `run.json`, `summaries/` and `timeline.ndjson` (and `allocation.heapprofile` when there is
 * one) are needed, never the raw snapshots, which `--keep-snapshots` may have deleted.
 */
import type { Report } from '../core/report-schema.js';
import type { RunRecord } from '../core/run-directory-layout.js';
import { gateBudgetsFromJson, type GateBudgets } from '../analyzers/gate.js';
import { readRunDirectory } from './read-run-directory.js';
import { summarizeMissingSnapshots } from './summarize-missing-snapshots.js';
import { gateReport, reportFromSummaries } from './summaries-to-report.js';
import { reportFromSamplingRun } from './sampling-to-report.js';
import { withCompanionReports } from './process-reports.js';
import { writeReportFiles } from './write-report-files.js';
import { writePprof } from './write-pprof.js';
import { loadSourceMaps } from './source-maps.js';

export interface ReportRunDirectoryOptions {
  /** Budgets to gate on; `undefined`: those recorded in run.json (`run --gate`); `null`: no gate. */
  budgets?: GateBudgets | null;
  /**
   * First summarize the raw snapshots that have no summary (`memprobe report` and `gate`). A live
   * run does not: its summaries were made as it went, and one that failed there is not retried.
   */
  summarizeMissing?: boolean;
  /** Told about each snapshot summarized by `summarizeMissing`. */
  onSummarizing?: (index: number, total: number, file: string) => void;
}

export async function reportRunDirectory(runDir: string, options: ReportRunDirectoryOptions = {}): Promise<Report> {
  if (options.summarizeMissing) {
    readRunDirectory(runDir); // its errors before any summary is written
    await summarizeMissingSnapshots(runDir, options.onSummarizing);
  }
  const dir = readRunDirectory(runDir);
  const { run } = dir;
  const budgets = options.budgets !== undefined ? options.budgets : run.gate ? gateBudgetsFromJson(run.gate) : null;
  const sourceMaps = loadSourceMaps(runDir);
  const own =
    run.meta.mode === 'sampling'
      ? reportFromSamplingRun(runDir, run, { runRps: projectionRate(run.load), budgets: null, inputNotes: dir.notes, timeline: dir.timeline, sourceMaps })
      : reportFromSummaries(run, dir.summaries, {
          runRps: projectionRate(run.load),
          allocationProfile: dir.allocationProfile,
          budgets: null,
          inputNotes: dir.notes,
          timeline: dir.timeline,
          sourceMaps,
        });
  // The companions' findings (child processes, worker threads) count for the gate like the target's own.
  const merged = await withCompanionReports(runDir, own, (sub) => reportRunDirectory(sub, { budgets: null, summarizeMissing: options.summarizeMissing }));
  const report = budgets ? gateReport(merged, budgets) : merged;
  writeReportFiles(runDir, report, dir);
  if (dir.allocationProfile) writePprof(runDir, run, dir.allocationProfile, sourceMaps);
  return report;
}

/**
 * The rate the projection assumes: the rate the user asked for. Bytes per request do not depend on
 * it, and the achieved rate is lowered by the snapshot pauses themselves; without a target rate
 * (attach observing its own traffic), what was achieved.
 */
function projectionRate(load: RunRecord['load']): number | null {
  return load.targetRps ?? load.achievedRps;
}
