/**
 * ws@8.18.0 server whose application keeps its own `clients` Set for broadcasting and adds each
 * connection on 'connection' but never deletes it on 'close': every WebSocket (with its socket,
 * receiver and sender) stays after the client has gone, memory "proportional to new connections,
 * not concurrent connections", as in the report. Each iteration is one client session: connect,
 * send a message, get the reply, close (a k6-style websocket script).
 * Issue: https://github.com/websockets/ws/issues/869. Version: ws@8.18.0.
 * Control: ws-8.18.0-clients-disconnect.mjs (relies on `wss.clients`, which ws prunes on close).
 * Expected: leak (closed sockets/connections), owner the `clients` Set.
 *
 * @expect {"verdict":"leak","owner":["Set (clients)","clients"],"kind":"script","rps":100,"duration":"15s","issue":"https://github.com/websockets/ws/issues/869","library":"ws@8.18.0","control":false}
 */
import { WebSocketServer, WebSocket } from 'ws';

export const options = { rps: 100, duration: '15s' };
const clients = new Set();
export async function setup() {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, clientTracking: false });
  wss.on('connection', (ws) => {
    clients.add(ws);
    ws.on('message', (data) => {
      for (const c of clients) if (c === ws && c.readyState === WebSocket.OPEN) c.send(`echo:${data}`);
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
  for (const c of clients) c.terminate();
  await new Promise((r) => state.wss.close(r));
}
