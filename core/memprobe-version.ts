/**
 * memprobe's own version, from the package.json above this file: `../package.json` from the
 * sources (core/), `../../package.json` from the build (dist/core/). Recorded in run.json's `meta`.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

export function memprobeVersion(): string | undefined {
  if (cached) return cached;
  for (const up of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(fileURLToPath(new URL(up, import.meta.url)), 'utf8'));
      if (pkg.name === 'memprobe') return (cached = pkg.version as string);
    } catch {
      // not at this level
    }
  }
  return undefined;
}
