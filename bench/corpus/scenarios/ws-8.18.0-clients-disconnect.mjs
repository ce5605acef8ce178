/**
 * Healthy control for ws-8.18.0-clients-set-never-pruned.mjs: the same echo server using ws's own
 * client tracking (`wss.clients`), from which ws removes a client when it closes; clients
 * disconnect cleanly.
 * Issue: https://github.com/websockets/ws/issues/869. Library: ws@8.18.0.
 * Expected: no finding.
 *
 * @expect {"verdict":"none","owner":[],"kind":"script","rps":100,"duration":"15s","issue":"https://github.com/websockets/ws/issues/869","library":"ws@8.18.0","control":true}
 */
import { WebSocketServer, WebSocket } from 'ws';

export const options = { rps: 100, duration: '15s' };
export async function setup() {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  wss.on('connection', (ws) => {
    ws.on('message', (data) => {
      for (const c of wss.clients) if (c === ws && c.readyState === WebSocket.OPEN) c.send(`echo:${data}`);
    });
  });
  await new Promise((r) => wss.once('listening', r));
  return { wss, url: `ws://127.0.0.1:${wss.address().port}/` };
}
let i = 0;
export default function iteration(state) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(state.url, { perMessageDeflate: false });
    ws.on('open', () => ws.send(`hello ${++i}`));
    ws.on('message', () => ws.close());
    ws.on('close', resolve);
    ws.on('error', reject);
  });
}
export async function teardown(state) {
  await new Promise((r) => state.wss.close(r));
}
