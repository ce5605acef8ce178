/**
 * node-fetch@3.2.4: on every request's `socket` event it adds a `close` and a `data` listener to
 * the socket (to detect a chunked response cut short) and removes them only if the request is
 * aborted; on a keep-alive socket reused for request after request, each completed request leaves
 * two closures that keep its ClientRequest and the fetch's state. The fix PR: "Since 8eeeec1 it
 * seems listeners have been leaking on keep-alive sockets"; reviewer: "It will add additional
 * listeners on each request." Fixed in 3.2.5 (listeners removed on the request's `close`).
 * Issue: https://github.com/node-fetch/node-fetch/issues/1295 (also #1446, fix PR #1474).
 * Version: node-fetch@3.2.4 (control: node-fetch-3.2.5-keepalive-listeners.mjs).
 * Expected: leak (listeners of finished requests), owner the pooled Socket.
 *
 * @expect {"verdict":"leak","owner":["Socket"],"kind":"script","rps":200,"duration":"15s","issue":"https://github.com/node-fetch/node-fetch/issues/1295","library":"node-fetch@3.2.4","control":false}
 */
import http from 'node:http';
import fetch from 'node-fetch-3-2-4';

export const options = { rps: 200, duration: '15s' };
export async function setup() {
  const server = http.createServer((req, res) => res.end('{"ok":true}'));
  server.keepAliveTimeout = 600_000;
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  // One keep-alive socket, reused for every request.
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
