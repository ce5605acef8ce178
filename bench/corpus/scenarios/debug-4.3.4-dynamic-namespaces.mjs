/**
 * Control for debug-4.1.1-dynamic-namespaces.mjs: the same per-request `debug(namespace)` on
 * debug@4.3.4, where instances are no longer tracked centrally (https://github.com/debug-js/debug/pull/740),
 * so each one is garbage once the request is done.
 * Issue: https://github.com/debug-js/debug/issues/678. Fixed version: debug@4.3.4.
 * Expected: no finding.
 *
 * @expect {"verdict":"none","owner":[],"kind":"script","rps":400,"duration":"15s","issue":"https://github.com/debug-js/debug/issues/678","library":"debug@4.3.4","control":true}
 */
import createDebug from 'debug-4-3-4';

let i = 0;
export const options = { rps: 400, duration: '15s' };
export default function iteration() {
  i++;
  const log = createDebug(`app:request:${i}`);
  log('handling request %d', i);
}
