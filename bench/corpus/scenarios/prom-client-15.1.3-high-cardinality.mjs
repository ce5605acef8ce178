/**
 * prom-client@15.1.3: each distinct label set is a new series in the metric's hashMap, kept for
 * the life of the registry. Labelling a histogram with the raw request path (`/users/123`) makes one
 * series (with its bucket counts) per user id: the "high cardinality" problem of every Prometheus
 * client (same bug with the Java client: apache/shenyu#6671).
 * Issue: https://github.com/apache/shenyu/issues/6671 (raw path label, unbounded series map). Version: prom-client@15.1.3.
 * Control: prom-client-15.1.3-bounded-labels.mjs. (From bench/scenarios/prom-high-cardinality.mjs.)
 * Expected: accumulation (metric series multiplied by label values), owner Histogram.
 *
 * @expect {"verdict":"accumulation","owner":["Histogram","Object (hashMap)"],"kind":"script","rps":400,"duration":"15s","issue":"https://github.com/apache/shenyu/issues/6671","library":"prom-client@15.1.3","control":false}
 */
import client from 'prom-client';

const registry = new client.Registry();
const latency = new client.Histogram({ name: 'http_request_duration_seconds', help: 'request latency', labelNames: ['method', 'path'], registers: [registry] });
let i = 0;
export const options = { rps: 400, duration: '15s' };
export default function iteration() {
  i++;
  latency.observe({ method: 'GET', path: `/users/${i}` }, Math.random() / 10);
}
