/**
 * Control for express-session-1.18.1-memorystore.mjs: the same app with the `memorystore` store the
 * express-session README recommends instead, capped (`max`) and pruned (`checkPeriod`), so the
 * session store fills and then turns over.
 * Issue: https://github.com/ExpressGateway/express-gateway/issues/479. Library: memorystore@1.6.7.
 * Expected: bounded (or nothing, if it fills during warm-up).
 *
 * @expect {"verdict":"bounded","accept":["none"],"owner":["MemoryStore","LRUCache"],"kind":"http","rps":300,"duration":"15s","issue":"https://github.com/ExpressGateway/express-gateway/issues/479","library":"memorystore@1.6.7","control":true}
 */
import express from 'express';
import session from 'express-session';
import createMemoryStore from 'memorystore';

const MemoryStore = createMemoryStore(session);
const app = express();
app.use(
  session({
    secret: 'corpus',
    resave: false,
    saveUninitialized: true,
    cookie: { maxAge: 60_000 },
    store: new MemoryStore({ checkPeriod: 10_000, max: 500 }),
  }),
);
app.get('/', (req, res) => {
  req.session.visits = (req.session.visits ?? 0) + 1;
  req.session.landing = req.url;
  res.json({ visits: req.session.visits });
});
const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ pid: process.pid, port: server.address().port }) + '\n');
});
