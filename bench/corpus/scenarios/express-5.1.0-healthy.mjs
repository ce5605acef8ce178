/**
 * Healthy control: an Express 5 server whose per-request work all becomes garbage.
 * (From bench/scenarios/express-healthy.mjs.)
 * Issue: none (healthy use). Library: express@5.1.0.
 * Expected: no finding.
 *
 * @expect {"verdict":"none","owner":[],"kind":"http","rps":300,"duration":"15s","issue":null,"library":"express@5.1.0","control":true}
 */
import express from 'express';

const app = express();
let hits = 0;
app.get('/', (req, res) => {
  hits++;
  const body = JSON.stringify({ hits, items: Array.from({ length: 20 }, (_, i) => ({ i, s: `item ${i}` })) });
  res.type('json').send(body);
});
const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ pid: process.pid, port: server.address().port }) + '\n');
});
