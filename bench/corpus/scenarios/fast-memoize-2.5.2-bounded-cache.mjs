/**
 * Control for fast-memoize-2.5.2-default-cache.mjs: the same memoized function with a custom
 * cache of at most 1000 entries, the extension point the maintainer points to for a limit.
 * Issue: https://github.com/caiogondim/fast-memoize.js/issues/8. Version: fast-memoize@2.5.2 (bounded custom cache).
 * Expected: no finding (or bounded: the cache fills up to its limit, then levels off).
 *
 * @expect {"verdict":"none","accept":["bounded"],"owner":[],"kind":"script","rps":400,"duration":"15s","issue":"https://github.com/caiogondim/fast-memoize.js/issues/8","library":"fast-memoize@2.5.2","control":true}
 */
import memoize from 'fast-memoize';

class BoundedCache {
  constructor(max) {
    this.max = max;
    this.map = new Map();
  }
  has(key) {
    return this.map.has(key);
  }
  get(key) {
    return this.map.get(key);
  }
  set(key, value) {
    if (this.map.size >= this.max) this.map.delete(this.map.keys().next().value);
    this.map.set(key, value);
  }
}
const renderRow = memoize((user) => `<li data-id="${user.id}">${user.name}</li>`, { cache: { create: () => new BoundedCache(1000) } });
let n = 0;
export const options = { rps: 400, duration: '15s' };
export default function iteration() {
  const id = n++;
  return renderRow({ id, name: `user${id}` }).length;
}
