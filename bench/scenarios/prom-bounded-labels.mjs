// prom-client with a small fixed label set. Expected: no finding.
import client from 'prom-client';

const registry = new client.Registry();
const requests = new client.Counter({ name: 'requests_total', help: 'requests', labelNames: ['status'], registers: [registry] });
const latency = new client.Histogram({ name: 'latency_seconds', help: 'latency', labelNames: ['route'], registers: [registry] });
const statuses = ['200', '201', '404', '500'];
const routes = ['/a', '/b', '/c'];
let i = 0;
export const options = { rps: 1000, duration: '40s' };
export default function iteration() {
  i++;
  requests.inc({ status: statuses[i % statuses.length] });
  latency.observe({ route: routes[i % routes.length] }, Math.random());
}
