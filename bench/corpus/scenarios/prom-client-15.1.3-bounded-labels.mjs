/**
 * Healthy control: prom-client@15.1.3 with a small fixed label set (route templates, status
 * classes), so the series are created once. (From bench/scenarios/prom-bounded-labels.mjs.)
 * Issue: none (healthy use). Library: prom-client@15.1.3.
 * Expected: no finding.
 *
 * @expect {"verdict":"none","owner":[],"kind":"script","rps":400,"duration":"15s","issue":null,"library":"prom-client@15.1.3","control":true}
 */
import client from 'prom-client';

const registry = new client.Registry();
const requests = new client.Counter({ name: 'requests_total', help: 'requests', labelNames: ['status'], registers: [registry] });
const latency = new client.Histogram({ name: 'latency_seconds', help: 'latency', labelNames: ['route'], registers: [registry] });
const statuses = ['200', '201', '404', '500'];
const routes = ['/users/:id', '/orders/:id', '/health'];
let i = 0;
export const options = { rps: 400, duration: '15s' };
export default function iteration() {
  i++;
  requests.inc({ status: statuses[i % statuses.length] });
  latency.observe({ route: routes[i % routes.length] }, Math.random());
}
