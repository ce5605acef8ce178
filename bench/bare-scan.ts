/**
 * Child process for the engine benchmark: the floor under any parser of this file on one core.
 * A loop reads the file in 16 MiB chunks and turns each run of ASCII digits into an integer, and
 * does nothing else: no columns, no checks, no strings, no JSON. What memprobe does beyond this
 * (validation, columns, strings, the graph passes) is what its time over this one pays for.
 *
 *   node dist/bench/bare-scan.js <file.heapsnapshot>
 *
 * Prints one JSON line: how many numbers, their sum (so the loop cannot be optimised away) and the
 * in-process wall time.
 */
import { closeSync, openSync, readSync } from 'node:fs';

const file = process.argv[2];
if (!file) {
  console.error('usage: bare-scan.js <file.heapsnapshot>');
  process.exit(2);
}

const CHUNK = 16 * 1024 * 1024;

/** Numbers found in bytes 0..length-1 of `buf`, continuing a number `state.value` left open. */
function scan(buf: Uint8Array, length: number, state: Float64Array): void {
  let value = state[0];
  let inNumber = state[1];
  let count = state[2];
  let sum = state[3];
  for (let i = 0; i < length; i++) {
    const d = buf[i] - 0x30;
    if (d >= 0 && d <= 9) {
      value = value * 10 + d;
      inNumber = 1;
    } else if (inNumber === 1) {
      count++;
      sum += value;
      value = 0;
      inNumber = 0;
    }
  }
  state[0] = value;
  state[1] = inNumber;
  state[2] = count;
  state[3] = sum;
}

const started = performance.now();
const fd = openSync(file, 'r');
const buf = Buffer.allocUnsafe(CHUNK);
const state = new Float64Array(4);
let bytes = 0;
for (;;) {
  const got = readSync(fd, buf, 0, CHUNK, null);
  if (got === 0) break;
  bytes += got;
  scan(buf, got, state);
}
closeSync(fd);
if (state[1] === 1) {
  state[2]++;
  state[3] += state[0];
}
console.log(JSON.stringify({ bytes, numbers: state[2], sum: state[3], scanMs: Math.round(performance.now() - started) }));
