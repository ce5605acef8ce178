/**
 * Child process for the engine benchmark: memlab's `getFullHeapFromFile` (parse, dominators,
 * retained sizes) on one file, then TrendSink's retained size as memlab computes it.
 * Prints one JSON line.
 *
 *   node --max-old-space-size=16384 dist/bench/memlab-full-heap.js <file.heapsnapshot>
 */
import { createRequire } from 'node:module';

interface MemlabNode {
  name: string;
  type: string;
  retainedSize: number;
}
interface MemlabHeap {
  nodes: { length: number; forEach(callback: (node: MemlabNode) => void): void };
  edges: { length: number };
}

const file = process.argv[2];
if (!file) {
  console.error('usage: memlab-full-heap.js <file.heapsnapshot>');
  process.exit(2);
}
// memlab is CommonJS and prints progress on stdout; keep stdout for the result line.
const require = createRequire(import.meta.url);
const { getFullHeapFromFile } = require('@memlab/heap-analysis') as {
  getFullHeapFromFile(file: string): Promise<MemlabHeap>;
};
const write = process.stdout.write.bind(process.stdout);
process.stdout.write = ((...args: Parameters<typeof process.stderr.write>) => process.stderr.write(...args)) as typeof process.stdout.write;
const started = performance.now();
const heap = await getFullHeapFromFile(file);
const analyzeMs = performance.now() - started;
let trendSinkCount = 0;
let trendSinkRetained = 0;
heap.nodes.forEach((node) => {
  if (node.type === 'object' && node.name === 'TrendSink') {
    trendSinkCount++;
    trendSinkRetained += node.retainedSize;
  }
});
write(
  `${JSON.stringify({
    nodeCount: heap.nodes.length,
    edgeCount: heap.edges.length,
    analyzeMs: Math.round(analyzeMs),
    trendSinkCount,
    trendSinkRetained,
  })}\n`,
);
