// A ~500 MB heap of millions of small objects that does not change, plus a small growth: each
// iteration keeps one 80-byte record (7 small-integer fields: 24 B header + 7 x 8 B, measured with a
// heap snapshot once slack tracking has settled) in a slot of an array allocated in setup, so the
// truth is exactly 80 B/request. Used by bench/sampling-large-heap.ts. The target measures its own
// longest event-loop stall (a 10 ms interval timer's worst lateness) and prints it at teardown.
const HEAP_OBJECTS = Number(process.env.LARGE_HEAP_OBJECTS ?? 7_000_000);
const MAX_REQUESTS = Number(process.env.LARGE_HEAP_MAX_REQUESTS ?? 200_000);

class Entry {
  constructor(i) { this.id = i; this.next = null; this.score = i % 97; }
}

class Rec {
  constructor(i) { this.a = i; this.b = i; this.c = i; this.d = i; this.e = i; this.f = i; this.g = i; }
}

let stall = { max: 0, over100: 0, over1000: 0 };

export function setup() {
  const entries = new Array(HEAP_OBJECTS);
  for (let i = 0; i < HEAP_OBJECTS; i++) entries[i] = new Entry(i);
  // Slots for the growth, allocated now so each request adds exactly one Rec.
  const kept = new Array(MAX_REQUESTS).fill(null);
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    const late = now - last - 10;
    last = now;
    if (late > stall.max) stall.max = late;
    if (late > 100) stall.over100++;
    if (late > 1000) stall.over1000++;
  }, 10);
  return { entries, kept, n: 0, timer };
}

function remember(state) {
  state.kept[state.n] = new Rec(state.n);
  state.n++;
}

export default function iteration(state) {
  if (state.n < state.kept.length) remember(state);
}

export function teardown(state) {
  clearInterval(state.timer);
  console.error(`large-heap-target: longest event-loop stall ${stall.max.toFixed(0)} ms; stalls over 100 ms: ${stall.over100}, over 1 s: ${stall.over1000}; heapUsed ${(process.memoryUsage().heapUsed / 1e6).toFixed(0)} MB; kept ${state.n}`);
}
