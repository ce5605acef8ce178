/**
 * got@12.5.2: a request made with `signal` adds an `abort` listener to the caller's AbortSignal
 * (`() => this.destroy(new AbortError(this))`) and never removes it, so a long-lived signal reused
 * for request after request (e.g. a service-wide shutdown controller) keeps every finished got
 * `Request` stream (its options, buffers, response and timings) alive for as long as the signal lives.
 * Reporter: "The event handler is never removed so the signal retains a reference to the `Request`
 * instance for as long as it lives." Fix PR #2162 ("removing abort event listeners on destroy"),
 * released in 12.5.3 (`_removeListeners()` in `_destroy`).
 * Issue: https://github.com/sindresorhus/got/issues/2160. Version: got@12.5.2
 * (control: got-12.5.3-shared-signal.mjs).
 * Expected: leak (abort listeners of finished requests), owner the shared AbortSignal.
 *
 * @expect {"verdict":"leak","owner":["AbortSignal","AbortController","EventTarget"],"kind":"script","rps":40,"duration":"15s","issue":"https://github.com/sindresorhus/got/issues/2160","library":"got@12.5.2","control":false}
 */
import http from 'node:http';
import got from 'got-12-5-2';

export const options = { rps: 40, duration: '15s' };
export async function setup() {
  const server = http.createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end('{"ok":true}');
  });
  server.keepAliveTimeout = 600_000;
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  // One controller for the whole service, aborted only on shutdown.
  const shutdown = new AbortController();
  return { server, agent, shutdown, url: `http://127.0.0.1:${server.address().port}/status` };
}
export default async function iteration(state) {
  const body = await got(state.url, { agent: { http: state.agent }, signal: state.shutdown.signal, retry: { limit: 0 } }).json();
  return body.ok;
}
export async function teardown(state) {
  state.agent.destroy();
  state.server.closeAllConnections();
  await new Promise((r) => state.server.close(r));
}
