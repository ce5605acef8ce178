/**
 * fast-memoize@2.5.2: the default cache (`ObjectWithoutPrototypeCache`, a prototype-less object)
 * has no limit, by design: every distinct argument adds an entry for good. Reporter: "the simple
 * cache (Object cache) applies no limits"; maintainer: "I not willing to implement a cacheLimit,
 * since there is another check to be made in the hot path", pointing to a custom cache instead.
 * Issue: https://github.com/caiogondim/fast-memoize.js/issues/8. Version: fast-memoize@2.5.2
 * (control: fast-memoize-2.5.2-bounded-cache.mjs).
 * Expected: accumulation (results cached by input, unbounded), owner the cache.
 *
 * @expect {"verdict":"accumulation","owner":["ObjectWithoutPrototypeCache","Object (cache)","renderRow","memoized"],"kind":"script","rps":400,"duration":"15s","issue":"https://github.com/caiogondim/fast-memoize.js/issues/8","library":"fast-memoize@2.5.2","control":false}
 */
import memoize from 'fast-memoize';

const renderRow = memoize((user) => `<li data-id="${user.id}">${user.name}</li>`);
let n = 0;
export const options = { rps: 400, duration: '15s' };
export default function iteration() {
  const id = n++;
  return renderRow({ id, name: `user${id}` }).length;
}
