/**
 * express@4.21.2: calling `req.app.use(fn)` inside a middleware mounts a new Layer (with a new
 * closure) on the app router's `stack` on every request; the maintainers' answer: "you're creating a
 * memory leak by mounting applications every single request loop ... for each request, you have
 * one extra set of middleware mounted".
 * Issue: https://github.com/expressjs/express/issues/3148 (also #1500). Version: express@4.21.2.
 * Attach target: the runner starts this server, then `memprobe attach <pid> --url ... --rps ...`.
 * Expected: leak (per-request closures registered as middleware), owner the app's Router (its `stack`).
 *
 * @expect {"verdict":"leak","owner":["router","Router","Array (stack)","stack","app"],"kind":"attach","rps":150,"duration":"15s","issue":"https://github.com/expressjs/express/issues/3148","library":"express@4.21.2","control":false}
 */
import express from 'express-4';

const app = express();
app.use((req, res, next) => {
  const startedAt = Date.now();
  req.app.use((innerReq, innerRes, innerNext) => {
    innerRes.locals.startedAt = startedAt;
    innerNext();
  });
  next();
});
app.get('/', (req, res) => res.json({ ok: true }));
const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ pid: process.pid, port: server.address().port }) + '\n');
});
