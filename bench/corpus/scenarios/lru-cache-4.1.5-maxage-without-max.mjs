/**
 * lru-cache@4.1.5 with `maxAge` and no `max` (max defaults to Infinity): an aged entry is only
 * dropped when it is read (or on `prune()`), so entries under keys that are never requested again
 * stay forever. The report (through cache-manager's memory store): timestamp-keyed 2 MB arrays that
 * are never read again, "My problem is the never released memory for outdated entries".
 * Issue: https://github.com/jaredwray/cacheable/issues/15 (node-cache-manager, lru-cache memory store).
 * Version: lru-cache@4.1.5. (7.x made max/maxSize/ttl mandatory: isaacs/node-lru-cache#210.)
 * Expected: accumulation (cache entries keyed by input, never evicted), owner LRUCache.
 *
 * @expect {"verdict":"accumulation","owner":["LRUCache"],"kind":"script","rps":300,"duration":"15s","issue":"https://github.com/jaredwray/cacheable/issues/15","library":"lru-cache@4.1.5","control":false}
 */
import LRU from 'lru-cache-4-1-5';

const candles = new LRU({ maxAge: 60 * 60 * 1000 });
let i = 0;
export const options = { rps: 300, duration: '15s' };
export default function iteration() {
  i++;
  const minute = Math.floor(Date.now() / 60000) * 60000 + i; // a new timestamp key per request
  candles.set(String(minute), { open: 1 + (i % 7) / 100, close: 1 + (i % 5) / 100, volume: i % 1000 });
}
