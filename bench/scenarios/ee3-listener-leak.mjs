// eventemitter3: each request subscribes a handler closing over its context and never unsubscribes.
// Expected: leak, owner EventEmitter (listeners).
import EventEmitter from 'eventemitter3';

const bus = new EventEmitter();
let i = 0;
export const options = { rps: 1000, duration: '40s' };
export default function iteration() {
  const ctx = { id: ++i, startedAt: Date.now() };
  bus.on('config-changed', () => {
    ctx.stale = true;
  });
}
