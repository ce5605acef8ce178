/**
 * lru-cache@7.8.0 with `maxSize` + `sizeCalculation` and no `max`: `calculatedSize` stays under
 * maxSize, but evicted entries are not actually released from the unbounded storage used when
 * `max` is unset, so memory keeps growing ("not setting a max is definitely the key component here.
 * I can reproduce it."). Fixed in a later 7.x release (7.18.3, the control, releases them).
 * Issue: https://github.com/isaacs/node-lru-cache/issues/227. Leaking version: lru-cache@7.8.0.
 * Control: lru-cache-7.18.3-maxsize-without-max.mjs.
 * Expected: accumulation (cache entries kept past their eviction), owner LRUCache.
 *
 * @expect {"verdict":"accumulation","owner":["LRUCache"],"kind":"script","rps":300,"duration":"15s","issue":"https://github.com/isaacs/node-lru-cache/issues/227","library":"lru-cache@7.8.0","control":false}
 */
import LRU from 'lru-cache-7-8-0';

const cache = new LRU({ maxSize: 200_000, sizeCalculation: (v) => v.payload.length + 64 });
let i = 0;
export const options = { rps: 300, duration: '15s' };
export default function iteration() {
  i++;
  cache.set(`doc:${i}`, { id: i, payload: `row ${i} `.repeat(20) });
  return cache.get(`doc:${i - 3}`)?.id ?? 0;
}
