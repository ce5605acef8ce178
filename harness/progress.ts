/**
 * What the user sees while a run goes: on a terminal one live line rewritten in place; elsewhere (CI
 * logs) a plain line every few seconds, since a log cannot be rewritten and a line per second floods it.
 * Written to stderr, so `--json` output on stdout stays clean.
 */
import { formatBytes, formatCount } from '../core/units.js';

export interface ProgressState {
  elapsedS: number;
  durationS: number;
  /** Requests per second over the run so far (null without a load). */
  achievedRps: number | null;
  targetRps: number | null;
  dropped: number;
  heapUsed: number | null;
  snapshotsTaken: number;
  snapshotsPlanned: number;
  snapshotting: boolean;
}

export class ProgressLine {
  private lastPlainAt = -Infinity;
  private liveShown = false;

  constructor(
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly plainEveryS = 5,
  ) {}

  private get live(): boolean {
    return Boolean(this.stream.isTTY);
  }

  update(state: ProgressState): void {
    const text = formatProgress(state);
    if (this.live) {
      const width = Math.max(20, (this.stream.columns || 100) - 1);
      this.stream.write(`\r\x1b[2K${text.slice(0, width)}`);
      this.liveShown = true;
    } else if (state.elapsedS - this.lastPlainAt >= this.plainEveryS) {
      this.stream.write(`${text}\n`);
      this.lastPlainAt = state.elapsedS;
    }
  }

  /** A message between updates (warnings): printed on its own line, the live line redrawn next tick. */
  message(text: string): void {
    this.clear();
    this.stream.write(`${text}\n`);
  }

  /** Removes the live line so what follows starts on a clean line. */
  clear(): void {
    if (this.live && this.liveShown) this.stream.write('\r\x1b[2K');
    this.liveShown = false;
  }
}

export function formatProgress(s: ProgressState): string {
  const parts = [`${s.elapsedS.toFixed(0)}/${s.durationS.toFixed(0)} s`];
  if (s.achievedRps !== null) {
    const target = s.targetRps !== null ? `/${formatCount(s.targetRps)}` : '';
    parts.push(`${formatCount(s.achievedRps)}${target} req/s`);
  }
  if (s.dropped > 0) parts.push(`${formatCount(s.dropped)} dropped`);
  if (s.heapUsed !== null) parts.push(`heap ${formatBytes(s.heapUsed)}`);
  parts.push(`snapshots ${s.snapshotsTaken}/${s.snapshotsPlanned}${s.snapshotting ? ' (taking one…)' : ''}`);
  return `memprobe: ${parts.join('  ')}`;
}
