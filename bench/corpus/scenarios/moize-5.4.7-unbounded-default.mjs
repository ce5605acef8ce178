/**
 * moize@5.4.7: the default `maxSize` is Infinity, so a memoized function called with ever-new
 * arguments keeps every result (micro-memoize's `{ keys, values }` cache, held by the memoized
 * function's closure). The author of both libraries: "This was a driving factor to why `moize`
 * changed its default cache size from `Infinity` to `1` in v6; infinite cache creates easy leaks".
 * Issue: https://github.com/planttheidea/micro-memoize/issues/53 (also moize #118, #149).
 * Version: moize@5.4.7 (control: moize-6.1.6-unbounded-default.mjs).
 * Expected: accumulation (results cached by input, unbounded), owner the memoized function / its cache.
 *
 * @expect {"verdict":"accumulation","owner":["memoized","moized","priceFor","/^Array \\((keys|values)\\)$/","Object (cache)"],"kind":"script","rps":300,"duration":"15s","issue":"https://github.com/planttheidea/micro-memoize/issues/53","library":"moize@5.4.7","control":false}
 */
import moizeModule from 'moize-5';

const moize = moizeModule.default ?? moizeModule;
const priceFor = moize((sku, currency) => ({ sku, currency, cents: sku.length * 100, label: `${sku}/${currency}` }));
let n = 0;
export const options = { rps: 300, duration: '15s' };
export default function iteration() {
  return priceFor(`sku-${n++}`, 'EUR').cents;
}
