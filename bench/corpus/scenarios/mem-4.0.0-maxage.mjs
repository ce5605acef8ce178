/**
 * Control for mem-3.0.1-maxage.mjs: mem@4.0.0, where map-age-cleaner deletes each entry when its
 * maxAge passes (https://github.com/sindresorhus/memoize/pull/19), so the cache holds about one
 * second of entries.
 * Issue: https://github.com/sindresorhus/memoize/issues/14. Fixed version: mem@4.0.0.
 * Expected: no finding (the cache reaches its steady size within the warm-up), or bounded.
 *
 * @expect {"verdict":"none","accept":["bounded"],"owner":[],"kind":"script","rps":400,"duration":"15s","issue":"https://github.com/sindresorhus/memoize/issues/14","library":"mem@4.0.0","control":true}
 */
import mem from 'mem-4';

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
