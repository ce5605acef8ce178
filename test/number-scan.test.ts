import { describe, it, expect, beforeAll, afterAll, vi } from 'vitest';
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NUMBER_SCAN_WASM } from '../analyzers/number-scan-wasm.js';
import { NumberScanKernel } from '../analyzers/number-scan-kernel.js';
import { NumberArrayReader } from '../analyzers/snapshot-number-array.js';
import { SnapshotByteSource } from '../analyzers/snapshot-byte-source.js';
import { SnapshotFormatError } from '../analyzers/snapshot-format-error.js';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { randomSnapshot, seededRandom } from './helpers/snapshot-mutations.js';
import { readEdges, readNodes } from '../analyzers/snapshot-sections.js';
import { allocateEdgeColumnMemory, edgeColumnsIn } from '../analyzers/edge-column-memory.js';
import type { SnapshotHeader } from '../analyzers/snapshot-header.js';
import { EDGE_TYPES, edgesHeader } from './helpers/edges-header.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'memprobe-number-scan-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('number-scan.wat', () => {
  it('is what the parser loads: the embedded module is the .wat compiled by wabt', async () => {
    const { compileNumberScan } = (await import('../scripts/build-number-scan-wasm.mjs')) as { compileNumberScan(): Promise<Buffer> };
    const compiled = await compileNumberScan();
    // If this fails, the .wat was edited without `npm run build:wasm`.
    expect(compiled.equals(Buffer.from(NUMBER_SCAN_WASM, 'base64'))).toBe(true);
  });

  it('takes the common case and stops on the first byte of anything else', () => {
    const kernel = NumberScanKernel.tryCreate(64, 16)!;
    const [buf] = kernel.chunks;
    const scanText = (text: string, state: number, capacity = 16) => {
      buf.write(text, 'latin1');
      const stop = kernel.scan(buf, 0, text.length, kernel.batch, 0, capacity, state);
      return { stop, values: Array.from(kernel.batch.subarray(0, kernel.count)), state: kernel.state };
    };
    // After '[' (state 0): numbers, separators, the four whitespace bytes; a number cut by the end is left.
    expect(scanText('1,22 ,\t333\r\n,4444,5', 0)).toEqual({ stop: 18, values: [1, 22, 333, 4444], state: 3 });
    // The ']' is the caller's, as is anything the grammar does not allow.
    expect(scanText('7,8]', 0)).toEqual({ stop: 3, values: [7, 8], state: 2 });
    expect(scanText('7 8,', 0)).toEqual({ stop: 2, values: [7], state: 2 });
    expect(scanText(',1,', 0)).toEqual({ stop: 0, values: [], state: 0 });
    expect(scanText('1,,', 0)).toEqual({ stop: 2, values: [1], state: 3 });
    expect(scanText('1,-2,', 0)).toEqual({ stop: 2, values: [1], state: 3 });
    // Fifteen digits are exact (and saturate to 32 bits); sixteen are the caller's to reject.
    expect(scanText('4294967295,4294967296,999999999999999,', 0)).toEqual({ stop: 38, values: [4294967295, 4294967295, 4294967295], state: 3 });
    expect(scanText('1,1234567890123456,', 0)).toEqual({ stop: 2, values: [1], state: 3 });
    // A full batch stops it between tokens: past the ',' that follows a number, taken with it
    // (state 3), or before anything else after it (state 2).
    expect(scanText('1,2,3,4,', 0, 2)).toEqual({ stop: 4, values: [1, 2], state: 3 });
    expect(scanText('1,2 ,3,4,', 0, 2)).toEqual({ stop: 3, values: [1, 2], state: 2 });
    // V8's row break, "\n,", is taken the same way; a lone "\n" is left to the loop.
    expect(scanText('1\n,2,3', 0, 1)).toEqual({ stop: 3, values: [1], state: 3 });
    expect(scanText('1\n 2', 0, 1)).toEqual({ stop: 1, values: [1], state: 2 });
  });
});

/** What reading a number array gives: its values and where the cursor ends, or the error with its offset. */
async function readArray(path: string, chunkSize: number, withKernel: boolean, usedKernel: { reads: number }): Promise<{ values: number[]; end: number } | { error: string }> {
  const source = await SnapshotByteSource.open(path, chunkSize, undefined, 0, withKernel);
  try {
    const reader = new NumberArrayReader(source, 'nodes', 3);
    await reader.open();
    const values: number[] = [];
    while (!reader.done) {
      const n = await reader.next();
      for (let k = 0; k < n; k++) values.push(reader.values[k]);
    }
    if (source.kernel !== null && reader.values.buffer === source.kernel.batch.buffer) usedKernel.reads++;
    return { values, end: source.offset };
  } catch (err) {
    if (!(err instanceof SnapshotFormatError)) throw err;
    return { error: err.message };
  } finally {
    await source.close();
  }
}

describe('string_scan', () => {
  it('takes plain strings and their separators, and stops on the first byte of anything else', () => {
    const kernel = NumberScanKernel.tryCreate(64, 16)!;
    const [buf] = kernel.chunks;
    const scanText = (text: string, state: number, capacity = 16) => {
      buf.write(text, 'latin1');
      const stop = kernel.scanStrings(buf, 0, text.length, kernel.batch, 0, capacity, state);
      return { stop, starts: Array.from(kernel.batch.subarray(0, kernel.count)), state: kernel.state };
    };
    // After '[' (state 0): each plain string's first byte; whitespace and commas between.
    expect(scanText('"ab", "",\n"c d"]', 0)).toEqual({ stop: 15, starts: [1, 7, 11], state: 2 });
    // Not plain (an escape, a byte past 0x7f, a control byte) or not ended: left on its quote.
    expect(scanText('"a","b\\n"', 0)).toEqual({ stop: 4, starts: [1], state: 1 });
    expect(scanText('"a","\xe9"', 0)).toEqual({ stop: 4, starts: [1], state: 1 });
    expect(scanText('"a","\t"', 0)).toEqual({ stop: 4, starts: [1], state: 1 });
    expect(scanText('"a","bc', 0)).toEqual({ stop: 4, starts: [1], state: 1 });
    // Out of place: a string right after a string, a comma first, two commas.
    expect(scanText('"a" "b"', 0)).toEqual({ stop: 4, starts: [1], state: 2 });
    expect(scanText(',"a"', 0)).toEqual({ stop: 0, starts: [], state: 0 });
    expect(scanText('"a",,"b"', 0)).toEqual({ stop: 4, starts: [1], state: 1 });
    // A full batch stops it on the next string's quote.
    expect(scanText('"a","b","c"', 0, 2)).toEqual({ stop: 8, starts: [1, 5], state: 1 });
  });
});

describe('number arrays read with the WebAssembly loop', () => {
  const random = seededRandom(20261201);
  const int = (below: number) => Math.floor(random() * below);
  const spaces = ['', '', '', ' ', '\n', '\r\n', '\t', '  '];
  const number = () => {
    const digits = 1 + (random() < 0.05 ? int(17) : int(10));
    let text = String(1 + int(9));
    while (text.length < digits) text += String(int(10));
    return random() < 0.1 ? '0' : text;
  };
  const validArray = () => {
    const count = int(200);
    const parts: string[] = [];
    for (let k = 0; k < count; k++) parts.push(spaces[int(spaces.length)] + number() + spaces[int(spaces.length)]);
    return `[${parts.join(',')}${spaces[int(spaces.length)]}]`;
  };
  const damage = (text: string) => {
    const at = 1 + int(text.length - 1);
    const junk = [',', ']', '[', '-', '.', 'x', '"', '}', ' ', '9'][int(10)];
    return int(2) === 0 ? text.slice(0, at) + junk + text.slice(at) : text.slice(0, at) + text.slice(at + 1);
  };

  it('gives the values, the end and every error exactly as the JavaScript loop does, at any chunk size', async () => {
    let errors = 0;
    const usedKernel = { reads: 0 };
    const unused = { reads: 0 };
    for (let index = 0; index < 200; index++) {
      const valid = validArray();
      const text = index % 3 === 0 ? valid : damage(valid) + (index % 2 ? '' : ' ');
      const path = join(dir, `a${index}.json`);
      await writeFile(path, text + (index % 5 === 0 ? '' : ',"more":1'));
      // Chunks of a byte or two put every token across a boundary; they are slow, so fewer cases.
      for (const chunkSize of index < 20 ? [1, 2, 7, 61, 4096] : [7, 61, 4096]) {
        const withKernel = await readArray(path, chunkSize, true, usedKernel);
        const withoutKernel = await readArray(path, chunkSize, false, unused);
        if ('error' in withKernel) errors++;
        expect(withKernel, `case ${index}, chunk ${chunkSize}: ${JSON.stringify(text.slice(0, 120))}`).toEqual(withoutKernel);
      }
    }
    // Both kinds of outcome were there, and the reads went through the kernel.
    expect(errors).toBeGreaterThan(150);
    expect(usedKernel.reads).toBeGreaterThan(200);
    expect(unused.reads).toBe(0);
  });
});

describe('without WebAssembly memory', () => {
  it('a kernel that cannot be had is none, and the JavaScript loop reads alone', () => {
    // Past wasm32's 4 GiB: refused, as a `ulimit -v` refuses V8's reservation for any memory.
    expect(NumberScanKernel.tryCreate(2 ** 31 + 65536, 16)).toBeNull();
    expect(NumberScanKernel.tryCreate(1024, 16)).not.toBeNull();
  });

  it('memprobe analyze still reads a snapshot under a ulimit -v that refuses WebAssembly memory', async () => {
    const path = join(dir, 'small.heapsnapshot');
    await writeFile(path, randomSnapshot(seededRandom(5), 300, 7));
    const cli = fileURLToPath(new URL('../dist/cli/memprobe.js', import.meta.url));
    // 6 GB of address space: enough for Node, not for V8's ~10 GB reservation per WebAssembly memory.
    const limited = (script: string) => spawnSync('bash', ['-c', `ulimit -v 6000000; ${script}`], { encoding: 'utf8' });
    const probe = limited(`"${process.execPath}" -e "try { new WebAssembly.Memory({ initial: 1 }); console.log('allowed') } catch { console.log('refused') }"`);
    expect(probe.stdout.trim()).toBe('refused');
    const run = limited(`"${process.execPath}" "${cli}" analyze "${path}" --json`);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout).nodeCount).toBe(300);
  });
});

describe('edge rows split in the edges worker\'s memory (edge_rows)', () => {
  const random = seededRandom(20261202);
  const int = (below: number) => Math.floor(random() * below);
  const headerFor = edgesHeader;

  /** Columns and largest named string index as `readEdges` gives them, or its error. */
  async function edgesOf(path: string, header: SnapshotHeader, chunkSize: number, inKernelMemory: boolean) {
    const columnMemory = inKernelMemory ? allocateEdgeColumnMemory(header.edgeCount, chunkSize)! : null;
    const source = await SnapshotByteSource.open(path, chunkSize, undefined, 0, columnMemory?.memory ?? true);
    try {
      const { columns, maxStringIndex } = await readEdges(source, header, columnMemory ? edgeColumnsIn(columnMemory) : undefined);
      return { edgeType: Array.from(columns.edgeType), edgeNameOrIndex: Array.from(columns.edgeNameOrIndex), edgeToNode: Array.from(columns.edgeToNode), maxStringIndex };
    } catch (err) {
      if (!(err instanceof SnapshotFormatError)) throw err;
      return { error: err.message };
    } finally {
      await source.close();
    }
  }

  it('gives the columns, the largest name and every error exactly as the JavaScript loop does', async () => {
    let errors = 0;
    let parsed = 0;
    for (let index = 0; index < 120; index++) {
      // Odd, even and power-of-two widths: edge_rows divides by multiplying with an inverse.
      const nodeWidth = [7, 6, 8, 3][index % 4];
      const nodeCount = 1 + int(50);
      const edgeCount = int(300);
      const rows: number[][] = [];
      for (let e = 0; e < edgeCount; e++) rows.push([int(EDGE_TYPES.length), int(1000), nodeWidth * int(nodeCount)]);
      // A third of the cases get one bad row: a type past the list, a to_node past the nodes or
      // between two of them.
      if (index % 3 === 0 && edgeCount > 0) {
        const row = rows[int(edgeCount)];
        const field = int(3);
        if (field === 0) row[0] = EDGE_TYPES.length + int(3);
        else if (field === 1) row[2] = nodeWidth * nodeCount + nodeWidth * int(3);
        else row[2] = nodeWidth * int(nodeCount) + 1 + int(nodeWidth - 1);
      }
      const path = join(dir, `edges${index}.json`);
      await writeFile(path, `[${rows.map((row) => row.join(',')).join(',\n')}]`);
      const header = headerFor(nodeCount, edgeCount, nodeWidth);
      for (const chunkSize of [5, 64, 4096]) {
        const inKernel = await edgesOf(path, header, chunkSize, true);
        expect(inKernel, `case ${index}, chunk ${chunkSize}`).toEqual(await edgesOf(path, header, chunkSize, false));
        if ('error' in inKernel) errors++;
        else parsed++;
      }
    }
    expect(errors).toBeGreaterThan(30);
    expect(parsed).toBeGreaterThan(150);
  });

  it('leaves a to_node it cannot compare in 32 bits to the JavaScript loop, which takes it', async () => {
    // 4294967295 = 3 x 1431655765: a node ordinal of a graph of more than 2^32 / 3 nodes. The kernel's
    // limit is 2^32 - 1, so it stops there, and the JavaScript loop takes the row and gives it back.
    const header = { ...headerFor(1431655766, 3, 3), nodeFields: ['type', 'name', 'id'] };
    const path = join(dir, 'edges-far.json');
    await writeFile(path, '[2,5,3,2,6,4294967295,2,7,0]');
    const expected = { edgeType: [2, 2, 2], edgeNameOrIndex: [5, 6, 7], edgeToNode: [1, 1431655765, 0], maxStringIndex: 7 };
    expect(await edgesOf(path, header, 4096, true)).toEqual(expected);
    expect(await edgesOf(path, header, 4096, false)).toEqual(expected);
  });

  it('is the path the columns in the kernel\'s memory take', async () => {
    const header = headerFor(2, 2, 7);
    const path = join(dir, 'edges-two.json');
    await writeFile(path, '[2,1,7,1,0,0]');
    const columnMemory = allocateEdgeColumnMemory(header.edgeCount, 4096)!;
    const source = await SnapshotByteSource.open(path, 4096, undefined, 0, columnMemory.memory);
    const split = vi.spyOn(NumberScanKernel.prototype, 'splitEdgeRows');
    try {
      const { columns } = await readEdges(source, header, edgeColumnsIn(columnMemory));
      expect(split).toHaveBeenCalled();
      expect(Array.from(columns.edgeToNode)).toEqual([1, 0]);
      expect(columns.edgeToNode.buffer).toBe(columnMemory.memory.buffer);
    } finally {
      split.mockRestore();
      await source.close();
    }
  });
});

describe('node rows split in the byte source\'s grown memory (node_rows)', () => {
  const random = seededRandom(20261203);
  const int = (below: number) => Math.floor(random() * below);
  const FIELDS = ['type', 'name', 'id', 'self_size', 'edge_count', 'trace_node_id', 'detachedness'];
  const headerFor = (nodeCount: number, edgeCount: number, nodeWidth: number): SnapshotHeader => ({
    nodeFields: FIELDS.slice(0, nodeWidth),
    nodeTypeNames: ['hidden', 'array', 'string', 'object', 'code'],
    edgeFields: ['type', 'name_or_index', 'to_node'],
    edgeTypeNames: ['element'],
    locationFields: ['object_index', 'script_id', 'line', 'column'],
    nodeCount,
    edgeCount,
  });

  /** Columns, largest name and where the section was as `readNodes` gives them, or its error. */
  async function nodesOf(path: string, header: SnapshotHeader, chunkSize: number, withKernel: boolean) {
    const source = await SnapshotByteSource.open(path, chunkSize, undefined, 0, withKernel);
    try {
      const { columns, maxStringIndex } = await readNodes(source, header);
      const inKernel = source.kernel !== null && source.kernel.holds(columns.nodeName);
      const content = Object.fromEntries(Object.entries(columns).map(([key, column]) => [key, Array.from(column as Uint32Array)]));
      return { outcome: { ...content, maxStringIndex }, inKernel };
    } catch (err) {
      if (!(err instanceof SnapshotFormatError)) throw err;
      return { outcome: { error: err.message }, inKernel: false };
    } finally {
      await source.close();
    }
  }

  it('gives the columns, the largest name and every error exactly as the JavaScript loop does', async () => {
    let errors = 0;
    let inKernel = 0;
    for (let index = 0; index < 120; index++) {
      // Odd, even and power-of-two widths: edge_rows divides by multiplying with an inverse.
      const nodeWidth = [7, 6, 8, 3][index % 4];
      const nodeCount = int(200);
      const rows: number[][] = [];
      for (let n = 0; n < nodeCount; n++) rows.push([int(5), int(5000), 1 + 2 * n, int(100000), int(4), 0, int(3)].slice(0, nodeWidth));
      let edgeCount = rows.reduce((sum, row) => sum + row[4], 0);
      // A third of the cases get one bad row: a type past the list, a detachedness past a byte, or
      // an edge_count in the header below what the rows add up to.
      if (index % 3 === 0 && nodeCount > 0) {
        const row = rows[int(nodeCount)];
        const kind = int(3);
        if (kind === 0) row[0] = 5 + int(3);
        else if (kind === 1 && nodeWidth === 7) row[6] = 256 + int(1000);
        else edgeCount = Math.max(0, edgeCount - 1 - int(3));
      }
      const path = join(dir, `nodes${index}.json`);
      await writeFile(path, `[${rows.map((row) => row.join(',')).join(',\n')}]`);
      const header = headerFor(nodeCount, edgeCount, nodeWidth);
      for (const chunkSize of [5, 64, 4096]) {
        const withKernel = await nodesOf(path, header, chunkSize, true);
        expect(withKernel.outcome, `case ${index}, chunk ${chunkSize}`).toEqual((await nodesOf(path, header, chunkSize, false)).outcome);
        if ('error' in withKernel.outcome) errors++;
        if (withKernel.inKernel) inKernel++;
      }
    }
    expect(errors).toBeGreaterThan(30);
    expect(inKernel).toBeGreaterThan(150);
  });
});
