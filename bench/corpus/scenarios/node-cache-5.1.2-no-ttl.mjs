/**
 * node-cache@5.1.2 with `stdTTL: 0` (the default: no expiry) and no `maxKeys`: every key set stays.
 * The maintainer's answer in the issue: without a TTL and the check period, "unused keys (never
 * called with .get()) would stay within the node-cache instance forever". Session-like keys per
 * request grow it without bound. (From bench/scenarios/node-cache-unbounded.mjs.)
 * Issue: https://github.com/node-cache/node-cache/issues/52. Version: node-cache@5.1.2 (by design).
 * Expected: accumulation (cache entries keyed by input), owner NodeCache.
 *
 * @expect {"verdict":"accumulation","owner":["NodeCache","Object (data)"],"kind":"script","rps":400,"duration":"15s","issue":"https://github.com/node-cache/node-cache/issues/52","library":"node-cache@5.1.2","control":false}
 */
import NodeCache from 'node-cache';

const cache = new NodeCache({ stdTTL: 0, checkperiod: 0, useClones: false });
let i = 0;
export const options = { rps: 400, duration: '15s' };
export default function iteration() {
  i++;
  cache.set(`session:${i}`, { user: `u${i % 5000}`, started: Date.now() });
}
