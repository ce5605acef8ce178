/**
 * lru-cache@7.18.3 with only a `ttl` (no `max`, no `maxSize`, no `ttlAutopurge`): allowed since 7.4,
 * with a warning, because stale entries are only dropped when looked up: "without ttlAutopurge, it's
 * effectively unsafe and unbounded". Keys that are never read again stay.
 * PR: https://github.com/isaacs/node-lru-cache/pull/210 (fix for #208). Version: lru-cache@7.18.3.
 * Expected: accumulation (cache entries keyed by input, never evicted), owner LRUCache.
 *
 * @expect {"verdict":"accumulation","owner":["LRUCache"],"kind":"script","rps":400,"duration":"15s","issue":"https://github.com/isaacs/node-lru-cache/pull/210","library":"lru-cache@7.18.3","control":false}
 */
import LRU from 'lru-cache-7-18-3';

const cache = new LRU({ ttl: 1000 });
let i = 0;
export const options = { rps: 400, duration: '15s' };
export default function iteration() {
  i++;
  cache.set(`rate:${i}`, { id: i, rate: 1 + (i % 100) / 1000 });
}
