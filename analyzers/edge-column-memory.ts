/**
 * The edge columns of a file parsed on two threads, in the edges worker's WebAssembly memory: its
 * kernel's region first (two chunk buffers and a batch, `number-scan-kernel.ts`), then
 * `edgeToNode`, `edgeNameOrIndex` and `edgeType`. The worker's kernel then splits each batch of rows
 * into the columns itself (`splitEdgeRows`), where JavaScript took about as long again as the
 * tokenizer did (a loop of typed-array reads and writes, and a division, per edge).
 *
 * The memory is shared, made by the main thread and sent to the worker, so the columns are views of
 * one SharedArrayBuffer on both sides, as the second core's jobs need them (`second-core-job.ts`).
 * It costs the chunk buffers' 2 x 16 MiB for as long as the columns live, since one memory cannot
 * be given back in part. A file whose columns would not fit in wasm32's 4 GiB (about 470M edges)
 * gets SharedArrayBuffers, and the JavaScript row loop, as before.
 */
import { BATCH_VALUES, kernelRegionBytes, sharedKernelMemory, type EdgeColumnViews } from './number-scan-kernel.js';

export interface EdgeColumnMemory {
  memory: WebAssembly.Memory;
  edgeCount: number;
  /** Byte offset of `edgeToNode`, past the kernel's region for chunks of the worker's size. */
  columnsAt: number;
}

/**
 * A memory for the worker's kernel with chunks of up to `chunkSize` bytes and `edgeCount` edges'
 * columns, or null when it cannot be had.
 */
export function allocateEdgeColumnMemory(edgeCount: number, chunkSize: number): EdgeColumnMemory | null {
  const columnsAt = Math.ceil(kernelRegionBytes(chunkSize, BATCH_VALUES) / 8) * 8;
  const memory = sharedKernelMemory(columnsAt + 9 * edgeCount);
  return memory === null ? null : { memory, edgeCount, columnsAt };
}

/** The columns as views of the memory, on whichever thread calls this. */
export function edgeColumnsIn({ memory, edgeCount, columnsAt }: EdgeColumnMemory): EdgeColumnViews {
  const buffer = memory.buffer;
  return {
    edgeToNode: new Uint32Array(buffer, columnsAt, edgeCount),
    edgeNameOrIndex: new Uint32Array(buffer, columnsAt + 4 * edgeCount, edgeCount),
    edgeType: new Uint8Array(buffer, columnsAt + 8 * edgeCount, edgeCount),
  };
}
