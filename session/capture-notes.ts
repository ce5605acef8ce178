/**
 * Notes on how the capture itself went, added to the run's notes at its end: snapshots that ran
 * late or were not taken, and snapshot pauses long enough to distort what the run measured.
 */
import type { SnapshotRecord } from '../core/report-schema.js';

/** Snapshots that stop the target for more than this share of the run distort what it measures. */
export const PAUSE_SHARE_WARNING = 0.1;

export interface CaptureFacts {
  durationS: number;
  /** How long the load ran (to its stop, or so far). */
  runS: number;
  /** Snapshots taken after the load had ended (slow snapshots push later ones past the end). */
  snapshotsAfterLoad: number;
  taken: SnapshotRecord[];
  planned: number;
  pauseMsTotal: number;
  /** Sampling mode: how many times the profile was read, how often, and its slowest answer. */
  sampling?: { reads: number; everyS: number; longestReadMs: number } | null;
}

export function captureNotes(f: CaptureFacts): string[] {
  const notes: string[] = [];
  if (f.sampling) {
    notes.push(
      `Sampling mode: no heap snapshots were taken; the sampling heap profile was read ${f.sampling.reads} times (every ${f.sampling.everyS} s after warm-up), ` +
        `the slowest read answered in ${Math.round(f.sampling.longestReadMs)} ms (each read is a full GC in the target, plus the wait for its event loop).`,
    );
  }
  if (f.snapshotsAfterLoad > 0) {
    notes.push(`Snapshots took longer than their spacing: the last ${f.snapshotsAfterLoad} ran after the load had ended at ${f.durationS} s.`);
  }
  if (f.taken.length < f.planned) notes.push(`${f.taken.length} of ${f.planned} planned snapshots were taken.`);
  // The summary shows the total pause and its share (meta); the notes add the warning and detail.
  const share = f.runS > 0 ? f.pauseMsTotal / 1000 / f.runS : 0;
  if (f.taken.length > 0 && share > PAUSE_SHARE_WARNING) {
    const each = f.taken.map((r) => `${r.pauseMs} ms`).join(', ');
    notes.push(
      `Warning: heap snapshots paused the target for ${(share * 100).toFixed(0)}% of the run (${each}), more than ${PAUSE_SHARE_WARNING * 100}%; ` +
        'latency and the achieved rate are distorted. Take fewer snapshots (--snapshots) or run longer (--duration).',
    );
  }
  return notes;
}
