/**
 * http-proxy-middleware@3.0.5 created inside the request handler: each new middleware subscribes
 * to the HTTP server's `close` event (to close its proxy) the first time it serves a request, and
 * nothing ever unsubscribes it, so every request leaves a listener on the server that keeps its
 * middleware and its http-proxy ProxyServer. Reporter: "on every single request ... it will always
 * add an event listener to server.onClose, and the object was never cleared"; maintainer (#954):
 * "You are creating a new proxy inside the `app.get`, that is why you have a leak."
 * Issue: https://github.com/chimurai/http-proxy-middleware/issues/909 (and #954).
 * Version: http-proxy-middleware@3.0.5 (control: http-proxy-middleware-3.0.5-proxy-once.mjs, the documented use).
 * Expected: leak (a listener and a proxy per finished request), owner the HTTP Server.
 *
 * @expect {"verdict":"leak","owner":["Server"],"kind":"http","rps":100,"duration":"15s","issue":"https://github.com/chimurai/http-proxy-middleware/issues/909","library":"http-proxy-middleware@3.0.5","control":false}
 */
import http from 'node:http';
import hpm from 'http-proxy-middleware';

const { createProxyMiddleware } = hpm;
const upstream = http.createServer((req, res) => res.end('upstream ok'));
await new Promise((r) => upstream.listen(0, '127.0.0.1', r));
const target = `http://127.0.0.1:${upstream.address().port}`;

const server = http.createServer((req, res) => {
  const proxy = createProxyMiddleware({ target, changeOrigin: true, logger: null });
  proxy(req, res, (err) => {
    res.statusCode = 502;
    res.end(String(err));
  });
});
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ pid: process.pid, port: server.address().port }) + '\n');
});
