/**
 * Where a class or function is defined, from the snapshot alone: an instance's class is its
 * prototype's `constructor` (else its hidden class's constructor), a closure's site is its entry in
 * the snapshot's `locations` plus the script its `shared` function info names. Read by owners (class
 * keys) and categories (Node's own EventTarget `Listener` records, told from a user's `Listener`).
 */
import type { HeapSnapshot } from './heap-snapshot.js';
import { typeCodes } from './heap-snapshot.js';

/** `script:line` (1-based) where an instance's class is defined, or null; and its hidden class. */
export function classSiteReader(snapshot: HeapSnapshot): {
  /** `script:line` of a closure's function. */
  functionSite: (closure: number) => string | null;
  hiddenClassOf: (instance: number) => number;
  siteOf: (instance: number, hiddenClass: number) => string | null;
} {
  const { firstEdge, edgeType, edgeNameOrIndex, edgeToNode, strings, nodeType, nodeName } = snapshot;
  const codes = typeCodes(snapshot);
  const named = (name: string) => strings.indexOf(name);
  const MAP = named('map');
  const CONSTRUCTOR = named('constructor');
  const BACK_POINTER = named('back_pointer');
  const PROTO = named('__proto__');
  const SHARED = named('shared');
  const SCRIPT_NAMES = new Set([named('script_or_debug_info'), named('script')]);
  SCRIPT_NAMES.delete(-1);

  const target = (node: number, type: number, name: number): number => {
    if (name < 0) return -1;
    for (let edge = firstEdge[node], end = firstEdge[node + 1]; edge < end; edge++) {
      if (edgeType[edge] === type && edgeNameOrIndex[edge] === name) return edgeToNode[edge];
    }
    return -1;
  };
  // The class is the prototype's `constructor`: for `class Job extends EventEmitter` V8 sets the
  // hidden class's constructor to the base class (EventEmitter), so the map says where the base is
  // defined; `Job.prototype.constructor` is Job itself, as is `Cache.prototype.constructor` for a
  // `class Cache extends Map`, whose map names the builtin Map with no script at all.
  const constructorOf = (instance: number, hiddenClass: number): number => {
    const prototype = target(instance, codes.edge.property, PROTO);
    const own = prototype >= 0 ? target(prototype, codes.edge.property, CONSTRUCTOR) : -1;
    if (own >= 0 && nodeType[own] === codes.node.closure) return own;
    for (let map = hiddenClass, steps = 0; map >= 0 && steps < 64; steps++) {
      const constructor = target(map, codes.edge.internal, CONSTRUCTOR);
      if (constructor >= 0) return nodeType[constructor] === codes.node.closure ? constructor : -1;
      map = target(map, codes.edge.internal, BACK_POINTER);
    }
    return own;
  };
  const siteOf = (closure: number): string | null => {
    const location = snapshot.locations.get(closure);
    if (!location) return null;
    let script = `script#${location.scriptId}`;
    const shared = target(closure, codes.edge.internal, SHARED);
    if (shared >= 0) {
      for (let edge = firstEdge[shared], end = firstEdge[shared + 1]; edge < end; edge++) {
        if (edgeType[edge] !== codes.edge.internal || !SCRIPT_NAMES.has(edgeNameOrIndex[edge])) continue;
        const name = strings.get(nodeName[edgeToNode[edge]]);
        if (name && !name.startsWith('system / ') && !name.startsWith('(')) script = name;
      }
    }
    return `${script}:${location.line + 1}`;
  };

  return {
    functionSite: siteOf,
    hiddenClassOf: (instance) => target(instance, codes.edge.internal, MAP),
    siteOf: (instance, hiddenClass) => {
      const constructor = constructorOf(instance, hiddenClass);
      return constructor >= 0 ? siteOf(constructor) : null;
    },
  };
}

