/**
 * lodash@4.17.21 `_.memoize(fn)`: without a resolver the first argument is the key, and an array
 * key is compared by reference in the MapCache. graphql-jit memoized `joinOriginPaths(paths)` this
 * way with arrays rebuilt on every compilation, so the cache never hits and only grows: "~400MB
 * (30% of the heap) ... in 24 hours".
 * Issue: https://github.com/zalando-incubator/graphql-jit/issues/287. Version: lodash@4.17.21 (by design).
 * Expected: accumulation (memoized results keyed by input), owner the memoized function (its `cache`).
 *
 * @expect {"verdict":"accumulation","owner":["memoized","joinOriginPaths","MapCache","/^Map \\(.*\\)$/"],"kind":"script","rps":400,"duration":"15s","issue":"https://github.com/zalando-incubator/graphql-jit/issues/287","library":"lodash@4.17.21","control":false}
 */
import lodash from 'lodash';

const joinOriginPaths = lodash.memoize((paths) => paths.join('.'));
let i = 0;
export const options = { rps: 400, duration: '15s' };
export default function iteration() {
  i++;
  const originPaths = ['query', 'user', `field${i % 20}`].concat(['friends', 'edges']);
  return joinOriginPaths(originPaths).length;
}
