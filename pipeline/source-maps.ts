/**
 * Positions in generated code (a bundle, TypeScript compiled by tsx or tsc) mapped back to the
 * original source, with Node's own source-map reader (`module.SourceMap`, no dependency). Maps come
 * from `sourcemaps.json` (what the target's inspector said each script's `sourceMappingURL` is,
 * inline `data:` maps included), else from the script file's own `//# sourceMappingURL=` comment.
 * A position without a map, or that its map does not cover, stays as it was.
 */
import { existsSync, readFileSync } from 'node:fs';
import { SourceMap, type SourceMapPayload } from 'node:module';
import { dirname, join, resolve as resolvePath } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { RUN_FILES } from '../core/run-directory-layout.js';
import type { SamplingCallFrame } from '../analyzers/allocation-sites.js';
import type { Finding } from '../core/report-schema.js';

export interface OriginalPosition {
  /** Path (or URL) of the original source. */
  file: string;
  /** 0-based, as V8 reports positions. */
  line: number;
  column: number;
  name?: string;
}

export interface SourceMapper {
  /** `url` as V8 reports it (a file URL or path); 0-based line and column. */
  map(url: string, line: number, column: number): OriginalPosition | null;
  /** `path:line[:col]` (1-based) mapped the same way; the input when nothing maps it. */
  mapLocation(location: string): string;
  /** How many scripts had a usable map (for the notes). */
  readonly mappedScripts: number;
}

const MAX_MAP_BYTES = 64 * 1024 * 1024;

function toPath(url: string): string | null {
  if (url.startsWith('file://')) {
    try {
      return fileURLToPath(url);
    } catch {
      return null;
    }
  }
  return url.startsWith('/') ? url : null;
}

function parseDataUrl(url: string): SourceMapPayload | null {
  const m = /^data:application\/json[^,]*?(;base64)?,(.*)$/s.exec(url);
  if (!m) return null;
  const text = m[1] ? Buffer.from(m[2], 'base64').toString('utf8') : decodeURIComponent(m[2]);
  return JSON.parse(text) as SourceMapPayload;
}

/** The map a script's own last `//# sourceMappingURL=` comment names. */
function mapUrlInFile(path: string): string | null {
  try {
    const text = readFileSync(path, 'utf8');
    const tail = text.slice(-Math.min(text.length, 4 * 1024 * 1024));
    const all = [...tail.matchAll(/\/\/[#@] sourceMappingURL=(\S+)\s*$/gm)];
    return all.length ? all[all.length - 1][1] : null;
  } catch {
    return null;
  }
}

function loadPayload(scriptUrl: string, mapUrl: string): { payload: SourceMapPayload; base: string } | null {
  try {
    const scriptPath = toPath(scriptUrl);
    if (mapUrl.startsWith('data:')) {
      const payload = parseDataUrl(mapUrl);
      return payload ? { payload, base: scriptPath ? dirname(scriptPath) : '' } : null;
    }
    const mapPath = mapUrl.startsWith('file://') ? fileURLToPath(mapUrl) : scriptPath ? resolvePath(dirname(scriptPath), mapUrl) : null;
    if (!mapPath || !existsSync(mapPath)) return null;
    const text = readFileSync(mapPath, 'utf8');
    if (text.length > MAX_MAP_BYTES) return null;
    return { payload: JSON.parse(text) as SourceMapPayload, base: dirname(mapPath) };
  } catch {
    return null; // a broken map maps nothing; the generated position stays
  }
}

export function loadSourceMaps(runDir: string | null): SourceMapper {
  let declared: Record<string, string> = {};
  if (runDir) {
    const file = join(runDir, RUN_FILES.sourceMaps);
    try {
      if (existsSync(file)) declared = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
    } catch {
      declared = {};
    }
  }
  const cache = new Map<string, { map: SourceMap; base: string; root: string } | null>();
  const mapFor = (url: string) => {
    if (cache.has(url)) return cache.get(url)!;
    let entry: { map: SourceMap; base: string; root: string } | null = null;
    if (!url.startsWith('node:') && url) {
      const path = toPath(url);
      const mapUrl = declared[url] ?? declared[path ? pathToFileURL(path).href : ''] ?? (path ? mapUrlInFile(path) : null);
      const loaded = mapUrl ? loadPayload(url, mapUrl) : null;
      if (loaded) {
        try {
          entry = { map: new SourceMap(loaded.payload), base: loaded.base, root: loaded.payload.sourceRoot ?? '' };
        } catch {
          entry = null;
        }
      }
    }
    cache.set(url, entry);
    return entry;
  };
  const mapper: SourceMapper = {
    map(url, line, column) {
      if (line < 0) return null;
      const entry = mapFor(url);
      if (!entry) return null;
      const found = entry.map.findEntry(line, Math.max(0, column)) as { originalSource?: string; originalLine?: number; originalColumn?: number; name?: string };
      if (!found || found.originalSource === undefined || found.originalLine === undefined) return null;
      let file = found.originalSource;
      if (file.startsWith('file://')) file = fileURLToPath(file);
      else if (!file.startsWith('/') && !/^[a-z]+:/i.test(file)) file = resolvePath(entry.base, entry.root, file);
      return { file, line: found.originalLine, column: found.originalColumn ?? 0, ...(found.name ? { name: found.name } : {}) };
    },
    mapLocation(location) {
      const m = /^(.*?):(\d+)(?::(\d+))?$/.exec(location);
      if (!m) return location;
      const hit = mapper.map(m[1], Number(m[2]) - 1, m[3] ? Number(m[3]) - 1 : 0);
      if (!hit) return location;
      return m[3] ? `${hit.file}:${hit.line + 1}:${hit.column + 1}` : `${hit.file}:${hit.line + 1}`;
    },
    get mappedScripts() {
      return [...cache.values()].filter(Boolean).length;
    },
  };
  return mapper;
}

/** Frame labels for the sampling analysis: `file:line:col` of the original source where mapped. */
export function frameLabeler(maps: SourceMapper): (f: SamplingCallFrame) => { functionName: string; location: string } {
  return (f) => {
    const hit = maps.map(f.url, f.lineNumber, f.columnNumber);
    const file = hit ? hit.file : f.url.replace(/^file:\/\//, '');
    const line = (hit ? hit.line : f.lineNumber) + 1;
    const column = (hit ? hit.column : f.columnNumber) + 1;
    return { functionName: f.functionName || '(anonymous)', location: `${file}:${line}:${column}` };
  };
}

/** A snapshot finding's owner location and allocation sites, mapped to the original source. */
export function mapFindingLocations(finding: Finding, maps: SourceMapper): Finding {
  const mapCalledFrom = (text: string) => {
    const m = /^(.*) (\S+)$/.exec(text);
    return m ? `${m[1]} ${maps.mapLocation(m[2])}` : text;
  };
  return {
    ...finding,
    ...(finding.location ? { location: maps.mapLocation(finding.location) } : {}),
    ...(finding.allocationSites
      ? {
          allocationSites: finding.allocationSites.map((s) => ({
            ...s,
            location: maps.mapLocation(s.location),
            ...(s.calledFrom ? { calledFrom: mapCalledFrom(s.calledFrom) } : {}),
          })),
        }
      : {}),
  };
}
