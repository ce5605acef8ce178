import { describe, expect, it } from 'vitest';
import { WorkBuffers } from '../analyzers/work-buffers.js';

describe('WorkBuffers', () => {
  it('hands a given-back buffer to the next pass, the smallest that fits, zeroed on request', () => {
    const pool = new WorkBuffers();
    const big = pool.uint32(100_000).fill(7);
    const small = pool.uint32(30_000).fill(9);
    pool.give(big, small);
    const next = pool.uint32(20_000);
    expect(next.buffer).toBe(small.buffer);
    expect(next.length).toBe(20_000);
    expect(next.every((v) => v === 0)).toBe(true);
    const dirty = pool.float64(40_000, false);
    expect(dirty.buffer).toBe(big.buffer); // 400 000 bytes hold 40 000 doubles
    expect(new Uint32Array(dirty.buffer)[0]).toBe(7);
    expect(pool.uint8(1000).buffer).not.toBe(big.buffer); // nothing left to give: a new one
  });

  it('splits a free buffer much larger than asked for: the rest serves the next arrays', () => {
    const pool = new WorkBuffers();
    const lists = pool.uint32(3 << 20).fill(5); // 12 MiB
    pool.give(lists);
    const column = pool.uint32(1 << 20); // 4 MiB from its front, zeroed
    expect(column.buffer).toBe(lists.buffer);
    expect(column.byteOffset).toBe(0);
    expect(column.every((v) => v === 0)).toBe(true);
    const marks = pool.uint8(1 << 20, false); // the next 1 MiB, dirty
    expect(marks.buffer).toBe(lists.buffer);
    expect(marks.byteOffset).toBe(4 << 20);
    expect(marks[0]).toBe(5);
    const sizes = pool.float64(3 << 17, false); // 3 MiB, 8-byte aligned
    expect(sizes.buffer).toBe(lists.buffer);
    expect(sizes.byteOffset % 8).toBe(0);
    // 4 MiB are left: 5 MiB more is a new buffer.
    expect(pool.uint8(5 << 20, false).buffer).not.toBe(lists.buffer);
    // What each array covers is separate: writing one leaves the others as they were.
    column.fill(1);
    sizes.fill(2);
    expect(marks[marks.length - 4]).toBe(5); // byte 0 of a 5 written as a 32-bit word
    expect(column[column.length - 1]).toBe(1);
    // Given back, a region is taken again; a view into a region already free is not added twice.
    pool.give(marks, marks.subarray(16));
    expect(pool.uint8(1 << 20, false).byteOffset).toBe(4 << 20);
    const rest = pool.uint8(1 << 20, false);
    expect(rest.buffer).toBe(lists.buffer);
    expect(rest.byteOffset).toBe(8 << 20);
  });

  it('keeps neither small nor shared buffers, nor one twice', () => {
    const pool = new WorkBuffers();
    const tiny = new Uint32Array(10);
    const shared = new Uint32Array(new SharedArrayBuffer(1 << 20));
    const plain = new Uint32Array(1 << 18);
    pool.give(tiny, shared, plain, plain.subarray(5));
    expect(pool.uint32(1 << 18, false).buffer).toBe(plain.buffer);
    expect(pool.uint32(1 << 18, false).buffer).not.toBe(plain.buffer);
    expect(pool.uint32(1, false).buffer).not.toBe(shared.buffer);
  });

  it('makes buffers ahead of time a slice at a time, each in the pool from its first slice, and forgets free ones on drop', () => {
    const pool = new WorkBuffers();
    const step = pool.prefault([1 << 20, 3 << 20], 1 << 20);
    expect(step()).toBe(true); // the first buffer, whole
    const first = pool.uint32(1 << 18, false); // 1 MiB: the one made
    expect(first.every((v) => v === 0)).toBe(true);
    pool.give(first);
    expect(step()).toBe(true); // a third of the second
    expect(step()).toBe(true);
    expect(step()).toBe(false); // done: nothing left
    expect(step()).toBe(false);
    const second = pool.uint8(3 << 20, false);
    expect(second.byteLength).toBe(3 << 20);
    expect(second.every((v) => v === 0)).toBe(true);
    pool.give(second);
    expect(pool.uint8(3 << 20).buffer).toBe(second.buffer);
    pool.drop();
    expect(pool.uint32(1 << 18).buffer).not.toBe(first.buffer);
  });
});
