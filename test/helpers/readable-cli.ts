/**
 * The built CLI copied where any user can read it, for tests that run it as another user (nobody):
 * a clone inside a private directory (a home directory, a 0700 `mktemp -d`) cannot be read by them,
 * and the CLI would fail to load (exit 1) before it reached the check under test. The copy is
 * `dist/`, `package.json` and the runtime dependencies, with theirs.
 */
import { chmodSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** What an installed memprobe has: its runtime dependencies (every command module is loaded up front). */
const RUNTIME_PACKAGES = Object.keys((JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: object }).dependencies);

export function worldReadableCli(): { cli: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'memprobe-readable-cli-'));
  cpSync(join(ROOT, 'dist'), join(dir, 'dist'), { recursive: true });
  cpSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
  for (const name of withDependencies(RUNTIME_PACKAGES)) {
    cpSync(join(ROOT, 'node_modules', name), join(dir, 'node_modules', name), { recursive: true, dereference: true });
  }
  openToAll(dir);
  return { cli: join(dir, 'dist/cli/memprobe.js'), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * The top-level `node_modules` entries that hold these packages and, transitively, their
 * dependencies, resolved as Node does: from a package's own `node_modules` up to the top.
 */
function withDependencies(names: string[]): Set<string> {
  const modules = join(ROOT, 'node_modules');
  const topLevel = new Set<string>();
  const visited = new Set<string>();
  const visit = (dir: string): void => {
    if (visited.has(dir)) return;
    visited.add(dir);
    const parts = relative(modules, dir).split(sep);
    topLevel.add(parts[0].startsWith('@') ? join(parts[0], parts[1]) : parts[0]);
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { dependencies?: object; optionalDependencies?: object };
    for (const dep of Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies })) {
      const found = resolvePackage(dep, dir, modules);
      if (found) visit(found);
    }
  };
  for (const name of names) {
    const found = resolvePackage(name, ROOT, modules);
    if (found) visit(found);
  }
  return topLevel;
}

function resolvePackage(name: string, from: string, modules: string): string | null {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (!dir.startsWith(modules)) return null; // the repository's own node_modules was the last place
  }
}

/** Directories 0755 and files readable by all, whatever the clone's umask made them. */
function openToAll(path: string): void {
  const stat = statSync(path);
  if (stat.isDirectory()) {
    chmodSync(path, 0o755);
    for (const entry of readdirSync(path)) openToAll(join(path, entry));
  } else {
    chmodSync(path, (stat.mode & 0o777) | 0o444);
  }
}
