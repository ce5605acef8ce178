// lru-cache with a cap, unique keys per request: fills, then evicts. Expected: bounded or nothing.
import { LRUCache } from 'lru-cache';

const cache = new LRUCache({ max: 2000 });
let i = 0;
export const options = { rps: 1000, duration: '40s' };
export default function iteration() {
  i++;
  cache.set(`user:${i}`, { id: i, name: `user ${i}`, roles: ['reader'] });
  cache.get(`user:${i - 7}`);
}
