/**
 * mem@3.0.1 with `maxAge`: an expired entry is only replaced when the same arguments come again;
 * entries whose arguments never recur stay in the memoized function's cache Map forever ("old
 * results are never removed from the cache, even when they reach their maxAge").
 * Issue: https://github.com/sindresorhus/memoize/issues/14 (fixed by #19, map-age-cleaner, in mem@4.0.0).
 * Leaking version: mem@3.0.1. Control: mem-4.0.0-maxage.mjs.
 * Expected: accumulation (memoized results keyed by input), owner the memoized function (its cache
 * Map is reachable only through mem's closure/WeakMap).
 *
 * @expect {"verdict":"accumulation","owner":["memoized","lookupRate","/^Map \\(.*\\)$/"],"kind":"script","rps":400,"duration":"15s","issue":"https://github.com/sindresorhus/memoize/issues/14","library":"mem@3.0.1","control":false}
 */
import mem from 'mem-3';

const lookupRate = mem((from, to, day) => ({ from, to, day, rate: 1 + ((from.length * 7 + to.length * 3 + day) % 100) / 1000 }), {
  maxAge: 1000,
  cacheKey: (...args) => args.join('|'),
});
let i = 0;
export const options = { rps: 400, duration: '15s' };
export default function iteration() {
  i++;
  return lookupRate('EUR', 'USD', i).rate;
}
