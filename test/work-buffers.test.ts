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
