import { describe, it, expect, beforeAll, afterAll, afterEach, vi } from 'vitest';
import { mkdtemp, writeFile, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { parseSnapshotFile, SnapshotFormatError } from '../analyzers/snapshot-parser.js';
import { snapshotJson, NODE_TYPES, EDGE_TYPES, type SnapshotSpec } from './helpers/snapshot-json.js';
import { randomSnapshot, seededRandom } from './helpers/snapshot-mutations.js';
import { EdgesWorker, type EdgesResult } from '../analyzers/snapshot-edges-worker.js';
import { EdgeTailReader } from '../analyzers/edge-tail-reader.js';
import type { HeapSnapshot } from '../analyzers/heap-snapshot.js';
import { allStrings } from './helpers/string-table.js';

let dir: string;
let fileNumber = 0;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'memprobe-parser-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function write(content: string | Buffer): Promise<string> {
  const path = join(dir, `s${fileNumber++}.heapsnapshot`);
  await writeFile(path, content);
  return path;
}

const SMALL: SnapshotSpec = {
  nodes: [
    { type: 'synthetic', name: '', edges: [{ type: 'element', name: 1, to: 1 }, { type: 'shortcut', name: 'global', to: 2 }] },
    { type: 'synthetic', name: '(GC roots)', edges: [{ type: 'element', name: 0, to: 2 }] },
    { type: 'object', name: 'TrendSink', id: 77, selfSize: 32, detachedness: 2, edges: [{ type: 'property', name: 'samples', to: 3 }, { type: 'weak', name: 'ref', to: 4 }] },
    { type: 'array', name: '', selfSize: 8000 },
    { type: 'closure', name: 'onSample', selfSize: 56 },
  ],
  locations: [{ node: 4, scriptId: 12, line: 3, column: 9 }],
};

/** Parse text that must be rejected; return the error. */
async function rejectionOf(text: string | Buffer, chunkSize?: number): Promise<SnapshotFormatError> {
  const path = await write(text);
  const error = await parseSnapshotFile(path, { chunkSize }).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SnapshotFormatError);
  const formatError = error as SnapshotFormatError;
  expect(formatError.message.startsWith(`${path}: `)).toBe(true);
  expect(formatError.message).not.toContain('\n');
  return formatError;
}

describe('parseSnapshotFile: layouts', () => {
  it('reads a 7-field snapshot into columns, with edge targets as node ordinals', async () => {
    const snapshot = await parseSnapshotFile(await write(snapshotJson(SMALL)));
    expect(snapshot.nodeCount).toBe(5);
    expect(snapshot.edgeCount).toBe(5);
    expect(snapshot.nodeTypeNames).toEqual([...NODE_TYPES]);
    expect(snapshot.edgeTypeNames).toEqual([...EDGE_TYPES]);
    expect([...snapshot.nodeType].map((t) => snapshot.nodeTypeNames[t])).toEqual(['synthetic', 'synthetic', 'object', 'array', 'closure']);
    expect([...snapshot.nodeName].map((n) => snapshot.strings.get(n))).toEqual(['', '(GC roots)', 'TrendSink', '', 'onSample']);
    expect([...snapshot.nodeId]).toEqual([1, 3, 77, 7, 9]);
    expect([...snapshot.nodeSelfSize]).toEqual([0, 0, 32, 8000, 56]);
    expect([...snapshot.nodeDetachedness]).toEqual([0, 0, 2, 0, 0]);
    expect([...snapshot.firstEdge]).toEqual([0, 2, 3, 5, 5, 5]);
    expect([...snapshot.edgeType].map((t) => snapshot.edgeTypeNames[t])).toEqual(['element', 'shortcut', 'element', 'property', 'weak']);
    expect([...snapshot.edgeToNode]).toEqual([1, 2, 2, 3, 4]);
    expect(snapshot.edgeNameOrIndex[0]).toBe(1);
    expect(snapshot.strings.get(snapshot.edgeNameOrIndex[1])).toBe('global');
    expect(snapshot.strings.get(snapshot.edgeNameOrIndex[3])).toBe('samples');
    expect(snapshot.locations.size).toBe(1);
    expect(snapshot.locations.get(4)).toEqual({ scriptId: 12, line: 3, column: 9 });
    expect(snapshot.locations.get(3)).toBeUndefined();
  });

  it('reads the older 6-field layout (no detachedness) from meta, not from constants', async () => {
    const text = snapshotJson({ ...SMALL, layout: 6 });
    expect(text).not.toContain('detachedness');
    const snapshot = await parseSnapshotFile(await write(text));
    expect([...snapshot.nodeDetachedness]).toEqual([0, 0, 0, 0, 0]);
    expect([...snapshot.nodeSelfSize]).toEqual([0, 0, 32, 8000, 56]);
    expect([...snapshot.edgeToNode]).toEqual([1, 2, 2, 3, 4]);
    expect(snapshot.locations.get(4)).toEqual({ scriptId: 12, line: 3, column: 9 });
  });

  it('follows a reordered field layout and extra fields declared in meta', async () => {
    const text = JSON.stringify({
      snapshot: {
        meta: {
          node_fields: ['id', 'extra', 'name', 'type', 'edge_count', 'self_size'],
          node_types: ['number', 'number', 'string', [...NODE_TYPES], 'number', 'number'],
          edge_fields: ['to_node', 'type', 'name_or_index'],
          edge_types: ['node', ['weak', 'property', 'element', 'hidden'], 'string_or_number'],
        },
        node_count: 2,
        edge_count: 1,
      },
      nodes: [5, 99, 1, 9, 1, 10, 6, 98, 0, 3, 0, 20],
      edges: [6, 1, 0],
      strings: ['x', 'root'],
      future_section: { anything: [1, [2, '}]']] },
    });
    const snapshot = await parseSnapshotFile(await write(text));
    expect([...snapshot.nodeId]).toEqual([5, 6]);
    expect([...snapshot.nodeName]).toEqual([1, 0]);
    expect([...snapshot.nodeType]).toEqual([9, 3]);
    expect([...snapshot.nodeSelfSize]).toEqual([10, 20]);
    expect([...snapshot.edgeToNode]).toEqual([1]);
    expect(snapshot.edgeTypeNames).toEqual(['weak', 'property', 'element', 'hidden']);
    expect(snapshot.locations.size).toBe(0);
    expect(snapshot.extraNativeBytes).toBeUndefined();
  });

  it('keeps extra_native_bytes from the header of newer V8 snapshots', async () => {
    const text = snapshotJson(SMALL).replace('"trace_function_count":0', '"trace_function_count":0,"extra_native_bytes":123456');
    const snapshot = await parseSnapshotFile(await write(text));
    expect(snapshot.extraNativeBytes).toBe(123456);
  });
});

describe('parseSnapshotFile: strings', () => {
  // Raw UTF-8, JSON escapes, \u escapes incl. a surrogate pair and a lone surrogate, and a long string.
  const rawStrings = [
    '"plain"',
    '"quote \\" backslash \\\\ slash \\/ controls \\b\\f\\n\\r\\t"',
    '"caf\u00e9 \u65e5\u672c \ud83d\ude00 raw utf-8"',
    '"\\u00e9\\u65E5 \\ud83d\\ude00 escaped, lone \\udc00"',
    '""',
    `"${'long-'.repeat(400)}"`,
    '"\\\\"',
  ];
  const text = `{"snapshot":{"meta":{"node_fields":["type","name","id","self_size","edge_count"],"node_types":[["synthetic"]],"edge_fields":["type","name_or_index","to_node"],"edge_types":[["property"]]},"node_count":1,"edge_count":0},"nodes":[0,6,1,0,0],"edges":[],"strings":[${rawStrings.join(',')}]}`;
  const expected = JSON.parse(text).strings as string[];

  it('decodes escapes and non-ASCII exactly as JSON.parse does', async () => {
    const snapshot = await parseSnapshotFile(await write(text));
    expect(allStrings(snapshot.strings)).toEqual(expected);
  });

  it('decodes the same when every token is split across chunk boundaries', async () => {
    const path = await write(text);
    for (const chunkSize of [1, 2, 3, 5, 7, 16, 61]) {
      const snapshot = await parseSnapshotFile(path, { chunkSize });
      expect(allStrings(snapshot.strings), `chunkSize ${chunkSize}`).toEqual(expected);
      expect([...snapshot.nodeName]).toEqual([6]);
    }
  });

  it('finds strings by text and by fragment as an array of the decoded strings would, at any chunk size', async () => {
    // Duplicates, an escaped spelling of a plain string ("\u0041" is "A"), a string that only
    // contains the text, text that appears across two strings' bytes, and quotes inside strings.
    const raw = ['', 'A', 'pair in WeakMap x', 'B', '\\u0041', '"A"', 'A', 'xA', 'say "A', 'A",', 'pair in WeakMap', 'é pair in WeakMap', 'A'].map((t, i) =>
      i === 4 ? `"${t}"` : JSON.stringify(t),
    );
    const text = `{"snapshot":{"meta":{"node_fields":["type","name","id","self_size","edge_count"],"node_types":[["synthetic"]],"edge_fields":["type","name_or_index","to_node"],"edge_types":[["property"]]},"node_count":1,"edge_count":0},"nodes":[0,0,1,0,0],"edges":[],"strings":[${raw.join(',')}]}`;
    const expected = JSON.parse(text).strings as string[];
    const path = await write(text);
    for (const chunkSize of [undefined, 1, 2, 5, 9, 64]) {
      const strings = (await parseSnapshotFile(path, chunkSize ? { chunkSize } : {})).strings;
      expect(allStrings(strings)).toEqual(expected);
      for (const probe of ['A', '"A"', 'B', '', 'xA', 'missing', 'A",', 'say "A', 'é pair in WeakMap', 'pair in WeakMap']) {
        expect(strings.indexOf(probe), `indexOf ${probe} at ${chunkSize}`).toBe(expected.indexOf(probe));
      }
      for (const fragment of ['pair in WeakMap', 'A', '"', 'é', 'nothing']) {
        const want = expected.flatMap((t, i) => (t.includes(fragment) ? [i] : []));
        expect(strings.indexesContaining(fragment), `containing ${fragment} at ${chunkSize}`).toEqual(want);
      }
      expect(strings.get(expected.length)).toBe('');
    }
  });

  it('reads numbers split across chunk boundaries', async () => {
    const path = await write(snapshotJson({ ...SMALL, nodes: SMALL.nodes.map((n) => ({ ...n, selfSize: (n.selfSize ?? 0) * 1000 + 123456 })) }));
    const whole = await parseSnapshotFile(path);
    for (const chunkSize of [1, 3, 4, 13]) {
      const split = await parseSnapshotFile(path, { chunkSize });
      expect([...split.nodeSelfSize]).toEqual([...whole.nodeSelfSize]);
      expect([...split.edgeToNode]).toEqual([...whole.edgeToNode]);
      expect(split.locations).toEqual(whole.locations);
    }
  });
});

describe('parseSnapshotFile: a real V8 snapshot', () => {
  it('matches JSON.parse of the same file field by field', async () => {
    const path = join(dir, 'real.heapsnapshot');
    const script = `const v8 = require('v8'); class TrendSink { constructor() { this.samples = Array.from({ length: 2000 }, (_, i) => i * 1.5); this.label = 'caf\\u00e9 \\ud83d\\ude00'; } }
      globalThis.keep = [new TrendSink(), new TrendSink()]; v8.writeHeapSnapshot(${JSON.stringify(path)});`;
    execFileSync(process.execPath, ['--max-old-space-size=64', '-e', script]);
    const json = JSON.parse(await readFile(path, 'utf8'));
    let progressCalls = 0;
    let lastProgress = 0;
    const snapshot = await parseSnapshotFile(path, {
      chunkSize: 64 * 1024,
      onProgress: (bytesRead) => {
        progressCalls++;
        lastProgress = bytesRead;
      },
    });
    const { size } = await import('node:fs').then((fs) => fs.statSync(path));
    expect(progressCalls).toBeGreaterThan(1);
    expect(lastProgress).toBe(size);
    const meta = json.snapshot.meta;
    const nodeFields: number = meta.node_fields.length;
    expect(snapshot.nodeCount).toBe(json.snapshot.node_count);
    expect(snapshot.edgeCount).toBe(json.snapshot.edge_count);
    expect(snapshot.nodeCount * nodeFields).toBe(json.nodes.length);
    expect(allStrings(snapshot.strings)).toEqual(json.strings);
    expect(snapshot.nodeTypeNames).toEqual(meta.node_types[0]);
    expect(snapshot.edgeTypeNames).toEqual(meta.edge_types[0]);
    const column = (name: string) => meta.node_fields.indexOf(name);
    const mismatches: string[] = [];
    for (let i = 0; i < snapshot.nodeCount && mismatches.length < 5; i++) {
      const row = i * nodeFields;
      if (snapshot.nodeType[i] !== json.nodes[row + column('type')]) mismatches.push(`node ${i} type`);
      if (snapshot.nodeName[i] !== json.nodes[row + column('name')]) mismatches.push(`node ${i} name`);
      if (snapshot.nodeId[i] !== json.nodes[row + column('id')]) mismatches.push(`node ${i} id`);
      if (snapshot.nodeSelfSize[i] !== json.nodes[row + column('self_size')]) mismatches.push(`node ${i} size`);
      if (snapshot.firstEdge[i + 1] - snapshot.firstEdge[i] !== json.nodes[row + column('edge_count')]) mismatches.push(`node ${i} edges`);
    }
    for (let e = 0; e < snapshot.edgeCount && mismatches.length < 5; e++) {
      if (snapshot.edgeType[e] !== json.edges[e * 3]) mismatches.push(`edge ${e} type`);
      if (snapshot.edgeNameOrIndex[e] !== json.edges[e * 3 + 1]) mismatches.push(`edge ${e} name`);
      if (snapshot.edgeToNode[e] * nodeFields !== json.edges[e * 3 + 2]) mismatches.push(`edge ${e} to`);
    }
    expect(mismatches).toEqual([]);
    expect(snapshot.firstEdge[snapshot.nodeCount]).toBe(snapshot.edgeCount);
    expect(snapshot.locations.size * 4).toBe(json.locations.length);
    const firstLocation = json.locations.slice(0, 4);
    expect(snapshot.locations.get(firstLocation[0] / nodeFields)).toEqual({ scriptId: firstLocation[1], line: firstLocation[2], column: firstLocation[3] });
    const trendSinks = [...snapshot.nodeName].filter((n, i) => snapshot.strings.get(n) === 'TrendSink' && snapshot.nodeTypeNames[snapshot.nodeType[i]] === 'object');
    expect(trendSinks).toHaveLength(2);
  });
});

describe('parseSnapshotFile: corrupt input', () => {
  const good = snapshotJson(SMALL);
  const at = (needle: string, delta = 0) => {
    const index = good.indexOf(needle);
    if (index < 0) throw new Error(`test setup: ${needle} not in the snapshot text`);
    return index + delta;
  };
  const edgesStart = at('"edges":[') + '"edges":['.length;
  const nodesStart = at('"nodes":[') + '"nodes":['.length;
  const nodesEnd = good.indexOf(']', nodesStart);

  const cases: Array<{ name: string; text: string | Buffer; problem: RegExp; offset: number | null }> = [
    { name: 'empty file', text: '', problem: /^file is empty$/, offset: 0 },
    { name: 'only whitespace', text: ' \n', problem: /only whitespace/, offset: 2 },
    { name: 'a JSON array', text: '[1,2]', problem: /not a heap snapshot: expected '\{', found '\['/, offset: 0 },
    { name: 'an empty object', text: '{}', problem: /empty object/, offset: 1 },
    { name: 'random bytes', text: Buffer.from([0x8f, 0x00, 0x13, 0xff]), problem: /expected '\{', found byte 0x8f/, offset: 0 },
    { name: 'JSON of the wrong shape', text: '{"snapshot":{"meta":{}},"nodes":[]}', problem: /"meta.node_fields" is not a list of names/, offset: 12 },
    {
      name: 'a header that is not valid JSON',
      text: good.replace('"node_count":5', '"node_count":\n5x'),
      problem: /^"snapshot" is not valid JSON \(.*position \d+.*\)$/,
      offset: at('"node_count":5', '"node_count":\n5'.length),
    },
    { name: 'snapshot header not an object', text: '{"snapshot":[1]}', problem: /"snapshot" is not an object/, offset: 12 },
    { name: 'truncated inside nodes', text: good.slice(0, nodesStart + 5), problem: /file ends inside "nodes"/, offset: nodesStart + 5 },
    { name: 'truncated inside strings', text: good.slice(0, good.length - 4), problem: /file ends inside a string/, offset: good.length - 4 },
    { name: 'truncated after a section', text: good.slice(0, edgesStart - '"edges":['.length - 2), problem: /expected ',' or '\}' after "nodes", found end of file/, offset: edgesStart - 11 },
    {
      name: 'node_count larger than the nodes',
      text: good.replace('"node_count":5', '"node_count":6'),
      problem: /"nodes" has 35 values, but node_count 6 × 7 fields needs 42/,
      offset: nodesEnd,
    },
    {
      name: 'node_count smaller than the nodes',
      text: good.replace('"node_count":5', '"node_count":4'),
      problem: /"nodes" has more than node_count 4 × 7 = 28 values/,
      offset: at('\n,5,6,9,', 2),
    },
    {
      name: 'edge counts that do not add up',
      text: good.replace('"edge_count":5', '"edge_count":6'),
      problem: /node edge counts add up to 5, but edge_count is 6/,
      offset: nodesEnd,
    },
    {
      name: 'to_node not a multiple of the node fields',
      text: good.slice(0, edgesStart) + '1,1,8' + good.slice(edgesStart + 5),
      problem: /edge to_node 8 is not a multiple of the 7 node fields/,
      offset: edgesStart + 4,
    },
    {
      name: 'to_node past the last node',
      text: good.slice(0, edgesStart) + '1,1,35' + good.slice(edgesStart + 5),
      problem: /edge to_node 35 points past the last of 5 nodes/,
      offset: edgesStart + 4,
    },
    {
      name: 'edge type out of range',
      text: good.slice(0, edgesStart) + '7' + good.slice(edgesStart + 1),
      problem: /edge type 7 is not one of the 7 in meta.edge_types/,
      offset: edgesStart,
    },
    {
      name: 'node name past the strings',
      text: good.slice(0, nodesStart) + '9,99' + good.slice(nodesStart + 3),
      problem: /node 0 names string 99, but "strings" has 7/,
      offset: nodesStart + 2,
    },
    {
      name: 'a named edge past the strings',
      text: good.replace('\n,2,4,21', '\n,2,99,21'),
      problem: /edge 3 names string 99, but "strings" has 7/,
      offset: at('\n,2,4,21', 4),
    },
    {
      name: 'a negative number',
      text: good.slice(0, nodesStart) + '-9' + good.slice(nodesStart + 1),
      problem: /expected a non-negative integer in "nodes", found '-'/,
      offset: nodesStart,
    },
    {
      name: 'huge declared counts',
      text: good.replace('"node_count":5', '"node_count":100000000'),
      problem: /node_count 100000000 and edge_count 5 need at least \d+ bytes, but the file has \d+/,
      offset: 12,
    },
    { name: 'a duplicated section', text: good.replace('"samples":[]', '"nodes":[]'), problem: /section "nodes" appears twice/, offset: at('"samples"') },
    { name: 'data after the end', text: `${good} x`, problem: /unexpected 'x' after the end of the snapshot/, offset: good.length + 1 },
    { name: 'a missing section', text: good.replace(/,\n"strings":\[[^]*\]\}$/, '}'), problem: /section "strings" is missing/, offset: at(',\n"strings"') + 1 },
    { name: 'a bad escape', text: good.replace('"TrendSink"', '"Trend\\qSink"'), problem: /invalid escape in string/, offset: at('"TrendSink"', 6) },
  ];

  for (const testCase of cases) {
    it(`rejects ${testCase.name} with the byte offset`, async () => {
      for (const chunkSize of [undefined, 3]) {
        const error = await rejectionOf(testCase.text, chunkSize);
        expect(error.problem).toMatch(testCase.problem);
        expect(error.offset).toBe(testCase.offset);
        expect(error.message.endsWith(`at byte ${testCase.offset}`)).toBe(true);
      }
    });
  }

  it('rejects a missing file without a byte offset', async () => {
    const error = await parseSnapshotFile(join(dir, 'missing.heapsnapshot')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SnapshotFormatError);
    expect((error as SnapshotFormatError).offset).toBeNull();
    expect((error as SnapshotFormatError).message).toMatch(/missing\.heapsnapshot: cannot open: no such file or directory/);
  });
});

describe('parseSnapshotFile: options', () => {
  it('rejects a chunk size that is not a positive integer before touching the file', async () => {
    for (const chunkSize of [0, -1, 1.5, Number.NaN]) {
      await expect(parseSnapshotFile(join(dir, 'never-read.heapsnapshot'), { chunkSize })).rejects.toThrow(RangeError);
    }
  });
});

describe('parseSnapshotFile: files that are not snapshots at all', () => {
  it('rejects a directory without a byte offset', async () => {
    const error = await parseSnapshotFile(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SnapshotFormatError);
    expect((error as SnapshotFormatError).message).toBe(`${dir}: not a regular file`);
  });

  it('skips an unknown section holding a large string without decoding it, and refuses absurd nesting', async () => {
    const good = snapshotJson(SMALL);
    const withString = good.replace('"samples":[]', `"samples":[],"future":"${'x'.repeat(100_000)}"`);
    const snapshot = await parseSnapshotFile(await write(withString), { chunkSize: 4096 });
    expect(snapshot.nodeCount).toBe(5);
    const deep = good.replace('"trace_tree":[]', `"trace_tree":${'['.repeat(100_001)}`);
    const error = await rejectionOf(deep);
    expect(error.problem).toBe('nesting deeper than 100000');
    expect(error.offset).toBe(good.indexOf('"trace_tree":[]') + '"trace_tree":'.length + 100_000);
  });
});

/** Every column and table of two parses, for exact comparison. */
function contentOf(snapshot: HeapSnapshot): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(snapshot)) out[key] = ArrayBuffer.isView(value) ? Array.from(value as Uint32Array) : value;
  // The string table by content: which strings it keeps decoded depends on where chunks end.
  out.strings = allStrings(snapshot.strings);
  return out;
}

/** What a parse gives: the content, or the error's full message (problem and byte offset). */
async function outcomeOf(path: string, options: Parameters<typeof parseSnapshotFile>[1]): Promise<{ parsed: Record<string, unknown> } | { error: string }> {
  try {
    return { parsed: contentOf(await parseSnapshotFile(path, options)) };
  } catch (err) {
    if (!(err instanceof SnapshotFormatError)) throw err;
    return { error: err.message };
  }
}

describe('parseSnapshotFile: edges read by a worker thread', () => {
  // What each started worker reported, to tell a worker's read that was used from a quiet fallback.
  let results: Promise<EdgesResult | null>[] = [];
  // Rows the main thread read backwards from the ']' (`edge-tail-reader.ts`), per parse: on files
  // this small it is often done with the other sections before the worker has started, and takes
  // most rows or all of them.
  let tailRows: number[] = [];
  beforeAll(() => {
    const start = EdgesWorker.start.bind(EdgesWorker);
    vi.spyOn(EdgesWorker, 'start').mockImplementation((job) => {
      const worker = start(job);
      results.push(worker.result);
      tailRows.push(0);
      return worker;
    });
    const readRows = EdgeTailReader.prototype.readRows;
    vi.spyOn(EdgeTailReader.prototype, 'readRows').mockImplementation(function (this: EdgeTailReader, first: number, count: number) {
      const read = readRows.call(this, first, count);
      if (read) tailRows[tailRows.length - 1] += count;
      return read;
    });
  });
  afterEach(() => {
    results = [];
    tailRows = [];
  });
  afterAll(() => {
    vi.restoreAllMocks();
  });

  it('gives exactly the sequential columns at any chunk size', async () => {
    const path = await write(randomSnapshot(seededRandom(7), 400, 7));
    const sequential = await outcomeOf(path, { workerMinBytes: Infinity });
    expect('parsed' in sequential).toBe(true);
    const held: boolean[] = [];
    for (const chunkSize of [undefined, 5, 64]) {
      expect(await outcomeOf(path, { workerMinBytes: 0, chunkSize, onSplit: (h) => held.push(h) }), `chunk ${chunkSize}`).toEqual(sequential);
    }
    // And the split held each time: no parse again on one thread.
    expect(held).toEqual([true, true, true]);
    // Every one of those parses really was split: the worker's rows and the main thread's tail
    // are every row.
    expect(results).toHaveLength(3);
    const edgeCount = (sequential as { parsed: { edgeCount: number } }).parsed.edgeCount;
    const read = await Promise.all(results);
    read.forEach((result, k) => expect((result?.rows ?? -1) + tailRows[k]).toBe(edgeCount));
  });

  it('works while waiting for the worker only until it is done, and parses as without', async () => {
    const path = await write(randomSnapshot(seededRandom(9), 20_000, 7));
    const sequential = await outcomeOf(path, { workerMinBytes: Infinity });
    const counts: { nodeCount: number; edgeCount: number }[] = [];
    let steps = 0;
    // A step that always has more to do: the parse must still end, once the worker's edges are in.
    // (The worker's start-up alone outlasts this thread's read of the other sections, so the
    // steps do run: a thousand or more of them here.)
    const whileWaiting = (given: { nodeCount: number; edgeCount: number }) => {
      counts.push(given);
      return () => ++steps > 0;
    };
    expect(await outcomeOf(path, { workerMinBytes: 0, whileWaiting })).toEqual(sequential);
    expect(results).toHaveLength(1);
    expect(counts.length).toBeLessThanOrEqual(1);
    const parsed = (sequential as { parsed: { nodeCount: number; edgeCount: number } }).parsed;
    for (const given of counts) expect(given).toEqual({ nodeCount: parsed.nodeCount, edgeCount: parsed.edgeCount });
    // No worker, no waiting: never asked.
    expect(await outcomeOf(path, { workerMinBytes: Infinity, whileWaiting })).toEqual(sequential);
    expect(counts.length).toBeLessThanOrEqual(1);
  });

  it('reads the 6-field layout on the worker', async () => {
    const path = await write(randomSnapshot(seededRandom(8), 3000, 6));
    expect(await outcomeOf(path, { workerMinBytes: 0 })).toEqual(await outcomeOf(path, { workerMinBytes: Infinity }));
    const [result] = await Promise.all(results);
    expect(result).not.toBeNull();
    expect((result?.rows ?? 0) + tailRows[0]).toBeGreaterThan(0);
  });

  // Damage anywhere in the worker's section, or to what both threads must agree on: the error must
  // be the one (problem and byte offset) the sequential parse gives.
  const good = randomSnapshot(seededRandom(9), 300, 7);
  const edgesOpen = good.indexOf('"edges":[') + '"edges":['.length;
  const edgesClose = good.indexOf(']', edgesOpen);
  const rowStarts: number[] = [];
  for (let at = edgesOpen; at < edgesClose; at = good.indexOf('\n,', at) + 2) {
    rowStarts.push(at);
    if (good.indexOf('\n,', at) < 0 || good.indexOf('\n,', at) > edgesClose) break;
  }
  const early = rowStarts[Math.floor(rowStarts.length * 0.1)];
  const late = rowStarts[Math.floor(rowStarts.length * 0.9)];
  const at = (text: string, offset: number, cut: number, insert: string) => text.slice(0, offset) + insert + text.slice(offset + cut);
  const damaged: Record<string, string> = {
    'edge type out of range, early': at(good, early, 1, '9'),
    'edge type out of range, late': at(good, late, 1, '9'),
    'to_node not a multiple of node fields, late': at(good, good.indexOf(',', good.indexOf(',', late) + 1) + 1, 0, '1'),
    'missing comma, late': at(good, late - 1, 1, ' '),
    'double comma, late': at(good, late - 1, 0, ','),
    'sixteen digits, late': at(good, late, 0, '000000000000000'),
    'a letter, late': at(good, late, 1, 'x'),
    'one value too many, late': at(good, late, 0, '1,'),
    'one value too few, late': at(good, late, 2, ''),
    'one row too many': at(good, late, 0, good.slice(late, good.indexOf('\n', late) + 2)),
    'edge_count one more': good.replace(/"edge_count":(\d+)/, (_, n: string) => `"edge_count":${Number(n) + 1}`),
    'edge_count one less': good.replace(/"edge_count":(\d+)/, (_, n: string) => `"edge_count":${Number(n) - 1}`),
    'trailing comma before ]': at(good, edgesClose, 0, ','),
    'edges cut short': good.slice(0, late + 3),
    // Where edges end is found from the next section's key, searched for from the end of the file:
    // a string of that text, a section between the two, or no such key must change nothing.
    'a string "trace_function_infos" among the strings': good.replace('"strings":[', '"strings":["trace_function_infos",'),
    'samples between edges and trace_function_infos': good.replace('"trace_function_infos":[],\n"trace_tree":[],\n"samples":[],', '"samples":[1,2],\n"trace_function_infos":[],\n"trace_tree":[],'),
    'no trace_function_infos': good.replace('"trace_function_infos":[],\n', ''),
    // The main thread reads the later sections while the worker finishes: their error must not
    // win over one in the worker's share, which the ordinary parse meets first.
    'edge type out of range late, and broken strings': at(good, late, 1, '9').replace('"strings":[', '"strings":[,'),
  };
  it('holds its split where the next key is a string too, or missing', async () => {
    for (const name of ['a string "trace_function_infos" among the strings', 'no trace_function_infos']) {
      const held: boolean[] = [];
      const outcome = await outcomeOf(await write(damaged[name]), { workerMinBytes: 0, onSplit: (h) => held.push(h) });
      expect('parsed' in outcome, name).toBe(true);
      expect(held, name).toEqual([true]);
    }
  });

  it('has each variant differ from the good file', () => {
    for (const [name, text] of Object.entries(damaged)) expect(text, name).not.toBe(good);
  });
  for (const [name, text] of Object.entries(damaged)) {
    it(`reports ${name} exactly as the sequential parse does`, async () => {
      const path = await write(text);
      const sequential = await outcomeOf(path, { workerMinBytes: Infinity });
      expect(await outcomeOf(path, { workerMinBytes: 0 })).toEqual(sequential);
      expect(await outcomeOf(path, { workerMinBytes: 0, chunkSize: 7 })).toEqual(sequential);
    });
  }

  it('does not split when the sections come in another order, and still parses', async () => {
    const text = good.replace(/("nodes":\[[^\]]*\]),\n("edges":\[[^\]]*\])/, '$2,\n$1');
    expect(text).not.toBe(good);
    const path = await write(text);
    expect(await outcomeOf(path, { workerMinBytes: 0 })).toEqual(await outcomeOf(path, { workerMinBytes: Infinity }));
    expect(results).toHaveLength(0);
  });
});
