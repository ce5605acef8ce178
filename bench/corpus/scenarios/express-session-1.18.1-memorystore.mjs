/**
 * express-session@1.18.1 with its default MemoryStore: the store is a plain object of sessions keyed
 * by session id and never prunes expired ones ("purposely not designed for a production
 * environment. It will leak memory under most conditions"). With `saveUninitialized: true`, every
 * client without a cookie (crawlers, health checks, API clients) creates a session that stays.
 * Issue: https://github.com/ExpressGateway/express-gateway/issues/479 (also node-red/node-red#1434).
 * Version: express-session@1.18.1 (by design). Control: memorystore-1.6.7-capped-sessions.mjs.
 * Attach target: the runner starts this server itself, then `memprobe attach <pid> --url ... --rps ...`.
 * Expected: accumulation (session records keyed by id, kept on purpose, never bounded), owner MemoryStore.
 *
 * @expect {"verdict":"accumulation","owner":["MemoryStore","Object (sessions)"],"kind":"attach","rps":300,"duration":"15s","issue":"https://github.com/ExpressGateway/express-gateway/issues/479","library":"express-session@1.18.1","control":false}
 */
import express from 'express';
import session from 'express-session';

const app = express();
app.use(session({ secret: 'corpus', resave: false, saveUninitialized: true, cookie: { maxAge: 60_000 } }));
app.get('/', (req, res) => {
  req.session.visits = (req.session.visits ?? 0) + 1;
  req.session.landing = req.url;
  res.json({ visits: req.session.visits });
});
const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ pid: process.pid, port: server.address().port }) + '\n');
});
