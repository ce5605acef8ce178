/**
 * The layering, as the README draws it: each folder imports only the folders below it, so a line of
 * code can tell from its folder what it may use. Read from the sources' import lines (static,
 * `export ... from`, and dynamic `import()`), so that a new import against the grain fails here.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Top to bottom. harness and reports are siblings: neither imports the other. */
const MAY_IMPORT: Record<string, string[]> = {
  cli: ['session', 'pipeline', 'harness', 'reports', 'analyzers', 'core'],
  session: ['pipeline', 'harness', 'reports', 'analyzers', 'core'],
  pipeline: ['harness', 'reports', 'analyzers', 'core'],
  harness: ['analyzers', 'core'],
  reports: ['analyzers', 'core'],
  analyzers: ['core'],
  core: [],
};
const LAYERS = Object.keys(MAY_IMPORT);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers: string[] = [];
  const pattern = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm;
  for (const m of text.matchAll(pattern)) specifiers.push(m[1]);
  return specifiers;
}

function layerOf(path: string): string {
  return relative(ROOT, path).split(sep)[0];
}

interface Edge {
  from: string;
  to: string;
  fromLayer: string;
  toLayer: string;
}

const edges: Edge[] = LAYERS.flatMap((layer) =>
  sourceFiles(join(ROOT, layer)).flatMap((file) =>
    importsOf(file)
      .filter((s) => s.startsWith('.'))
      .map((s) => {
        const target = resolve(dirname(file), s);
        return { from: relative(ROOT, file), to: relative(ROOT, target), fromLayer: layer, toLayer: layerOf(target) };
      }),
  ),
);

function against(rule: (e: Edge) => boolean): string[] {
  return edges.filter(rule).map((e) => `${e.from} imports ${e.to}`);
}

describe('layering', () => {
  it('reads the imports of every source folder', () => {
    for (const layer of LAYERS) expect(existsSync(join(ROOT, layer)), layer).toBe(true);
    expect(edges.length).toBeGreaterThan(100);
    // Every import of ours lands in one of the layers (no reaching into test/, bench/ or dist/).
    expect(against((e) => !LAYERS.includes(e.toLayer))).toEqual([]);
  });

  it('every relative import names a file that exists (as its .ts source)', () => {
    const missing = edges.filter((e) => !existsSync(join(ROOT, e.to.replace(/\.js$/, '.ts'))) && !existsSync(join(ROOT, e.to)));
    expect(missing.map((e) => `${e.from} imports ${e.to}`)).toEqual([]);
  });

  it('no module outside cli/ imports cli/', () => {
    expect(against((e) => e.fromLayer !== 'cli' && e.toLayer === 'cli')).toEqual([]);
  });

  it('analyzers/ imports neither harness/, reports/, pipeline/ nor session/', () => {
    expect(against((e) => e.fromLayer === 'analyzers' && ['harness', 'reports', 'pipeline', 'session'].includes(e.toLayer))).toEqual([]);
  });

  it('reports/ and harness/ do not import each other', () => {
    expect(against((e) => (e.fromLayer === 'reports' && e.toLayer === 'harness') || (e.fromLayer === 'harness' && e.toLayer === 'reports'))).toEqual([]);
  });

  it('core/ imports nothing of ours but itself', () => {
    expect(against((e) => e.fromLayer === 'core' && e.toLayer !== 'core')).toEqual([]);
  });

  it('each folder imports only itself and the folders below it', () => {
    expect(against((e) => e.toLayer !== e.fromLayer && !MAY_IMPORT[e.fromLayer].includes(e.toLayer))).toEqual([]);
  });

  it('no source folder is left out of the layering', () => {
    const tsconfig = JSON.parse(readFileSync(join(ROOT, 'tsconfig.json'), 'utf8')) as { include: string[] };
    const folders = tsconfig.include.filter((p) => !p.includes('*'));
    expect([...folders].sort()).toEqual([...LAYERS].sort());
  });
});
