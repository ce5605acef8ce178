/**
 * Control for moize-5.4.7-unbounded-default.mjs: since v6 the default `maxSize` is 1, so the same
 * calls keep one result.
 * Issue: https://github.com/planttheidea/micro-memoize/issues/53. Version: moize@6.1.6 (fixed default).
 * Expected: no finding.
 *
 * @expect {"verdict":"none","owner":[],"kind":"script","rps":300,"duration":"15s","issue":"https://github.com/planttheidea/micro-memoize/issues/53","library":"moize@6.1.6","control":true}
 */
import moizeModule from 'moize-6';

const moize = moizeModule.default ?? moizeModule;
const priceFor = moize((sku, currency) => ({ sku, currency, cents: sku.length * 100, label: `${sku}/${currency}` }));
let n = 0;
export const options = { rps: 300, duration: '15s' };
export default function iteration() {
  return priceFor(`sku-${n++}`, 'EUR').cents;
}
