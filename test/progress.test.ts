import { describe, expect, it } from 'vitest';
import { PassThrough } from 'node:stream';
import { formatProgress, ProgressLine, type ProgressState } from '../harness/progress.js';

const state = (over: Partial<ProgressState> = {}): ProgressState => ({
  elapsedS: 12.4,
  durationS: 60,
  achievedRps: 998.6,
  targetRps: 1000,
  dropped: 0,
  heapUsed: 12_345_678,
  snapshotsTaken: 1,
  snapshotsPlanned: 5,
  snapshotting: false,
  ...over,
});

function stream(isTTY: boolean) {
  const s = new PassThrough() as unknown as NodeJS.WriteStream & { text(): string };
  let text = '';
  (s as unknown as PassThrough).on('data', (d: Buffer) => (text += d.toString()));
  Object.assign(s, { isTTY, columns: 80, text: () => text });
  return s;
}

describe('formatProgress', () => {
  it('shows elapsed/duration, achieved rate, heap and snapshots', () => {
    expect(formatProgress(state())).toBe('memprobe: 12/60 s  999/1,000 req/s  heap 12.3 MB  snapshots 1/5');
  });

  it('mentions drops and a snapshot in progress, and leaves out the rate without a load', () => {
    const text = formatProgress(state({ dropped: 42, snapshotting: true, achievedRps: null, targetRps: null }));
    expect(text).toBe('memprobe: 12/60 s  42 dropped  heap 12.3 MB  snapshots 1/5 (taking one…)');
  });
});

describe('ProgressLine', () => {
  it('rewrites one line in place on a terminal', () => {
    const out = stream(true);
    const line = new ProgressLine(out);
    line.update(state({ elapsedS: 1 }));
    line.update(state({ elapsedS: 2 }));
    line.clear();
    expect(out.text()).toBe(`\r\x1b[2K${formatProgress(state({ elapsedS: 1 }))}\r\x1b[2K${formatProgress(state({ elapsedS: 2 }))}\r\x1b[2K`);
  });

  it('writes a plain line every 5 s elsewhere (CI logs)', () => {
    const out = stream(false);
    const line = new ProgressLine(out);
    for (let t = 1; t <= 12; t++) line.update(state({ elapsedS: t }));
    const lines = out.text().trim().split('\n');
    expect(lines.map((l) => l.split(' ')[1])).toEqual(['1/60', '6/60', '11/60']);
    expect(out.text()).not.toContain('\x1b');
  });
});
