/**
 * A report (and the summaries and timeline it was made from) rendered into the run directory:
 * `report.json` and `report.html`, each replaced whole, so a reader never sees half a file.
 */
import { join } from 'node:path';
import type { Report, TimelineSample } from '../core/report-schema.js';
import { RUN_FILES } from '../core/run-directory-layout.js';
import { UsageError } from '../core/usage-error.js';
import { writeAtomically } from '../core/write-atomically.js';
import type { SnapshotSummary } from '../analyzers/snapshot-summary.js';
import { renderHtmlReport } from '../reports/html-report.js';
import { topOwnerSeries } from '../reports/owner-series.js';

/** Owners drawn in the per-owner chart besides the findings. */
const OWNER_CHART_SIZE = 6;

export function writeReportFiles(runDir: string, report: Report, inputs: { summaries: SnapshotSummary[]; timeline: TimelineSample[] }): void {
  const ownerSeries = topOwnerSeries(
    inputs.summaries,
    OWNER_CHART_SIZE,
    report.findings.map((f) => f.key ?? f.owner),
  );
  writeReportFile(join(runDir, RUN_FILES.report), `${JSON.stringify(report, null, 2)}\n`);
  writeReportFile(
    join(runDir, RUN_FILES.html),
    renderHtmlReport(report, inputs.timeline, { ownerSeries, generatedAt: new Date().toISOString() }),
  );
}

function writeReportFile(file: string, content: string): void {
  try {
    writeAtomically(file, content);
  } catch (err) {
    // A read-only run directory (an artefact mounted for reading) or something in the way.
    throw new UsageError(`cannot write ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, 'the run directory must be writable to (re)render its reports');
  }
}
