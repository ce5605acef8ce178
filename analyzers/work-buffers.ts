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
export class WorkBuffers {
  private readonly free: (ArrayBuffer | SharedArrayBuffer)[] = [];
  /** Shared buffers this pool made: given back, they are reused like any other. */
  private readonly ownShared = new WeakSet<SharedArrayBuffer>();

  /**
   * `shared`: every buffer the pool makes is a SharedArrayBuffer, so that any work array (a pass's
   * result included) can be handed to a pass on another thread (`second-core-job.ts`).
   */
  constructor(private readonly options: { shared?: boolean } = {}) {}

  private fresh(bytes: number): ArrayBuffer | SharedArrayBuffer {
    if (!this.options.shared) return new ArrayBuffer(bytes);
    const buffer = new SharedArrayBuffer(bytes);
    this.ownShared.add(buffer);
    return buffer;
  }

  /** A buffer of at least `bytes` bytes: the smallest free one that fits, else a new (zeroed) one. */
  take(bytes: number, zeroed: boolean): ArrayBuffer | SharedArrayBuffer {
    let best = -1;
    for (let i = 0; i < this.free.length; i++) {
      const length = this.free[i].byteLength;
      if (length >= bytes && (best < 0 || length < this.free[best].byteLength)) best = i;
    }
    if (best < 0) return this.fresh(bytes);
    const buffer = this.free[best];
    this.free.splice(best, 1);
    if (zeroed) new Uint8Array(buffer, 0, bytes).fill(0);
    return buffer;
  }

  uint32(length: number, zeroed = true): Uint32Array {
    return new Uint32Array(this.take(4 * length, zeroed), 0, length);
  }

  uint8(length: number, zeroed = true): Uint8Array {
    return new Uint8Array(this.take(length, zeroed), 0, length);
  }

  float64(length: number, zeroed = true): Float64Array {
    return new Float64Array(this.take(8 * length, zeroed), 0, length);
  }


  /** Give back the buffers under these arrays (the caller no longer reads or writes them). */
  give(...arrays: ArrayBufferView[]): void {
    for (const array of arrays) {
      const buffer = array.buffer;
      // Other shared memory is the parser's (graph columns), and small buffers are not worth keeping.
      const ours = buffer instanceof ArrayBuffer || this.ownShared.has(buffer);
      if (!ours || buffer.byteLength < 1 << 16 || this.free.includes(buffer)) continue;
      this.free.push(buffer);
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
