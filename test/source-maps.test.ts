/**
 * Source maps: sites of a TypeScript target (tsx compiles it in memory, with an inline map the
 * inspector reports) and of a bundle with a .map file next to it map back to the original lines.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { buildSync } from 'esbuild';
import { Profile } from 'pprof-format';
import { afterAll, describe, expect, it } from 'vitest';
import type { Report } from '../core/report-schema.js';
import { loadSourceMaps } from '../pipeline/source-maps.js';

const CLI = fileURLToPath(new URL('../dist/cli/memprobe.js', import.meta.url));
const dir = mkdtempSync(path.join(tmpdir(), 'memprobe-sourcemaps-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TS_TARGET = `// Types and comments the compiled code drops: its lines differ from this file's.

interface Payload {
  id: number;
  values: number[];
}

type Slots = (Payload | null)[];

const kept: Slots = new Array(100000).fill(null);
let n = 0;

/**
 * Keeps one payload per request.
 */
function remember(i: number): void {
  const payload: Payload = { id: i, values: new Array(16).fill(i) };
  kept[i] = payload;
}

export default function iteration(): void {
  remember(n++);
}
`;

describe('source maps', () => {
  it('a TypeScript target: the site and heap.pb.gz name the .ts line, not the compiled one', () => {
    const target = path.join(dir, 'growing.ts');
    writeFileSync(target, TS_TARGET);
    const out = path.join(dir, 'ts-run');
    const result = spawnSync(process.execPath, [CLI, 'run', target, '--sampling', '--sampling-every', '1s', '--rps', '500', '--duration', '8s', '--warmup', '2s', '--out', out, '--json'], { encoding: 'utf8', timeout: 120_000 });
    expect(result.status, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as Report;
    const finding = report.findings[0];
    expect(finding, JSON.stringify(report.notes)).toBeDefined();
    // `function remember(i: number): void {` is line 16 of the .ts file; V8 names the function's start.
    expect(finding.site!.location).toBe(`${target}:16:10`);
    expect(finding.owner).toBe('remember (growing.ts:16)');
    const pprof = Profile.decode(gunzipSync(readFileSync(path.join(out, 'heap.pb.gz'))));
    const s = (i: number | bigint) => pprof.stringTable.strings[Number(i)];
    const largest = [...pprof.sample].sort((a, b) => Number(b.value[1]) - Number(a.value[1]))[0];
    const location = pprof.location.find((l) => l.id === largest.locationId[0])!;
    const fn = pprof.function.find((f) => f.id === location.line[0].functionId)!;
    expect(`${s(fn.filename)}:${location.line[0].line}`).toBe(`${target}:16`);
  });

  it('a bundle with a .map file beside it: positions map to the original module, and unmapped ones stay', () => {
    writeFileSync(path.join(dir, 'store.ts'), `\n\n// a comment\nexport function store(list: number[], value: number): void {\n  list.push(value);\n}\n`);
    writeFileSync(path.join(dir, 'main.ts'), `import { store } from './store';\nconst list: number[] = [];\nexport function handle(i: number) { store(list, i); }\n`);
    const outfile = path.join(dir, 'bundle.js');
    buildSync({ entryPoints: [path.join(dir, 'main.ts')], bundle: true, outfile, sourcemap: 'linked', format: 'esm', platform: 'node', logLevel: 'silent' });
    const bundle = readFileSync(outfile, 'utf8').split('\n');
    const line = bundle.findIndex((l) => l.includes('function store'));
    const column = bundle[line].indexOf('store');
    const maps = loadSourceMaps(null);
    const hit = maps.map(pathToFileURL(outfile).href, line, column);
    expect(hit).toMatchObject({ file: path.join(dir, 'store.ts'), line: 3 });
    expect(maps.mapLocation(`${outfile}:${line + 1}:${column + 1}`)).toMatch(new RegExp(`store\\.ts:4:\\d+$`));
    expect(maps.mapLocation('node:zlib:723')).toBe('node:zlib:723');
    expect(maps.mapLocation('/no/such/file.js:3:4')).toBe('/no/such/file.js:3:4');
  });
});
