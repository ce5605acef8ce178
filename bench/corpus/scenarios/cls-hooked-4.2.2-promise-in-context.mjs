/**
 * cls-hooked@4.2.2: the namespace's `_contexts` Map (keyed by async id) gets an entry for every
 * async resource created inside `ns.run()`, removed in the async hook's `destroy` callback. When the
 * context holds a Promise (here, a cached lookup the handler put in the context), the entries are
 * never deleted and the Map keeps one context per request, as the report shows with express.
 * Issue: https://github.com/Jeff-Lewis/cls-hooked/issues/66 (same family: #11, #21, #63). Leaking version:
 * cls-hooked@4.2.2 (last release; no fixed version). Control: node-als-express-healthy.mjs
 * (Node's AsyncLocalStorage, the replacement the maintainers point to).
 * Expected: leak (async-operation contexts of finished requests), owner the Namespace / its `_contexts` Map.
 *
 * @expect {"verdict":"leak","owner":["Namespace","Map (_contexts)","_contexts"],"kind":"http","rps":300,"duration":"15s","issue":"https://github.com/Jeff-Lewis/cls-hooked/issues/66","library":"cls-hooked@4.2.2","control":false}
 */
import express from 'express-4';
import clsHooked from 'cls-hooked';

const ns = clsHooked.createNamespace('request');
const app = express();
app.get('/', (req, res) => {
  ns.run(() => {
    ns.set('requestId', `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`);
    ns.set('user', Promise.resolve({ id: 42, roles: ['reader'] }));
    res.json({ ok: true, requestId: ns.get('requestId') });
  });
});
const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ pid: process.pid, port: server.address().port }) + '\n');
});
