/**
 * What to do about a finding: one hint per growth pattern, naming the usual fix and where the
 * growing thing hangs (the last readable steps of its retainer path). Hints never change a verdict;
 * an owner's name may only refine the wording (a metrics owner gets the label-cardinality wording).
 */
import type { GrowthPattern } from './verdicts.js';

/** The tail of a retainer path a user can search their code for: `Registry.sinks → TrendSink`. */
export function whereItHangs(retainerPath: string[], owner: string): string {
  const steps = retainerPath.filter((s) => s && !s.startsWith('(') && !/^\d+$/.test(s) && !s.startsWith('system /'));
  const tail = steps.slice(-4);
  if (tail.length === 0 || (tail.length === 1 && tail[0] === owner)) return owner;
  return tail.join(' → ');
}

const METRICS_NAME = /metric|counter|gauge|histogram|summary|registry|series|sink|trend|meter|timer?stat/i;
const CACHE_NAME = /cache|lru|memo|store|pool/i;

export function hintFor(pattern: GrowthPattern, owner: string, retainerPath: string[]): string {
  const at = whereItHangs(retainerPath, owner);
  switch (pattern) {
    case 'sample-store':
      return (
        `${owner} keeps every sample (${at}). Record into a bounded streaming histogram instead ` +
        `(HdrHistogram via hdr-histogram-js, t-digest, DDSketch) and keep only its summary, ` +
        `or flush samples to an external sink and clear the array.`
      );
    case 'series-multiplying':
      return (
        `New ${owner} series keep being created (${at}): a label/tag with unbounded values ` +
        `(ids, raw URLs, timestamps) multiplies them. Drop or normalise high-cardinality labels ` +
        `(route templates instead of paths), cap the number of series with eviction, ` +
        `and give each series a bounded streaming histogram rather than raw samples.`
      );
    case 'keyed-store':
      if (METRICS_NAME.test(owner)) {
        return (
          `${owner} keeps a series for every distinct label set (${at}). Remove high-cardinality ` +
          `label values (user ids, request ids, full URLs), or cap series with eviction/TTL ` +
          `(and remove() stale label sets).`
        );
      }
      return (
        `${owner} adds entries and never evicts them (${at}). Cap it: an LRU with a max ` +
        `(lru-cache { max }), a TTL (node-cache stdTTL/checkperiod), or delete entries when the ` +
        `work they belong to ends; WeakMap when keys are objects.`
      );
    case 'value-store':
      return CACHE_NAME.test(owner)
        ? `${owner} keeps every value it is given (${at}). Bound it with a max size or TTL eviction.`
        : `${owner} keeps every value it is given (${at}). Bound it (ring buffer, cap, rotation), ` +
            `aggregate it, or stream it out (log/sink) instead of holding it in memory.`;
    case 'memoized':
      return (
        `${owner} keeps a result for every distinct input (${at}): memoized values, settled promises ` +
        `or compiled functions cached by key and never evicted. Bound the cache (an LRU with a max, ` +
        `a TTL), key it by something with few values (the template, not the rendered text), or drop ` +
        `the entry once the result is used.`
      );
    case 'async-contexts':
      return (
        `${owner} keeps a context for every async operation (${at}), and the entries outlive the ` +
        `operations: the hook's destroy callback never runs for them (a promise or a resource kept in ` +
        `the context keeps it from being collected, or destroy is not wired). Use Node's ` +
        `AsyncLocalStorage, which ties the context to the resource itself, or delete the entry when ` +
        `the request ends.`
      );
    case 'listeners':
      return (
        `Listeners are added per request and never removed (${at}). Remove them when the work ends: ` +
        `emitter.off()/removeListener() with the same function, once() for one-shot events, or an ` +
        `AbortSignal for addEventListener; Node's MaxListenersExceededWarning is the early sign.`
      );
    case 'timers':
      return (
        `Timers are started per request and never cleared (${at}). Keep the handle and ` +
        `clearInterval()/clearTimeout() it when the request ends (in finally, or on 'close'); ` +
        `a pending timer keeps its callback and everything the callback closes over alive.`
      );
    case 'sockets':
      return (
        `Requests, responses, sockets or streams outlive their work (${at}). Do not keep req/res in ` +
        `long-lived collections: remove them on 'close'/'finish'/'end' (or hold them in a WeakSet/WeakMap); ` +
        `end() or destroy() streams you open per request; consume or destroy bodies ` +
        `(res.resume(), body.dump()) and destroy sockets on error.`
      );
    case 'promises':
      return (
        `Promises pile up unsettled or held (${at}). Settle or time out pending promises, and ` +
        `do not keep per-request promises in a long-lived collection after they resolve.`
      );
    case 'closures':
      return (
        `Per-request closures (and the contexts they capture) are kept (${at}). Delete the entry ` +
        `when the request completes (map.delete(id) in finally), or hold callbacks in a WeakMap/WeakRef; ` +
        `check what each closure captures.`
      );
    case 'per-request-objects':
      return (
        `${owner} objects are created per request and never released (${at}). Remove them from the ` +
        `Map/array that holds them when the request ends, or key them weakly (WeakMap/WeakRef).`
      );
    case 'levelled-off':
      return (
        `${owner} grew and then levelled off (${at}): a cache filling up or warm-up. ` +
        `Not a leak; check that its cap fits the memory budget at production key counts.`
      );
  }
}
