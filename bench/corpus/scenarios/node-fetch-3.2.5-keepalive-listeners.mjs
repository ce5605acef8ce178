/**
 * Control for node-fetch-3.2.4-keepalive-listeners.mjs: 3.2.5 removes the socket's `close` and
 * `data` listeners when the request closes ("Fix leaking listeners (#1295) (#1474)").
 * Issue: https://github.com/node-fetch/node-fetch/issues/1295. Version: node-fetch@3.2.5 (fixed).
 * Expected: no finding.
 *
 * @expect {"verdict":"none","owner":[],"kind":"script","rps":200,"duration":"15s","issue":"https://github.com/node-fetch/node-fetch/issues/1295","library":"node-fetch@3.2.5","control":true}
 */
import http from 'node:http';
import fetch from 'node-fetch-3-2-5';

export const options = { rps: 200, duration: '15s' };
export async function setup() {
  const server = http.createServer((req, res) => res.end('{"ok":true}'));
  server.keepAliveTimeout = 600_000;
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  return { server, agent, url: `http://127.0.0.1:${server.address().port}/status` };
}
export default async function iteration(state) {
  const res = await fetch(state.url, { agent: state.agent });
  await res.text();
}
export async function teardown(state) {
  state.agent.destroy();
  state.server.closeAllConnections();
  await new Promise((r) => state.server.close(r));
}
