/**
 * cls-hooked@4.2.2: `createNamespace(name)` creates and enables an async hook for the namespace;
 * `destroyNamespace(name)` only sets `process.namespaces[name] = null` and never disables the hook,
 * so the hook (registered with async_hooks for the life of the process) keeps the namespace and its
 * `_contexts` Map alive. A namespace per request, destroyed at the end, leaks both.
 * PR: https://github.com/Jeff-Lewis/cls-hooked/pull/60 ("It looks like we have to `disable` hook, when
 * namespace is destroyed"; also #35). Version: cls-hooked@4.2.2 (never merged).
 * Expected: leak (async hooks and contexts of finished requests), owner the async hook registry /
 * the Namespace objects it holds.
 *
 * @expect {"verdict":"leak","owner":["Namespace","AsyncHook","/^Array \\(.*\\)$/"],"kind":"script","rps":40,"duration":"15s","issue":"https://github.com/Jeff-Lewis/cls-hooked/pull/60","library":"cls-hooked@4.2.2","control":false}
 */
import clsHooked from 'cls-hooked';

let i = 0;
export const options = { rps: 40, duration: '15s' };
export default function iteration() {
  const name = `request-${++i}`;
  const ns = clsHooked.createNamespace(name);
  ns.run(() => {
    ns.set('requestId', name);
  });
  clsHooked.destroyNamespace(name);
}
