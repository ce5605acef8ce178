/**
 * lodash.get@4.4.2 (the per-method package): `stringToPath` is wrapped in an uncapped `memoize`, so
 * every distinct path string ever passed to `get()` is parsed once and kept, key and parsed array,
 * in the memoized function's `cache` (a MapCache). Paths built per request (`items[${id}].price`)
 * grow it without bound. lodash proper uses `memoizeCapped` (500 entries).
 * Issue: https://github.com/lodash/lodash/issues/3622 (also #3307, #3793). Leaking version:
 * lodash.get@4.4.2. Control: lodash-4.17.21-get-dynamic-paths.mjs.
 * Expected: accumulation (memoized results keyed by input), owner the memoized function / its MapCache
 * (whose Hash holds string keys).
 *
 * @expect {"verdict":"accumulation","owner":["memoized","stringToPath","MapCache","Hash","memoize","/^Map \\(.*\\)$/"],"kind":"script","rps":400,"duration":"15s","issue":"https://github.com/lodash/lodash/issues/3622","library":"lodash.get@4.4.2","control":false}
 */
import get from 'lodash.get';

const order = { items: [], customer: { address: { city: 'Lyon' } } };
for (let k = 0; k < 50; k++) order.items.push({ sku: `sku-${k}`, price: k * 1.5 });
let i = 0;
export const options = { rps: 400, duration: '15s' };
export default function iteration() {
  i++;
  return get(order, `items[${i % 50}].price`) + get(order, `lines.${i}.quantity`, 0) + get(order, 'customer.address.city').length;
}
