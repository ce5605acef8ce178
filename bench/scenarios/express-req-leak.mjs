// An Express server that keeps every request object for "debugging". Expected: leak (requests/sockets).
import express from 'express';

const app = express();
const recent = [];
app.get('/', (req, res) => {
  recent.push(req);
  res.send('ok');
});
const server = app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  console.log(`express-req-leak pid=${process.pid} port=${server.address().port}`);
});
