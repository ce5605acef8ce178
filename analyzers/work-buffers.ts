/**
 * Work arrays handed from one graph pass to the next instead of allocated afresh.
 *
 * Each pass needs a few node-sized scratch arrays (the dominator pass alone five); allocated anew,
 * every one is fresh memory the kernel must fault in and zero page by page (on a virtual machine
 * that costs more than the pass's own loop over it), while the previous pass's arrays wait for a
 * garbage collection to be unmapped, which is what puts the pipeline's peak RSS above the sum of
 * what any one pass holds. A pass that is done with an array gives its buffer back here, and the
 * next pass takes it: same pages, no faults, no second copy.
 *
 * Taken buffers are dirty unless asked for zeroed; a pass that takes one must treat it as
 * uninitialised. Whoever owns the pool drops it when the passes that share it are done, so that
 * buffers nobody took are not kept alive longer than they would have been.
 */
/** A free stretch of a buffer: `bytes` bytes from `offset`. */
interface Region {
  buffer: ArrayBuffer | SharedArrayBuffer;
  offset: number;
  bytes: number;
}

/**
 * A free region at least this much larger than what is asked for is split: the rest stays free for
 * the next array. (The dominator pass's retainer lists, an entry per edge, leave room for several
 * node columns of the passes after it.)
 */
const SPLIT_MIN_BYTES = 1 << 20;
/** Where a split puts the rest: aligned for any typed array, and to a cache line. */
const ALIGN = 64;

export class WorkBuffers {
  private readonly free: Region[] = [];
  /** Shared buffers this pool made: given back, they are reused like any other. */
  private readonly ownShared = new WeakSet<SharedArrayBuffer>();

  /**
   * `shared`: every buffer the pool makes is a SharedArrayBuffer, so that any work array (a pass's
   * result included) can be handed to a pass on another thread (`second-core-job.ts`).
   */
  constructor(private readonly options: { shared?: boolean } = {}) {}

  /** Whether every buffer this pool makes is a SharedArrayBuffer. */
  get isShared(): boolean {
    return this.options.shared === true;
  }

  private fresh(bytes: number): ArrayBuffer | SharedArrayBuffer {
    if (!this.options.shared) return new ArrayBuffer(bytes);
    const buffer = new SharedArrayBuffer(bytes);
    this.ownShared.add(buffer);
    return buffer;
  }

  /**
   * `bytes` bytes: from the smallest free region that holds them (the rest of a much larger one
   * stays free), else from a new (zeroed) buffer.
   */
  private take(bytes: number, zeroed: boolean): Region {
    let best = -1;
    for (let i = 0; i < this.free.length; i++) {
      const length = this.free[i].bytes;
      if (length >= bytes && (best < 0 || length < this.free[best].bytes)) best = i;
    }
    if (best < 0) return { buffer: this.fresh(bytes), offset: 0, bytes };
    const region = this.free[best];
    this.free.splice(best, 1);
    const used = Math.ceil(bytes / ALIGN) * ALIGN;
    if (region.bytes - used >= SPLIT_MIN_BYTES) {
      this.free.push({ buffer: region.buffer, offset: region.offset + used, bytes: region.bytes - used });
      region.bytes = used;
    }
    if (zeroed) new Uint8Array(region.buffer, region.offset, bytes).fill(0);
    return region;
  }

  uint32(length: number, zeroed = true): Uint32Array {
    const { buffer, offset } = this.take(4 * length, zeroed);
    return new Uint32Array(buffer, offset, length);
  }

  uint8(length: number, zeroed = true): Uint8Array {
    const { buffer, offset } = this.take(length, zeroed);
    return new Uint8Array(buffer, offset, length);
  }

  float64(length: number, zeroed = true): Float64Array {
    const { buffer, offset } = this.take(8 * length, zeroed);
    return new Float64Array(buffer, offset, length);
  }

  /**
   * Buffers of these sizes made ahead of time, their pages faulted in, a slice at a time: each call
   * of the returned step touches up to `sliceBytes` and says whether any is left. For a thread with
   * time to spare before the passes (the parser waiting for its edges worker): the passes then
   * take them from the pool as they would reused ones, and the kernel's fault-and-zero of every
   * page, paid on the passes' own time otherwise, is already done. A buffer is in the pool from its
   * first slice on: one only partly faulted is still a whole buffer.
   */
  prefault(byteLengths: number[], sliceBytes = 16 << 20): () => boolean {
    const PAGE = 4096;
    let index = 0;
    let offset = 0;
    let pages: Uint8Array | null = null;
    return () => {
      let budget = sliceBytes;
      while (budget > 0 && index < byteLengths.length) {
        if (pages === null) {
          const buffer = this.fresh(byteLengths[index]);
          this.free.push({ buffer, offset: 0, bytes: buffer.byteLength });
          pages = new Uint8Array(buffer);
          offset = 0;
        }
        // Fresh memory reads as zero: writing a zero into each page faults it in and changes nothing.
        const end = Math.min(pages.length, offset + budget);
        for (let at = offset; at < end; at += PAGE) pages[at] = 0;
        budget -= end - offset;
        offset = end;
        if (offset >= pages.length) {
          pages = null;
          index++;
        }
      }
      return index < byteLengths.length;
    };
  }

  /** Forget the free buffers, so that those nobody took become garbage while the pool lives on. */
  drop(): void {
    this.free.length = 0;
  }

  /** Give back the memory under these arrays (the caller no longer reads or writes them). */
  give(...arrays: ArrayBufferView[]): void {
    for (const array of arrays) {
      const buffer = array.buffer;
      // Other shared memory is the parser's (graph columns), and small arrays are not worth keeping.
      const ours = buffer instanceof ArrayBuffer || this.ownShared.has(buffer);
      if (!ours || array.byteLength < 1 << 16) continue;
      const offset = array.byteOffset;
      const end = offset + array.byteLength;
      // Memory already free (the same array twice, or a view into a free region) is not added again.
      if (this.free.some((r) => r.buffer === buffer && r.offset < end && offset < r.offset + r.bytes)) continue;
      this.free.push({ buffer, offset, bytes: array.byteLength });
    }
  }
}

/** Allocates afresh and keeps nothing: for callers that do not share buffers between passes. */
export const NO_SHARING = {
  uint32: (length: number) => new Uint32Array(length),
  uint8: (length: number) => new Uint8Array(length),
  float64: (length: number) => new Float64Array(length),
  give: () => {},
};

export type BufferSource = Pick<WorkBuffers, 'uint32' | 'uint8' | 'float64' | 'give'>;
