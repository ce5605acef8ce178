/**
 * The run directory's lifecycle on disk: created and proven writable before anything starts, never
 * reused for a second run, and removed again when the run never started.
 */
import { accessSync, constants, existsSync, mkdirSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { UsageError } from '../core/usage-error.js';
import { RUN_FILES } from '../core/run-directory-layout.js';

/** The target's stdout and stderr, inside the run directory. */
export const TARGET_LOG = 'target.log';

/**
 * Creates the run directory and proves it writable (UsageError otherwise). Refuses a directory that
 * already holds a run: a new run must never overwrite what an earlier one captured. Returns the
 * directories it created, outermost first, for `discardUnusedRunDirectory`.
 */
export function prepareRunDirectory(outDir: string): string[] {
  const dir = resolve(outDir);
  let created: string[] = [];
  if (existsSync(join(dir, RUN_FILES.run)) || existsSync(join(dir, RUN_FILES.timeline))) {
    throw new UsageError(`--out ${outDir}: already holds a run`, 'choose another --out, or omit it for a fresh memprobe-out/<timestamp>');
  }
  try {
    created = makeDirectories(dir);
    accessSync(dir, constants.W_OK);
    // Snapshots hold every string the target had (tokens, passwords): owner-only directory.
    mkdirSync(join(dir, RUN_FILES.snapshots), { recursive: true, mode: 0o700 });
    mkdirSync(join(dir, RUN_FILES.summaries), { recursive: true });
    const probe = join(dir, '.memprobe-write-probe');
    writeFileSync(probe, '');
    rmSync(probe);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new UsageError(`--out ${outDir}: cannot write the run directory there (${REASONS[code] ?? code})`, 'choose a writable --out');
  }
  return created;
}

/** The codes a user meets here, in words (the code itself stays for a search engine). */
const REASONS: Record<string, string> = {
  ENOTDIR: 'a file is in the way: ENOTDIR',
  EEXIST: 'a file is in the way: EEXIST',
  EACCES: 'permission denied: EACCES',
  EPERM: 'operation not permitted: EPERM',
  EROFS: 'read-only file system: EROFS',
  ENOSPC: 'no space left on the device: ENOSPC',
  ENOENT: 'the parent cannot hold directories: ENOENT',
};

/**
 * Undoes `prepareRunDirectory` when the run never started (the target would not start): removes the
 * directory unless it holds something more, or the target's log is wanted (an error message points
 * the user to it).
 */
export function discardUnusedRunDirectory(outDir: string, created: string[], options: { keepLog: boolean }): void {
  const dir = resolve(outDir);
  for (const entry of [RUN_FILES.snapshots, RUN_FILES.summaries]) {
    try {
      rmdirSync(join(dir, entry)); // only succeeds when empty
    } catch {
      // not empty or not there: keep it
    }
  }
  try {
    const log = join(dir, TARGET_LOG);
    if (!options.keepLog || (existsSync(log) && statSync(log).size === 0)) rmSync(log, { force: true });
    // The run directory itself, then the parents made for it (memprobe-out/), innermost first.
    for (const d of [...created].reverse()) rmdirSync(d);
  } catch {
    // holds something: keep it
  }
}

/**
 * `mkdir -p`, one level at a time: Node's recursive mkdirSync spins forever under some parents that
 * refuse creation with ENOENT (`/proc/x`), and a CLI must fail there, not hang.
 */
function makeDirectories(dir: string): string[] {
  const missing: string[] = [];
  let at = dir;
  while (!existsSync(at)) {
    missing.unshift(at);
    const parent = dirname(at);
    if (parent === at) break;
    at = parent;
  }
  for (const d of missing) mkdirSync(d);
  return missing;
}
