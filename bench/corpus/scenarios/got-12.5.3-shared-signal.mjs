/**
 * Control for got-12.5.2-shared-signal.mjs: since 12.5.3 (PR #2162) the `abort` listener is
 * removed from the signal when the request is destroyed, which happens once the response is read,
 * so nothing stays on the shared signal.
 * Issue: https://github.com/sindresorhus/got/issues/2160. Version: got@12.5.3 (fixed).
 * Expected: no finding.
 *
 * @expect {"verdict":"none","owner":[],"kind":"script","rps":40,"duration":"15s","issue":"https://github.com/sindresorhus/got/issues/2160","library":"got@12.5.3","control":true}
 */
import http from 'node:http';
import got from 'got-12-5-3';

export const options = { rps: 40, duration: '15s' };
export async function setup() {
  const server = http.createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end('{"ok":true}');
  });
  server.keepAliveTimeout = 600_000;
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
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
