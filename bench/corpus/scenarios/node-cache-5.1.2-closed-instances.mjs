/**
 * Control for node-cache-5.1.2-instance-per-request.mjs: the same short-lived NodeCache, closed
 * (`close()` clears its check timeout) when the request is done.
 * Issue: https://github.com/lhkbob/eve-swagger-js/issues/48. Library: node-cache@5.1.2.
 * Expected: no finding.
 *
 * @expect {"verdict":"none","owner":[],"kind":"script","rps":300,"duration":"15s","issue":"https://github.com/lhkbob/eve-swagger-js/issues/48","library":"node-cache@5.1.2","control":true}
 */
import NodeCache from 'node-cache';

let i = 0;
export const options = { rps: 300, duration: '15s' };
export default function iteration() {
  i++;
  const tokenCache = new NodeCache({ stdTTL: 30, checkperiod: 60 });
  tokenCache.set('character', { id: i, name: `pilot ${i}` });
  const id = tokenCache.get('character').id;
  tokenCache.close();
  return id;
}
