/**
 * `heap.pb.gz` next to `allocation.heapprofile`: the sampling heap profile as gzip pprof, rewritten
 * with the report (every run has one: sampling mode, and the profile snapshot mode collects).
 */
import { join } from 'node:path';
import { RUN_FILES, type RunRecord } from '../core/run-directory-layout.js';
import { UsageError } from '../core/usage-error.js';
import { writeAtomically } from '../core/write-atomically.js';
import type { SamplingHeapProfile } from '../analyzers/allocation-sites.js';
import { encodePprofGzip } from '../reports/pprof-export.js';
import type { SourceMapper } from './source-maps.js';

export function writePprof(runDir: string, run: RunRecord, profile: SamplingHeapProfile, sourceMaps?: SourceMapper): void {
  const bytes = encodePprofGzip(profile, {
    samplingIntervalBytes: run.meta.samplingIntervalBytes,
    timeMs: Date.parse(run.meta.startedAt ?? '') || undefined,
    durationMs: run.load.durationS * 1000,
    ...(sourceMaps
      ? {
          resolve: (f) => {
            const hit = sourceMaps.map(f.url, f.lineNumber, f.columnNumber);
            const file = hit ? hit.file : f.url ? f.url.replace(/^file:\/\//, '') : '(native)';
            return { functionName: f.functionName || '(anonymous)', file, line: (hit ? hit.line : f.lineNumber) + 1, column: (hit ? hit.column : f.columnNumber) + 1 };
          },
        }
      : {}),
  });
  const file = join(runDir, RUN_FILES.pprof);
  try {
    writeAtomically(file, bytes, { mode: 0o600 });
  } catch (err) {
    throw new UsageError(`cannot write ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, 'the run directory must be writable to (re)render its reports');
  }
}
