/**
 * Finding a byte string in a snapshot file without parsing what lies before it: reads of 1 MiB
 * and Buffer.indexOf, at about the speed of memory. The split parse uses it to find where `edges`
 * begins (the edges worker, `snapshot-edges-worker.ts`) and where it ends (the main thread,
 * `snapshot-parser.ts`); what it finds is a claim that the readers then check.
 */
import { readSync } from 'node:fs';

const SEARCH_CHUNK = 1024 * 1024;

/** Read bytes `at..at+length` (fewer at end of file) into `buf`; returns how many. */
export function readAt(fd: number, buf: Buffer, length: number, at: number): number {
  let got = 0;
  while (got < length) {
    const n = readSync(fd, buf, got, length - got, at + got);
    if (n === 0) break;
    got += n;
  }
  return got;
}

/** First offset at or after `from` where `needle` occurs, or -1. `buf` is the reads' buffer. */
export function indexOfFrom(fd: number, needle: Buffer, from: number, fileSize: number, buf: Buffer = Buffer.allocUnsafe(SEARCH_CHUNK)): number {
  for (let at = from; at < fileSize; at += buf.length - (needle.length - 1)) {
    const got = readAt(fd, buf, Math.min(buf.length, fileSize - at), at);
    const found = buf.subarray(0, got).indexOf(needle);
    if (found >= 0) return at + found;
    if (at + got >= fileSize) break;
  }
  return -1;
}

/** A buffer for `indexOfFrom`'s reads, to reuse across searches. */
export function searchBuffer(): Buffer {
  return Buffer.allocUnsafe(SEARCH_CHUNK);
}

/**
 * Offsets where `needle` occurs, last first, from `end` down to `floor` (an occurrence must start
 * at or after it): a generator, so a caller can stop at the first that suits it.
 */
export function* lastIndexesBefore(fd: number, needle: Buffer, end: number, floor: number, buf: Buffer = Buffer.allocUnsafe(SEARCH_CHUNK)): Generator<number> {
  // Windows [start, stop) from the end down, overlapping by the needle's length less one.
  for (let stop = end; stop - floor >= needle.length; ) {
    const start = Math.max(floor, stop - buf.length);
    const got = readAt(fd, buf, stop - start, start);
    if (got !== stop - start) return;
    const window = buf.subarray(0, got);
    for (let at = window.lastIndexOf(needle); at >= 0; at = at > 0 ? window.lastIndexOf(needle, at - 1) : -1) yield start + at;
    if (start === floor) return;
    stop = start + needle.length - 1;
  }
}
