/**
 * lodash.set@4.3.2 (per-method package): like lodash.get@4.4.2, its `stringToPath` is memoized with
 * the uncapped `memoize`, so every distinct path ever set is parsed and kept; lodash proper uses
 * `memoizeCapped`. Reported with a reproduction repository.
 * Issue: https://github.com/lodash/lodash/issues/3793. Version: lodash.set@4.3.2.
 * Expected: accumulation (memoized results keyed by input), owner the memoized function / its MapCache
 * (whose Hash holds string keys).
 *
 * @expect {"verdict":"accumulation","owner":["memoized","stringToPath","MapCache","Hash","memoize","/^Map \\(.*\\)$/"],"kind":"script","rps":400,"duration":"15s","issue":"https://github.com/lodash/lodash/issues/3793","library":"lodash.set@4.3.2","control":false}
 */
import set from 'lodash.set';

let i = 0;
export const options = { rps: 400, duration: '15s' };
export default function iteration() {
  i++;
  const doc = {};
  set(doc, `metrics.requests[${i}].status`, 200);
  return Object.keys(doc).length;
}
