// An Express server with per-request work that all becomes garbage. Expected: no finding.
import express from 'express';

const app = express();
let hits = 0;
app.get('/', (req, res) => {
  hits++;
  const body = JSON.stringify({ hits, items: Array.from({ length: 20 }, (_, i) => ({ i, s: `item ${i}` })) });
  res.type('json').send(body);
});
const server = app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  console.log(`express-healthy pid=${process.pid} port=${server.address().port}`);
});
