/**
 * What each node is, as one of the structural CATEGORIES of `snapshot-summary.ts`: the kinds that
 * tell a leak (transient things surviving: closures, contexts, listeners, timers, sockets,
 * promises) from accumulation (plain values piling up in a long-lived store).
 *
 * How V8 (Node 20, V8 11) names these nodes, from snapshots of small programs:
 * - A JS object is type `object` named after its constructor: `TrendSink`, `Timeout`, `Socket`,
 *   `Object` for literals, `Array`, `Map`. Its backing stores are separate nodes: `elements` ->
 *   array `(object elements)`, out-of-object `properties` -> array `(object properties)` or hidden
 *   `system / PropertyArray`.
 * - `values.push(x)` of doubles: the JSArray (32 bytes) holds `(object elements)` with no element
 *   edges at all: a FixedDoubleArray stores raw doubles, as a smi-only array stores raw integers.
 *   Element edges appear only for pointers (strings, heap numbers, objects).
 * - A Map/Set object (32 bytes) holds `table` -> an unnamed array (an OrderedHashMap) whose
 *   internal edges are named by slot index: key at slot k, value at k + 1, so a value's key is the
 *   slot before it.
 * - A function is type `closure`; its captured variables live in `context` -> object
 *   `system / Context` (type `hidden` in older V8), whose `context` edges are named after the
 *   variables.
 * - `emitter.on('x', fn)`: EventEmitter `_events` -> `Object` with property `x` -> the closure,
 *   or an `Array` of closures once there are two. eventemitter3 is the same shape with `EE` records.
 * - `setInterval(fn)`: a `Timeout` object (property `_onTimeout` -> the closure) in a doubly linked
 *   list headed by a `TimersList`; immediates are `Immediate` in an `ImmediateList`.
 * - Sockets are JS objects (`Socket`, `IncomingMessage`, `ServerResponse`, `ClientRequest`) over
 *   handle wrappers (`TCP`, `Pipe`, `TLSWrap`, `HTTPParser`) with native `Node / ...` nodes behind.
 * - `hidden` and `object shape` nodes (`system / Map`, DescriptorArray, FeedbackCell) and `code`
 *   nodes are the VM's own metadata.
 */
import { CATEGORIES, type Category } from './snapshot-summary.js';
import { typeCodes, type HeapSnapshot } from './heap-snapshot.js';

export const CATEGORY_INDEX = Object.fromEntries(CATEGORIES.map((c, i) => [c, i])) as Record<Category, number>;

const TIMER_NAMES = new Set(['Timeout', 'Immediate', 'TimersList', 'ImmediateList']);
const SOCKET_NAMES = new Set([
  'Socket', 'TLSSocket', 'IncomingMessage', 'ServerResponse', 'ClientRequest', 'Server',
  'TCP', 'TCPWrap', 'Pipe', 'PipeWrap', 'TTY', 'UDP', 'TLSWrap', 'HTTPParser', 'WriteWrap',
  'ShutdownWrap', 'ConnectWrap', 'LibuvStreamWrap', 'HandleWrap', 'Http2Session', 'Http2Stream',
]);
const COLLECTION_NAMES = new Set(['Map', 'Set', 'WeakMap', 'WeakSet']);
/** Built-in constructors whose instances are values or containers, not user-recognisable instances. */
export const BUILTIN_CONSTRUCTORS = new Set([
  'Object', 'Array', 'Map', 'Set', 'WeakMap', 'WeakSet', 'WeakRef', 'FinalizationRegistry', 'Promise',
  'Error', 'TypeError', 'RangeError', 'SyntaxError', 'ReferenceError', 'Date', 'RegExp', 'Function',
  'ArrayBuffer', 'SharedArrayBuffer', 'DataView', 'Uint8Array', 'Int8Array', 'Uint8ClampedArray',
  'Uint16Array', 'Int16Array', 'Uint32Array', 'Int32Array', 'Float32Array', 'Float64Array',
  'BigInt64Array', 'BigUint64Array', 'Boolean', 'Number', 'String', 'Symbol', 'BigInt', 'Arguments',
  'Generator', 'AsyncGenerator', 'Iterator', 'Map Iterator', 'Set Iterator', 'Array Iterator',
]);

const C = CATEGORY_INDEX;

/** One category index (into CATEGORIES) per node. */
export function classifyNodes(snapshot: HeapSnapshot): Uint8Array {
  const { nodeCount, nodeType, nodeName, strings } = snapshot;
  const t = typeCodes(snapshot).node;
  const category = new Uint8Array(nodeCount);
  const objectCategoryByName = new Map<number, number>();

  for (let node = 0; node < nodeCount; node++) {
    const type = nodeType[node];
    let c: number;
    if (type === t.object) {
      const nameIndex = nodeName[node];
      let cached = objectCategoryByName.get(nameIndex);
      if (cached === undefined) {
        cached = objectCategory(strings[nameIndex]);
        objectCategoryByName.set(nameIndex, cached);
      }
      c = cached;
    } else if (type === t.closure) c = C.closure;
    else if (type === t.string || type === t.concatenatedString || type === t.slicedString) c = C.string;
    else if (type === t.number) c = C.number;
    else if (type === t.bigint) c = C.bigint;
    else if (type === t.code || type === t.objectShape) c = C.code;
    else if (type === t.native) c = SOCKET_NAMES.has(strings[nodeName[node]]) ? C.socket : C.native;
    else if (type === t.hidden) c = hiddenCategory(strings[nodeName[node]]);
    else c = C.other; // array (settled below), synthetic, regexp, symbol
    category[node] = c;
  }

  classifyBackingStores(snapshot, category);
  markCollectionTables(snapshot, category);
  markListeners(snapshot, category);
  markTimerCallbacks(snapshot, category);
  return category;
}

function objectCategory(name: string): number {
  if (name === 'system / Context') return C.context;
  if (name.startsWith('system / Promise')) return C.promise;
  if (name.startsWith('system / ')) return C.code;
  if (name === 'Object') return C['plain-object'];
  if (name === 'Array') return C['object-array']; // settled by its elements in classifyBackingStores
  if (COLLECTION_NAMES.has(name)) return C.collection;
  if (name === 'Promise') return C.promise;
  if (TIMER_NAMES.has(name)) return C.timer;
  if (SOCKET_NAMES.has(name)) return C.socket;
  if (BUILTIN_CONSTRUCTORS.has(name) || name === '' || name.startsWith('(')) return C.other;
  return C.instance;
}

function hiddenCategory(name: string): number {
  if (name === 'system / Context') return C.context;
  if (name.startsWith('system / Promise')) return C.promise;
  if (name === 'system / PropertyArray') return C['object-array']; // settled in classifyBackingStores
  return C.code;
}

/**
 * Element and property stores (`(object elements)`, `(object properties)`, PropertyArray) are
 * value arrays when every slot they point to is a value (string, number, bigint, oddball) or
 * when they point to nothing (raw doubles, smis), object arrays otherwise. A JSArray takes the
 * category of its elements, so `samples.push(1.5)` is value-array through and through.
 */
function classifyBackingStores(snapshot: HeapSnapshot, category: Uint8Array): void {
  const { nodeCount, nodeType, nodeName, strings, firstEdge, edgeType, edgeToNode, edgeNameOrIndex } = snapshot;
  const codes = typeCodes(snapshot);
  const t = codes.node;
  const e = codes.edge;
  const storeName = new Set(['(object elements)', '(object properties)', 'system / PropertyArray']);
  const isStoreName = new Map<number, boolean>();
  const mapIndex = strings.indexOf('map');
  const elementsIndex = strings.indexOf('elements');

  const holdsOnlyValues = (node: number): boolean => {
    for (let edge = firstEdge[node], end = firstEdge[node + 1]; edge < end; edge++) {
      const type = edgeType[edge];
      if (type === e.weak) continue;
      if (type === e.internal && edgeNameOrIndex[edge] === mapIndex) continue;
      const target = nodeType[edgeToNode[edge]];
      const isValue =
        target === t.string || target === t.concatenatedString || target === t.slicedString ||
        target === t.number || target === t.bigint ||
        (target === t.hidden && strings[nodeName[edgeToNode[edge]]] === 'system / Oddball');
      if (!isValue) return false;
    }
    return true;
  };

  for (let node = 0; node < nodeCount; node++) {
    const type = nodeType[node];
    if (type !== t.array && type !== t.hidden) continue;
    const nameIndex = nodeName[node];
    let isStore = isStoreName.get(nameIndex);
    if (isStore === undefined) {
      isStore = storeName.has(strings[nameIndex]);
      isStoreName.set(nameIndex, isStore);
    }
    if (isStore) category[node] = holdsOnlyValues(node) ? C['value-array'] : C['object-array'];
  }

  const arrayName = strings.indexOf('Array');
  if (arrayName < 0) return;
  for (let node = 0; node < nodeCount; node++) {
    if (nodeType[node] !== t.object || nodeName[node] !== arrayName) continue;
    for (let edge = firstEdge[node], end = firstEdge[node + 1]; edge < end; edge++) {
      if (edgeType[edge] === e.internal && edgeNameOrIndex[edge] === elementsIndex) {
        category[node] = category[edgeToNode[edge]] === C['value-array'] ? C['value-array'] : C['object-array'];
        break;
      }
    }
  }
}

/** The hash table behind each Map/Set/WeakMap/WeakSet (`table` edge) is collection, not array. */
function markCollectionTables(snapshot: HeapSnapshot, category: Uint8Array): void {
  const { nodeCount, nodeType, nodeName, strings, firstEdge, edgeType, edgeToNode, edgeNameOrIndex } = snapshot;
  const codes = typeCodes(snapshot);
  const tableIndex = strings.indexOf('table');
  if (tableIndex < 0) return;
  const collectionNames = new Set<number>();
  for (const name of COLLECTION_NAMES) {
    const index = strings.indexOf(name);
    if (index >= 0) collectionNames.add(index);
  }
  for (let node = 0; node < nodeCount; node++) {
    if (nodeType[node] !== codes.node.object || !collectionNames.has(nodeName[node])) continue;
    for (let edge = firstEdge[node], end = firstEdge[node + 1]; edge < end; edge++) {
      if (edgeType[edge] === codes.edge.internal && edgeNameOrIndex[edge] === tableIndex) {
        category[edgeToNode[edge]] = C.collection;
      }
    }
  }
}

/**
 * Everything an emitter's `_events` record holds, down to the listener functions: the record, the
 * per-event arrays and their stores, eventemitter3's `EE` wrappers, and the closures themselves.
 * The walk stops at closures (their contexts stay `context`) and goes at most three levels deep,
 * which covers `_events.x[i].fn`.
 */
function markListeners(snapshot: HeapSnapshot, category: Uint8Array): void {
  const { nodeCount, nodeType, strings, firstEdge, edgeType, edgeToNode, edgeNameOrIndex } = snapshot;
  const codes = typeCodes(snapshot);
  const t = codes.node;
  const e = codes.edge;
  const eventsIndex = strings.indexOf('_events');
  if (eventsIndex < 0) return;
  const protoIndex = strings.indexOf('__proto__');
  const elementsIndex = strings.indexOf('elements');

  const stack: number[] = [];
  for (let node = 0; node < nodeCount; node++) {
    if (nodeType[node] !== t.object) continue;
    for (let edge = firstEdge[node], end = firstEdge[node + 1]; edge < end; edge++) {
      if (edgeType[edge] !== e.property || edgeNameOrIndex[edge] !== eventsIndex) continue;
      const record = edgeToNode[edge];
      if (nodeType[record] !== t.object) continue;
      stack.push(record, 0);
    }
  }
  while (stack.length) {
    const depth = stack.pop()!;
    const node = stack.pop()!;
    const type = nodeType[node];
    category[node] = C.listener;
    if (type === t.closure || depth >= 3) continue;
    for (let edge = firstEdge[node], end = firstEdge[node + 1]; edge < end; edge++) {
      const edgeKind = edgeType[edge];
      const name = edgeNameOrIndex[edge];
      const follows =
        (edgeKind === e.property && name !== protoIndex) ||
        edgeKind === e.element ||
        (edgeKind === e.internal && name === elementsIndex);
      if (!follows) continue;
      const target = edgeToNode[edge];
      const targetType = nodeType[target];
      if (targetType === t.closure || targetType === t.object || targetType === t.array) stack.push(target, depth + 1);
    }
  }
}

/** A timer's callback (`_onTimeout`, `_onImmediate`) is part of the timer. */
function markTimerCallbacks(snapshot: HeapSnapshot, category: Uint8Array): void {
  const { nodeCount, nodeType, strings, firstEdge, edgeType, edgeToNode, edgeNameOrIndex } = snapshot;
  const codes = typeCodes(snapshot);
  const callbackNames = new Set([strings.indexOf('_onTimeout'), strings.indexOf('_onImmediate')]);
  callbackNames.delete(-1);
  if (callbackNames.size === 0) return;
  for (let node = 0; node < nodeCount; node++) {
    if (category[node] !== C.timer || nodeType[node] !== codes.node.object) continue;
    for (let edge = firstEdge[node], end = firstEdge[node + 1]; edge < end; edge++) {
      if (edgeType[edge] !== codes.edge.property || !callbackNames.has(edgeNameOrIndex[edge])) continue;
      const target = edgeToNode[edge];
      if (nodeType[target] === codes.node.closure) category[target] = C.timer;
    }
  }
}
