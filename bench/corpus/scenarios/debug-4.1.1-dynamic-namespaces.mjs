/**
 * debug@4.1.1: every `debug(namespace)` call pushes the new instance onto `createDebug.instances`
 * (kept so that `enable()`/`disable()` can update live instances), and nothing ever removes it unless
 * the caller calls the undocumented `destroy()`. Creating a logger per request or per job, with a
 * dynamic namespace, as in the report, keeps every instance (a closure with its namespace string) forever.
 * Issue: https://github.com/debug-js/debug/issues/678 (fixed by https://github.com/debug-js/debug/pull/740, released in 4.2.0).
 * Leaking version: debug@4.1.1. Control: debug-4.3.4-dynamic-namespaces.mjs.
 * Expected: leak: per-request closures (the debug functions) kept for finished work, owner the
 * `instances` array on `createDebug`.
 *
 * @expect {"verdict":"leak","owner":["createDebug","Array (instances)","instances"],"kind":"script","rps":400,"duration":"15s","issue":"https://github.com/debug-js/debug/issues/678","library":"debug@4.1.1","control":false}
 */
import createDebug from 'debug-4-1-1';

let i = 0;
export const options = { rps: 400, duration: '15s' };
export default function iteration() {
  i++;
  const log = createDebug(`app:request:${i}`);
  log('handling request %d', i);
}
