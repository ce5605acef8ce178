/**
 * Control for http-proxy-middleware-3.0.5-proxy-per-request.mjs: the same proxy created once, at
 * start-up, as the maintainer says it should be ("Proxy should be created and configured before
 * the `app.get`"): one `close` listener for the life of the server.
 * Issue: https://github.com/chimurai/http-proxy-middleware/issues/954. Version: http-proxy-middleware@3.0.5 (documented use).
 * Expected: no finding.
 *
 * @expect {"verdict":"none","owner":[],"kind":"http","rps":100,"duration":"15s","issue":"https://github.com/chimurai/http-proxy-middleware/issues/954","library":"http-proxy-middleware@3.0.5","control":true}
 */
import http from 'node:http';
import hpm from 'http-proxy-middleware';

const { createProxyMiddleware } = hpm;
const upstream = http.createServer((req, res) => res.end('upstream ok'));
await new Promise((r) => upstream.listen(0, '127.0.0.1', r));
const target = `http://127.0.0.1:${upstream.address().port}`;

const proxy = createProxyMiddleware({ target, changeOrigin: true, logger: null });
const server = http.createServer((req, res) => {
  proxy(req, res, (err) => {
    res.statusCode = 502;
    res.end(String(err));
  });
});
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ pid: process.pid, port: server.address().port }) + '\n');
});
