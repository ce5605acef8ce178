/**
 * Runs a small Node program that builds some heap and writes a snapshot, and returns the file: the
 * real V8 output the owner and category rules are written against. The program gets its snapshot
 * path as `process.argv[2]`; extra files (other scripts it requires) can be written beside it.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function writeProgramSnapshot(program: string, extraFiles: Record<string, string> = {}): { file: string; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'memprobe-snap-'));
  for (const [name, text] of Object.entries(extraFiles)) writeFileSync(join(dir, name), text);
  const script = join(dir, 'program.cjs');
  writeFileSync(script, `${program}\nrequire('v8').writeHeapSnapshot(process.argv[2]);\nprocess.exit(0);\n`);
  const file = join(dir, 'program.heapsnapshot');
  // A small heap keeps the snapshot (and the test) small.
  execFileSync(process.execPath, ['--max-old-space-size=64', script, file], { cwd: dir, stdio: 'pipe', timeout: 30_000 });
  return { file, dir };
}
