/**
 * Healthy control: lru-cache@11.0.2 with `max`, unique keys per request: fills, then evicts.
 * (From bench/scenarios/lru-capped.mjs.)
 * Issue: none (healthy use). Library: lru-cache@11.0.2.
 * Expected: no finding (it fills during warm-up), or bounded.
 *
 * @expect {"verdict":"none","accept":["bounded"],"owner":["LRUCache"],"kind":"script","rps":400,"duration":"15s","issue":null,"library":"lru-cache@11.0.2","control":true}
 */
import { LRUCache } from 'lru-cache';

const cache = new LRUCache({ max: 2000 });
let i = 0;
export const options = { rps: 400, duration: '15s' };
export default function iteration() {
  i++;
  cache.set(`user:${i}`, { id: i, name: `user ${i}`, roles: ['reader'] });
  cache.get(`user:${i - 7}`);
}
