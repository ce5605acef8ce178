/**
 * Child process for the engine benchmark: memprobe's snapshot parser alone on one file.
 * Prints one JSON line: counts, parse wall time, the process's CPU time (all threads: the edges
 * worker's share included), and its memory after parsing: RSS, JS heap, and ArrayBuffers (which
 * leave out WebAssembly memories, where the tokenizer keeps the node and edge columns).
 *
 *   node dist/bench/parse-snapshot.js <file.heapsnapshot> [--sequential]
 *
 * `--sequential` turns the edges worker off, for A/B runs on a shared machine, where wall time
 * moves with other load and only alternating runs compare fairly.
 */
import { parseSnapshotFile } from '../analyzers/snapshot-parser.js';

const file = process.argv[2];
if (!file) {
  console.error('usage: parse-snapshot.js <file.heapsnapshot> [--sequential]');
  process.exit(2);
}
const sequential = process.argv.includes('--sequential');
const cpuBefore = process.cpuUsage();
const started = performance.now();
let split: 'held' | 'abandoned' | 'none' = 'none';
const onSplit = (held: boolean): void => void (split = held ? 'held' : 'abandoned');
const snapshot = await parseSnapshotFile(file, sequential ? { workerMinBytes: Infinity } : { onSplit });
const parseMs = performance.now() - started;
const cpu = process.cpuUsage(cpuBefore);
const memory = process.memoryUsage();
console.log(
  JSON.stringify({
    nodeCount: snapshot.nodeCount,
    edgeCount: snapshot.edgeCount,
    strings: snapshot.strings.length,
    mode: sequential ? 'sequential' : 'edges worker',
    split,
    parseMs: Math.round(parseMs),
    cpuUserMs: Math.round(cpu.user / 1000),
    cpuSystemMs: Math.round(cpu.system / 1000),
    heapUsedBytes: memory.heapUsed,
    arrayBufferBytes: memory.arrayBuffers,
    rssBytes: memory.rss,
  }),
);
