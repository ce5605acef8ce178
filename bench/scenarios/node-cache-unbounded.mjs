// node-cache with no TTL and no maxKeys, a new key per request. Expected: accumulation, owner NodeCache.
import NodeCache from 'node-cache';

const cache = new NodeCache({ stdTTL: 0, checkperiod: 0, useClones: false });
let i = 0;
export const options = { rps: 1000, duration: '40s' };
export default function iteration() {
  i++;
  cache.set(`session:${i}`, { user: `u${i % 5000}`, started: Date.now() });
}
