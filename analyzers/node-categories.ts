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
 *   `eventTarget.addEventListener` keeps a doubly linked list of `Listener` objects (`next`,
 *   `previous`) whose `callback`/`listener` is the function.
 * - `setInterval(fn)`: a `Timeout` object (property `_onTimeout` -> the closure) in a doubly linked
 *   list headed by a `TimersList`; immediates are `Immediate` in an `ImmediateList`.
 * - Sockets are JS objects (`Socket`, `IncomingMessage`, `ServerResponse`, `ClientRequest`) over
 *   handle wrappers (`TCP`, `Pipe`, `TLSWrap`, `HTTPParser`) with native `Node / ...` nodes behind.
 * - `hidden` and `object shape` nodes (`system / Map`, DescriptorArray, FeedbackCell) and `code`
 *   nodes are the VM's own metadata.
 */
import { CATEGORIES, type Category } from './snapshot-summary.js';
import { typeCodes, type HeapSnapshot } from './heap-snapshot.js';
import { classSiteReader } from './class-sites.js';

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
  'Buffer', 'FastBuffer', // Node's Uint8Array subclass: a value whose bytes are native
]);

const C = CATEGORY_INDEX;
const UNKNOWN = 255;

/** One category index (into CATEGORIES) per node. */
export function classifyNodes(snapshot: HeapSnapshot): Uint8Array {
  const category = new Uint8Array(snapshot.nodeCount);
  classifyByTypeAndName(snapshot, category);
  classifyByStructure(snapshot, category);
  return category;
}

/** Each node on its own: its type, and for objects and hidden nodes its name (cached per string). */
function classifyByTypeAndName(snapshot: HeapSnapshot, category: Uint8Array): void {
  const { nodeCount, nodeType, nodeName, strings } = snapshot;
  const t = typeCodes(snapshot).node;
  const byType = new Uint8Array(snapshot.nodeTypeNames.length).fill(C.other);
  for (const [type, c] of [
    [t.closure, C.closure], [t.string, C.string], [t.concatenatedString, C.string], [t.slicedString, C.string],
    [t.number, C.number], [t.bigint, C.bigint], [t.code, C.code], [t.objectShape, C.code],
  ] as const) {
    if (type >= 0) byType[type] = c;
  }
  const objectByName = new Uint8Array(strings.length).fill(UNKNOWN);
  const hiddenByName = new Uint8Array(strings.length).fill(UNKNOWN);
  const nativeByName = new Uint8Array(strings.length).fill(UNKNOWN);
  const storeName = new Set(['(object elements)', '(object properties)', 'system / PropertyArray']);
  const holdsOnlyValues = valueStoreTest(snapshot);

  for (let node = 0; node < nodeCount; node++) {
    const type = nodeType[node];
    const name = nodeName[node];
    let c: number;
    if (type === t.object) {
      c = objectByName[name];
      if (c === UNKNOWN) c = objectByName[name] = objectCategory(strings.get(name));
    } else if (type === t.hidden || type === t.array) {
      c = hiddenByName[name];
      if (c === UNKNOWN) {
        const text = strings.get(name);
        c = hiddenByName[name] = storeName.has(text) ? C['value-array'] : type === t.hidden ? hiddenCategory(text) : C.other;
      }
      if (c === C['value-array'] && !holdsOnlyValues(node)) c = C['object-array'];
    } else if (type === t.native) {
      c = nativeByName[name];
      if (c === UNKNOWN) c = nativeByName[name] = SOCKET_NAMES.has(strings.get(name)) ? C.socket : C.native;
    } else {
      c = byType[type];
    }
    category[node] = c;
  }
}

function objectCategory(name: string): number {
  if (name === 'system / Context') return C.context;
  if (name.startsWith('system / Promise')) return C.promise;
  if (name.startsWith('system / ')) return C.code;
  if (name === 'Object') return C['plain-object'];
  if (name === 'Array') return C['object-array']; // settled by its elements in classifyByStructure
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
  return C.code;
}

/**
 * An element or property store (`(object elements)`, `(object properties)`, PropertyArray) is a
 * value array when every slot it points to is a value (string, number, bigint, oddball) or when it
 * points to nothing (raw doubles, smis); an object array otherwise.
 */
function valueStoreTest(snapshot: HeapSnapshot): (node: number) => boolean {
  const { firstEdge, edgeType, edgeToNode, nodeType, nodeName, strings } = snapshot;
  const codes = typeCodes(snapshot);
  const t = codes.node;
  const weak = codes.edge.weak;
  const internal = codes.edge.internal;
  const oddball = strings.indexOf('system / Oddball');
  const isValueType = new Uint8Array(snapshot.nodeTypeNames.length);
  for (const type of [t.string, t.concatenatedString, t.slicedString, t.number, t.bigint]) if (type >= 0) isValueType[type] = 1;
  return (node) => {
    for (let edge = firstEdge[node], end = firstEdge[node + 1]; edge < end; edge++) {
      const type = edgeType[edge];
      if (type === weak || type === internal) continue; // `map` and friends
      const target = edgeToNode[edge];
      const targetType = nodeType[target];
      if (isValueType[targetType] === 0 && !(targetType === t.hidden && nodeName[target] === oddball)) return false;
    }
    return true;
  };
}

/**
 * What objects hold, in one sweep over the objects' edges:
 * - a JSArray takes the category of its elements, so `samples.push(1.5)` is value-array through;
 * - the hash table behind a Map/Set (`table`) is collection, not array;
 * - a timer's callback (`_onTimeout`, `_onImmediate`) is part of the timer;
 * - an emitter's `_events` record and everything it holds down to the listener functions (the
 *   per-event arrays and their stores, eventemitter3's `EE` wrappers) are listener. The walk stops
 *   at closures (their contexts stay `context`) and goes at most three levels deep, which covers
 *   `_events.x[i].fn`.
 */
function classifyByStructure(snapshot: HeapSnapshot, category: Uint8Array): void {
  const { nodeCount, nodeType, strings, firstEdge, edgeType, edgeToNode, edgeNameOrIndex } = snapshot;
  const codes = typeCodes(snapshot);
  const t = codes.node;
  const e = codes.edge;
  const index = (name: string) => strings.indexOf(name);
  const ELEMENTS = index('elements');
  const TABLE = index('table');
  const EVENTS = index('_events');
  const ON_TIMEOUT = index('_onTimeout');
  const ON_IMMEDIATE = index('_onImmediate');
  const PROTO = index('__proto__');
  const ARRAY = index('Array');
  const LISTENER = index('Listener');
  const CALLBACK = index('callback');
  const LISTENER_PROPERTY = index('listener');
  const { nodeName } = snapshot;
  // Node's EventTarget keeps `Listener` records; a program's own class may have that name too.
  let sites: ReturnType<typeof classSiteReader> | null = null;
  const siteByHiddenClass = new Map<number, boolean>();
  const isEventTargetListener = (node: number): boolean => {
    sites ??= classSiteReader(snapshot);
    const hiddenClass = sites.hiddenClassOf(node);
    let internal = siteByHiddenClass.get(hiddenClass);
    if (internal === undefined) {
      internal = sites.siteOf(node, hiddenClass)?.startsWith('node:internal/event_target') ?? false;
      siteByHiddenClass.set(hiddenClass, internal);
    }
    return internal;
  };

  const eventRecords: number[] = [];
  for (let node = 0; node < nodeCount; node++) {
    if (nodeType[node] !== t.object) continue;
    let own = category[node];
    const isArray = nodeName[node] === ARRAY;
    if (own === C.instance && nodeName[node] === LISTENER && isEventTargetListener(node)) own = category[node] = C.listener; // EventTarget entries
    // Only arrays, collections, timers and class instances (emitters are) hold what is read here.
    if (!isArray && own !== C.collection && own !== C.timer && own !== C.instance && own !== C.socket && own !== C.listener) continue;
    for (let edge = firstEdge[node], end = firstEdge[node + 1]; edge < end; edge++) {
      const kind = edgeType[edge];
      const name = edgeNameOrIndex[edge];
      const target = edgeToNode[edge];
      if (kind === e.internal) {
        if (name === ELEMENTS && isArray) category[node] = category[target] === C['value-array'] ? C['value-array'] : C['object-array'];
        else if (name === TABLE && own === C.collection) category[target] = C.collection;
      } else if (kind === e.property) {
        if (name === EVENTS && nodeType[target] === t.object) eventRecords.push(target);
        else if ((name === ON_TIMEOUT || name === ON_IMMEDIATE) && own === C.timer && nodeType[target] === t.closure) category[target] = C.timer;
        else if ((name === CALLBACK || name === LISTENER_PROPERTY) && own === C.listener && nodeType[target] === t.closure) category[target] = C.listener;
      }
    }
  }

  const stack: number[] = [];
  for (const record of eventRecords) stack.push(record, 0);
  while (stack.length) {
    const depth = stack.pop()!;
    const node = stack.pop()!;
    category[node] = C.listener;
    if (nodeType[node] === t.closure || depth >= 3) continue;
    for (let edge = firstEdge[node], end = firstEdge[node + 1]; edge < end; edge++) {
      const kind = edgeType[edge];
      const name = edgeNameOrIndex[edge];
      const follows = (kind === e.property && name !== PROTO) || kind === e.element || (kind === e.internal && name === ELEMENTS);
      if (!follows) continue;
      const target = edgeToNode[edge];
      const targetType = nodeType[target];
      if (targetType === t.closure || targetType === t.object || targetType === t.array) stack.push(target, depth + 1);
    }
  }
}
