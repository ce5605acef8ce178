/**
 * Healthy control for cls-hooked-4.2.2-promise-in-context.mjs: the same express handler keeping a
 * request id and a Promise in a per-request context, with Node's own AsyncLocalStorage, whose store
 * lives on the async resources themselves and goes with them.
 * Issue: https://github.com/Jeff-Lewis/cls-hooked/issues/66 (the bug this avoids). Library: express@4.21.2 + node:async_hooks.
 * Expected: no finding.
 *
 * @expect {"verdict":"none","owner":[],"kind":"http","rps":300,"duration":"15s","issue":"https://github.com/Jeff-Lewis/cls-hooked/issues/66","library":"express@4.21.2","control":true}
 */
import express from 'express-4';
import { AsyncLocalStorage } from 'node:async_hooks';

const als = new AsyncLocalStorage();
const app = express();
app.get('/', (req, res) => {
  als.run(new Map(), () => {
    const store = als.getStore();
    store.set('requestId', `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`);
    store.set('user', Promise.resolve({ id: 42, roles: ['reader'] }));
    res.json({ ok: true, requestId: store.get('requestId') });
  });
});
const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ pid: process.pid, port: server.address().port }) + '\n');
});
