/**
 * Child process for the engine benchmark: memprobe's snapshot parser alone on one file.
 * Prints one JSON line: counts, parse time, and the process's heap/external memory after parsing.
 *
 *   node dist/bench/parse-snapshot.js <file.heapsnapshot>
 */
import { parseSnapshotFile } from '../analyzers/snapshot-parser.js';

const file = process.argv[2];
if (!file) {
  console.error('usage: parse-snapshot.js <file.heapsnapshot>');
  process.exit(2);
}
const started = performance.now();
const snapshot = await parseSnapshotFile(file);
const parseMs = performance.now() - started;
const memory = process.memoryUsage();
console.log(
  JSON.stringify({
    nodeCount: snapshot.nodeCount,
    edgeCount: snapshot.edgeCount,
    strings: snapshot.strings.length,
    parseMs: Math.round(parseMs),
    heapUsedBytes: memory.heapUsed,
    arrayBufferBytes: memory.arrayBuffers,
  }),
);
