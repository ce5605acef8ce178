/**
 * Replaces a file whole: the content goes to `<file>.tmp`, which is then renamed over `file`, so a
 * reader (a browser on report.html, `memprobe report` on run.json, a run killed mid-write) sees the
 * old file or the new one, never half of one. On failure the temporary file is removed and the
 * error is thrown on; what it means for the user is the caller's to say.
 */
import { renameSync, rmSync, writeFileSync } from 'node:fs';

export interface WriteAtomicallyOptions {
  /** File mode for a new file, e.g. 0o600 for what carries heap strings (snapshots, summaries, profiles). */
  mode?: number;
}

export function writeAtomically(file: string, content: string | Uint8Array, options: WriteAtomicallyOptions = {}): void {
  const temporary = `${file}.tmp`;
  try {
    writeFileSync(temporary, content, options.mode === undefined ? undefined : { mode: options.mode });
    renameSync(temporary, file);
  } catch (err) {
    rmSync(temporary, { force: true });
    throw err;
  }
}
