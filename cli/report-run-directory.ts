/**
 * What `memprobe report` and `memprobe gate` do with a run directory: check it reads (a one-line
 * error, exit 2, before anything is written), make the summaries a directory of raw snapshots lacks
 * (the in-process agent writes none; reporting or gating it unsummarized would find nothing), with
 * progress on stderr, then report it.
 */
import { readRunDirectory, reportRunDirectory, type ReportRunDirectoryOptions } from '../reports/run-directory-report.js';
import { summarizeMissingSnapshots } from '../reports/run-directory-summaries.js';
import type { Report } from '../core/report-schema.js';

export async function summarizeAndReport(runDir: string, options: ReportRunDirectoryOptions = {}): Promise<Report> {
  readRunDirectory(runDir);
  await summarizeMissingSnapshots(runDir, (i, n, file) => process.stderr.write(`memprobe: summarizing ${file} (${i}/${n})\n`));
  return reportRunDirectory(runDir, options);
}
