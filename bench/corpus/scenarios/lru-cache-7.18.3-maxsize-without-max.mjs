/**
 * Control for lru-cache-7.8.0-maxsize-without-max.mjs: the same `maxSize`-only cache on
 * lru-cache@7.18.3, which evicts and releases entries once `maxSize` is reached.
 * Issue: https://github.com/isaacs/node-lru-cache/issues/227. Fixed version: lru-cache@7.18.3.
 * Expected: no finding (it fills during warm-up), or bounded.
 *
 * @expect {"verdict":"none","accept":["bounded"],"owner":["LRUCache"],"kind":"script","rps":300,"duration":"15s","issue":"https://github.com/isaacs/node-lru-cache/issues/227","library":"lru-cache@7.18.3","control":true}
 */
import LRU from 'lru-cache-7-18-3';

const cache = new LRU({ maxSize: 200_000, sizeCalculation: (v) => v.payload.length + 64 });
let i = 0;
export const options = { rps: 300, duration: '15s' };
export default function iteration() {
  i++;
  cache.set(`doc:${i}`, { id: i, payload: `row ${i} `.repeat(20) });
  return cache.get(`doc:${i - 3}`)?.id ?? 0;
}
