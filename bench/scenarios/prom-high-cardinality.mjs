// prom-client histogram labelled with a per-request path: one new series per request.
// Expected: accumulation, owner Histogram (label sets pile up in its hashMap).
import client from 'prom-client';

const registry = new client.Registry();
const latency = new client.Histogram({
  name: 'http_request_duration_seconds',
  help: 'request latency',
  labelNames: ['method', 'path'],
  registers: [registry],
});
let i = 0;
export const options = { rps: 1000, duration: '40s' };
export default function iteration() {
  i++;
  latency.observe({ method: 'GET', path: `/users/${i}` }, Math.random() / 10);
}
