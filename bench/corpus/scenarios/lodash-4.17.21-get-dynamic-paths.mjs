/**
 * Control for lodash.get-4.4.2-dynamic-paths.mjs: the same `get()` calls with lodash@4.17.21, whose
 * stringToPath uses `memoizeCapped` (cleared at 500 entries).
 * Issue: https://github.com/lodash/lodash/issues/3622. Library: lodash@4.17.21.
 * Expected: no finding (or bounded).
 *
 * @expect {"verdict":"none","accept":["bounded"],"owner":[],"kind":"script","rps":400,"duration":"15s","issue":"https://github.com/lodash/lodash/issues/3622","library":"lodash@4.17.21","control":true}
 */
import lodash from 'lodash';

const order = { items: [], customer: { address: { city: 'Lyon' } } };
for (let k = 0; k < 50; k++) order.items.push({ sku: `sku-${k}`, price: k * 1.5 });
let i = 0;
export const options = { rps: 400, duration: '15s' };
export default function iteration() {
  i++;
  return lodash.get(order, `items[${i % 50}].price`) + lodash.get(order, `lines.${i}.quantity`, 0) + lodash.get(order, 'customer.address.city').length;
}
