/** What a crashed target said: the last error line of its log (`target.log` in the run directory). */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { safe } from '../core/control-characters.js';
import { isErrorLine } from '../harness/error-line.js';

/** How much of the log's end is read: enough for a stack trace, little for a chatty server's log. */
const TAIL_BYTES = 16 * 1024;

/**
 * The error a crashed target printed last (`Error: ECONNREFUSED ...`), from the end of its log, so
 * the one line a user reads says why; null when there is no log (attach) or no error line in it.
 */
export function lastErrorLine(logFile: string): string | null {
  let text: string;
  try {
    const size = statSync(logFile).size;
    const fd = openSync(logFile, 'r');
    try {
      const length = Math.min(size, TAIL_BYTES);
      const buffer = Buffer.alloc(length);
      readSync(fd, buffer, 0, length, size - length);
      text = buffer.toString('utf8');
    } finally {
      closeSync(fd);
    }
  } catch {
    return null;
  }
  const lines = text.split('\n').map((l) => l.trim());
  for (let i = lines.length - 1; i >= 0; i--) {
    if (isErrorLine(lines[i])) return safe(lines[i].slice(0, 200));
  }
  return null;
}
