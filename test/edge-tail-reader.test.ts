import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { closeSync, openSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SnapshotByteSource } from '../analyzers/snapshot-byte-source.js';
import { allocateEdgeColumns, readClaimedEdges, readEdges } from '../analyzers/snapshot-sections.js';
import { EdgeRowClaims } from '../analyzers/edge-row-claims.js';
import { EdgeTailReader, isRowSeparator } from '../analyzers/edge-tail-reader.js';
import type { SnapshotHeader } from '../analyzers/snapshot-header.js';
import { EDGE_TYPES, edgesHeader } from './helpers/edges-header.js';
import { seededRandom } from './helpers/snapshot-mutations.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'memprobe-edge-tail-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const headerFor = (nodeCount: number, edgeCount: number) => edgesHeader(nodeCount, edgeCount);
const columnsOf = (columns: ReturnType<typeof allocateEdgeColumns>) => ({
  edgeType: Array.from(columns.edgeType),
  edgeNameOrIndex: Array.from(columns.edgeNameOrIndex),
  edgeToNode: Array.from(columns.edgeToNode),
});

/**
 * The split read on one thread: the tail reader takes `backRows` rows from the ']' in blocks of
 * `block`, the forward reader claims the rest. What the parser's confirmation checks, and what it
 * would keep.
 */
async function splitRead(path: string, text: string, header: SnapshotHeader, backRows: number, block: number, windowBytes?: number) {
  const arrayStart = text.indexOf('[');
  const closeAt = text.lastIndexOf(']');
  const columns = allocateEdgeColumns(header, true);
  const claims = EdgeRowClaims.create(header.edgeCount);
  const fd = openSync(path, 'r');
  try {
    const tail = new EdgeTailReader(fd, header, columns, arrayStart, closeAt, windowBytes);
    let wanted = backRows;
    while (wanted > 0) {
      const taken = claims.takeBack(Math.min(block, wanted));
      if (taken === 0 || !tail.readRows(claims.back, taken)) break;
      wanted -= taken;
    }
    const source = await SnapshotByteSource.open(path, 64, undefined, arrayStart);
    const front = await readClaimedEdges(source, header, columns, (rows) => claims.takeFront(Math.min(rows, 7)));
    await source.close();
    const whole =
      front !== null && !tail.failed && claims.front === claims.back && front.rows + tail.rows === header.edgeCount &&
      isRowSeparator(fd, front.endOffset, tail.pos, front.rows > 0 && tail.rows > 0, front.afterComma);
    return { whole, tailFailed: tail.failed, columns: columnsOf(columns), maxStringIndex: Math.max(front?.maxStringIndex ?? -1, tail.maxName) };
  } finally {
    closeSync(fd);
  }
}

async function sequentialRead(path: string, header: SnapshotHeader) {
  const source = await SnapshotByteSource.open(path, 64);
  try {
    const { columns, maxStringIndex } = await readEdges(source, header);
    return { columns: columnsOf(columns), maxStringIndex };
  } finally {
    await source.close();
  }
}

describe('edges read from both ends (edge-tail-reader.ts, edge-row-claims.ts)', () => {
  const random = seededRandom(20261204);
  const int = (below: number) => Math.floor(random() * below);
  const spaces = ['', '', '\n', ' ', '\r\n', '\t'];
  const space = () => spaces[int(spaces.length)];

  it('gives the columns of one forward read wherever the two meet, at any block size', async () => {
    for (let index = 0; index < 60; index++) {
      const nodeCount = 1 + int(40);
      const edgeCount = 1 + int(120);
      const values: string[] = [];
      for (let e = 0; e < edgeCount; e++) {
        values.push(String(int(EDGE_TYPES.length)), String(int(100000)), String(7 * int(nodeCount)));
      }
      const text = `[${space()}${values.map((v) => `${space()}${v}${space()}`).join(',')}${space()}]`;
      const path = join(dir, `edges${index}.json`);
      await writeFile(path, text);
      const header = headerFor(nodeCount, edgeCount);
      const expected = await sequentialRead(path, header);
      for (const backRows of [0, 1, Math.floor(edgeCount / 2), edgeCount - 1, edgeCount]) {
        // Windows of 128 bytes move many times over these sections; the default takes them whole.
        const split = await splitRead(path, text, header, backRows, 1 + int(9), index % 2 ? 128 : undefined);
        expect(split.whole, `case ${index}, ${backRows} rows from the back`).toBe(true);
        expect({ columns: split.columns, maxStringIndex: split.maxStringIndex }).toEqual(expected);
      }
    }
  });

  it('stops, never throws, on rows the forward reader would reject, and the meet is then not whole', async () => {
    const header = headerFor(3, 4);
    const good = '[1,5,7,\n2,6,14\n,1,7,0,2,8,7]';
    expect((await splitRead(await write('good.json', good), good, header, 4, 2)).whole).toBe(true);
    for (const bad of [
      '[1,5,7,\n2,6,14\n,1,7,0,2,8,-7]', // a sign
      '[1,5,7,\n2,6,14\n,1,7,0,2,8,,7]', // two commas
      '[1,5,7,\n2,6,14\n,1,7,0,2,8 7]', // no comma
      '[1,5,7,\n2,6,14\n,1,7,0,2,8,1234567890123456]', // sixteen digits
      '[1,5,7,\n2,6,14\n,1,7,0,9,8,7]', // a type past the list
      '[1,5,7,\n2,6,14\n,1,7,0,2,8,8]', // to_node between two nodes
      '[1,5,7,\n2,6,14\n,1,7,0,2,8,21]', // to_node past the nodes
      '[1,5,7,\n2,6,14\n,1,7,0,2,8,7,]', // a comma before the ']'
    ]) {
      const split = await splitRead(await write('bad.json', bad), bad, header, 4, 2);
      expect(split.tailFailed, bad).toBe(true);
      expect(split.whole, bad).toBe(false);
    }
  });

  it('stops rather than misread a number when whitespace runs longer than its margin', async () => {
    // Runs of up to 120 spaces around the commas and nine-digit numbers, read through windows of
    // 128 bytes: where the reader cannot see a number whole it must stop, never read part of it.
    const nodeCount = 200_000_000;
    let stopped = 0;
    for (let index = 0; index < 40; index++) {
      const edgeCount = 2 + int(20);
      const values: string[] = [];
      for (let e = 0; e < edgeCount; e++) values.push(String(int(EDGE_TYPES.length)), String(100000000 + int(900000000)), String(7 * (10000000 + int(nodeCount - 10000000))));
      const text = `[${values.map((v) => `${' '.repeat(int(121))}${v}`).join(',')}]`;
      const path = await write(`spaces${index}.json`, text);
      const header = headerFor(nodeCount, edgeCount);
      const expected = await sequentialRead(path, header);
      const split = await splitRead(path, text, header, edgeCount, 1 + int(4), 128);
      if (split.whole) expect(split.columns, `case ${index}`).toEqual(expected.columns);
      else {
        expect(split.tailFailed).toBe(true);
        stopped++;
      }
    }
    expect(stopped).toBeGreaterThan(0);
  });

  it('is not whole when the two do not meet at one separator', async () => {
    const text = '[1,5,7 ,\n 2,6,14]';
    const path = await write('meet.json', text);
    const fd = openSync(path, 'r');
    try {
      const afterFirstRow = text.indexOf(' ,');
      const secondRow = text.indexOf('2,6');
      expect(isRowSeparator(fd, afterFirstRow, secondRow, true)).toBe(true);
      expect(isRowSeparator(fd, afterFirstRow, secondRow, false)).toBe(false);
      expect(isRowSeparator(fd, afterFirstRow, secondRow + 1, true)).toBe(false);
      expect(isRowSeparator(fd, text.indexOf('14') + 2, text.indexOf(']'), false)).toBe(true);
    } finally {
      closeSync(fd);
    }
  });
});

async function write(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}
